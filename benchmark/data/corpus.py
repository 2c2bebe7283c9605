"""Seed articles and the annotation files that sit beside them.

Every offset in the project indexes ``SeedDocument.text``, so the reader's one
job is to produce that string reproducibly. It never normalises silently: a
UTF-8 byte-order mark is removed (it is an encoding marker, not text, and sits
before the header, so no offset moves), while a carriage return is rejected,
because turning CRLF into LF would shift every later offset of an annotation
made on the other form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from benchmark import paths
from benchmark.data.schema import Source
from benchmark.errors import DataError
from benchmark.fileio import read_bounded

# Articles added by ``python -m benchmark add`` wait here, outside the test
# split (``read_seeds`` does not descend into it), with their machine-made draft
# in paths.DRAFTS_DIR, until ``python -m benchmark promote`` moves them in with their
# reviewed gold. See gold/GUIDELINES.md, "Adding an article".

# The header, exactly: optional leading horizontal space, "date", spaces/tabs,
# "YYYY-MM", then one separator, either the end of the header's line (trailing
# spaces/tabs and its newline) plus at most one blank line, or a run of
# spaces/tabs with the text on the same line. Whatever follows is the text,
# byte for byte. The blank line is part of the separator because writers put
# one there as often as not, and the same article must give the same text
# (and id) either way; a second blank line is text.
_HEADER = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-(?:0[1-9]|1[0-2]))(?:[ \t]*\n(?:[ \t]*\n)?|[ \t]+)")
_BOM = "\ufeff"
MAX_SEED_BYTES = 4 * 1024 * 1024  # a news article is a few kB; a larger file is not one


@dataclass(frozen=True)
class SeedDocument:
    id: str
    date: str | None
    text: str
    # A referenced document (gold/GUIDELINES.md §4): where its text was joined from.
    source: Source | None = None


def parse_seed(raw: str, source: str) -> tuple[str | None, str]:
    """Split a seed file's content into (date, text)."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if "\r" in raw:
        line = raw.count("\n", 0, raw.index("\r")) + 1
        raise DataError(source, None, "text", f"carriage return at line {line}: seeds must use LF line ends (CRLF would shift offsets)")
    match = _HEADER.match(raw)
    if match is None:
        if re.match(r"\A\s*date\b", raw):
            raise DataError(source, None, "date", "malformed header: expected 'date YYYY-MM' followed by a space or a newline")
        return None, raw
    return match.group(1), raw[match.end() :]


def seed_from_bytes(data: bytes, source: str, seed_id: str) -> SeedDocument:
    """A seed file's bytes as a document, or a DataError naming ``source``."""
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(source, None, "text", f"not valid UTF-8 (byte {exc.start}): save the article as UTF-8") from None
    date, text = parse_seed(raw, source)
    if not text.strip():
        raise DataError(source, seed_id, "text", "the article is empty")
    return SeedDocument(id=seed_id, date=date, text=text)


def read_seed(path: Path) -> SeedDocument:
    return seed_from_bytes(read_bounded(path, MAX_SEED_BYTES), str(path), path.stem)


def read_pending(directory: Path | None = None) -> list[SeedDocument]:
    """Seeds added but not yet promoted (no reviewed gold): never in the test split."""
    directory = paths.PENDING_DIR if directory is None else directory
    return [read_seed(path) for path in sorted(directory.glob("*.txt"))]


def read_seeds(directory: Path | None = None) -> list[SeedDocument]:
    """All seeds, ordered by id so every consumer sees the same order."""
    directory = paths.SEEDS_DIR if directory is None else directory
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise DataError(str(directory), None, None, "no seed files (*.txt)")
    return [read_seed(path) for path in files]
