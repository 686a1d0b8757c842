"""Fixtures of the Backstage tests: one export of the software template per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app


@dataclass(frozen=True)
class Exported:
    """``svcforge export backstage`` run once: the file, its parsed entity and the console output."""

    path: Path
    entity: dict[str, Any]
    output: str


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    out = tmp_path_factory.mktemp("backstage-export")
    result = CliRunner().invoke(app, ["export", "backstage", "--out", str(out)])
    assert result.exit_code == 0, result.output
    path = out / "template.yaml"
    return Exported(path, yaml.safe_load(path.read_text()), result.output)
