"""The terminal the tables are printed on.

On a terminal, tables take its width (``COLUMNS`` overrides it, as for every
``rich`` console) and wrap or fold to fit it. Piped into a file, a pager or CI's
log there is no width to fit, so tables get a fixed 160 columns, wide enough
that no row of ours wraps, whatever the environment says.
"""

from __future__ import annotations

import sys

from rich.console import Console

PIPED_WIDTH = 160


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=PIPED_WIDTH)
