"""The terminal the tables are printed on.

On a terminal, tables take its width (and wrap or fold to fit it). Piped into a
file, a pager or CI's log there is no width to fit, so tables get a fixed 160
columns, wide enough that no row of ours wraps. ``COLUMNS`` overrides both, as
for every ``rich`` console.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

PIPED_WIDTH = 160


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("COLUMNS") or stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=PIPED_WIDTH)
