"""svcforge: scaffold production-grade service repositories from one Copier template."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Computed on first use (from the wheel's release.json or the checkout's git tags), so that
    # `svcforge --help` reads neither.
    if name == "__version__":
        from svcforge.template import installation

        return installation().versions.package
    raise AttributeError(f"module 'svcforge' has no attribute {name!r}")
