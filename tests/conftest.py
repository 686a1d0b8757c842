"""Suite-wide checks that run before any test."""

from __future__ import annotations

import pytest

from tests.support import toolchain


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once when a validator is missing (in CI), drifted or shadowed by another package."""
    found = toolchain.problems(toolchain.from_environment())
    if found:
        lines = "\n".join(f"  - {problem}" for problem in found)
        pytest.exit(f"the toolchain differs from .ci/toolchain.toml:\n{lines}", returncode=4)
