"""Fetching an external corpus into the user cache, verified against its manifest.

Layout: ``<cache>/<name>/<commit>/`` holds exactly the manifest's files plus a
marker file ``.newsbench-complete`` (the sha256 of the manifest it was verified
against). Why this shape:

- **Atomic.** Files are written into a temporary sibling
  ``<cache>/<name>/.partial-<commit>-XXXX/``, fully verified (sha256 of every
  file, no missing or extra file), the marker is written last, and only then is
  the folder renamed to ``<commit>/`` (a rename within one file system is
  atomic). A fetch killed at any point leaves at most a ``.partial-*`` folder,
  which ``locate`` never looks at; the next fetch removes partial folders older
  than an hour (a younger one may be a concurrent fetch).
- **Verified twice, at two prices.** ``fetch`` hashes every byte. ``locate``,
  run at every read, checks the marker, each file's size and that no file was
  added to a data folder (about 2,400 ``lstat`` calls for WiNER, a few
  milliseconds); ``locate(..., full=True)`` re-hashes everything.
- **Nothing on failure.** A refused source (missing, extra, changed file, a
  bad archive) raises DataErrors naming each path and leaves no folder behind.

Sources: a local folder (``from_dir``, what CI does with a shared copy) or a
``.tar.gz`` archive URL (GitHub's ``codeload`` archive of the pinned commit,
whose top folder is ``<repo>-<commit>/``), streamed to a temporary file with a
size cap; only the manifest's files are extracted, by our own code (never
``extractall``): no member outside the top folder, no ``..``, no link or
device, no member larger than the manifest says.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from benchmark.errors import DataError
from benchmark.fileio import atomic_write_text, read_bounded, read_text_bounded
from benchmark.sources import manifest as manifests
from benchmark.sources.manifest import Manifest, capped, safe_relative_path

ENV_CACHE = "NEWSBENCH_CACHE"
MARKER = ".newsbench-complete"
# GitHub's WiNER-fr archive is a few MB; 64 MB leaves room for a grown repository
# while bounding what a wrong URL can make us write.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 100_000
DOWNLOAD_TIMEOUT_SECONDS = 60
STALE_PARTIAL_SECONDS = 3600
_CHUNK = 1024 * 1024


# -- where ------------------------------------------------------------------------


def cache_root(override: Path | None = None) -> Path:
    """The cache root: ``override`` if given, else ``$NEWSBENCH_CACHE``, else
    ``$XDG_CACHE_HOME/newsbench``, else ``~/.cache/newsbench``. Data we may not
    commit lives per user, outside the repository and any installed package."""
    if override is not None:
        return Path(override)
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "newsbench"


def corpus_dir(manifest: Manifest, cache: Path | None = None) -> Path:
    """Where the verified copy of this manifest's corpus lives (it may not exist)."""
    return cache_root(cache) / manifest.name / manifest.commit


def how_to_fetch(manifest: Manifest) -> str:
    return f"run `python -m benchmark fetch {manifest.name}` (or `python -m benchmark fetch {manifest.name} --from DIR` with a local copy)"


def manifest_digest(manifest: Manifest) -> str:
    """What the marker records: a cache verified against another file list is stale."""
    return hashlib.sha256(manifests.render(manifest).encode("utf-8")).hexdigest()


# -- locating a finished copy ------------------------------------------------------------


def locate(manifest: Manifest, cache: Path | None = None, full: bool = False) -> Path:
    """The verified cache folder of this corpus, or one DataError whose message says
    how to fetch it. Checks the marker, sizes and extra files (``full``: sha256 too)."""
    folder = corpus_dir(manifest, cache)
    marker = folder / MARKER
    if not folder.is_dir() or folder.is_symlink() or not marker.is_file():
        raise DataError(str(folder), None, None, f"{manifest.name} is not in the cache: {how_to_fetch(manifest)}")
    if read_text_bounded(marker, 1024).strip() != manifest_digest(manifest):
        raise DataError(str(folder), None, None, f"the cached {manifest.name} was verified against another manifest: {how_to_fetch(manifest)}")
    problems = manifests.check(folder, manifest, full=full)
    if problems:
        first = problems[0].message + (f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else "")
        raise DataError(str(folder), None, None, f"the cached {manifest.name} differs from its manifest, {first}: {how_to_fetch(manifest)}")
    return folder


# -- fetching -------------------------------------------------------------------------


def fetch(manifest: Manifest, cache: Path | None = None, from_dir: Path | None = None, url: str | None = None,
          force: bool = False) -> Path:
    """Fetch the corpus into the cache and return its verified folder.

    From ``from_dir`` if given, else from ``url`` (default: the manifest's archive
    URL). An already complete, fully re-verified copy is kept unless ``force``."""
    if from_dir is not None and url is not None:
        raise DataError("command line", None, None, "give a local folder or a URL, not both")
    final = corpus_dir(manifest, cache)
    if not force:
        try:
            return locate(manifest, cache, full=True)
        except DataError:
            pass
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(final.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".partial-{manifest.commit}-", dir=final.parent))
    try:
        if from_dir is not None:
            copy_from_dir(manifest, Path(from_dir), staging)
        else:
            fill_from_url(manifest, url or manifest.archive, staging)
        seal(manifest, staging)
        install(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def remove_stale_partials(parent: Path, max_age: float = STALE_PARTIAL_SECONDS) -> None:
    """Remove ``.partial-*``/``.old-*`` folders older than ``max_age`` seconds: left by
    a killed fetch; never read, only removed so the cache does not grow."""
    now = time.time()
    for child in parent.iterdir():
        leftover = child.name.startswith((".partial-", ".old-")) and child.is_dir() and not child.is_symlink()
        if leftover and now - child.lstat().st_mtime > max_age:
            shutil.rmtree(child, ignore_errors=True)


def copy_from_dir(manifest: Manifest, source: Path, staging: Path) -> None:
    """Copy the manifest's files from a local folder after checking the folder
    (missing, extra, changed files refused by name); unlisted files outside the
    data folders are not copied."""
    if not source.is_dir():
        raise DataError(str(source), None, None, "not a folder: give the folder holding the corpus (its data folders and licence)")
    problems = manifests.check(source, manifest, full=True)
    if problems:
        raise capped(problems)
    for entry in manifest.entries:
        write_new_file(staging / entry.path, read_bounded(source / entry.path, entry.size))


def write_new_file(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet (inside a staging folder, which is what
    makes the whole copy atomic; no per-file rename needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(data)


def seal(manifest: Manifest, staging: Path) -> None:
    """Verify the staged copy byte for byte, then write the marker, last."""
    manifests.verify(staging, manifest, full=True)
    atomic_write_text(staging / MARKER, manifest_digest(manifest) + "\n")


def install(staging: Path, final: Path) -> None:
    """Rename the sealed staging folder to its final name. An existing (stale or
    damaged) copy is first renamed aside, then removed: at no moment does
    ``final`` hold a mix of old and new files."""
    if final.exists() or final.is_symlink():
        aside = Path(tempfile.mkdtemp(prefix=".old-", dir=final.parent))
        os.rmdir(aside)
        os.rename(final, aside)
        os.rename(staging, final)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.rename(staging, final)


# -- from an archive URL -------------------------------------------------------------


def fill_from_url(manifest: Manifest, url: str, staging: Path) -> None:
    """Download the ``.tar.gz`` at ``url`` next to ``staging`` and extract the
    manifest's files into it; the archive is deleted afterwards, whatever happens."""
    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".tar.gz", dir=staging.parent)
    archive = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            download(url, handle, MAX_ARCHIVE_BYTES)
        extract_listed(archive, manifest, staging, url)
    finally:
        archive.unlink(missing_ok=True)


def download(url: str, handle, max_bytes: int) -> int:
    """Stream ``url`` into ``handle``; refuse more than ``max_bytes`` (checked on the
    announced length and again while reading). Returns the byte count."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > max_bytes:
                raise DataError(url, None, None, f"archive too large: {announced} bytes announced, the limit is {max_bytes}")
            total = 0
            while chunk := response.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise DataError(url, None, None, f"archive too large: more than {max_bytes} bytes")
                handle.write(chunk)
            return total
    except urllib.error.HTTPError as exc:
        raise DataError(url, None, None, f"download failed: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DataError(url, None, None, f"download failed: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise DataError(url, None, None, f"download failed: {exc}") from None


def extract_listed(archive: Path, manifest: Manifest, staging: Path, origin: str) -> None:
    """Extract the manifest's files from a ``.tar.gz`` into ``staging``, member by
    member, refusing (with every problem named) a member outside the top folder,
    an unsafe path, a listed file that is a link or device or has the wrong size
    or sha256, a duplicate, an unlisted file inside a data folder, a missing file."""
    listed = manifest.by_path()
    data_dirs = set(manifest.data_dirs())
    seen: set[str] = set()
    errors: list[DataError] = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for count, member in enumerate(tar, 1):
                if count > MAX_ARCHIVE_MEMBERS:
                    raise DataError(origin, None, None, f"more than {MAX_ARCHIVE_MEMBERS} archive members")
                problem = _member_problem(member, manifest.archive_root, listed, data_dirs, seen)
                if problem:
                    errors.append(DataError(f"{origin}: {member.name}", None, None, problem))
                    continue
                relative = _relative(member.name, manifest.archive_root)
                if relative in listed:
                    seen.add(relative)
                    problem = _extract_one(tar, member, listed[relative], staging / relative)
                    if problem:
                        errors.append(DataError(f"{origin}: {member.name}", None, None, problem))
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(origin, None, None, f"not a readable .tar.gz archive: {exc}") from None
    errors += [DataError(f"{origin}: {manifest.archive_root}/{path}", None, None, f"missing file {path}: listed in the manifest, not in the archive")
               for path in listed if path not in seen]
    if errors:
        raise capped(errors)


def _relative(name: str, root: str) -> str | None:
    """A member's path inside the archive's top folder ('' for the top folder itself),
    or None if it lies outside it."""
    name = name.rstrip("/")
    if name == root:
        return ""
    if name.startswith(root + "/"):
        return name[len(root) + 1 :]
    return None


def _member_problem(member: tarfile.TarInfo, root: str, listed: dict, data_dirs: set[str], seen: set[str]) -> str | None:
    relative = _relative(member.name, root)
    if relative is None:
        return f"archive member outside the top folder {root}/: refused"
    if relative == "":
        return None if member.isdir() else f"the top folder {root} is not a folder"
    if not safe_relative_path(relative):
        return "unsafe archive member path (absolute, '..' or control character): refused"
    if relative in listed:
        if not member.isreg():
            return f"{relative} is a link or special file in the archive, not a regular file"
        if relative in seen:
            return f"{relative} appears twice in the archive"
        return None
    if relative.split("/", 1)[0] in data_dirs and not member.isdir():
        return f"extra file {relative}: not in the manifest"
    return None


def _extract_one(tar: tarfile.TarFile, member: tarfile.TarInfo, entry: manifests.ManifestEntry, target: Path) -> str | None:
    """Copy one listed member if its size and sha256 match the manifest; else say why."""
    if member.size != entry.size:
        return f"changed file {entry.path}: {member.size} bytes, the manifest says {entry.size}"
    handle = tar.extractfile(member)
    data = handle.read(entry.size + 1) if handle is not None else b""
    if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
        return f"changed file {entry.path}: sha256 differs from the manifest's"
    write_new_file(target, data)
    return None

