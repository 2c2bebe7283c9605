"""One way to declare a subcommand, so that every ``--help`` page has a description."""

from __future__ import annotations

import argparse


def subcommand(sub: argparse._SubParsersAction, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line ``summary`` is its entry in the list and, as a sentence,
    the description of its own ``--help``."""
    return sub.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:] + ".")
