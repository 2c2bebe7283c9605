"""What every format module shares: the gold rendering, references, sources.

A record read back from a tool is written by ``gold_json``, the
rendering of the gold files (guidelines §4 key order), so that it is
byte-identical to the gold it came from; items are put in the guidelines'
order (text order) on import, so the order in which a tool happens to list
annotations never matters. Seeds are looked up among the test split's and the
pending ones (``seeds/pending/``): a new article is annotated before
``promote`` moves it in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from benchmark import paths
from benchmark.data import references
from benchmark.data.alignment import spans_to_tags, tokenize
from benchmark.data.corpus import SeedDocument, read_pending, read_seeds
from benchmark.data.layers import TAG_LAYERS
from benchmark.data.schema import Document
from benchmark.data.validation import check_document, parse_record
from benchmark.errors import DataError, DataErrors

DRAFT_KEY = "draft"  # the leading block of a draft record, which keeps it out of the gold

# Keys a reference string may carry, per kind of item; the first is required.
REF_KEYS: dict[str, tuple[str, ...]] = {
    "entity": ("id", "entity"),
    "quote": ("id", "speaker_entity"),
    "event": ("id", "event"),
}
REQUIRED_REF_KEYS: dict[str, tuple[str, ...]] = {"entity": ("id", "entity"), "quote": ("id",), "event": ("id", "event")}


class KnownSeeds(Mapping[str, SeedDocument]):
    """Every document an annotation may be about: the seeds (in a split or pending) and
    the referenced documents (promoted, or pending as ``seeds/pending/ID.source.json``).
    A referenced document's text is joined from the fetched corpus when it is first
    looked up, so that working on seeds never needs a fetch."""

    def __init__(self) -> None:
        self._seeds = {s.id: s for s in read_seeds() + read_pending()}
        self._sources = {ident: (str(path), source) for ident, (path, source) in references.gold_references().items()}
        for ident, _date, source in references.pending_references():
            self._sources.setdefault(ident, (str(references.pending_reference_path(ident)), source))
        self._joined: dict[str, SeedDocument] = {}

    def __getitem__(self, ident: str) -> SeedDocument:
        if ident in self._seeds:
            return self._seeds[ident]
        if ident not in self._joined:
            file, source = self._sources[ident]  # KeyError: unknown, as for a dict
            self._joined[ident] = references.seed_of(ident, references.date_of(source), source, file)
        return self._joined[ident]

    def __iter__(self):
        return iter(sorted(set(self._seeds) | set(self._sources)))

    def __len__(self) -> int:
        return len(set(self._seeds) | set(self._sources))


def known_seeds() -> Mapping[str, SeedDocument]:
    """Every document an annotation may be about (see ``KnownSeeds``)."""
    return KnownSeeds()


def in_text_order(doc: Document) -> Document:
    """Items sorted as the guidelines list them: by first offset, then id."""
    def span_key(span) -> tuple:
        return (span.start, span.end)

    entities = None if doc.entities is None else sorted(doc.entities, key=lambda m: (m.start, m.end, m.id or ""))
    quotes = None
    if doc.quotes is not None:
        quotes = [q.model_copy(update={"content": sorted(q.content, key=span_key)}) for q in doc.quotes]
        quotes.sort(key=lambda q: (q.content[0].start, q.content[0].end, q.id or ""))
    events = None
    if doc.events is not None:
        events = [
            e.model_copy(update={"arguments": sorted(e.arguments, key=lambda a: (a.start, a.end, a.role))})
            for e in doc.events
        ]
        events.sort(key=lambda e: (e.trigger.start, e.trigger.end, e.id or ""))
    return doc.model_copy(update={"entities": entities, "quotes": quotes, "events": events})


def format_ref(pairs: Mapping[str, str | None]) -> str:
    """``id=m01 entity=mike_pompeo``: the ids a tool has no field for."""
    return " ".join(f"{key}={value}" for key, value in pairs.items() if value is not None)


def parse_ref(raw: str, kind: str) -> tuple[dict[str, str], list[str]]:
    """The pairs of a reference string, and what is wrong with it (messages)."""
    pairs: dict[str, str] = {}
    problems: list[str] = []
    troubled: set[str] = set()
    allowed = REF_KEYS[kind]
    for part in raw.split():
        key, sep, value = part.partition("=")
        troubled.add(key)
        if not sep or not value:
            problems.append(f"reference {raw!r}: {part!r} is not key=value")
        elif key not in allowed:
            problems.append(f"reference {raw!r}: unknown key {key!r} (known for {kind}: {', '.join(allowed)})")
        elif key in pairs:
            problems.append(f"reference {raw!r}: {key} given twice")
        else:
            pairs[key] = value
            troubled.discard(key)
    for key in REQUIRED_REF_KEYS[kind]:
        if key not in pairs and key not in troubled:
            problems.append(f"missing {key} (write it as {key}=... in the annotation's note)")
    return pairs, problems


def token_alignment_errors(doc: Document, file: str) -> list[DataError]:
    """Gold spans must fall on canonical tokens: the dataset build refuses them
    otherwise, so an import says so at once, where the annotator can fix it."""
    text = doc.joined_text()
    tokens = tokenize(text)
    errors = []
    for layer in TAG_LAYERS:
        projection = spans_to_tags(tokens, layer.spans(doc))
        for start, end, label in projection.projected:
            errors.append(DataError(file, doc.id, layer.source, f"{label} span [{start}, {end}) {text[start:end]!r} cuts a canonical token"))
        for start, end, label in projection.dropped:
            errors.append(DataError(file, doc.id, layer.source,
                                    f"{label} span [{start}, {end}) {text[start:end]!r} overlaps another span of the {layer.feature} layer"))
    return errors


_ITEM = re.compile(r"^(entities|quotes|events)\[(\d+)\]")


def _sort_key(layer: str, item: dict) -> tuple:
    if layer == "entities":
        return (item.get("start", 0), item.get("end", 0), item.get("id") or "")
    if layer == "quotes":
        first = min(item.get("content") or [{}], key=lambda s: s.get("start", 0))
        return (first.get("start", 0), first.get("end", 0), item.get("id") or "")
    trigger = item.get("trigger") or {}
    return (trigger.get("start", 0), trigger.get("end", 0), item.get("id") or "")


def _in_text_order(raw: dict, origins: Mapping[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """The raw record with its items in guideline order, and where each came from."""
    raw, ordered = dict(raw), {}
    for layer in ("entities", "quotes", "events"):
        items = raw.get(layer) or []
        where = list(origins.get(layer, [])) + [""] * (len(items) - len(origins.get(layer, [])))
        order = sorted(range(len(items)), key=lambda i: _sort_key(layer, items[i]))
        raw[layer] = [items[i] for i in order] if raw.get(layer) is not None else None
        ordered[layer] = [where[i] for i in order]
    return raw, ordered


def _located(error: DataError, origins: Mapping[str, list[str]]) -> DataError:
    """Name the tool's own item (brat line, Label Studio region) beside the record field."""
    match = _ITEM.match(error.field or "")
    if match is None:
        return error
    where = origins.get(match.group(1), [])
    index = int(match.group(2))
    if index >= len(where) or not where[index]:
        return error
    return DataError(error.file, f"{error.record} ({where[index]})", error.field, error.message)


def checked_gold(raw: dict, file: str, seeds: Mapping[str, SeedDocument],
                 origins: Mapping[str, list[str]] | None = None) -> tuple[Document | None, list[DataError]]:
    """A record rebuilt from a tool, held to every rule the gold obeys. ``origins``
    names, per layer and in the raw record's order, the tool's item each came from."""
    raw, origins = _in_text_order(raw, origins or {})
    doc, errors = parse_record(raw, file, str(raw.get("id")))
    if doc is None:
        return None, [_located(e, origins) for e in errors]
    reference = seeds.get(doc.id)
    if reference is None:
        return None, [DataError(file, doc.id, "id", "no seed document has this id (add the article first)")]
    doc = in_text_order(doc).model_copy(update={"source": reference.source})  # a referenced record stays one
    errors = check_document(doc, file=file, record=doc.id, gold=True, reference=reference)
    if not errors:
        errors = token_alignment_errors(doc, file)
    return (None if errors else doc), [_located(e, origins) for e in errors]


def read_record(path: Path, seeds: Mapping[str, SeedDocument], gold: bool = True) -> Document:
    """One record file (gold, work or draft) checked against its seed. A draft
    (``gold/drafts/``, with its ``draft`` block) is held to the rules of a
    prediction only: it is what the annotators start from, not gold."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataErrors([DataError(str(path), path.stem, None, "no such record")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataErrors([DataError(str(path), path.stem, None, f"invalid JSON: {exc}")]) from None
    if isinstance(raw, dict) and DRAFT_KEY in raw:
        raw = {k: v for k, v in raw.items() if k != DRAFT_KEY}
        gold = False
    if references.is_referenced(raw):
        errors = references.file_errors(raw, str(path))
        if errors:
            raise DataErrors(errors)
        raw = references.join(raw, str(path))
    doc, errors = parse_record(raw, str(path), path.stem)
    if doc is not None:
        reference = seeds.get(doc.id)
        if reference is None:
            errors.append(DataError(str(path), doc.id, "id", "no seed document has this id"))
        else:
            errors += check_document(doc, file=str(path), record=doc.id, gold=gold, reference=reference)
    if errors:
        raise DataErrors(errors)
    assert doc is not None, "parse_record gives a document when it finds no error"
    return doc


def source_path(doc_id: str, source: Path | None) -> Path:
    """Where to export a document from: ``source/ID.json`` when a directory is
    given, else its gold, else (an article not yet promoted) its draft."""
    if source is not None:
        return source / f"{doc_id}.json"
    gold = paths.ANNOTATIONS_DIR / f"{doc_id}.json"
    return gold if gold.is_file() or not (paths.DRAFTS_DIR / f"{doc_id}.json").is_file() else paths.DRAFTS_DIR / f"{doc_id}.json"


def source_documents(ids: Iterable[str], seeds: Mapping[str, SeedDocument], source: Path | None = None) -> list[Document]:
    """The records to export, in the order given; with no id, every record of
    ``source`` (default ``gold/annotations/``)."""
    wanted = list(ids) or sorted(p.stem for p in (source or paths.ANNOTATIONS_DIR).glob("*.json"))
    if not wanted:
        raise DataErrors([DataError(str(source or paths.ANNOTATIONS_DIR), None, None, "no record to export")])
    errors: list[DataError] = []
    docs: list[Document] = []
    for doc_id in wanted:
        try:
            docs.append(read_record(source_path(doc_id, source), seeds))
        except DataErrors as exc:
            errors += exc.errors
    if errors:
        raise DataErrors(errors)
    return docs


def gold_json(doc: Document, draft: dict | None = None) -> str:
    """A record in the layout of the files of ``gold/annotations/`` (ids first, 2-space indent).

    With ``draft``, the record gets the leading ``draft`` block that keeps it
    out of the gold.
    """
    record = doc.model_dump(mode="json", exclude={"source"} if doc.source is None else set())
    if record.get("drafted_by") is None:
        record.pop("drafted_by", None)  # optional: a record drafted from nothing does not carry it
    if doc.source is not None:  # a referenced record: its source block instead of its text (guidelines §4)
        record = {"id": record["id"], "date": record["date"], "source": record["source"],
                  **{k: v for k, v in record.items() if k not in ("id", "date", "source")}}
    record["entities"] = None if doc.entities is None else [
        {"id": m["id"], **{k: v for k, v in m.items() if k != "id"}} for m in record["entities"]
    ]
    for event in record["events"] or []:
        event["arguments"] = [{"role": a["role"], **{k: v for k, v in a.items() if k != "role"}} for a in event["arguments"]]
    if doc.source is not None:
        record = references.strip(record)
    head = {DRAFT_KEY: draft} if draft is not None else {}
    return json.dumps({**head, **record}, ensure_ascii=False, indent=2) + "\n"
