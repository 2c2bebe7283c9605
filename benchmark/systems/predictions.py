"""Predictions of an outside system, submitted as a JSONL file.

The file is data, never code: it is read only through
``benchmark.data.validation.read_prediction_file``, which checks every record
against the schema and the reference texts and reports every problem with
its file, line and field. This extractor adds one rule of its own: a
submission covers exactly the documents it is asked about. A requested
document without a record is an error naming the file and the id (scoring it
as "predicted nothing" would silently turn a truncated file into a bad score),
and a record for a document that was not requested is an error too (reported
by ``read_prediction_file`` as an unknown id).

A relative ``path`` is taken from the repository root, so that a result does
not depend on the directory the command was run from (or on Hydra's run
directory); provenance records it relative to the root when it lies inside,
with the sha256 of the bytes that were read. The metadata file is validated by
``benchmark.data.submission.read_metadata`` (schema, limits, safe YAML).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from benchmark import paths
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import Document
from benchmark.data.submission import read_metadata
from benchmark.data.validation import MAX_PREDICTION_FILE_BYTES, read_prediction_file
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import check_regular_file
from benchmark.systems.base import Extractor


class PredictionsExtractor(Extractor):
    """Replays a validated prediction file, in the order of the requested documents."""

    def __init__(self, *, path: str | Path, name: str, version: str = "submitted", metadata: str | Path | None = None):
        super().__init__(name=name, version=version)
        self.path = _from_root(path)
        self.metadata_path = None if metadata is None else _from_root(metadata)
        self._sha256: str | None = None

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        digest = self._digest()
        records = read_prediction_file(self.path, {d.id: d.text for d in documents})
        if self._digest() != digest:
            raise DataErrors([DataError(str(self.path), None, None, "the file changed while it was being read")])
        self._sha256 = digest
        by_id = {r.id: r for r in records}
        missing = [d.id for d in documents if d.id not in by_id]
        if missing:
            raise DataErrors([DataError(str(self.path), i, "id", "no prediction record for this requested document") for i in missing])
        return [by_id[d.id] for d in documents]

    def _digest(self) -> str:
        try:
            check_regular_file(self.path, MAX_PREDICTION_FILE_BYTES)
        except DataError as exc:
            raise DataErrors([exc]) from None
        digest = hashlib.sha256()
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def relative_path(self) -> str:
        try:
            return self.path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
        except ValueError:
            return str(self.path.resolve())

    def submission(self) -> dict | None:
        """The submitter's metadata file (name, authors, URL, description, date), shown on the leaderboard."""
        if self.metadata_path is None:
            return None
        try:
            return read_metadata(self.metadata_path, expected_name=self.name).shown()
        except DataError as exc:
            raise DataErrors([exc]) from None

    def provenance(self) -> dict:
        return {
            **self.base_provenance(path=self.relative_path()),
            "file": {"path": self.relative_path(), "sha256": self._sha256 or self._digest()},
            "submission": self.submission(),
        }


def _from_root(path: str | Path) -> Path:
    return Path(path) if Path(path).is_absolute() else paths.ROOT / path
