"""``gold/selection.tsv``: the one place a referenced document's split is declared.

The Wikinews articles of newsbench-fr are taken from WiNER-fr in the seeded order
of the selection list (gold/GUIDELINES.md §7.2); the issue asks that the chosen
ids and every skipped candidate, with its reason, be committed and shown in the
dataset card. One tab-separated file does all three: a chosen row names its
document id and split, a skipped row its reason. Seeds (``seeds/*.txt``) are not
listed: they are all ``test``.

Columns: ``rank`` (position in the selection list of its split: the list ranks its
``test`` and ``dev`` candidates separately, so a rank is unique within a split), ``split`` (dev or test),
``path`` (the article in WiNER-fr, without suffix: ``2017/10/2017_10_19-002``),
``id`` (our document id; empty when skipped), ``skipped`` (the reason; empty when
chosen). Lines starting with ``#`` are comments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmark import paths
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import read_text_bounded

SPLITS = ("dev", "test")
SEED_SPLIT = "test"
COLUMNS = ("rank", "split", "path", "id", "skipped")
HEADER = (
    "# newsbench-fr: the Wikinews articles taken from WiNER-fr, in the order of the selection list\n"
    "# (gold/GUIDELINES.md §7.2). A chosen row names its document id; a skipped row its reason.\n"
    + "\t".join(COLUMNS) + "\n"
)


@dataclass(frozen=True)
class Row:
    rank: int
    split: str
    path: str
    id: str  # "" when skipped
    skipped: str  # "" when chosen

    @property
    def chosen(self) -> bool:
        return not self.skipped


def _parse(line: str, number: int, file: str) -> Row:
    cells = line.split("\t")
    where = f"line {number}"
    if len(cells) != len(COLUMNS):
        raise DataError(file, where, None, f"expected {len(COLUMNS)} tab-separated columns ({', '.join(COLUMNS)}), got {len(cells)}")
    rank, split, path, ident, skipped = cells
    if not rank.isdigit() or int(rank) < 1:
        raise DataError(file, where, "rank", f"{rank!r} is not a positive integer")
    if split not in SPLITS:
        raise DataError(file, where, "split", f"{split!r}: expected one of {', '.join(SPLITS)}")
    if not path:
        raise DataError(file, where, "path", "empty")
    if bool(ident) == bool(skipped.strip()):
        raise DataError(file, where, "id", "a row names either a document id (chosen) or a reason (skipped), not both or neither")
    return Row(int(rank), split, path, ident, skipped.strip())


def read(path: Path | None = None) -> list[Row]:
    """Every row, checked: known columns and splits, no (split, rank), path or id twice."""
    path = paths.SELECTION_FILE if path is None else path
    file = str(path)
    if not path.is_file():
        return []
    rows, errors = [], []
    lines = read_text_bounded(path, 4 * 1024 * 1024).split("\n")
    header_seen = False
    for number, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if line.split("\t") != list(COLUMNS):
                errors.append(DataError(file, f"line {number}", None, f"the header must be {' '.join(COLUMNS)} (tab-separated)"))
            continue
        try:
            rows.append(_parse(line, number, file))
        except DataError as exc:
            errors.append(exc)
    for name, values in (("rank", [f"{r.split} {r.rank}" for r in rows]), ("path", [r.path for r in rows]), ("id", [r.id for r in rows if r.id])):
        errors += [DataError(file, None, name, f"{value} is listed {n} times") for value, n in sorted(Counter(values).items()) if n > 1]
    if errors:
        raise DataErrors(errors)
    return rows


def render(rows: list[Row]) -> str:
    lines = [f"{r.rank}\t{r.split}\t{r.path}\t{r.id}\t{r.skipped}\n" for r in sorted(rows, key=lambda r: (SPLITS.index(r.split), r.rank))]
    return HEADER + "".join(lines)


def splits_of(rows: list[Row] | None = None) -> dict[str, str]:
    """Document id -> split of every chosen row."""
    rows = read() if rows is None else rows
    return {r.id: r.split for r in rows if r.chosen}


def split_of(ident: str, referenced: bool, splits: dict[str, str], file: str) -> str:
    """A document's split: a seed's is test; a referenced one's is its row of selection.tsv."""
    if not referenced:
        return SEED_SPLIT
    if ident not in splits:
        raise DataError(file, ident, "split", f"a referenced document needs a chosen row in {paths.SELECTION_FILE.name} naming its split")
    return splits[ident]


def next_rank(rows: list[Row], split: str) -> int:
    """The next rank in ``split``'s part of the selection list."""
    return max((r.rank for r in rows if r.split == split), default=0) + 1


def check_ids(rows: list[Row], referenced: set[str]) -> list[DataError]:
    """Every referenced document (pending or promoted) has one chosen row, and every chosen
    row names a referenced document: the list and the records say the same."""
    file = str(paths.SELECTION_FILE)
    chosen = {r.id: r for r in rows if r.chosen}
    errors = [DataError(file, ident, "id", "a referenced document without a chosen row (its split is undeclared)")
              for ident in sorted(referenced - set(chosen))]
    errors += [DataError(file, f"rank {chosen[ident].rank}", "id", f"{ident} is neither a pending reference nor a referenced gold record")
               for ident in sorted(set(chosen) - referenced)]
    return errors
