"""Writes that never leave a half-written file behind.

Gold packages, results and leaderboard files are read by people and by CI; an
interrupted write must leave the previous version, not a truncated one. Each
file is written to a temporary file in the same directory, flushed to disk and
renamed over the target, which POSIX makes atomic.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


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
