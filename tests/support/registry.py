"""One registry of the clouds and languages the suites are parametrized over.

The choices themselves are read from copier/ (cloud.yml's ``cloud`` and platform.yml's
``language``), so a new cloud or language shows up here, and in every suite parametrized over
it, without retyping; the facts below are what the suites need to know about each one, and a
choice without its facts fails at import (see ``_complete``) rather than being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _choices(part: str, question: str) -> tuple[str, ...]:
    """The values of a question's choices in copier/<part>.yml, in the file's order."""
    spec = yaml.safe_load((ROOT / "copier" / f"{part}.yml").read_text())[question]
    return tuple(value["value"] if isinstance(value, dict) else value for value in spec["choices"].values())


CLOUD_CHOICES: tuple[str, ...] = _choices("cloud", "cloud")
LANGUAGE_CHOICES: tuple[str, ...] = _choices("platform", "language")


@dataclass(frozen=True)
class Cloud:
    """What the suites need to know about one cloud."""

    name: str
    # Answers that turn the canonical (AWS) answer set into a valid one for this cloud.
    overrides: dict[str, Any]
    # The Terraform provider's name (its required_providers key and resource prefix).
    provider: str
    # The computed value that says where the service runs (region or location).
    place: str


@dataclass(frozen=True)
class Language:
    """What the suites need to know about one language's rendered service/."""

    name: str
    # The container's health check: docker compose's and the Dockerfile's HEALTHCHECK command.
    healthcheck: tuple[str, ...]


CLOUDS: dict[str, Cloud] = {
    # Cloud Run needs at least 1 vCPU, and CDK only exists for AWS.
    "aws": Cloud("aws", {}, "aws", "aws_region"),
    "gcp": Cloud(
        "gcp", {"cloud": "gcp", "iac": "terraform", "cpu": 1024, "memory": 2048}, "google", "gcp_region"
    ),
    "azure": Cloud("azure", {"cloud": "azure", "iac": "terraform"}, "azurerm", "azure_location"),
}

LANGUAGES: dict[str, Language] = {
    "python": Language("python", ("python", "-m", "app.healthcheck")),
    "typescript": Language("typescript", ("node", "dist/healthcheck.js")),
    "rust": Language("rust", ("/app/service", "healthcheck")),
}

# The clouds other than the canonical one, which have their own secrets backend and variants.
OTHER_CLOUDS: tuple[str, ...] = tuple(cloud for cloud in CLOUD_CHOICES if cloud != "aws")


def _complete() -> None:
    """Every choice copier/ offers has its facts here, and nothing else does."""
    assert tuple(CLOUDS) == CLOUD_CHOICES, f"tests/support/registry.py: clouds {CLOUD_CHOICES}"
    assert tuple(LANGUAGES) == LANGUAGE_CHOICES, f"tests/support/registry.py: languages {LANGUAGE_CHOICES}"


_complete()
