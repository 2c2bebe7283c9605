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

from benchmark import paths
from benchmark.errors import DataError

# The same rule as a system name: it becomes a directory name and a table header.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_name(name: str, source: str = "--annotator") -> list[DataError]:
    if NAME.fullmatch(name) is None:
        return [DataError(source, None, None, f"annotator name {name!r} must match {NAME.pattern}")]
    return []


def work_path(annotator: str, doc_id: str, root: Path | None = None) -> Path:
    root = paths.WORK_DIR if root is None else root
    return root / annotator / f"{doc_id}.json"


def versions(doc_id: str, root: Path | None = None) -> dict[str, Path]:
    """Annotator name → their file for one document, in name order."""
    root = paths.WORK_DIR if root is None else root
    if not root.is_dir():
        return {}
    return {
        path.parent.name: path
        for path in sorted(root.glob(f"*/{doc_id}.json"))
        if NAME.fullmatch(path.parent.name)
    }


def annotated_ids(root: Path | None = None) -> list[str]:
    """Every document id that at least one annotator has a version of."""
    root = paths.WORK_DIR if root is None else root
    if not root.is_dir():
        return []
    return sorted({path.stem for path in root.glob("*/*.json") if NAME.fullmatch(path.parent.name)})
