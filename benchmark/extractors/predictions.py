"""Predictions of an outside system, submitted as a JSONL file.

The file is data, never code: it is read only through
``benchmark.validation.read_prediction_file``, which checks every record
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
with the sha256 of the bytes that were read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import yaml

from benchmark.corpus import ROOT, SeedDocument
from benchmark.errors import DataError, DataErrors
from benchmark.extractors.base import Extractor
from benchmark.schema import Document
from benchmark.validation import read_prediction_file

# Required keys of leaderboard/submissions/NAME.yaml.
SUBMISSION_FIELDS = ("name", "authors", "description", "date")


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
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            raise DataErrors([DataError(str(self.path), None, None, "file not found")]) from None

    def relative_path(self) -> str:
        try:
            return self.path.resolve().relative_to(ROOT.resolve()).as_posix()
        except ValueError:
            return str(self.path.resolve())

    def submission(self) -> dict | None:
        """The submitter's metadata file (name, authors, URL, description, date), shown on the leaderboard."""
        if self.metadata_path is None:
            return None
        try:
            data = yaml.safe_load(self.metadata_path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataErrors([DataError(str(self.metadata_path), None, None, f"unreadable submission metadata: {exc}")]) from None
        missing = [key for key in SUBMISSION_FIELDS if not isinstance(data, dict) or not data.get(key)]
        if missing:
            raise DataErrors([DataError(str(self.metadata_path), None, key, "required") for key in missing])
        return {key: str(data[key]) for key in (*SUBMISSION_FIELDS, "url", "organisation") if data.get(key)}

    def provenance(self) -> dict:
        return {
            **self.base_provenance(path=self.relative_path()),
            "file": {"path": self.relative_path(), "sha256": self._sha256 or self._digest()},
            "submission": self.submission(),
        }


def _from_root(path: str | Path) -> Path:
    return Path(path) if Path(path).is_absolute() else ROOT / path
