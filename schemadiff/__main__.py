"""``python -m schemadiff``."""

from schemadiff.cli import main

main()
