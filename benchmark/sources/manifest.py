"""A manifest of an external corpus: which files, how big, which sha256.

We may not commit an external corpus's text or annotations (licence and
policy: the project commits code and its own conventions only), yet a score
on it must be reproducible. The manifest pins the exact bytes instead: one row
per file used (relative path, size in bytes, sha256), plus a header naming the
source repository, commit and archive layout. A fetched copy is accepted only
if it matches the manifest exactly, so two machines that score on "WiNER-fr"
score on the same files.

File format (UTF-8, LF, tab-separated, written by ``render``)::

    # free comment lines start with "# "
    #name<TAB>winer-fr
    #repository<TAB>github:OWNER/NAME
    #commit<TAB>40 hex digits
    #archive<TAB>URL of the .tar.gz of that commit
    #archive-root<TAB>top folder inside that archive
    path<TAB>size<TAB>sha256
    2016/01/x.ann<TAB>395<TAB>64 hex digits
    ...

A *data folder* is any top-level folder holding a listed file: inside data
folders every file must be listed (an extra file is refused, it could be a
stray annotation file read as a document); outside them, unlisted files (the
source repository's scripts) are ignored and never copied.

Run ``python -m benchmark.sources.winer DIR OUT`` to regenerate a manifest
from a verified folder (see ``main``).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import DataError, DataErrors
from benchmark.fileio import read_bounded, read_text_bounded

# Largest single corpus file we accept (WiNER's largest is far below 1 MB);
# a bigger one is refused, not read, whatever the manifest says.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# How many located errors one refusal lists before "and N more".
MAX_ERRORS_SHOWN = 20

HEADER_KEYS = ("name", "repository", "commit", "archive", "archive-root")
COLUMNS = "path\tsize\tsha256"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_SIZE = re.compile(r"0|[1-9][0-9]{0,11}")


@dataclass(frozen=True)
class ManifestEntry:
    """One pinned file: a relative POSIX path, its size in bytes and sha256 (hex)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """Where a corpus comes from and the exact files it is made of."""

    name: str
    repository: str
    commit: str
    archive: str
    archive_root: str
    entries: tuple[ManifestEntry, ...]

    def by_path(self) -> dict[str, ManifestEntry]:
        return {entry.path: entry for entry in self.entries}

    def data_dirs(self) -> tuple[str, ...]:
        """Top-level folders holding listed files: where unlisted files are refused."""
        return tuple(sorted({e.path.split("/", 1)[0] for e in self.entries if "/" in e.path}))


# -- errors ------------------------------------------------------------------


def capped(errors: list[DataError], shown: int = MAX_ERRORS_SHOWN) -> DataErrors:
    """All errors as one DataErrors, listing at most ``shown`` then "and N more",
    so a wholly wrong folder gives a readable message, not 2,400 lines."""
    kept = list(errors[:shown])
    if len(errors) > shown:
        kept.append(DataError(errors[shown].file, None, None, f"and {len(errors) - shown} more error(s)"))
    return DataErrors(kept)


# -- paths -------------------------------------------------------------------


def safe_relative_path(path: str) -> bool:
    """True for a plain relative POSIX path: no absolute path, no ``..`` or ``.``,
    no empty component, no backslash or control character. Every path that
    comes from a manifest or an archive goes through this before touching disk."""
    if not path or path.startswith("/") or "\\" in path or any(ord(c) < 32 or c == "\x7f" for c in path):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


# -- hashing -----------------------------------------------------------------


def file_digest(path: Path) -> tuple[int, str]:
    """(size, sha256 hex) of a regular file, read through fileio's bounded reader."""
    data = read_bounded(path, MAX_FILE_BYTES)
    return len(data), hashlib.sha256(data).hexdigest()


# -- reading and writing -------------------------------------------------------


def render(manifest: Manifest) -> str:
    """The manifest file's text: header, column line, rows sorted by path."""
    lines = [
        "# newsbench manifest of an external corpus: one row per file (path, size in bytes, sha256).",
        "# It pins the exact files a score is computed on; it holds no text of the corpus.",
        "# Files inside a data folder (a top-level folder holding a listed file) must all be listed;",
        "# unlisted files outside them (the source repository's scripts) are ignored.",
    ]
    for key in HEADER_KEYS:
        lines.append(f"#{key}\t{getattr(manifest, key.replace('-', '_'))}")
    lines.append(COLUMNS)
    for entry in sorted(manifest.entries, key=lambda e: e.path):
        lines.append(f"{entry.path}\t{entry.size}\t{entry.sha256}")
    return "\n".join(lines) + "\n"


def parse(text: str, source: str) -> Manifest:
    """A manifest from its text; every malformed line is a DataError naming ``source`` and the line."""
    header: dict[str, str] = {}
    entries: list[ManifestEntry] = []
    seen: set[str] = set()
    errors: list[DataError] = []
    columns_at = None
    if not text.endswith("\n"):
        errors.append(DataError(source, None, None, "does not end with a newline (truncated?)"))
    for number, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        where = f"line {number}"
        if line.startswith("# ") or line == "#":
            continue
        if line.startswith("#"):
            key, tab, value = line[1:].partition("\t")
            if not tab or key not in HEADER_KEYS or key in header or not value:
                errors.append(DataError(source, where, None,
                                        "malformed header line: expected '#KEY<TAB>VALUE', KEY one of " + ", ".join(HEADER_KEYS) + ", once each"))
            else:
                header[key] = value
            continue
        if columns_at is None:
            if line != COLUMNS:
                errors.append(DataError(source, where, None, f"expected the column line {COLUMNS!r}"))
            columns_at = number
            continue
        entry, problem = _parse_row(line)
        if entry is None:  # then problem says why
            errors.append(DataError(source, where, None, str(problem)))
        elif entry.path in seen:
            errors.append(DataError(source, where, "path", f"{entry.path} is listed twice"))
        else:
            seen.add(entry.path)
            entries.append(entry)
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        errors.append(DataError(source, None, None, "missing header line(s): " + ", ".join("#" + k for k in missing)))
    elif not _COMMIT.fullmatch(header["commit"]):
        errors.append(DataError(source, None, "commit", "expected 40 lowercase hex digits"))
    if not entries and not errors:
        errors.append(DataError(source, None, None, "lists no file"))
    if errors:
        raise capped(errors)
    return Manifest(
        name=header["name"], repository=header["repository"], commit=header["commit"], archive=header["archive"],
        archive_root=header["archive-root"], entries=tuple(entries),
    )


def _parse_row(line: str) -> tuple[ManifestEntry | None, str | None]:
    fields = line.split("\t")
    if len(fields) != 3:
        return None, f"expected 3 tab-separated fields (path, size, sha256), found {len(fields)}"
    path, size, sha = fields
    if not safe_relative_path(path):
        return None, f"unsafe or malformed path {path!r}: expected a relative path without '..'"
    if not _SIZE.fullmatch(size):
        return None, f"size {size!r} is not a byte count"
    if not _SHA256.fullmatch(sha):
        return None, "sha256 is not 64 lowercase hex digits"
    return ManifestEntry(path, int(size), sha), None


def read(path: Path) -> Manifest:
    """A manifest file, bounded and strict (see ``parse``)."""
    return parse(read_text_bounded(path, MAX_MANIFEST_BYTES), str(path))


# -- building and checking -------------------------------------------------------


def build(folder: Path, top_files: tuple[str, ...], data_dir_pattern: str, **header: str) -> Manifest:
    """A manifest of ``folder``: every file in the top-level folders whose name fully
    matches ``data_dir_pattern``, plus the listed ``top_files`` (licence, readme).
    Symbolic links and special files are refused: a manifest pins real files only."""
    errors: list[DataError] = []
    paths = [name for name in top_files if _listed_top_file(folder, name, errors)]
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.is_symlink() and re.fullmatch(data_dir_pattern, child.name):
            files, others = _walk_files(folder, child.name)
            paths += files
            errors += [DataError(str(folder / p), None, None, "a symbolic link or special file: refused") for p in others]
    entries = []
    for relative in sorted(paths):
        try:
            size, sha = file_digest(folder / relative)
            entries.append(ManifestEntry(relative, size, sha))
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise capped(errors)
    return Manifest(entries=tuple(entries), **{key.replace("-", "_"): value for key, value in header.items()})


def _listed_top_file(folder: Path, name: str, errors: list[DataError]) -> bool:
    if not (folder / name).is_file() or (folder / name).is_symlink():
        errors.append(DataError(str(folder / name), None, None, "missing or not a regular file"))
        return False
    return True


def _walk_files(folder: Path, top: str) -> tuple[list[str], list[str]]:
    """Relative paths under ``folder/top``: the regular files, and the entries that are
    neither a regular file nor a folder (symbolic links, devices), which are never followed."""
    files, others = [], []
    for directory, dirnames, filenames in os.walk(folder / top, followlinks=False):
        here = Path(directory)
        for name in sorted(dirnames + filenames):
            relative = (here / name).relative_to(folder).as_posix()
            mode = os.lstat(here / name).st_mode
            if stat.S_ISREG(mode):
                files.append(relative)
            elif not stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
                others.append(relative)
    return files, others


def check(folder: Path, manifest: Manifest, full: bool = True) -> list[DataError]:
    """Every difference between ``folder`` and the manifest, each naming its path:
    a missing, extra (inside a data folder) or changed file. With ``full`` the
    sha256 of each file is compared; without, only its size (cheap enough to run
    at every read: it catches truncated and most edited files)."""
    errors: list[DataError] = []
    for entry in manifest.entries:
        problem = _entry_problem(folder / entry.path, entry, full)
        if problem:
            errors.append(DataError(str(folder / entry.path), None, None, problem))
    listed = manifest.by_path()
    for top in manifest.data_dirs():
        if (folder / top).is_dir() and not (folder / top).is_symlink():
            files, others = _walk_files(folder, top)
            for relative in files + others:
                if relative not in listed:
                    errors.append(DataError(str(folder / relative), None, None, f"extra file {relative}: not in the {manifest.name} manifest"))
    return errors


def _entry_problem(path: Path, entry: ManifestEntry, full: bool) -> str | None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return f"missing file {entry.path}: listed in the manifest"
    except OSError as exc:
        return f"unreadable {entry.path}: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"{entry.path} is not a regular file (a folder, a symbolic link or a special file)"
    size = os.lstat(path).st_size
    if size != entry.size:
        return f"changed file {entry.path}: {size} bytes, the manifest says {entry.size}"
    if full:
        try:
            _, sha = file_digest(path)
        except DataError as exc:
            return exc.message
        if sha != entry.sha256:
            return f"changed file {entry.path}: sha256 differs from the manifest's"
    return None


def verify(folder: Path, manifest: Manifest, full: bool = True) -> None:
    """``check``, raising the differences as one capped DataErrors."""
    errors = check(folder, manifest, full)
    if errors:
        raise capped(errors)
