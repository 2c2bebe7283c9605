"""Records that reference their text (gold/GUIDELINES.md §4): the join with a fetched corpus.

A Wikinews article of newsbench-fr is annotated on WiNER-fr's file, whose text
may not be committed here. Its record therefore carries a ``source`` block
(``corpus``, ``path`` inside the fetched corpus, ``sha256`` of the file's bytes)
instead of ``text``, and its spans carry ``start``/``end`` only. Everything that
needs the text joins the record with the fetched file in memory (``join``);
everything that writes a record into the repository writes it back without the
text (``strip``). A missing corpus, a missing file or a file whose bytes hash
differently is an error naming the record and saying how to fetch: a run never
scores a silent subset.

A pending referenced article (``add --source``) waits as ``seeds/pending/ID.source.json``
(``{"id", "date", "source"}``), the referenced counterpart of ``seeds/pending/ID.txt``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeGuard

from benchmark import paths
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import Source
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import read_bounded
from benchmark.sources import winer

REFERENCE_SUFFIX = ".source.json"  # seeds/pending/ID.source.json
MAX_SOURCE_BYTES = 4 * 1024 * 1024
SPAN_TEXT_OMITTED = "(text of a referenced document: not reproduced)"

# corpus name -> the verified folder of its fetched copy (raises a DataError saying how to fetch).
CORPORA: dict[str, Callable[[], Path]] = {winer.NAME: lambda: winer.require()}
_WINER_PATH = re.compile(r"\A(\d{4})/(\d{2})/\1_\2_\d{2}-\d{3}\.txt\Z")


def how_to_fetch(corpus: str) -> str:
    return f"run `python -m benchmark fetch {corpus} --from DIR` with a local copy (or `python -m benchmark fetch {corpus}`)"


def corpus_folder(corpus: str, record: str | None, file: str) -> Path:
    """The fetched corpus a record references, or a DataError naming the record."""
    locate = CORPORA.get(corpus)
    if locate is None:
        raise DataError(file, record, "source.corpus", f"unknown corpus {corpus!r}; known: {', '.join(CORPORA)}")
    try:
        return locate()
    except DataError as exc:
        raise DataError(file, record, "source", f"its text is in {corpus}, which is not fetched ({exc.message})") from None


def read_source(source: Source, record: str, file: str) -> str:
    """The text a ``source`` block names: the fetched file's bytes, verified, as UTF-8."""
    folder = corpus_folder(source.corpus, record, file)
    path = folder / source.path
    if ".." in Path(source.path).parts or not path.is_file():
        raise DataError(file, record, "source.path", f"{source.path} is not in the fetched {source.corpus} ({folder}): {how_to_fetch(source.corpus)}")
    data = read_bounded(path, MAX_SOURCE_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise DataError(file, record, "source.sha256",
                        f"{source.corpus}/{source.path} hashes to {digest[:12]}…, not {source.sha256[:12]}… as recorded: "
                        f"the fetched file is not the annotated one; {how_to_fetch(source.corpus)} from the pinned copy")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(file, record, "source", f"{source.corpus}/{source.path} is not valid UTF-8 (byte {exc.start})") from None


def date_of(source: Source) -> str | None:
    """``YYYY-MM`` from a WiNER-fr path (``2017/10/2017_10_19-002.txt``), else None."""
    match = _WINER_PATH.match(source.path)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def _span_fields(record: dict) -> Iterable[dict]:
    """Every span object of a raw record (mentions, quotation parts, triggers, arguments)."""
    for mention in record.get("entities") or []:
        if isinstance(mention, dict):
            yield mention
    for quote in record.get("quotes") or []:
        if isinstance(quote, dict):
            yield from (s for s in quote.get("content") or [] if isinstance(s, dict))
            yield from (quote[k] for k in ("cue", "speaker") if isinstance(quote.get(k), dict))
    for event in record.get("events") or []:
        if isinstance(event, dict):
            if isinstance(event.get("trigger"), dict):
                yield event["trigger"]
            yield from (a for a in event.get("arguments") or [] if isinstance(a, dict))


def file_errors(raw: dict, file: str) -> list[DataError]:
    """What a referenced record file may not hold: its text, span texts (guidelines §4)."""
    record = str(raw.get("id", Path(file).stem))
    errors = []
    if "text" in raw:
        errors.append(DataError(file, record, "text", "a record with a source block carries no text (it is joined from the fetched file)"))
    if any("text" in span for span in _span_fields(raw)):
        errors.append(DataError(file, record, "source", "the spans of a referenced record carry start and end only (no text)"))
    return errors


def join(raw: dict, file: str) -> dict:
    """The raw record with its text read from the source and every span's text filled
    (offsets past the text are left for validation to report)."""
    record = str(raw.get("id", Path(file).stem))
    try:
        source = Source.model_validate(raw["source"])
    except (ValueError, TypeError) as exc:
        raise DataErrors([DataError(file, record, "source", f"not a source block {{corpus, path, sha256}}: {exc}")]) from None
    text = read_source(source, record, file)
    joined = json.loads(json.dumps(raw))
    joined["text"] = text
    for span in _span_fields(joined):
        start, end = span.get("start"), span.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            span["text"] = text[start:end]
    return joined


def strip(record: dict) -> dict:
    """A record as a referenced file holds it: no ``text``, spans without ``text``."""
    out = json.loads(json.dumps({k: v for k, v in record.items() if k != "text"}))
    for span in _span_fields(out):
        span.pop("text", None)
    return out


def is_referenced(raw: object) -> TypeGuard[dict]:
    """A raw record (a dict, so callers may index it) with a ``source`` block."""
    return isinstance(raw, dict) and raw.get("source") is not None


# -- pending references (seeds/pending/ID.source.json) ------------------------------------


def pending_reference_path(ident: str) -> Path:
    return paths.PENDING_DIR / f"{ident}{REFERENCE_SUFFIX}"


def reference_json(ident: str, date: str | None, source: Source) -> str:
    return json.dumps({"id": ident, "date": date, "source": source.model_dump()}, ensure_ascii=False, indent=2) + "\n"


def read_reference_file(path: Path) -> tuple[str, str | None, Source]:
    """(id, date, source) of a pending reference file."""
    try:
        raw = json.loads(read_bounded(path, 64 * 1024).decode("utf-8"))
        ident = path.name[: -len(REFERENCE_SUFFIX)]
        if raw.get("id") != ident:
            raise ValueError(f"id {raw.get('id')!r} differs from the file name")
        return ident, raw.get("date"), Source.model_validate(raw["source"])
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
        raise DataErrors([DataError(str(path), path.name, None, f"not a pending reference {{id, date, source}}: {exc}")]) from None


def pending_references(directory: Path | None = None) -> list[tuple[str, str | None, Source]]:
    directory = paths.PENDING_DIR if directory is None else directory
    return [read_reference_file(p) for p in sorted(directory.glob(f"*{REFERENCE_SUFFIX}"))]


def gold_references(directory: Path | None = None) -> dict[str, tuple[Path, Source]]:
    """Id -> (file, source) of every record in ``gold/annotations/`` that references its text."""
    directory = paths.ANNOTATIONS_DIR if directory is None else directory
    found = {}
    for path in sorted(directory.glob("*.json")):
        try:
            raw = json.loads(read_bounded(path, 16 * 1024 * 1024).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue  # reported by read_gold_file with its location
        if is_referenced(raw):
            try:
                found[path.stem] = (path, Source.model_validate(raw["source"]))
            except ValueError:
                continue  # idem
    return found


def referenced_ids() -> set[str]:
    """Ids of every referenced document, pending or promoted (no fetch needed): what a
    committed artefact must not reproduce the text of."""
    return set(gold_references()) | {ident for ident, _, _ in pending_references()}


def seed_of(ident: str, date: str | None, source: Source, file: str) -> SeedDocument:
    """A referenced document as the annotation tools and checks see a seed: text joined."""
    return SeedDocument(ident, date, read_source(source, ident, file), source)

