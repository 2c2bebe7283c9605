"""The packaged Hugging Face dataset under ``gold/``: build, freshness, loading.

The package is committed so that ``datasets.load_dataset("gold", split="test")``
works from a fresh clone with no build step and no network. It is a pure
function of the seeds, the annotations, the schema and the tokenizer: the
build renders every file in memory first, so that it can be compared with
what is committed (``stale_files``) and so that a failing validation writes
nothing.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from datasets import Dataset
from huggingface_hub import DatasetCard, DatasetCardData

from benchmark import paths
from benchmark.data import release as versioning
from benchmark.data import selection
from benchmark.data.alignment import (
    sentence_starts,
    spans_to_tags,
    tokenize,
    tokenizer_version,
)
from benchmark.data.card import validate_card
from benchmark.data.corpus import MAX_SEED_BYTES, read_seeds
from benchmark.data.features import FEATURES, size_category
from benchmark.data.layers import TAG_LAYERS
from benchmark.data.schema import SCHEMA_VERSION, Document, record_json_schema
from benchmark.data.validation import MAX_GOLD_FILE_BYTES, read_gold
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import (
    atomic_write_bytes,
    canonical_json,
    jsonl_line,
    read_bounded,
    read_text_bounded,
)


@dataclass(frozen=True)
class Citation:
    key: str
    author: str
    year: int


@dataclass(frozen=True)
class Release:
    """``gold/dataset.yaml``: what the maintainers state about the release (see its comments)."""

    name: str
    pretty_name: str
    version: str
    split: str
    license: str
    text_status: str
    annotations_creators: list[str]
    language_creators: list[str]
    multilinguality: list[str]
    source_datasets: list[str]
    citation: Citation


def read_release(path: Path | None = None) -> Release:
    path = paths.RELEASE_FILE if path is None else path
    try:
        raw = yaml.safe_load(read_text_bounded(path, 64 * 1024))
        return Release(**dict(raw, version=str(raw["version"]), citation=Citation(**raw["citation"])))
    except (OSError, TypeError, KeyError, yaml.YAMLError) as exc:
        raise DataErrors([DataError(str(path), None, None, f"unreadable release metadata: {exc}")]) from None


def fingerprint_inputs() -> list[Path]:
    """The files whose content defines the dataset, in a fixed order."""
    chosen = [paths.SELECTION_FILE] if paths.SELECTION_FILE.is_file() else []  # splits of referenced records
    return sorted(paths.SEEDS_DIR.glob("*.txt")) + sorted(paths.ANNOTATIONS_DIR.glob("*.json")) + chosen


def fingerprint(schema_json: str) -> str:
    """sha256 over seeds, annotations, the record schema and the tokenizer version."""
    digest = hashlib.sha256()
    parts = [(f"{p.parent.name}/{p.name}", read_bounded(p, MAX_SEED_BYTES if p.suffix == ".txt" else MAX_GOLD_FILE_BYTES)) for p in fingerprint_inputs()]
    parts += [("schema", schema_json.encode()), ("tokenizer", tokenizer_version().encode())]
    for name, data in parts:
        digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()


def current_fingerprint() -> str:
    """The fingerprint of the sources as they are now (the committed card may be stale)."""
    return fingerprint(canonical_json(record_json_schema()))


def to_row(doc: Document, widen: bool = False) -> dict:
    """One dataset row: the gold record plus its canonical tokens and tag layers.

    Our gold must fall on canonical token boundaries; an outside corpus's spans
    (``widen``) are widened to the tokens they cover in the tag columns, as the
    scorer widens every span (their records keep the source offsets)."""
    text = doc.joined_text()
    tokens = tokenize(text)
    row = {
        "id": doc.id,
        "date": doc.date,
        "text": text,
        "tokens": [text[a:b] for a, b in tokens],
        "token_offsets": [[a, b] for a, b in tokens],
        "sentence_starts": sentence_starts(text, tokens),
    }
    for layer in TAG_LAYERS:
        projection = spans_to_tags(tokens, layer.spans(doc))
        if (projection.projected and not widen) or projection.dropped:
            raise DataErrors(
                [DataError(str(paths.ANNOTATIONS_DIR / f"{doc.id}.json"), doc.id, layer.source,
                           f"gold spans must fall on canonical token boundaries and not overlap within a tag layer; "
                           f"off-boundary: {projection.projected}, overlapping: {projection.dropped}")]
            )
        row[layer.feature] = [layer.names.index(tag) for tag in projection.tags]
    record = doc.model_dump(mode="json")
    for name in ("entities", "quotes", "events"):
        row[name] = record[name]
    return row


def row_to_document(row: dict) -> Document:
    """The gold record back from a dataset row (the tag layers are derived, so dropped)."""
    return Document.model_validate({k: row[k] for k in ("id", "date", "text", "entities", "quotes", "events")})


def _statistics(docs: list[Document], rows: list[dict]) -> dict:
    entities = [m for d in docs for m in d.entities or []]
    quotes = [q for d in docs for q in d.quotes or []]
    events = [e for d in docs for e in d.events or []]
    return {
        "documents": len(docs),
        "sentences": sum(len(r["sentence_starts"]) for r in rows),
        "tokens": sum(len(r["tokens"]) for r in rows),
        "characters": sum(len(d.joined_text()) for d in docs),
        "drafted_by": [(d.id, d.drafted_by.source, tuple(d.drafted_by.layers)) for d in docs if d.drafted_by is not None],
        "entity_mentions": dict(sorted(Counter(m.label for m in entities).items())),
        "entities": len({(d.id, m.entity) for d in docs for m in d.entities or []}),
        "quotations": dict(sorted(Counter(q.kind for q in quotes).items())),
        "quotations_with_speaker_entity": sum(q.speaker_entity is not None for q in quotes),
        "quotations_nested": sum(q.parent is not None for q in quotes),
        "quotations_discontinuous": sum(len(q.content) > 1 for q in quotes),
        "event_mentions": dict(sorted(Counter(e.type for e in events).items())),
        "events": len({(d.id, e.event) for d in docs for e in d.events or []}),
        "event_arguments": dict(sorted(Counter(a.role for e in events for a in e.arguments).items())),
    }


def _size(stats: dict) -> dict:
    """The sizes the card lists per split (and results cite)."""
    return {
        "documents": stats["documents"],
        "sentences": stats["sentences"],
        "tokens": stats["tokens"],
        "entity_mentions": sum(stats["entity_mentions"].values()),
        "quotations": sum(stats["quotations"].values()),
        "event_mentions": sum(stats["event_mentions"].values()),
        "event_arguments": sum(stats["event_arguments"].values()),
    }


@dataclass(frozen=True)
class Split:
    """One split of the package: its gold records, rows and the bytes of its data file."""

    name: str
    docs: list[Document]
    rows: list[dict]
    data: bytes

    @property
    def stats(self) -> dict:
        return _statistics(self.docs, self.rows)


def split_documents(docs: list[Document]) -> dict[str, list[Document]]:
    """The records of each split (gold/selection.tsv; seeds are test), in id order."""
    splits = selection.splits_of()
    errors: list[DataError] = []
    out: dict[str, list[Document]] = {name: [] for name in selection.SPLITS}
    for doc in docs:
        try:
            out[selection.split_of(doc.id, doc.source is not None, splits, str(paths.ANNOTATIONS_DIR / f"{doc.id}.json"))].append(doc)
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    return out


def make_splits(docs: list[Document]) -> list[Split]:
    splits = []
    for name, members in split_documents(docs).items():
        rows = [to_row(doc) for doc in members]
        data = "".join(jsonl_line(row, separators=(",", ":")) for row in rows).encode()
        splits.append(Split(name, members, rows, data))
    return splits


def _markdown_table(counts: dict[str, int], header: str) -> str:
    lines = [f"| {header} | count |", "| --- | ---: |"]
    lines += [f"| {key} | {value} |" for key, value in counts.items()]
    lines.append(f"| total | {sum(counts.values())} |")
    return "\n".join(lines)


def _size_table(splits: list[Split]) -> str:
    sizes = {s.name: _size(s.stats) for s in splits}
    keys = list(next(iter(sizes.values())))
    lines = ["| split | " + " | ".join(k.replace("_", " ") for k in keys) + " |", "| --- |" + " ---: |" * len(keys)]
    lines += [f"| {name} | " + " | ".join(str(size[k]) for k in keys) + " |" for name, size in sizes.items()]
    return "\n".join(lines)


def _selection_tables(rows: list[selection.Row]) -> tuple[str, str]:
    """The chosen Wikinews articles and the skipped candidates, as the card lists them."""
    chosen = [r for r in rows if r.chosen]
    skipped = [r for r in rows if not r.chosen]
    chosen_table = "\n".join(["| rank | split | WiNER-fr path | document id |", "| ---: | --- | --- | --- |"]
                             + [f"| {r.rank} | {r.split} | `{r.path}` | `{r.id}` |" for r in chosen]) if chosen else "None yet."
    skipped_table = "\n".join(["| rank | split | WiNER-fr path | reason |", "| ---: | --- | --- | --- |"]
                              + [f"| {r.rank} | {r.split} | `{r.path}` | {r.skipped.replace('|', chr(92) + '|')} |" for r in skipped]) if skipped else "None."
    return chosen_table, skipped_table


def drafts_statement(drafted: list[tuple[str, str, tuple[str, ...]]], documents: int) -> str:
    """The card's line on machine drafts (each gold record's ``drafted_by``): which
    documents were reviewed from which source's layers, the rest from nothing."""
    if not drafted:
        return f"none: all {documents} document(s) were annotated from an empty draft."
    listed = "; ".join(f"`{doc_id}` from {source} ({', '.join(layers)})" for doc_id, source, layers in drafted)
    return f"{listed}; the other {documents - len(drafted)} document(s) from an empty draft."


def citation_bibtex(release: Release) -> str:
    c = release.citation
    return "\n".join([
        f"@misc{{{c.key},",
        f"  title        = {{{{{release.pretty_name}}}}},",
        f"  author       = {{{{{c.author}}}}},",
        f"  year         = {{{c.year}}},",
        f"  version      = {{{release.version}}},",
        f"  howpublished = {{Dataset version {release.version}, packaged under gold/ of the newsbench repository}},",
        "}",
    ])


def card_data(release: Release, splits: list[Split], digest: str) -> DatasetCardData:
    """The card's YAML header: the Hub's dataset metadata plus the ``newsbench`` block results cite.

    Only splits with documents are listed as data files (``datasets`` refuses an
    empty split); the ``newsbench`` block sizes every split, empty ones too."""
    present = [s for s in splits if s.docs]
    total = sum(len(s.docs) for s in splits)
    return DatasetCardData(
        language=["fr"],
        license=release.license,
        annotations_creators=list(release.annotations_creators),
        language_creators=list(release.language_creators),
        multilinguality=list(release.multilinguality),
        size_categories=[size_category(total)],
        source_datasets=list(release.source_datasets),
        task_categories=["token-classification"],
        task_ids=["named-entity-recognition"],
        pretty_name=release.pretty_name,
        tags=["quotation-attribution", "event-extraction", "news", "french"],
        configs=[{"config_name": "default", "data_files": [{"split": s.name, "path": f"data/{s.name}.jsonl"} for s in present]}],
        dataset_info={
            "features": FEATURES._to_yaml_list(),
            "splits": [{"name": s.name, "num_bytes": len(s.data), "num_examples": len(s.docs)} for s in present],
        },
        newsbench={
            "name": release.name,
            "version": release.version,
            "fingerprint": digest,
            # What load_verified checks the loaded rows against (the fingerprint is
            # over the sources; this is over the files built from them, which are
            # not committed: they hold the joined texts of referenced records).
            "data_sha256": {s.name: hashlib.sha256(s.data).hexdigest() for s in present},
            "schema_version": SCHEMA_VERSION,
            "tokenizer": tokenizer_version(),
            # The test split's size (what the leaderboard and results cite), then every split's.
            "size": next(_size(s.stats) for s in splits if s.name == selection.SEED_SPLIT),
            "split_sizes": {s.name: _size(s.stats) for s in splits},
        },
    )


def _agreement_statement() -> str:
    """The card's agreement table: ``gold/work/agreement.txt``, the saved output of
    ``python -m benchmark agreement`` over every annotated document, as committed."""
    saved = paths.WORK_DIR / "agreement.txt"
    if not saved.is_file():
        return "No agreement measured yet (`python -m benchmark agreement > gold/work/agreement.txt`)."
    body = read_text_bounded(saved, 64 * 1024).rstrip("\n")
    return "Measured by `python -m benchmark agreement` (saved in `gold/work/agreement.txt`):\n\n```\n" + body + "\n```"


def render_card(release: Release, splits: list[Split], digest: str) -> str:
    """The dataset card, through ``huggingface_hub.DatasetCard`` and the Jinja template.

    Nothing of a document's text is in it (counts, ids and paths only): it is committed."""
    docs = [d for s in splits for d in s.docs]
    stats = _statistics(docs, [r for s in splits for r in s.rows])
    chosen, skipped = _selection_tables(selection.read())
    card = DatasetCard.from_template(
        card_data(release, splits, digest),
        template_path=str(paths.TEMPLATES_DIR / "dataset_card.md"),
        pretty_name=release.pretty_name,
        version=release.version,
        fingerprint=digest,
        tokenizer=tokenizer_version(),
        schema_version=SCHEMA_VERSION,
        documents=stats["documents"],
        sentences=stats["sentences"],
        tokens=stats["tokens"],
        characters=stats["characters"],
        size_table=_size_table(splits),
        referenced=sum(d.source is not None for d in docs),
        agreement=_agreement_statement(),
        test_documents=next(len(s.docs) for s in splits if s.name == selection.SEED_SPLIT),
        selection_chosen=chosen,
        selection_skipped=skipped,
        drafts=drafts_statement(stats["drafted_by"], stats["documents"]),
        entity_table=_markdown_table(stats["entity_mentions"], "entity label"),
        entities=stats["entities"],
        quote_table=_markdown_table(stats["quotations"], "quotation kind"),
        quotes_with_entity=stats["quotations_with_speaker_entity"],
        quotes_nested=stats["quotations_nested"],
        quotes_discontinuous=stats["quotations_discontinuous"],
        event_table=_markdown_table(stats["event_mentions"], "event type"),
        events=stats["events"],
        argument_table=_markdown_table(stats["event_arguments"], "argument role"),
        license=release.license,
        text_status=release.text_status,
        citation=citation_bibtex(release),
    )
    text = str(card)
    return text if text.endswith("\n") else text + "\n"  # Jinja drops the template's final newline


def row_index(splits: list[Split]) -> bytes:
    """``gold/data/rows.tsv`` (committed): id, split and sha256 of each row. What a
    release is compared against (documents added, removed, corrected) now that the
    data files themselves are not committed."""
    lines = ["id\tsplit\trow_sha256\n"]
    for split in splits:
        for line in split.data.decode("utf-8").split("\n"):
            if line:
                lines.append(f"{json.loads(line)['id']}\t{split.name}\t{hashlib.sha256(line.encode()).hexdigest()}\n")
    return "".join(lines).encode()


def index_file() -> Path:
    return paths.DATA_DIR / "rows.tsv"


def committed_files() -> tuple[Path, ...]:
    """What ``build`` writes that is committed (no text of a referenced record in any)."""
    return (paths.SCHEMA_FILE, paths.CARD_FILE, index_file())


def data_files(splits: list[Split]) -> dict[Path, bytes]:
    """The data file of each split with documents (built, never committed)."""
    return {paths.data_file(s.name): s.data for s in splits if s.docs}


def render_splits() -> list[Split]:
    """The gold of every split, joined and packaged in memory. Raises DataErrors on invalid
    gold, a referenced record whose corpus is not fetched or whose file hashes differently."""
    return make_splits(read_gold(read_seeds()))


def render() -> dict[Path, bytes]:
    """Every file of the package, rendered in memory. Raises DataErrors on invalid gold."""
    splits = render_splits()
    schema_json = canonical_json(record_json_schema())
    digest = fingerprint(schema_json)
    card = render_card(read_release(), splits, digest)
    return {paths.SCHEMA_FILE: schema_json.encode(), paths.CARD_FILE: card.encode(), index_file(): row_index(splits), **data_files(splits)}


def stale_files(rendered: dict[Path, bytes] | None = None) -> list[Path]:
    """Committed package files that differ from what a build would write now (the data
    files are pinned by the card's ``data_sha256``, so a fresh card means fresh data)."""
    rendered = render() if rendered is None else rendered
    return [path for path in committed_files() if not path.exists() or path.read_bytes() != rendered[path]]


def _card_header(text: str) -> dict:
    _, header, _ = text.split("---\n", 2)
    return yaml.safe_load(header)


def _package(rendered: dict[Path, bytes]) -> versioning.Package:
    meta = _card_header(rendered[paths.CARD_FILE].decode("utf-8"))["newsbench"]
    rows = {}
    for line in rendered[index_file()].decode("utf-8").split("\n")[1:]:
        if line:
            ident, split, digest = line.split("\t")
            rows[ident] = f"{split}\t{digest}"
    return versioning.Package(meta["version"], meta["fingerprint"], rendered[paths.SCHEMA_FILE].decode("utf-8"), rows)


def committed_package() -> versioning.Package | None:
    """The package as committed, or None before the first build."""
    files = committed_files()
    if not all(path.is_file() for path in files):
        return None
    return _package({path: path.read_bytes() for path in files})


def check_release(rendered: dict[Path, bytes]) -> None:
    """A changed dataset needs a version bump of the right level and a changelog entry (GUIDELINES §8)."""
    versioning.check_release(
        committed_package(), _package(rendered), versioning.changelog_entries(),
        release_file=str(paths.RELEASE_FILE), changelog_file=str(paths.CHANGELOG_FILE),
    )


def build() -> list[Path]:
    """Write the package; returns the files that changed. Refuses an undeclared release."""
    rendered = render()
    check_release(rendered)
    validate_card(rendered[paths.CARD_FILE].decode("utf-8"), str(paths.CARD_FILE))
    changed = [path for path, data in rendered.items() if not path.exists() or path.read_bytes() != data]
    for stale in sorted(paths.DATA_DIR.glob("*.jsonl")):
        if stale not in rendered:  # a split that lost its last document
            stale.unlink()
            changed.append(stale)
    for path in changed:
        if path in rendered:
            atomic_write_bytes(path, rendered[path])
    return changed


MAX_PACKAGE_FILE_BYTES = 256 * 1024 * 1024


def card_metadata(path: Path | None = None) -> dict:
    """The ``newsbench`` block of the committed card: version and fingerprint scored on."""
    path = paths.CARD_FILE if path is None else path
    text = read_text_bounded(path, MAX_PACKAGE_FILE_BYTES)
    try:
        block = _card_header(text)["newsbench"]
    except (ValueError, TypeError, KeyError, yaml.YAMLError) as exc:
        raise DataError(str(path), None, "newsbench", f"no readable dataset metadata in the card's YAML header ({type(exc).__name__}): "
                        "run `python -m benchmark build`") from None
    if not isinstance(block, dict) or not all(isinstance(block.get(k), str) for k in ("fingerprint", "version")) \
            or not isinstance(block.get("data_sha256"), (str, dict)):
        raise DataError(str(path), None, "newsbench", "fingerprint, version or data_sha256 missing: run `python -m benchmark build`")
    return block


def split_sha256(card: dict, split: str, card_file: str) -> str:
    """The sha256 the card records for a split's data file; an empty split is an error."""
    recorded = card["data_sha256"]
    if isinstance(recorded, dict):
        if split not in recorded:
            sizes = card.get("split_sizes", {})
            known = ", ".join(f"{name} ({sizes.get(name, {}).get('documents', '?')} documents)" for name in sizes) or "none"
            raise DataError(card_file, None, "split", f"split {split!r} of {card.get('name')} has no documents (splits: {known})")
        return recorded[split]
    return recorded


def materialise(card: dict, card_file: str) -> list[Path]:
    """The data files the card pins, built here when missing or not the ones it pins
    (returns those written). They are not committed (they hold the joined texts of
    referenced records), so a fresh clone builds them once, from the sources and the
    fetched corpora; the rebuilt bytes must be the card's (the same sources give the same
    rows). A missing corpus or a changed source file stops with the record named and how
    to fetch: a run never scores a silent subset. Every split is built, because
    ``load_dataset`` prepares every split the card lists."""
    recorded = card["data_sha256"] if isinstance(card["data_sha256"], dict) else {"test": card["data_sha256"]}
    wanted = {split: paths.data_file(split) for split in recorded}
    missing = [split for split, path in wanted.items()
               if not path.is_file() or hashlib.sha256(read_bounded(path, MAX_PACKAGE_FILE_BYTES)).hexdigest() != recorded[split]]
    if not missing:
        return []
    built = {s.name: s.data for s in render_splits()}
    for split in missing:
        if hashlib.sha256(built.get(split, b"")).hexdigest() != recorded[split]:
            raise DataError(str(wanted[split]), None, None,
                            f"the sources on disk give other rows than the card {card_file} was built with: run `python -m benchmark build`")
    for split in missing:
        atomic_write_bytes(wanted[split], built[split])
    return [wanted[split] for split in missing]


def load_verified(directory: Path | None = None, split: str | None = None) -> tuple[Dataset, dict]:
    """One split of the package through the ``datasets`` loader, as users load it, and
    the card whose fingerprint a result is stamped with.

    The loader runs with a fresh, temporary cache: the shared Hugging Face cache
    keyed an earlier build of ``gold/`` and served its rows after a rebuild,
    under the new fingerprint. What was loaded is then checked, so that a
    result can only be stamped with a fingerprint it was scored on: the card's
    fingerprint is that of the sources on disk, the data file is the one the
    card was built with (its sha256; built here first if missing, see
    ``materialise``), and the loaded rows are that file's rows.
    """
    directory = paths.GOLD_DIR if directory is None else directory
    split = read_release().split if split is None else split
    from datasets import disable_progress_bars, load_dataset

    disable_progress_bars()  # a fresh cache "generates" the split on every run; no bar for that
    card_file = directory / paths.CARD_FILE.name
    card = card_metadata(card_file)
    now = current_fingerprint()
    if card["fingerprint"] != now:
        raise DataError(str(card_file), None, "newsbench.fingerprint",
                        f"the package was built from other sources ({card['fingerprint'][:12]}) than those on disk ({now[:12]}): "
                        "run `python -m benchmark build`")
    data_file = directory / paths.data_file(split).relative_to(paths.GOLD_DIR)
    if directory == paths.GOLD_DIR:
        materialise(card, str(card_file))
    split_sha256(card, split, str(card_file))  # an empty split is refused by name
    data = read_bounded(data_file, MAX_PACKAGE_FILE_BYTES)
    if hashlib.sha256(data).hexdigest() != split_sha256(card, split, str(card_file)):
        raise DataError(str(data_file), None, None, f"differs from the file {card_file.name} was built with: run `python -m benchmark build`")
    with tempfile.TemporaryDirectory(prefix="newsbench-hf-") as cache:
        loaded = load_dataset(str(directory), split=split, cache_dir=cache, keep_in_memory=True)
    expected = [json.loads(line) for line in data.decode("utf-8").split("\n") if line]
    if [dict(row) for row in loaded] != expected:
        raise DataError(str(data_file), None, None, "the rows the datasets loader returned differ from the file on disk")
    return loaded, card


def load_test_split(directory: Path | None = None) -> Dataset:
    """The verified test split (see ``load_verified``)."""
    directory = paths.GOLD_DIR if directory is None else directory
    return load_verified(directory, "test")[0]


def documents(rows: Iterable[dict]) -> list[Document]:
    return [row_to_document(row) for row in rows]
