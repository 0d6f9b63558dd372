"""``python -m hotswap``: the same command line as ``hotswap``."""

if __name__ == "__main__":
    from hotswap.cli.entry import run

    run()
