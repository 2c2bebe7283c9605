"""What a submitter controls: the system name and the metadata file, as data with limits.

A name becomes a file name (``leaderboard/results/NAME.json``), a Hydra run
directory and a table cell, so it is checked against ``SYSTEM_NAME`` before
any of them is made. The metadata file (``leaderboard/submissions/NAME.yaml``)
is read with a size limit, as strict UTF-8, by a safe YAML loader that refuses
aliases (a few hundred bytes of nested anchors expand to hundreds of
megabytes), and validated by a pydantic schema with lengths, a real date and
http(s) URLs only.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from benchmark.errors import DataError, DataErrors
from benchmark.fileio import read_text_bounded

SYSTEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
METADATA_MAX_BYTES = 16 * 1024
URL = re.compile(r"https?://[^\s<>\"'`|\\\[\](){}]+", re.IGNORECASE)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a system name, or None if it can."""
    if not isinstance(name, str) or not SYSTEM_NAME.fullmatch(name):
        return f"{name!r} is not a valid system name: 1 to 64 characters among letters, digits, '_', '.', '-', starting with a letter or a digit"
    return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")  # one line of text, no control characters


class SubmissionMetadata(BaseModel):
    """``leaderboard/submissions/NAME.yaml``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, pattern=SYSTEM_NAME.pattern.join("^$"))
    authors: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1, max_length=1000)
    date: datetime.date
    url: str | None = Field(default=None, max_length=500)
    organisation: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("authors", "description", "organisation")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("must be one line of text, without control characters")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not URL.fullmatch(value):
            raise ValueError("must be an http:// or https:// URL without spaces, quotes or brackets")
        return value

    def shown(self) -> dict:
        """The fields shown on the leaderboard, as strings."""
        data = self.model_dump(exclude_none=True)
        return {key: data[key].isoformat() if key == "date" else data[key]
                for key in ("name", "authors", "description", "date", "url", "organisation") if key in data}


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases outright."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in submission metadata", event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "anchors (&name) are not allowed in submission metadata", event.start_mark)
        return super().compose_node(parent, index)


# Dates stay strings for pydantic to parse (PyYAML would raise on 2026-02-30).
_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]  # the tag is on scalars only


def read_metadata(path: Path, expected_name: str | None = None) -> SubmissionMetadata:
    """The metadata file, validated; every problem is a DataError naming the file and field."""
    text = read_text_bounded(path, METADATA_MAX_BYTES)
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # safe: a SafeLoader subclass
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise DataErrors([DataError(str(path), None, None, f"unreadable submission metadata: {' '.join(str(exc).split())}")]) from None
    if not isinstance(data, dict):
        raise DataErrors([DataError(str(path), None, None, "expected a mapping of fields (name, authors, description, date, ...)")])
    try:
        metadata = SubmissionMetadata.model_validate(data)
    except ValidationError as exc:
        raise DataErrors([_error(path, e) for e in exc.errors()]) from None
    if expected_name is not None and metadata.name != expected_name:
        raise DataErrors([DataError(str(path), None, "name", f"{metadata.name!r} differs from the system name {expected_name!r}")])
    return metadata


def _error(path: Path, error: Mapping[str, Any]) -> DataError:
    field = ".".join(str(part) for part in error["loc"]) or None
    message = "required" if error["type"] == "missing" else error["msg"]
    return DataError(str(path), None, field, message)
