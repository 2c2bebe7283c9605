"""A small made-up WiNER-like brat corpus, its manifest, archive and a loopback HTTP server.

Tests of ``benchmark.sources`` never read the real corpus: they write this one
(invented French sentences) in tmp_path.
"""

from __future__ import annotations

import functools
import http.server
import io
import tarfile
import threading
from contextlib import contextmanager
from pathlib import Path

from benchmark.sources import winer

# (relative path without suffix, text, [(label, surface, occurrence)]); occurrence
# picks the n-th occurrence of the surface in the text, so offsets are computed, not typed.
DOCUMENTS = [
    ("2016/01/2016_01_05-001", "Jacques Martin a visité l'Université de Lyon mardi.\nIl est reparti à Lyon.\n",
     [("Person", "Jacques Martin", 0), ("Organization", "Université de Lyon", 0), ("Location", "Lyon", 0),
      ("Date", "mardi", 0), ("Location", "Lyon", 1)]),
    ("2017/03/2017_03_09-001", "Le Festival de Cannes 2017 ouvre à Cannes avec Zoé Durand.\n",
     [("Event", "Festival de Cannes 2017", 0), ("Location", "Cannes", 0), ("Date", "2017", 0), ("Location", "Cannes", 1),
      ("Person", "Zoé Durand", 0)]),
    ("2018/02/2018_02_11-001", "La sonde Cassini a quitté Saturne.",
     [("Product", "Cassini", 0), ("Person", "Cassini", 0), ("Location", "Saturne", 0)]),
]
URLS = {
    "2016/2016-01-urls.txt": "2016_01_05-001\thttps://fr.wikinews.org/wiki/Exemple_un\n",
    "2017/2017-03-urls.txt": "2017_03_09-001\thttps://fr.wikinews.org/wiki/Exemple_deux\n",
    "2018/2018-02-urls.txt": "2018_02_11-001\thttps://fr.wikinews.org/wiki/Exemple_trois\n2018_02_11-001\thttps://fr.wikinews.org/wiki/Autre\n",
}
TOP = {"license.txt": "licence de test\n", "readme.md": "# corpus de test\n", "changelog.md": "## v0\n"}


def offsets(text: str, surface: str, occurrence: int) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def ann_lines(text: str, spans) -> str:
    lines = []
    for number, (label, surface, occurrence) in enumerate(spans, 1):
        start, end = offsets(text, surface, occurrence)
        lines.append(f"T{number}\t{label} {start} {end}\t{surface}")
    return "\n".join(lines)  # no final newline, as in most WiNER files


def write_corpus(root: Path) -> Path:
    """The fake corpus, plus an unlisted top-level script (ignored like WiNER's)."""
    for stem, text, spans in DOCUMENTS:
        (root / stem).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{stem}.txt").write_bytes(text.encode("utf-8"))
        (root / f"{stem}.ann").write_bytes(ann_lines(text, spans).encode("utf-8"))
    for path, content in {**URLS, **TOP}.items():
        (root / path).write_bytes(content.encode("utf-8"))
    (root / "count.py").write_text("print('not data')\n")
    return root


def make_archive(corpus: Path, out: Path, top: str = winer.ARCHIVE_ROOT, extra: list[tarfile.TarInfo | tuple] = ()) -> Path:
    """A .tar.gz laid out like GitHub's codeload archive: every file under ``top/``.
    ``extra``: (TarInfo, bytes or None) members appended as they are (hostile ones)."""
    with tarfile.open(out, "w:gz") as tar:
        tar.add(corpus, arcname=top)
        for info, data in extra:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out


def member(name: str, data: bytes | None = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if data is not None and kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(directory: Path):
    """An HTTP server on 127.0.0.1 (a free port) serving ``directory``, in a thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
