"""The command line, ``python -m benchmark SUBCOMMAND``: argparse subcommands that import their module only when called."""
