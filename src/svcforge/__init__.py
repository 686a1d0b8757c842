"""svcforge: scaffold production-grade service repositories from one Copier template."""

# Kept literal (not read from package metadata) so `svcforge --help` stays fast;
# a test checks it matches pyproject.toml.
__version__ = "0.1.0"

__all__ = ["__version__"]
