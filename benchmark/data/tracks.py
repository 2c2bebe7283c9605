"""The dataset registry: what a run scores on (Hydra group ``configs/dataset/``).

A track is a config file (name, reader, splits, annotated layers, label mapping,
licence, card) plus one reader in ``READERS`` that turns the configured split
into packaged rows (``dataset.to_row``) and gold records. Adding a corpus is one
config file and one reader.

- ``newsbench``: the package under ``gold/`` (``dataset.load_verified``): its card is committed,
  its data files are built on first use from the sources (joining referenced records with the
  fetched WiNER-fr) and must hash as the card says; splits dev and test (``gold/selection.tsv``).
- ``winer``: WiNER-fr from the user cache (``sources.winer``), packaged on first
  use as a Hugging Face dataset in the cache beside the fetched files, never
  committed. Its fingerprint is over the manifest (which pins every source
  file's sha256), the conversion rules' version, the label mapping, the record
  schema, the tokenizer and the split, so a change to any of them rebuilds it.

Every track returns a ``Loaded``: the rows and gold in document order, and the
``dataset`` block a result is stamped with (name, split, version, fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from datasets import Dataset, disable_progress_bars, load_dataset

from benchmark import paths
from benchmark.data import dataset
from benchmark.data.alignment import tokenizer_version
from benchmark.data.card import validate_card
from benchmark.data.features import FEATURES, size_category
from benchmark.data.schema import SCHEMA_VERSION, Document, EntityMention
from benchmark.errors import DataError
from benchmark.fileio import jsonl_line, read_bounded, read_text_bounded
from benchmark.sources import fetch as fetching
from benchmark.sources import winer

WINER_VERSION = "0.2.0"
# Bump when the packaged rows of WiNER-fr change for a reason the fingerprint does not see.
WINER_PACKAGE_VERSION = "1"


@dataclass(frozen=True)
class Loaded:
    """One split, ready to score: packaged rows, gold records, and what a result cites."""

    rows: Sequence[dict]
    gold: list[Document]
    meta: dict  # name, split, version, fingerprint, layers, licence


def _field(cfg: Mapping, key: str, source: str):
    value = cfg.get(key)
    if value is None:
        raise DataError(source, None, f"dataset.{key}", "missing")
    return value


def load(cfg: Mapping) -> Loaded:
    """The configured split of the configured track (``cfg`` is the ``dataset`` config)."""
    name = _field(cfg, "name", "dataset config")
    source = f"configs/dataset ({name})"
    split = _field(cfg, "split", source)
    splits = list(_field(cfg, "splits", source))
    if split not in splits:
        raise DataError(source, None, "dataset.split", f"unknown split {split!r}: {name} has {', '.join(splits)}")
    reader = READERS.get(_field(cfg, "reader", source))
    if reader is None:
        raise DataError(source, None, "dataset.reader", f"unknown reader {cfg.get('reader')!r}: expected one of {', '.join(READERS)}")
    loaded = reader(cfg)
    meta = dict(loaded.meta, layers=list(_field(cfg, "layers", source)))
    return Loaded(loaded.rows, _drop_unannotated(loaded.gold, meta["layers"]), meta)


def _drop_unannotated(gold: list[Document], layers: list[str]) -> list[Document]:
    """A layer the track does not annotate is absent (None) in its gold, so that the
    scorer reports it null rather than every prediction as spurious."""
    absent = {layer: None for layer in ("entities", "quotes", "events") if layer not in layers}
    return [doc.model_copy(update=absent) for doc in gold] if absent else gold


# --------------------------------------------------------------------------- newsbench


def _newsbench(cfg: Mapping) -> Loaded:
    rows, card = dataset.load_verified(split=cfg["split"])
    meta = {"name": card["name"], "split": cfg["split"], "version": card["version"], "fingerprint": card["fingerprint"]}
    return Loaded(rows, dataset.documents(rows), meta)


# --------------------------------------------------------------------------- WiNER-fr


def _check_mapping(cfg: Mapping) -> None:
    """The config states the mapping; the converter applies its own: they must agree."""
    stated = dict(cfg.get("labels") or {})
    if stated != winer.LABEL_MAP:
        raise DataError(f"configs/dataset/{cfg['name']}.yaml", None, "labels",
                        f"{stated} is not the mapping benchmark.sources.winer applies ({winer.LABEL_MAP})")


def winer_fingerprint(split: str) -> str:
    """sha256 over what defines the packaged split (see the module docstring)."""
    parts = [
        ("manifest", fetching.manifest_digest(winer.manifest())),
        ("rules", WINER_PACKAGE_VERSION),
        ("mapping", json.dumps(winer.LABEL_MAP, sort_keys=True)),
        ("outer-rank", ",".join(winer.OUTER_RANK)),
        ("schema", SCHEMA_VERSION),
        ("tokenizer", tokenizer_version()),
        ("split", split),
    ]
    digest = hashlib.sha256()
    for name, value in parts:
        digest.update(name.encode() + b"\0" + value.encode() + b"\0")
    return digest.hexdigest()


def winer_document(doc: winer.Document) -> Document:
    """A converted WiNER article as a gold record: entities only (no ids, no entity links)."""
    mentions = [EntityMention(start=m.start, end=m.end, text=doc.text[m.start : m.end], label=m.label) for m in doc.mentions]
    return Document(id=doc.id, date=f"{doc.id[:4]}-{doc.id[5:7]}", text=doc.text, entities=mentions)


def package_dir(split: str, fingerprint: str, cache: Path | None = None) -> Path:
    """Where the packaged split lives: beside the fetched files, keyed by fingerprint."""
    return fetching.cache_root(cache) / winer.NAME / "packaged" / f"{split}-{fingerprint[:16]}"


def _winer(cfg: Mapping, cache: Path | None = None) -> Loaded:
    _check_mapping(cfg)
    split = cfg["split"]
    winer.require(cache)  # one line saying how to fetch, before anything is built
    fingerprint = winer_fingerprint(split)
    folder = package_dir(split, fingerprint, cache)
    if not (folder / "README.md").is_file():
        build_winer(split, fingerprint, folder, cache)
    rows = load_package(folder, split, fingerprint)
    meta = {"name": winer.NAME, "split": split, "version": WINER_VERSION, "fingerprint": fingerprint}
    return Loaded(rows, dataset.documents(rows), meta)


def build_winer(split: str, fingerprint: str, folder: Path, cache: Path | None = None) -> None:
    """Convert the split and write it as a Hugging Face dataset (card + JSON lines),
    into a temporary folder renamed into place: a killed build leaves no package."""
    documents = [winer_document(d) for d in winer.load(split, cache)]
    rows = [dataset.to_row(doc, widen=True) for doc in documents]
    data = "".join(jsonl_line(row, separators=(",", ":")) for row in rows).encode()
    card = render_card(split, fingerprint, rows, data)
    validate_card(card, str(folder / "README.md"))  # Hub-ready: the checks gold/README.md passes
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}-", dir=folder.parent))
    try:
        (staging / "data").mkdir()
        (staging / "data" / f"{split}.jsonl").write_bytes(data)
        (staging / "README.md").write_text(card, encoding="utf-8")
        os.replace(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "README.md").is_file():
            raise


def load_package(folder: Path, split: str, fingerprint: str) -> Dataset:
    """The packaged split through the ``datasets`` loader (fresh temporary cache), checked
    as ``dataset.load_verified`` checks gold/: card fingerprint, data sha256, rows."""
    disable_progress_bars()
    card_file, data_file = folder / "README.md", folder / "data" / f"{split}.jsonl"
    card = dataset.card_metadata(card_file)
    if card["fingerprint"] != fingerprint:
        raise DataError(str(card_file), None, "newsbench.fingerprint", f"packaged from other sources: delete {folder} and run again")
    data = read_bounded(data_file, dataset.MAX_PACKAGE_FILE_BYTES)
    if hashlib.sha256(data).hexdigest() != card["data_sha256"]:
        raise DataError(str(data_file), None, None, f"differs from the file its card was built with: delete {folder} and run again")
    with tempfile.TemporaryDirectory(prefix="newsbench-hf-") as hf_cache:
        rows = load_dataset("json", data_files={split: str(data_file)}, features=FEATURES, split=split,
                            cache_dir=hf_cache, keep_in_memory=True)
    return rows


def _counts(rows: Sequence[dict]) -> dict:
    labels = Counter(m["label"] for row in rows for m in row["entities"] or [])
    return {
        "documents": len(rows),
        "sentences": sum(len(r["sentence_starts"]) for r in rows),
        "tokens": sum(len(r["tokens"]) for r in rows),
        "entity_mentions": dict(sorted(labels.items())),
    }


def render_card(split: str, fingerprint: str, rows: Sequence[dict], data: bytes) -> str:
    """The packaged split's card: a Hub-ready YAML header (licences, size, features, the
    ``newsbench`` block a run checks) and the attribution, mapping, split and counts."""
    counts = _counts(rows)
    header = {
        "language": ["fr"],
        "license": "cc-by-4.0",
        "license_details": "annotations CC BY 4.0 (WiNER-fr); texts CC BY 2.5 (Wikinews)",
        "annotations_creators": ["expert-generated"],
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "size_categories": [size_category(counts["documents"])],
        "source_datasets": ["extended|WiNER-fr"],
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "pretty_name": f"WiNER-fr ({split} split, newsbench conversion)",
        "configs": [{"config_name": "default", "data_files": [{"split": split, "path": f"data/{split}.jsonl"}]}],
        "dataset_info": {"features": FEATURES._to_yaml_list(),
                         "splits": [{"name": split, "num_bytes": len(data), "num_examples": counts["documents"]}]},
        "newsbench": {
            "name": winer.NAME, "version": WINER_VERSION, "split": split, "fingerprint": fingerprint,
            "data_sha256": hashlib.sha256(data).hexdigest(), "schema_version": SCHEMA_VERSION,
            "tokenizer": tokenizer_version(), "source": f"{winer.REPOSITORY}@{winer.COMMIT}", "size": counts,
        },
    }
    mentions = "\n".join(f"| {label} | {n} |" for label, n in counts["entity_mentions"].items())
    body = CARD_BODY.format(split=split, years="2016" if split == "dev" else "2017 and 2018", commit=winer.COMMIT,
                            fingerprint=fingerprint, mentions=mentions, **{k: counts[k] for k in ("documents", "sentences", "tokens")})
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" + body


CARD_BODY = """# WiNER-fr, {split} split (newsbench conversion)

Built locally by newsbench from WiNER-fr (github.com/YoannDupont/WiNER-fr, commit `{commit}`,
v0.2.0): French Wikinews articles with named-entity annotations in brat standoff.
Not for redistribution by newsbench: this package lives only in the user's cache.

- **Licences and attribution.** Texts: Wikinews contributors, CC BY 2.5. Annotations:
  WiNER-fr, Yoann Dupont, CC BY 4.0. The source's `license.txt` is kept beside the fetched files.
- **Split.** {split} = the articles published in {years} ({documents} documents). dev is
  2016, test is 2017-2018; built-in systems may be tuned on dev only.
- **Mapping.** Person -> PER, Location -> LOC, Organization -> ORG; Date, Hour, Event and
  Product are not scored. The outermost mention over all seven WiNER labels wins (a mention
  nested in any other is dropped; a same-extent tie goes to Event > Product > Organization >
  Location > Person > Date > Hour; crossing mentions are both dropped). A span whose recorded
  text occurs exactly once inside its offsets is re-anchored to it, otherwise dropped.
  Gold spans that cut a canonical token are widened to it in the tag columns, as the scorer
  widens every span. Quotations, events and entity ids are not annotated: `quotes`, `events`
  and the entities' `entity` field are null and those metrics are null.
- **Fingerprint.** `{fingerprint}` (manifest, conversion rules, mapping, schema, tokenizer, split).

| size | count |
| --- | ---: |
| documents | {documents} |
| sentences | {sentences} |
| tokens | {tokens} |

| entity label | mentions |
| --- | ---: |
{mentions}

The differences between WiNER's conventions and newsbench's, with the number of mentions
each affects, are in the committed track card `leaderboard/tracks/winer-fr.md`.
"""


READERS: dict[str, Callable[[Mapping], Loaded]] = {"newsbench": _newsbench, "winer": _winer}
DEFAULT_TRACK = "newsbench"  # configs/run.yaml's default dataset; its results are leaderboard/results/*.json


def track_configs() -> dict[str, dict]:
    """Every track of the registry by config name (``configs/dataset/NAME.yaml``), in name
    order, as plain data (the Hydra ``defaults`` entry dropped)."""
    configs = {}
    for path in sorted(paths.DATASET_CONFIG_DIR.glob("*.yaml")):
        raw = yaml.safe_load(read_text_bounded(path, 64 * 1024)) or {}
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise DataError(str(path), None, "name", "a dataset config needs a name")
        configs[path.stem] = {k: v for k, v in raw.items() if k != "defaults"}
    return configs


def published_dir(track: str) -> Path:
    """Where a track's published results live: ``leaderboard/results/`` for the default
    track (its files keep their place), ``leaderboard/results/TRACK/`` for the others."""
    return paths.RESULTS_DIR if track == DEFAULT_TRACK else paths.RESULTS_DIR / track


def track_of(dataset_name: str) -> str | None:
    """The config name of the track whose dataset is ``dataset_name`` (None: unknown)."""
    return next((key for key, cfg in track_configs().items() if cfg["name"] == dataset_name), None)


def expected_version(cfg: Mapping) -> str:
    """The dataset version a current result of this track carries."""
    return WINER_VERSION if cfg["reader"] == "winer" else dataset.card_metadata()["version"]


def expected_fingerprint(cfg: Mapping, split: str = "test") -> str:
    """The fingerprint a current result of this track carries, computed without the
    corpus (WiNER-fr: from the committed manifest and the rules; newsbench: the card)."""
    if cfg["reader"] == "winer":
        return winer_fingerprint(split)
    return dataset.card_metadata()["fingerprint"]

