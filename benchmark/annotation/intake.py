"""``python -m benchmark add`` and ``promote``: how an article enters the benchmark.

A new article must never reach the test split on a machine's say-so. ``add``
checks the raw file (UTF-8, not empty, optional ``date YYYY-MM`` header, LF
line ends, not already present), copies it verbatim to ``seeds/pending/`` under
a content-derived id, and writes a *draft* annotation to ``gold/drafts/``: the
output of a repository extractor (or empty layers), with a top-level ``draft``
block. Neither location is read by the test split: ``read_seeds`` lists
``seeds/*.txt`` only, ``read_gold`` reads ``gold/annotations/`` only, and a file
carrying a ``draft`` block is refused as gold. ``promote`` is the one way in:
it validates the reviewed gold against the pending seed, writes it to
``gold/annotations/``, moves the seed to ``seeds/`` and deletes the draft.

Every check runs before anything is written, for every file given, so bad
input leaves the repository as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from benchmark import paths
from benchmark.annotation.records import DRAFT_KEY, gold_json, known_seeds
from benchmark.data import references, selection
from benchmark.data.corpus import (
    MAX_SEED_BYTES,
    SeedDocument,
    read_pending,
    read_seeds,
    seed_from_bytes,
)
from benchmark.data.schema import LAYERS, Document, DraftedBy, EntityMention, Source
from benchmark.data.validation import check_document, parse_record, read_gold_file
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_bytes, atomic_write_text, read_bounded
from benchmark.sources import brat, winer
from benchmark.systems import config as systems_config
from benchmark.systems.base import Extractor

_SEED_ID = re.compile(r"\A(\d{3,})_([0-9a-f]{16})\Z")


def content_digest(text: str) -> str:
    """sha256 of the article text (header and BOM excluded), UTF-8 encoded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def duplicate_key(text: str) -> str:
    """What two copies of one article share: the digest of the text without its
    leading and trailing whitespace. The header's separator is already removed
    by the reader; a copy with an extra blank line after it, or without the final
    newline, is still the same article (the id keeps hashing the exact text)."""
    return content_digest(text.strip())


def seed_id(index: int, text: str) -> str:
    """``NNN_`` (order of addition) + the first 16 hex digits of ``content_digest``.

    The digest makes the id stable (the same text always gets the same hash
    part) and makes a re-added article visible as a duplicate; the index keeps
    ``seeds/`` in order of addition. The first seed, ``000_72b43676da79cce3``,
    predates this rule (see gold/GUIDELINES.md, "Adding an article").
    """
    return f"{index:03d}_{content_digest(text)[:16]}"


@dataclass(frozen=True)
class NewSeed:
    """One checked article, ready to be written."""

    source: Path
    data: bytes  # the bytes to store: the file as given, line ends fixed if asked
    seed: SeedDocument

    @property
    def path(self) -> Path:
        return paths.PENDING_DIR / f"{self.seed.id}.txt"

    @property
    def draft_path(self) -> Path:
        return paths.DRAFTS_DIR / f"{self.seed.id}.json"


def _next_index(known: Sequence[SeedDocument]) -> int:
    indices = [int(m.group(1)) for s in known if (m := _SEED_ID.match(s.id))]
    return max(indices, default=-1) + 1


def fix_line_ends(data: bytes) -> bytes:
    """CRLF and lone CR to LF: the one normalisation ``add`` makes, only when asked."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def check_article(path: Path, *, fix_cr: bool) -> tuple[bytes, SeedDocument]:
    """The article's bytes and text, or a DataError naming the file."""
    source = str(path)
    try:
        data = read_bounded(path, MAX_SEED_BYTES)  # a directory, a device or a huge file is refused too
    except DataError as exc:
        raise DataError(source, None, None, f"cannot read the file: {exc.message}") from None
    if b"\r" in data:
        if not fix_cr:
            line = data.count(b"\n", 0, data.index(b"\r")) + 1
            raise DataError(
                source, None, "text",
                f"carriage return at line {line}: seeds must use LF line ends (CRLF would shift offsets); "
                f"rerun with --fix-line-ends to store a copy with LF line ends (the file itself is not changed)",
            )
        data = fix_line_ends(data)
    return data, seed_from_bytes(data, source, path.stem)


def plan(sources: Sequence[Path], *, fix_cr: bool = False) -> list[NewSeed]:
    """Check every file and give each its id; raises DataErrors listing every bad file."""
    known = read_seeds() + read_pending()
    by_digest = {duplicate_key(s.text): s.id for s in known}
    # Referenced documents (Wikinews) take indices too; their texts are not read here
    # (that needs the fetched corpus), so a duplicate of one is caught by id collision only.
    referenced = [SeedDocument(ident, None, "") for ident in sorted(references.referenced_ids())]
    index = _next_index(known + referenced)
    errors: list[DataError] = []
    planned: list[NewSeed] = []
    for path in sources:
        try:
            data, article = check_article(path, fix_cr=fix_cr)
        except DataError as exc:
            errors.append(exc)
            continue
        digest = duplicate_key(article.text)
        if digest in by_digest:
            errors.append(DataError(str(path), None, "text", f"already present: same text as seed {by_digest[digest]}"))
            continue
        new_id = seed_id(index, article.text)
        index += 1
        by_digest[digest] = f"{new_id} (added by this command from another file)"
        planned.append(NewSeed(path, data, SeedDocument(new_id, article.date, article.text)))
    if errors:
        raise DataErrors(errors)
    return planned


@dataclass(frozen=True)
class DraftSource:
    """What drafts new articles: a name (recorded in the draft and, after review, in
    the gold's ``drafted_by``), the layers it fills (the others stay empty), and
    the layers on which it competes on the leaderboard. A source is refused for
    a layer it competes on: a gold reviewed from a competitor's output leans
    toward that competitor (GUIDELINES §7)."""

    name: str
    layers: tuple[str, ...]
    predict: Callable[[list[SeedDocument]], list[Document]]
    competes_on: frozenset[str] = frozenset()
    detail: dict = field(default_factory=dict)


def check_not_competing(source: DraftSource, where: str) -> None:
    contested = [layer for layer in source.layers if layer in source.competes_on]
    if contested:
        raise DataErrors([DataError(where, None, "--draft-model",
                                    f"{source.name} competes on the leaderboard on {', '.join(contested)}: a gold reviewed from its "
                                    "draft would lean toward its own output. Every repository extractor competes on each layer it "
                                    "predicts; add the article without --draft-model (an empty draft), or draft from a source "
                                    "that does not compete (GUIDELINES §7)")])


def model_source(name: str) -> DraftSource:
    """A repository extractor as a draft source: it competes on every layer it
    predicts (the built-ins are all published, an adapter config is how a system
    gets published), so ``make_drafts`` refuses it before building it."""
    if name not in systems_config.model_names():
        raise DataErrors([DataError(str(paths.MODEL_CONFIG_DIR), None, "--draft-model",
                                    f"no model config {name!r}; known: {', '.join(systems_config.model_names())}")])
    return DraftSource(name=f"model {name}", layers=LAYERS, predict=lambda seeds: build_extractor(name).predict(seeds),
                       competes_on=frozenset(LAYERS), detail={"model": name})


def build_extractor(name: str) -> Extractor:
    """An extractor from ``configs/model/NAME.yaml``, composed and built like the runner does."""
    where = str(paths.MODEL_CONFIG_DIR)
    try:
        return systems_config.build(name)
    except KeyError:
        raise DataErrors([DataError(where, None, "--draft-model", f"no model config {name!r}; known: {', '.join(systems_config.model_names())}")]) from None
    except (HydraException, OmegaConfBaseException) as exc:
        message = str(exc).splitlines()[0]
        raise DataErrors([DataError(f"{where}/{name}.yaml", None, "--draft-model", f"cannot build a draft extractor from it: {message}")]) from None


def _complete(doc: Document) -> Document:
    """Fill what gold requires and a prediction may omit: ids, entity and event ids, span texts.

    Mentions without an entity id are grouped by (label, text), the simplest
    coreference a reviewer can then split or merge; an event mention without an
    event id is its own event. Missing layers become empty lists (to annotate).
    """
    record = doc.model_dump(mode="json")
    text = doc.joined_text()

    def span(s: dict) -> dict:
        return {"start": s["start"], "end": s["end"], "text": text[s["start"] : s["end"]]}

    def optional_span(s: dict | None) -> dict | None:
        return None if s is None else span(s)

    entity_ids: dict[tuple[str, str], str] = {}
    entities = []
    for i, m in enumerate(record["entities"] or [], start=1):
        covered = text[m["start"] : m["end"]]
        entity = m["entity"] or entity_ids.setdefault((m["label"], covered), f"e{len(entity_ids) + 1:02d}")
        entities.append({"id": m["id"] or f"m{i:02d}", **span(m), "label": m["label"], "entity": entity})
    quotes = [
        {"id": q["id"] or f"q{i}", "kind": q["kind"], "content": [span(c) for c in q["content"]], "cue": optional_span(q["cue"]),
         "speaker": optional_span(q["speaker"]), "speaker_entity": q["speaker_entity"], "parent": q["parent"]}
        for i, q in enumerate(record["quotes"] or [], start=1)
    ]
    events = []
    for i, e in enumerate(record["events"] or [], start=1):
        ident = e["id"] or f"ev{i:02d}"
        events.append({"id": ident, "event": e["event"] or f"x_{ident}", "type": e["type"], "trigger": optional_span(e["trigger"]),
                       "arguments": [{"role": a["role"], **span(a)} for a in e["arguments"]]})
    return Document.model_validate(dict(record, entities=entities, quotes=quotes, events=events))


def make_drafts(new: Sequence[NewSeed], source: DraftSource | None) -> list[str]:
    """The draft file of each new seed (JSON text), from ``source`` or with empty layers.
    The ``draft`` block names the source and the layers it filled."""
    seeds = [n.seed for n in new]
    if source is None:
        predicted = [Document(id=s.id, date=s.date, text=s.text, entities=[], quotes=[], events=[]) for s in seeds]
        meta: dict = {"status": "unreviewed", "source": None, "layers": []}
    else:
        where = f"draft source {source.name}"
        check_not_competing(source, where)
        predicted = source.predict(seeds)
        if [d.id for d in predicted] != [s.id for s in seeds]:
            raise DataErrors([DataError(where, None, "id", "must return one record per input document, in input order")])
        predicted = [d.model_copy(update={layer: (getattr(d, layer) or []) if layer in source.layers else [] for layer in LAYERS})
                     for d in predicted]
        errors = [e for d, s in zip(predicted, seeds, strict=True) for e in check_document(d, file=where, record=d.id, gold=False, reference=s)]
        if errors:
            raise DataErrors(errors)
        meta = {"status": "unreviewed", "source": source.name, "layers": list(source.layers), **source.detail}
    drafts = []
    for doc, seed in zip(predicted, seeds, strict=True):
        doc = _complete(Document.model_validate(dict(doc.model_dump(), date=seed.date, source=seed.source)))
        drafts.append(gold_json(doc, meta))  # a referenced document's draft carries no text
    return drafts


def add(sources: Sequence[Path], *, draft_model: str | None = None, fix_cr: bool = False,
        draft_source: DraftSource | None = None) -> list[NewSeed]:
    """Check, draft, then write: pending seeds first, their drafts second."""
    source = model_source(draft_model) if draft_model is not None else draft_source
    if source is not None:
        check_not_competing(source, f"draft source {source.name}")  # before any file is read
    new = plan(sources, fix_cr=fix_cr)
    drafts = make_drafts(new, source)
    for item in new:
        atomic_write_bytes(item.path, item.data)
    for item, draft in zip(new, drafts, strict=True):
        atomic_write_text(item.draft_path, draft)
    return new


@dataclass(frozen=True)
class Draft:
    meta: dict
    record: Document


def read_draft(path: Path) -> Draft:
    """A draft annotation: its ``draft`` block and the record it proposes."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataErrors([DataError(str(path), None, None, "file not found")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataErrors([DataError(str(path), None, None, f"invalid JSON: {exc}")]) from None
    if not isinstance(raw, dict) or not isinstance(raw.get(DRAFT_KEY), dict):
        raise DataErrors([DataError(str(path), None, DRAFT_KEY, "not a draft: expected a JSON object with a 'draft' block")])
    meta = raw.pop(DRAFT_KEY)
    doc, errors = parse_record(raw, str(path), path.stem)
    if errors:
        raise DataErrors(errors)
    assert doc is not None, "parse_record gives a document when it finds no error"
    return Draft(meta, doc)


def draft_provenance(path: Path) -> DraftedBy | None:
    """The ``drafted_by`` a reviewed record inherits from its draft: the source and
    the layers it filled, or None for an empty draft (or none at all)."""
    if not path.is_file():
        return None
    meta = read_draft(path).meta
    if not meta.get("layers"):
        return None
    source = meta.get("source") or (f"model {meta['model']}" if meta.get("model") else "unknown")
    return DraftedBy(source=source, layers=list(meta["layers"]))


def promote(ident: str, gold_path: Path | None = None) -> Path:
    """Move a pending seed into the test split with its reviewed gold.

    ``gold_path`` (default ``gold/annotations/ID.json``) must be a valid gold
    record of the pending seed and not a draft. The gold is written first and
    the seed moved second, so an interruption leaves an annotation whose seed
    is pending, which ``validate`` and ``build`` report.
    """
    pending = paths.PENDING_DIR / f"{ident}.txt"
    target = paths.ANNOTATIONS_DIR / f"{ident}.json"
    gold_path = target if gold_path is None else gold_path
    if _SEED_ID.match(ident) and references.pending_reference_path(ident).is_file():
        return promote_reference(ident, gold_path, target)
    if not _SEED_ID.match(ident) or not pending.is_file():
        raise DataErrors([DataError(str(pending), ident, None, "no pending seed with this id (python -m benchmark add puts them there)")])
    seed = seed_from_bytes(pending.read_bytes(), str(pending), ident)
    if not gold_path.is_file():
        raise DataErrors([DataError(str(gold_path), ident, None, "no reviewed gold annotation for this seed (file not found)")])
    if gold_path.name != target.name:
        raise DataErrors([DataError(str(gold_path), ident, None, f"the reviewed gold file must be named {target.name}")])
    doc = read_gold_file(gold_path, {ident: seed})  # the checks of gold/annotations/: a draft block, id, text, offsets
    drafted_by = draft_provenance(paths.DRAFTS_DIR / f"{ident}.json")
    if drafted_by is not None and doc.drafted_by is None:
        atomic_write_text(target, gold_json(doc.model_copy(update={"drafted_by": drafted_by})))
    elif gold_path.resolve() != target.resolve():
        atomic_write_bytes(target, gold_path.read_bytes())
    os.replace(pending, paths.SEEDS_DIR / pending.name)
    (paths.DRAFTS_DIR / f"{ident}.json").unlink(missing_ok=True)
    return paths.SEEDS_DIR / pending.name


def promote_reference(ident: str, gold_path: Path, target: Path) -> Path:
    """``promote`` of a referenced document: its reviewed record (a source block, no
    text) is validated joined with the fetched file and written as it is; the pending
    reference and the draft are deleted. Its split is its row of gold/selection.tsv."""
    reference = references.pending_reference_path(ident)
    _, _, source = references.read_reference_file(reference)
    if not gold_path.is_file():
        raise DataErrors([DataError(str(gold_path), ident, None, "no reviewed gold annotation for this document (file not found)")])
    if gold_path.name != target.name:
        raise DataErrors([DataError(str(gold_path), ident, None, f"the reviewed gold file must be named {target.name}")])
    doc = read_gold_file(gold_path, {})  # joined with its source: every gold check, and no text in the file
    if doc.source is None or doc.source != source:
        raise DataErrors([DataError(str(gold_path), ident, "source", f"must be the pending reference's {source.model_dump()} ({reference.name})")])
    selection.split_of(ident, True, selection.splits_of(), str(paths.SELECTION_FILE))
    if gold_path.resolve() != target.resolve():
        atomic_write_bytes(target, gold_path.read_bytes())
    reference.unlink()
    (paths.DRAFTS_DIR / f"{ident}.json").unlink(missing_ok=True)
    return target


# -- Wikinews articles: ``add --source winer-fr PATH`` (referenced, never copied) ------------

_WINER_DOC = re.compile(r"\A(\d{4})/(\d{2})/\1_\2_\d{2}-\d{3}\Z")
SOURCE_DRAFT_PROVENANCE = "winer-fr entities"  # the draft block's ``source``: no system on the leaderboard made it


@dataclass(frozen=True)
class NewReference:
    """One checked Wikinews article: its joined text (in memory only) and its selection row."""

    seed: SeedDocument  # text joined, ``source`` set
    row: selection.Row
    folder: Path  # the fetched corpus (for the .ann of the entity draft)

    @property
    def path(self) -> Path:
        return references.pending_reference_path(self.seed.id)

    @property
    def draft_path(self) -> Path:
        return paths.DRAFTS_DIR / f"{self.seed.id}.json"

    @property
    def source(self) -> Source:
        """The article's source block, which ``plan_references`` always sets on the seed."""
        if self.seed.source is None:
            raise DataError(str(self.path), self.seed.id, "source", "a planned reference without its source block")
        return self.seed.source


def winer_path(item: str, source: str) -> str:
    """``2017/10/2017_10_19-002`` from what the user typed (a suffix .txt or .ann is dropped)."""
    stem = re.sub(r"\.(txt|ann)\Z", "", item.strip().strip("/"))
    if not _WINER_DOC.match(stem):
        raise DataError(source, None, "path", f"{item!r} is not a WiNER-fr article path (YYYY/MM/YYYY_MM_DD-NNN)")
    return stem


def _known_texts() -> tuple[list[str], dict[str, str]]:
    """Every document id (seeds, pending, referenced) and the id of each text's digest."""
    known = known_seeds()
    ids = list(known)
    return ids, {content_digest(known[i].text): i for i in ids}


def plan_references(corpus: str, items: Sequence[str], *, split: str | None = None, rank: int | None = None) -> list[NewReference]:
    """Check every Wikinews article and give each its id (§7 "Document ids": the hash of the
    text as read) and its selection row; raises DataErrors listing every bad one."""
    if corpus != winer.NAME:
        raise DataErrors([DataError("command line", None, "--source", f"unknown corpus {corpus!r}; known: {winer.NAME}")])
    folder = references.corpus_folder(corpus, None, "command line")
    rows = selection.read()
    listed = {r.path: r for r in rows}
    ids, by_digest = _known_texts()
    index = max((int(m.group(1)) for i in ids if (m := _SEED_ID.match(i))), default=-1) + 1
    errors: list[DataError] = []
    planned: list[NewReference] = []
    for item in items:
        try:
            stem = winer_path(item, item)
            if stem in listed:
                raise DataError(item, None, "path", f"already in {paths.SELECTION_FILE.name} (rank {listed[stem].rank})")
            data = read_bounded(folder / f"{stem}.txt", references.MAX_SOURCE_BYTES)
            text = data.decode("utf-8")
        except DataError as exc:
            errors.append(exc)
            continue
        except UnicodeDecodeError as exc:
            errors.append(DataError(item, None, "text", f"not valid UTF-8 (byte {exc.start})"))
            continue
        digest = content_digest(text)
        if digest in by_digest:
            errors.append(DataError(item, None, "text", f"already present: same text as document {by_digest[digest]}"))
            continue
        new_id = seed_id(index, text)
        index += 1
        by_digest[digest] = f"{new_id} (added by this command)"
        source = Source(corpus=corpus, path=f"{stem}.txt", sha256=hashlib.sha256(data).hexdigest())
        row_split = split or winer.SPLIT_OF_YEAR.get(stem[:4], "test")
        row_rank = selection.next_rank(rows + [p.row for p in planned], row_split) if rank is None else rank + len(planned)
        row = selection.Row(row_rank, row_split, stem, new_id, "")
        listed[stem] = row
        planned.append(NewReference(SeedDocument(new_id, references.date_of(source), text, source), row, folder))
    if errors:
        raise DataErrors(errors)
    return planned


def source_entity_drafts(new: Sequence[NewReference]) -> list[str]:
    """The draft of each article from WiNER-fr's own entities, converted by the track's
    rules and mapping (benchmark.sources.winer): no competing system made it."""
    drafts = []
    for item in new:
        stem = item.row.path
        source = brat.read_document(item.folder / f"{stem}.txt", item.folder / f"{stem}.ann", stem.rsplit("/", 1)[1])
        mentions = [EntityMention(start=m.start, end=m.end, label=m.label) for m in winer.convert(source).document.mentions]
        seed = item.seed
        doc = _complete(Document(id=seed.id, date=seed.date, text=seed.text, entities=mentions, quotes=[], events=[]))
        meta = {"status": "unreviewed", "source": SOURCE_DRAFT_PROVENANCE, "layers": ["entities"]}
        drafts.append(gold_json(doc.model_copy(update={"source": seed.source}), meta))
    return drafts


def add_references(corpus: str, items: Sequence[str], *, split: str | None = None, rank: int | None = None,
                   draft_model: str | None = None, source_entities: bool = False) -> list[NewReference]:
    """``add --source``: check, draft, then write the pending references, the drafts and the
    selection rows. Nothing of the text is written (gold/GUIDELINES.md §4)."""
    if draft_model and source_entities:
        raise DataErrors([DataError("command line", None, "--draft-model", "give --draft-model or --draft-source-entities, not both")])
    new = plan_references(corpus, items, split=split, rank=rank)
    if source_entities:
        drafts = source_entity_drafts(new)
    else:
        source = model_source(draft_model) if draft_model is not None else None
        drafts = make_drafts([NewSeed(Path(n.row.path), b"", n.seed) for n in new], source)
    for item in new:
        atomic_write_text(item.path, references.reference_json(item.seed.id, item.seed.date, item.source))
    for item, draft in zip(new, drafts, strict=True):
        atomic_write_text(item.draft_path, draft)
    atomic_write_text(paths.SELECTION_FILE, selection.render(selection.read() + [n.row for n in new]))
    return new


def skip_candidate(corpus: str, item: str, reason: str, *, split: str | None = None, rank: int | None = None) -> selection.Row:
    """``add --source ... --skip REASON``: a candidate of the selection list left out, with why."""
    if corpus != winer.NAME:
        raise DataErrors([DataError("command line", None, "--source", f"unknown corpus {corpus!r}; known: {winer.NAME}")])
    stem = winer_path(item, item)
    rows = selection.read()
    if any(r.path == stem for r in rows):
        raise DataErrors([DataError(item, None, "path", f"already in {paths.SELECTION_FILE.name}")])
    if not reason.strip() or "\t" in reason or "\n" in reason:
        raise DataErrors([DataError("command line", None, "--skip", "the reason is one line of text (no tab)")])
    row_split = split or winer.SPLIT_OF_YEAR.get(stem[:4], "test")
    row = selection.Row(selection.next_rank(rows, row_split) if rank is None else rank, row_split, stem, "", reason.strip())
    atomic_write_text(paths.SELECTION_FILE, selection.render([*rows, row]))
    return row
