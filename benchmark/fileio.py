"""Writes that never leave a half-written file behind.

Gold packages, results and leaderboard files are read by people and by CI; an
interrupted write must leave the previous version, not a truncated one. Each
file is written to a temporary file in the same directory, flushed to disk and
renamed over the target, which POSIX makes atomic.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

from benchmark.errors import DataError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def canonical_json(value: object) -> str:
    """The one JSON rendering for committed files: stable key order, UTF-8, newline-terminated."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


# -- reading ---------------------------------------------------------------
#
# Input files come from submitters: a directory, a FIFO, a symlink to
# /dev/zero or a 200 MB junk file must end in a located message, not in a
# traceback or a MemoryError. Every reader of an input file goes through here.


def check_regular_file(path: Path, limit: int) -> int:
    """The size of ``path`` if it is a regular file of at most ``limit`` bytes,
    else a DataError naming it. Symlinks are followed: the target must be regular."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise DataError(str(path), None, None, "file not found") from None
    except OSError as exc:
        raise DataError(str(path), None, None, f"unreadable: {exc.strerror or exc}") from None
    if stat.S_ISDIR(status.st_mode):
        raise DataError(str(path), None, None, "is a directory, expected a file")
    if not stat.S_ISREG(status.st_mode):
        raise DataError(str(path), None, None, "not a regular file (a device, a pipe or a socket)")
    if status.st_size > limit:
        raise DataError(str(path), None, None, f"too large: {status.st_size} bytes, the limit is {limit}")
    return status.st_size


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (checked again while
    reading, in case the file grows)."""
    check_regular_file(path, limit)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise DataError(str(path), None, None, f"unreadable: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise DataError(str(path), None, None, f"too large: more than {limit} bytes")
    return data


def read_text_bounded(path: Path, limit: int) -> str:
    """A UTF-8 text file (strict: latin-1 or binary junk is refused), bounded."""
    data = read_bounded(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, None, f"not valid UTF-8 (byte {exc.start}): save the file as UTF-8") from None


class StrictJSONError(ValueError):
    """JSON that ``json.loads`` would accept but that is ambiguous or unsafe as data."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise StrictJSONError(f"duplicate key {key!r} in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    raise StrictJSONError(f"{name} is not valid JSON")


MAX_JSON_DEPTH = 32


def _check_tree(value: object) -> None:
    """No nesting deeper than MAX_JSON_DEPTH, no string that is not valid Unicode text
    (a lone surrogate such as "\\ud800" parses, but cannot be written back as UTF-8)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise StrictJSONError(f"nesting deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            _check_string(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_string(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StrictJSONError(f"lone surrogate {text[exc.start]!r} in a string (not valid Unicode text)") from None


def strict_json_loads(text: str) -> object:
    """``json.loads`` that refuses duplicate keys, NaN/Infinity, lone surrogates and
    deep nesting, raising StrictJSONError or json.JSONDecodeError."""
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError:
        raise StrictJSONError(f"nesting deeper than {MAX_JSON_DEPTH} levels") from None
    _check_tree(value)
    return value


# U+2028, U+2029 and U+0085 are line breaks to str.splitlines() and to some
# JSON readers; JSONL output escapes them so that one record is one line
# whatever the reader.
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def jsonl_line(value: object, **options) -> str:
    """One JSONL line: UTF-8 JSON with no character any reader may take for a line break."""
    return json.dumps(value, ensure_ascii=False, **options).translate(_LINE_BREAKS) + "\n"
