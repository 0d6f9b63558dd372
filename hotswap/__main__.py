"""``python -m hotswap``: the same command line as ``hotswap``."""

from hotswap.cli import main

if __name__ == "__main__":
    main(prog_name="hotswap")
