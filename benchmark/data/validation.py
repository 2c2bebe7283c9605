"""Checks that a gold or prediction record says what it claims about its text.

A benchmark that scores a span whose offsets drifted scores noise, so every
record is checked against the document text before anything uses it, and
every problem is reported with its file, record (or line) and field. Checks
only collect errors; callers decide to stop, and nothing here writes a file.

Prediction files come from outside, so they are read as hostile data: line by
line (split on ``\n`` only, as the writer escapes every other line break),
with a size limit per line and per file, as strict JSON (no duplicate keys,
no lone surrogates, bounded nesting; offsets must be JSON integers), and with
at most ``MAX_REPORTED_ERRORS`` errors kept, then a count of the rest.
"""

from __future__ import annotations

import json
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

from pydantic import ValidationError

from benchmark import paths
from benchmark.data import references
from benchmark.data.alignment import tokenize
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import (
    ENTITY_LABELS,
    EVENT_ROLES,
    LAYERS,
    QUOTE_KINDS,
    Document,
    Span,
)
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import (
    StrictJSONError,
    check_regular_file,
    read_text_bounded,
    strict_json_loads,
)

MAX_PREDICTION_FILE_BYTES = 128 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_GOLD_FILE_BYTES = 16 * 1024 * 1024
MAX_REPORTED_ERRORS = 50


def _field_path(loc: Iterable[object]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_record(raw: object, file: str, record: str) -> tuple[Document | None, list[DataError]]:
    """Schema check: types, required fields, no unknown fields."""
    if not isinstance(raw, dict):
        return None, [DataError(file, record, None, f"expected a JSON object, got {type(raw).__name__}")]
    record = str(raw.get("id", record))
    try:
        return Document.model_validate(raw), []
    except ValidationError as exc:
        return None, [DataError(file, record, _field_path(e["loc"]), e["msg"]) for e in exc.errors()]


class _Checker:
    """Collects the content errors of one parsed record."""

    def __init__(self, doc: Document, file: str, record: str, gold: bool):
        self.doc, self.file, self.record, self.gold = doc, file, record, gold
        self.errors: list[DataError] = []
        self._tokens: tuple[list[int], list[int]] | None = None

    def token_edges(self) -> tuple[list[int], list[int]]:
        """Starts and ends of the canonical tokens, made once per record (only gold asks)."""
        if self._tokens is None:
            tokens = tokenize(self.text)
            self._tokens = ([a for a, _ in tokens], [b for _, b in tokens])
        return self._tokens

    @property
    def text(self) -> str:
        """The record's text: content checks run only once ``check_document`` has seen it."""
        return self.doc.joined_text()

    def error(self, field: str, message: str) -> None:
        self.errors.append(DataError(self.file, self.record, field, message))

    def span(self, span: Span, field: str) -> None:
        text = self.text
        if not span.start < span.end:
            self.error(field, f"empty or inverted span [{span.start}, {span.end})")
            return
        if span.end > len(text):
            self.error(field, f"span [{span.start}, {span.end}) ends past the end of the text ({len(text)} characters)")
            return
        covered = text[span.start : span.end]
        if span.text is None:
            if self.gold:
                self.error(field + ".text", "gold spans must store their text")
        elif span.text != covered:
            self.error(field + ".text", f"span text {span.text!r} differs from the text at [{span.start}, {span.end}): {covered!r}")
        if covered != covered.strip():
            self.error(field, f"span {covered!r} starts or ends with whitespace")
        elif self.gold:
            self.span_edges(span, covered, field)

    def span_edges(self, span: Span, covered: str, field: str) -> None:
        """GUIDELINES §0.3 for gold: no punctuation at either end, no word cut. A
        prediction is widened to the tokens it covers when scored, so only gold
        (and what an import makes into gold) is held to it."""
        for side, char in (("starts", covered[0]), ("ends", covered[-1])):
            if unicodedata.category(char).startswith("P"):
                self.error(field, f"span [{span.start}, {span.end}) {covered!r} {side} with punctuation {char!r} (GUIDELINES §0.3)")
        starts, ends = self.token_edges()
        for offset, edges, side in ((span.start, starts, "starts"), (span.end, ends, "ends")):
            i = bisect_left(edges, offset)
            if i == len(edges) or edges[i] != offset:
                word = self._token_at(offset if side == "starts" else offset - 1)
                self.error(field, f"span [{span.start}, {span.end}) {covered!r} {side} inside the word {word!r}: it cuts a canonical token (GUIDELINES §0.3)")

    def _token_at(self, position: int) -> str:
        starts, ends = self.token_edges()
        i = bisect_left(ends, position + 1)
        return self.text[starts[i] : ends[i]] if i < len(starts) and starts[i] <= position else self.text[position]

    def ids(self) -> None:
        items = [("entities", m.id) for m in self.doc.entities or []]
        items += [("quotes", q.id) for q in self.doc.quotes or []]
        items += [("events", e.id) for e in self.doc.events or []]
        for layer in ("entities", "quotes", "events"):
            if self.gold and getattr(self.doc, layer) is None:
                self.error(layer, "gold records must annotate every layer (use [] for none)")
        if self.gold:
            for i, m in enumerate(self.doc.entities or []):
                if m.id is None or m.entity is None:
                    self.error(f"entities[{i}]", "gold mentions need an id and an entity")
            for i, q in enumerate(self.doc.quotes or []):
                if q.id is None:
                    self.error(f"quotes[{i}].id", "gold quotations need an id")
            for i, e in enumerate(self.doc.events or []):
                if e.id is None or e.event is None:
                    self.error(f"events[{i}]", "gold event mentions need an id and an event id")
        for (layer, ident), n in sorted(Counter(i for i in items if i[1] is not None).items()):
            if n > 1:
                self.error(layer, f"id {ident!r} is used {n} times")
        for ident, n in sorted(Counter(i for _, i in items if i is not None).items()):
            if n > 1 and len({layer for layer, j in items if j == ident}) > 1:
                self.error("id", f"id {ident!r} is used in several layers")

    def provenance(self) -> None:
        drafted = self.doc.drafted_by
        if drafted is None:
            return
        for i, layer in enumerate(drafted.layers):
            if layer not in LAYERS:
                self.error(f"drafted_by.layers[{i}]", f"unknown layer {layer!r}; known: {', '.join(LAYERS)}")
        if len(set(drafted.layers)) != len(drafted.layers):
            self.error("drafted_by.layers", "a layer is listed twice")

    def duplicates(self, field: str, keys: list[tuple], what: str) -> set[int]:
        """An exact duplicate within a layer is refused: scoring counts every unit it
        is given, so a repeated unit would count twice (or, deduplicated, vanish)."""
        first: dict[tuple, int] = {}
        repeated: set[int] = set()
        for i, key in enumerate(keys):
            if key in first:
                self.error(f"{field}[{i}]", f"duplicate of {field}[{first[key]}] (same {what})")
                repeated.add(i)
            else:
                first[key] = i
        return repeated

    def entities(self) -> None:
        mentions = self.doc.entities or []
        for i, m in enumerate(mentions):
            self.span(m, f"entities[{i}]")
            if m.label not in ENTITY_LABELS:
                self.error(f"entities[{i}].label", f"unknown label {m.label!r}; known: {', '.join(ENTITY_LABELS)}")
        repeated = self.duplicates("entities", [(m.start, m.end, m.label) for m in mentions], "start, end and label")
        ordered = sorted((i for i in range(len(mentions)) if i not in repeated), key=lambda i: (mentions[i].start, mentions[i].end))
        for a, b in pairwise(ordered):
            if mentions[b].start < mentions[a].end:
                self.error(f"entities[{b}]", f"overlaps entities[{a}]: the guidelines allow no nested or crossing entity spans")

    def quotes(self) -> None:
        quotes = self.doc.quotes or []
        entity_ids = {m.entity for m in self.doc.entities or [] if m.entity is not None}
        quote_ids = {q.id: q for q in quotes if q.id is not None}
        self.duplicates("quotes", [tuple(sorted((s.start, s.end) for s in q.content)) for q in quotes], "content segments")
        for i, q in enumerate(quotes):
            field = f"quotes[{i}]"
            if q.kind not in QUOTE_KINDS:
                self.error(field + ".kind", f"unknown kind {q.kind!r}; known: {', '.join(QUOTE_KINDS)}")
            for j, part in enumerate(q.content):
                self.span(part, f"{field}.content[{j}]")
            parts = sorted(q.content, key=lambda s: s.start)
            if any(b.start < a.end for a, b in pairwise(parts)):
                self.error(field + ".content", "content spans overlap")
            for name in ("cue", "speaker"):
                if getattr(q, name) is not None:
                    self.span(getattr(q, name), f"{field}.{name}")
            if q.speaker_entity is not None:
                if self.doc.entities is None and not self.gold:
                    pass  # a prediction without an entity layer may still name its speakers' entities
                elif q.speaker_entity not in entity_ids:
                    self.error(field + ".speaker_entity", f"entity {q.speaker_entity!r} has no mention in entities")
            if q.parent is not None:
                parent = quote_ids.get(q.parent)
                if parent is None or parent is q:
                    self.error(field + ".parent", f"quotation {q.parent!r} does not exist (or is this one)")
                elif not all(any(p.start <= s.start and s.end <= p.end for p in parent.content) for s in q.content):
                    self.error(field + ".parent", f"content is not inside the content of its parent {q.parent!r}")

    def events(self) -> None:
        types_by_event: dict[str, set[str]] = {}
        events = self.doc.events or []
        self.duplicates("events", [(e.trigger.start, e.trigger.end, e.type) for e in events], "trigger span and type")
        for i, e in enumerate(events):
            field = f"events[{i}]"
            self.duplicates(f"{field}.arguments", [(a.start, a.end, a.role) for a in e.arguments], "span and role")
            self.span(e.trigger, field + ".trigger")
            roles = EVENT_ROLES.get(e.type)
            if roles is None:
                self.error(field + ".type", f"unknown event type {e.type!r}")
            if e.event is not None:
                types_by_event.setdefault(e.event, set()).add(e.type)
            for j, arg in enumerate(e.arguments):
                self.span(arg, f"{field}.arguments[{j}]")
                if roles is not None and arg.role not in roles:
                    self.error(f"{field}.arguments[{j}].role", f"role {arg.role!r} is not a role of {e.type}; known: {', '.join(roles)}")
        for event, types in sorted(types_by_event.items()):
            if len(types) > 1:
                self.error("events", f"coreferent mentions of event {event!r} have different types: {sorted(types)}")


def check_document(doc: Document, *, file: str, record: str, gold: bool, reference: SeedDocument | None = None) -> list[DataError]:
    """Every content check of one record; an empty list means it is valid."""
    checker = _Checker(doc, file, record, gold)
    if doc.text is None:
        checker.error("text", "missing: a record carries its text, or (a gold record of a fetched corpus) a source block")
        return checker.errors
    if reference is not None:
        if doc.text != reference.text:
            checker.error("text", "differs from the text of the seed document (offsets would not mean the same)")
            return checker.errors
        if gold and doc.date != reference.date:
            checker.error("date", f"{doc.date!r} differs from the seed header's {reference.date!r}")
    checker.ids()
    checker.provenance()
    checker.entities()
    checker.quotes()
    checker.events()
    return checker.errors


def _load_json(path: Path) -> object:
    try:
        return strict_json_loads(read_text_bounded(path, MAX_GOLD_FILE_BYTES))
    except DataError as exc:
        raise DataErrors([exc]) from None
    except (json.JSONDecodeError, StrictJSONError) as exc:
        raise DataErrors([DataError(str(path), None, None, f"invalid JSON: {exc}")]) from None


def joined_record(raw: object, path: Path) -> tuple[object, SeedDocument | None]:
    """A raw record file as validation sees it: a referenced record (guidelines §4) is
    joined with its fetched text and comes with its own reference; others as they are.
    Raises DataErrors when a referenced file holds text, or its source cannot be read."""
    if not references.is_referenced(raw):
        return raw, None
    errors = references.file_errors(raw, str(path))
    if errors:
        raise DataErrors(errors)
    try:
        joined = references.join(raw, str(path))
    except DataError as exc:  # a missing corpus or file, a changed file: named with the record
        raise DataErrors([exc]) from None
    source = references.Source.model_validate(raw["source"])
    ident = str(raw.get("id", path.stem))
    return joined, SeedDocument(ident, references.date_of(source), joined["text"], source)


def read_gold_file(path: Path, seeds: Mapping[str, SeedDocument]) -> Document:
    """One gold annotation file: a single record whose id is the file's stem. A record
    with a source block is its own reference (its text is joined from the fetched file)."""
    raw = _load_json(path)
    if isinstance(raw, dict) and "draft" in raw:
        # Made by `python -m benchmark add`: unreviewed extractor output never counts as gold.
        raise DataErrors([DataError(str(path), str(raw.get("id", path.stem)), "draft",
                                    "a draft annotation, not reviewed gold: review it, drop the 'draft' block, "
                                    "then `python -m benchmark promote ID`")])
    raw, joined = joined_record(raw, path)
    doc, errors = parse_record(raw, str(path), path.stem)
    if doc is not None:
        reference = joined or seeds.get(doc.id)
        if doc.id != path.stem:
            errors.append(DataError(str(path), doc.id, "id", f"does not match the file name {path.stem!r}"))
        if reference is None:
            errors.append(DataError(str(path), doc.id, "id", "no seed document has this id"))
        errors += check_document(doc, file=str(path), record=doc.id, gold=True, reference=reference)
    if errors:
        raise DataErrors(errors)
    assert doc is not None, "parse_record gives a document when it finds no error"
    return doc


def read_gold(seeds: Iterable[SeedDocument], directory: Path | None = None) -> list[Document]:
    """The gold of every seed and every referenced record, in id order (order of addition);
    a seed without gold is an error. A referenced record comes back joined (text and
    span texts filled, ``source`` kept)."""
    directory = paths.ANNOTATIONS_DIR if directory is None else directory
    by_id = {s.id: s for s in seeds}
    errors: list[DataError] = []
    docs: list[Document] = []
    by_stem = {p.stem: p for p in sorted(directory.glob("*.json"))}
    referenced = set(references.gold_references(directory))
    for stem in sorted(referenced & set(by_id)):
        errors.append(DataError(str(by_stem[stem]), stem, "source", "a seed with this id exists too: a document has a seed file or a source, not both"))
    for stem in sorted(set(by_stem) - set(by_id) - referenced):
        if (paths.PENDING_DIR / f"{stem}.txt").is_file():
            message = f"the seed is still in seeds/pending/: `python -m benchmark promote {stem}` moves it into the test split"
        else:
            message = "annotation file for a document that is not in seeds/"
        errors.append(DataError(str(by_stem[stem]), stem, "id", message))
    if (paths.PENDING_DIR).is_dir():
        for stem in sorted(referenced & {ident for ident, _, _ in references.pending_references()}):
            errors.append(DataError(str(by_stem[stem]), stem, "id", f"the reference is still in seeds/pending/: "
                                    f"`python -m benchmark promote {stem}` moves it into its split"))
    for seed_id in sorted(set(by_id) | referenced):
        if seed_id not in by_stem:
            errors.append(DataError(str(directory / f"{seed_id}.json"), seed_id, None, "the seed has no gold annotation file"))
            continue
        try:
            docs.append(read_gold_file(by_stem[seed_id], by_id))
        except DataErrors as exc:
            errors += exc.errors
    if errors:
        raise DataErrors(errors)
    return docs


class _ErrorLog:
    """Keeps the first MAX_REPORTED_ERRORS errors and counts the rest."""

    def __init__(self, file: str):
        self.kept: list[DataError] = []
        self.file, self.more = file, 0

    def add(self, errors: list[DataError]) -> None:
        room = max(0, MAX_REPORTED_ERRORS - len(self.kept))
        self.kept += errors[:room]
        self.more += len(errors) - len(errors[:room])

    def __bool__(self) -> bool:
        return bool(self.kept)

    def raise_if_any(self) -> None:
        if self.more:
            self.kept.append(DataError(self.file, None, None, f"and {self.more} more error(s)"))
        if self.kept:
            raise DataErrors(self.kept)


def _lines(handle, file: str, log: _ErrorLog):
    """(line number, text) of each line, split on b"\n" only; a line longer than
    MAX_LINE_BYTES or not valid UTF-8 is reported and skipped, never held whole."""
    number = 0
    while True:
        chunk = handle.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            log.add([DataError(file, f"line {number}", None, f"longer than {MAX_LINE_BYTES} bytes")])
            while chunk and not chunk.endswith(b"\n"):
                chunk = handle.readline(MAX_LINE_BYTES + 1)
            continue
        try:
            yield number, chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            log.add([DataError(file, f"line {number}", None, f"not valid UTF-8 (byte {exc.start} of the line)")])


def read_prediction_file(path: Path, references: Mapping[str, str]) -> list[Document]:
    """A JSONL prediction file: one record per line, ids known and unique, texts identical."""
    file = str(path)
    try:
        check_regular_file(path, MAX_PREDICTION_FILE_BYTES)
        handle = open(path, "rb")  # noqa: SIM115 (closed by the `with handle` below; opened here so OSError maps to a DataError)
    except DataError as exc:
        raise DataErrors([exc]) from None
    except OSError as exc:
        raise DataErrors([DataError(file, None, None, f"unreadable: {exc.strerror or exc}")]) from None
    log = _ErrorLog(file)
    docs: list[Document] = []
    seen: dict[str, int] = {}
    with handle:
        for number, line in _lines(handle, file, log):
            if not line.strip():
                continue
            docs += _prediction_line(line, number, file, references, seen, log)
    if not seen and not log:
        log.add([DataError(file, None, None, "no records")])
    log.raise_if_any()
    return docs


def _prediction_line(line: str, number: int, file: str, references: Mapping[str, str], seen: dict[str, int], log: _ErrorLog) -> list[Document]:
    where = f"line {number}"
    try:
        raw = strict_json_loads(line)
    except (json.JSONDecodeError, StrictJSONError) as exc:
        log.add([DataError(file, where, None, f"invalid JSON: {exc}")])
        return []
    doc, parse_errors = parse_record(raw, file, where)
    log.add([DataError(e.file, f"{where} ({e.record})", e.field, e.message) for e in parse_errors])
    if doc is None:
        return []
    where = f"{where} ({doc.id})"
    if doc.id in seen:
        log.add([DataError(file, where, "id", f"duplicate id, first at line {seen[doc.id]}")])
        return []
    seen[doc.id] = number
    if doc.id not in references:
        log.add([DataError(file, where, "id", "unknown document id")])
        return []
    if doc.text is None:
        # A prediction may leave the text out: its offsets then index the gold document's
        # text. A submission on Wikinews articles must, since their text is never committed.
        doc = doc.model_copy(update={"text": references[doc.id]})
    reference = SeedDocument(doc.id, doc.date, references[doc.id])
    errors = check_document(doc, file=file, record=where, gold=False, reference=reference)
    log.add(errors)
    return [] if errors else [doc]
