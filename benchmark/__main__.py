"""``python -m benchmark``: the command line of ``benchmark.cli.main``."""

import sys

from benchmark.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
