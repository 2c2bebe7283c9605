"""Dataset versions: what a rebuild of a changed dataset must declare.

A score is only comparable to another score on the same data, and results say
which data by the version and fingerprint of the card. The fingerprint moves by
itself when the sources change; the version is the maintainers' statement of
*how* they changed (gold/GUIDELINES.md §8): documents added or removed is a
minor release, gold corrected a patch release, a changed record schema a major
one. ``check_release`` compares the build about to be written with the
committed package and refuses a changed dataset whose version was not bumped
enough, or whose ``gold/CHANGELOG.md`` has no entry naming every added, removed
or corrected document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from benchmark import paths
from benchmark.errors import DataError, DataErrors

_VERSION = re.compile(r"\A(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\Z")
_ENTRY = re.compile(r"^## (\S+)", re.MULTILINE)
LEVELS = ("patch", "minor", "major")


def parse_version(text: str, source: str) -> tuple[int, int, int]:
    match = _VERSION.match(str(text))
    if match is None:
        raise DataErrors([DataError(source, None, "version", f"{text!r} is not a MAJOR.MINOR.PATCH version")])
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def bump_level(old: tuple[int, int, int], new: tuple[int, int, int]) -> str | None:
    """The kind of release from ``old`` to ``new`` (None: not a bump)."""
    if new[0] > old[0]:
        return "major"
    if new[0] == old[0] and new[1] > old[1]:
        return "minor"
    if new[:2] == old[:2] and new[2] > old[2]:
        return "patch"
    return None


def changelog_entries(path: Path | None = None) -> dict[str, str]:
    """``## VERSION`` headings of the changelog and the text under each."""
    path = paths.CHANGELOG_FILE if path is None else path
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    heads = list(_ENTRY.finditer(text))
    ends = [h.start() for h in heads[1:]] + [len(text)]
    return {h.group(1): text[h.end() : end] for h, end in zip(heads, ends, strict=True)}


@dataclass(frozen=True)
class Package:
    """What a version statement is about: the fingerprint, the record schema and every row."""

    version: str
    fingerprint: str
    schema: str
    rows: dict[str, str]  # document id -> its row, as written in data/test.jsonl


def package(version: str, fingerprint: str, schema: str, data: bytes) -> Package:
    rows = {json.loads(line)["id"]: line for line in data.decode("utf-8").splitlines() if line}
    return Package(version, fingerprint, schema, rows)


@dataclass(frozen=True)
class Change:
    level: str  # the smallest release level the change needs
    added: list[str]
    removed: list[str]
    corrected: list[str]
    schema: bool


def classify(old: Package, new: Package) -> Change:
    """The smallest version bump the difference between two packages needs."""
    added = sorted(set(new.rows) - set(old.rows))
    removed = sorted(set(old.rows) - set(new.rows))
    corrected = sorted(i for i in set(old.rows) & set(new.rows) if old.rows[i] != new.rows[i])
    schema = old.schema != new.schema
    level = "major" if schema else "minor" if added or removed else "patch"
    return Change(level, added, removed, corrected, schema)


def check_release(old: Package | None, new: Package, changelog: dict[str, str], *, release_file: str, changelog_file: str) -> None:
    """Raise DataErrors unless ``new`` is a correctly declared release relative to ``old``."""
    errors: list[DataError] = []
    new_version = parse_version(new.version, release_file)
    entry = changelog.get(new.version)
    if entry is None:
        errors.append(DataError(changelog_file, new.version, None, f"no '## {new.version}' entry for the version in {release_file}"))
    if old is not None and old.version != new.version and bump_level(parse_version(old.version, "the committed card"), new_version) is None:
        errors.append(DataError(release_file, None, "version", f"{new.version} does not follow the released {old.version}"))
    elif old is not None and old.fingerprint != new.fingerprint:
        change = classify(old, new)
        level = bump_level(parse_version(old.version, "the committed card"), new_version)
        what = ", ".join(
            part for part in (
                "record schema changed" if change.schema else "",
                f"added {len(change.added)} document(s)" if change.added else "",
                f"removed {len(change.removed)} document(s)" if change.removed else "",
                f"corrected the gold of {len(change.corrected)} document(s)" if change.corrected else "",
            ) if part
        ) or "the sources changed (tokenizer or byte-level edits)"
        if level is None or LEVELS.index(level) < LEVELS.index(change.level):
            errors.append(DataError(
                release_file, None, "version",
                f"the dataset changed ({what}) since version {old.version} (fingerprint {old.fingerprint[:12]}…): "
                f"it needs a {change.level} release, but the version is {new.version}; see gold/GUIDELINES.md §8",
            ))
        elif entry is not None:
            for ident in change.added + change.removed + change.corrected:
                if not re.search(rf"(?<!\w){re.escape(ident)}(?!\w)", entry):
                    errors.append(DataError(changelog_file, new.version, None, f"the entry does not name document {ident} ({what})"))
    if errors:
        raise DataErrors(errors)
