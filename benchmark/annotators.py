"""Each annotator's version of a document, kept beside the adjudicated gold.

``gold/annotations/`` holds the adjudicated record, the one the dataset is
built from; ``gold/work/ANNOTATOR/ID.json`` holds what one annotator made of
a document (written by ``python -m benchmark import``). Agreement is measured
between these versions, and adjudication copies or merges them into
``gold/annotations/``. The work files do not enter the dataset fingerprint.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.corpus import GOLD_DIR
from benchmark.errors import DataError

WORK_DIR = GOLD_DIR / "work"
# The same rule as a system name: it becomes a directory name and a table header.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_name(name: str, source: str = "--annotator") -> list[DataError]:
    if NAME.fullmatch(name) is None:
        return [DataError(source, None, None, f"annotator name {name!r} must match {NAME.pattern}")]
    return []


def work_path(annotator: str, doc_id: str, root: Path = WORK_DIR) -> Path:
    return root / annotator / f"{doc_id}.json"


def versions(doc_id: str, root: Path = WORK_DIR) -> dict[str, Path]:
    """Annotator name → their file for one document, in name order."""
    if not root.is_dir():
        return {}
    return {
        path.parent.name: path
        for path in sorted(root.glob(f"*/{doc_id}.json"))
        if NAME.fullmatch(path.parent.name)
    }


def annotated_ids(root: Path = WORK_DIR) -> list[str]:
    """Every document id that at least one annotator has a version of."""
    if not root.is_dir():
        return []
    return sorted({path.stem for path in root.glob("*/*.json") if NAME.fullmatch(path.parent.name)})
