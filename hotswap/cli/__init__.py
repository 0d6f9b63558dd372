"""The ``hotswap`` command line."""

from hotswap.cli.main import main

__all__ = ["main"]
