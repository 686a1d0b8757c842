"""svcforge: scaffold production-grade service repositories from one Copier template."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("svcforge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
