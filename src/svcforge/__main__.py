"""Allow ``python -m svcforge``."""

from svcforge.cli import main

main()
