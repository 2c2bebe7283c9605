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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from benchmark import paths
from benchmark.annotation.records import DRAFT_KEY, gold_json
from benchmark.data.corpus import (
    MAX_SEED_BYTES,
    SeedDocument,
    read_pending,
    read_seeds,
    seed_from_bytes,
)
from benchmark.data.schema import Document
from benchmark.data.validation import check_document, parse_record, read_gold_file
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_bytes, atomic_write_text, read_bounded
from benchmark.systems import config as systems_config
from benchmark.systems.base import Extractor

_SEED_ID = re.compile(r"\A(\d{3,})_([0-9a-f]{16})\Z")


def content_digest(text: str) -> str:
    """sha256 of the article text (header and BOM excluded), UTF-8 encoded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    by_digest = {content_digest(s.text): s.id for s in known}
    index = _next_index(known)
    errors: list[DataError] = []
    planned: list[NewSeed] = []
    for path in sources:
        try:
            data, article = check_article(path, fix_cr=fix_cr)
        except DataError as exc:
            errors.append(exc)
            continue
        digest = content_digest(article.text)
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
    text = doc.text

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


def make_drafts(new: Sequence[NewSeed], model: str | None) -> list[str]:
    """The draft file of each new seed (JSON text), from ``model`` or with empty layers."""
    seeds = [n.seed for n in new]
    if model is None:
        predicted = [Document(id=s.id, date=s.date, text=s.text, entities=[], quotes=[], events=[]) for s in seeds]
        meta: dict = {"status": "unreviewed", "model": None}
    else:
        extractor = build_extractor(model)
        predicted = extractor.predict(seeds)
        source = f"extractor {extractor.name} (configs/model/{model}.yaml)"
        if [d.id for d in predicted] != [s.id for s in seeds]:
            raise DataErrors([DataError(source, None, "id", "must return one record per input document, in input order")])
        errors = [e for d, s in zip(predicted, seeds, strict=True) for e in check_document(d, file=source, record=d.id, gold=False, reference=s)]
        if errors:
            raise DataErrors(errors)
        meta = {"status": "unreviewed", "model": model, "system": {"name": extractor.name, "version": extractor.version}}
    drafts = []
    for doc, seed in zip(predicted, seeds, strict=True):
        doc = _complete(Document.model_validate(dict(doc.model_dump(), date=seed.date)))
        drafts.append(gold_json(doc, meta))
    return drafts


def add(sources: Sequence[Path], *, draft_model: str | None = None, fix_cr: bool = False) -> list[NewSeed]:
    """Check, draft, then write: pending seeds first, their drafts second."""
    new = plan(sources, fix_cr=fix_cr)
    drafts = make_drafts(new, draft_model)
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
    if not _SEED_ID.match(ident) or not pending.is_file():
        raise DataErrors([DataError(str(pending), ident, None, "no pending seed with this id (python -m benchmark add puts them there)")])
    seed = seed_from_bytes(pending.read_bytes(), str(pending), ident)
    if not gold_path.is_file():
        raise DataErrors([DataError(str(gold_path), ident, None, "no reviewed gold annotation for this seed (file not found)")])
    if gold_path.name != target.name:
        raise DataErrors([DataError(str(gold_path), ident, None, f"the reviewed gold file must be named {target.name}")])
    read_gold_file(gold_path, {ident: seed})  # the checks of gold/annotations/: a draft block, id, text, offsets
    if gold_path.resolve() != target.resolve():
        atomic_write_bytes(target, gold_path.read_bytes())
    os.replace(pending, paths.SEEDS_DIR / pending.name)
    (paths.DRAFTS_DIR / f"{ident}.json").unlink(missing_ok=True)
    return paths.SEEDS_DIR / pending.name
