"""WiNER-fr (French Wikinews NER, brat standoff) as a second entity track.

Source: github:YoannDupont/WiNER-fr at commit 0fe35f0d687f27f230b550a09fed1d641a4b1601
(v0.2.0), 1,191 articles in ``YYYY/MM/YYYY_MM_DD-NNN.{txt,ann}`` plus
``YYYY/YYYY-MM-urls.txt`` (document id, Wikinews URL). Annotations CC BY 4.0,
texts CC BY 2.5 (Wikinews): nothing of it is committed here; the manifest
``winer-fr.manifest.tsv`` pins its files, including ``license.txt``,
``readme.md`` and ``changelog.md``, so the licence and the annotation guide
travel with every cached copy.

Conversion to our entity layer, in this order (each rule is general; every
mention a rule removes is counted by ``benchmark.sources.conventions``):

1. **Offsets.** A span whose recorded text differs from the ``.txt`` at its
   offsets is re-anchored if the recorded text occurs exactly once inside the
   span's offsets (the offsets took in extra characters at an edge, e.g. an
   invisible U+200F mark); otherwise it is dropped. WiNER v0.2.0 has one such
   span, re-anchored.
2. **Discontinuous spans** (brat ``0 5;7 9``) are dropped: our mentions are
   contiguous. WiNER v0.2.0 has none.
3. **Nesting: the outermost mention over all seven WiNER labels wins.** A
   mention strictly inside another (whatever the labels) is not a mention: an
   inner Location in an Organization or an Event, a Person in a Product.
   Mentions with the *same* extent and different labels are a tie broken by
   ``OUTER_RANK`` (Event > Product > Organization > Location > Person > Date >
   Hour): the order in which WiNER nests labels inside one another (over the
   v0.2.0 strict nestings, every label pair is nested mostly in that
   direction: Organization around Location 318 times vs 2, Product around
   Person 20 vs 0, Location around Person 32 vs 8 ...), so the tie goes to
   the label WiNER would have put outside. Two outermost mentions that cross
   (overlap, neither inside the other) are both dropped: neither is a
   well-formed mention. Mentions inside a dropped outer one stay dropped.
4. **Mapping.** Person → PER, Location → LOC, Organization → ORG; Date,
   Hour, Event and Product are not scored, so an outer Event removes its inner
   Location and is itself not scored.

Splits by publication year (from the file name): dev = 2016 (571 articles),
test = 2017 and 2018 (620 articles).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_text, read_text_bounded
from benchmark.sources import brat
from benchmark.sources import fetch as fetching
from benchmark.sources import manifest as manifests
from benchmark.sources.brat import BratDocument, BratSpan
from benchmark.sources.manifest import Manifest, capped

NAME = "winer-fr"
REPOSITORY = "github:YoannDupont/WiNER-fr"
COMMIT = "0fe35f0d687f27f230b550a09fed1d641a4b1601"
ARCHIVE_URL = f"https://codeload.github.com/YoannDupont/WiNER-fr/tar.gz/{COMMIT}"
ARCHIVE_ROOT = f"WiNER-fr-{COMMIT}"
MANIFEST_PATH = Path(__file__).with_name("winer-fr.manifest.tsv")
# Top-level files kept with the data: the licence (attribution travels with the
# copy), the readme (WiNER's annotation guide) and the changelog (the version).
TOP_FILES = ("changelog.md", "license.txt", "readme.md")
DATA_DIR_PATTERN = r"[0-9]{4}"

LABEL_MAP = {"Person": "PER", "Location": "LOC", "Organization": "ORG"}
UNSCORED_LABELS = ("Date", "Hour", "Event", "Product")
WINER_LABELS = tuple(LABEL_MAP) + UNSCORED_LABELS
# Same-extent tie: the earlier label is the outer one (see the module docstring).
OUTER_RANK = ("Event", "Product", "Organization", "Location", "Person", "Date", "Hour")
SPLIT_OF_YEAR = {"2016": "dev", "2017": "test", "2018": "test"}
SPLITS = ("dev", "test")

_DOC_PATH = re.compile(r"([0-9]{4})/([0-9]{2})/(([0-9]{4})_([0-9]{2})_[0-9]{2}-[0-9]{3})\.(txt|ann)")
_URLS_PATH = re.compile(r"([0-9]{4})/([0-9]{4})-([0-9]{2})-urls\.txt")


@dataclass(frozen=True, order=True)
class Mention:
    """A character span [start, end) with a label (a WiNER label, or PER/LOC/ORG once mapped)."""

    start: int
    end: int
    label: str

    def contains(self, other: Mention) -> bool:
        """Strictly contains: covers ``other`` and is not the same extent."""
        return self.start <= other.start and other.end <= self.end and (self.start, self.end) != (other.start, other.end)

    def crosses(self, other: Mention) -> bool:
        return self.start < other.start < self.end < other.end or other.start < self.start < other.end < self.end


@dataclass(frozen=True)
class Drop:
    """A WiNER mention that is not one of ours, why, and the mention that caused it (if any)."""

    mention: Mention
    reason: str  # one of DROP_REASONS
    by: Mention | None = None


DROP_REASONS = ("offset-mismatch", "discontinuous", "duplicate", "nested", "same-extent", "crossing", "unscored-label")


@dataclass(frozen=True)
class Document:
    """One converted article: our entity mentions, sorted, and where it came from."""

    id: str
    split: str
    text: str
    mentions: tuple[Mention, ...]
    urls: tuple[str, ...] = ()


@dataclass
class Conversion:
    """A converted document plus everything the rules did to it (for the conventions report)."""

    document: Document
    source: BratDocument
    drops: list[Drop] = field(default_factory=list)
    reanchored: list[tuple[BratSpan, Mention]] = field(default_factory=list)


# -- the rules, as pure functions ----------------------------------------------------------


def anchor(span: BratSpan, text: str) -> Mention | None:
    """The span's mention if its recorded text is at its offsets; re-anchored if the
    recorded text occurs exactly once inside the offsets; else None (dropped)."""
    mention = Mention(span.start, span.end, span.label)
    found = text[span.start : span.end]
    if found == span.text:
        return mention
    if span.text and found.count(span.text) == 1:
        start = span.start + found.index(span.text)
        return Mention(start, start + len(span.text), span.label)
    return None


def outermost(mentions: list[Mention]) -> tuple[list[Mention], list[Drop]]:
    """Apply the nesting rule over all labels: (kept mentions sorted, drops)."""
    drops: list[Drop] = []
    unique = sorted(set(mentions))
    drops += [Drop(m, "duplicate") for m, n in Counter(mentions).items() for _ in range(n - 1)]
    maximal = []
    for mention in unique:
        containers = [other for other in unique if other.contains(mention)]
        if containers:
            widest = min(containers, key=lambda o: (o.start - o.end, o.start, rank_key(o)))
            drops.append(Drop(mention, "nested", widest))
        else:
            maximal.append(mention)
    winners = []
    for extent in sorted({(m.start, m.end) for m in maximal}):
        tied = sorted((m for m in maximal if (m.start, m.end) == extent), key=rank_key)
        winners.append(tied[0])
        drops += [Drop(loser, "same-extent", tied[0]) for loser in tied[1:]]
    kept = []
    for mention in winners:
        crossing = [other for other in winners if other.crosses(mention)]
        if crossing:
            drops.append(Drop(mention, "crossing", crossing[0]))
        else:
            kept.append(mention)
    return kept, drops


def rank_key(mention: Mention) -> tuple[int, str]:
    """Sort key of a same-extent tie: the label WiNER nests outside first; an unknown
    label after the known ones (by name, so the result does not depend on input order)."""
    return (OUTER_RANK.index(mention.label) if mention.label in OUTER_RANK else len(OUTER_RANK), mention.label)


def map_labels(mentions: list[Mention]) -> tuple[list[Mention], list[Drop]]:
    """PER/LOC/ORG mentions from WiNER ones; the others are dropped as not scored."""
    kept, drops = [], []
    for mention in mentions:
        if mention.label in LABEL_MAP:
            kept.append(Mention(mention.start, mention.end, LABEL_MAP[mention.label]))
        else:
            drops.append(Drop(mention, "unscored-label"))
    return sorted(kept), drops


def split_of(doc_id: str, source: str) -> str:
    """dev for 2016 articles, test for 2017 and 2018 ones; another year is an error."""
    year = doc_id[:4]
    if year not in SPLIT_OF_YEAR:
        raise DataError(source, None, None, f"article year {year} has no split (expected one of {', '.join(SPLIT_OF_YEAR)})")
    return SPLIT_OF_YEAR[year]


def convert(source: BratDocument, urls: tuple[str, ...] = ()) -> Conversion:
    """One brat document through rules 1-4 (see the module docstring)."""
    drops: list[Drop] = []
    reanchored = []
    anchored: list[Mention] = []
    for span in source.spans:
        if span.discontinuous:
            drops.append(Drop(Mention(span.start, span.end, span.label), "discontinuous"))
            continue
        mention = anchor(span, source.text)
        if mention is None:
            drops.append(Drop(Mention(span.start, span.end, span.label), "offset-mismatch"))
            continue
        if (mention.start, mention.end) != (span.start, span.end):
            reanchored.append((span, mention))
        anchored.append(mention)
    kept, nesting_drops = outermost(anchored)
    scored, unscored = map_labels(kept)
    document = Document(source.id, split_of(source.id, source.source), source.text, tuple(scored), urls)
    return Conversion(document, source, drops + nesting_drops + unscored, reanchored)


# -- the files ---------------------------------------------------------------------------


def manifest() -> Manifest:
    """The committed WiNER-fr manifest (package data)."""
    return manifests.read(MANIFEST_PATH)


def build_manifest(folder: Path) -> Manifest:
    """A manifest of a local WiNER-fr copy (how the committed one was made)."""
    return manifests.build(folder, TOP_FILES, DATA_DIR_PATTERN, name=NAME, repository=REPOSITORY, commit=COMMIT,
                           archive=ARCHIVE_URL, **{"archive-root": ARCHIVE_ROOT})


def document_paths(entries: list[str], source: str) -> list[tuple[str, str, str]]:
    """(id, .txt path, .ann path) of every document the manifest lists, sorted by id;
    a .txt without its .ann (or the reverse) or a file named after another month is refused."""
    pairs: dict[str, dict[str, str]] = {}
    errors = []
    for path in entries:
        match = _DOC_PATH.fullmatch(path)
        if match is None:
            continue
        year, month, doc_id, name_year, name_month, suffix = match.groups()
        if (year, month) != (name_year, name_month):
            errors.append(DataError(f"{source}/{path}", None, None, f"document {doc_id} is filed under {year}/{month}"))
        pairs.setdefault(doc_id, {})[suffix] = path
    for doc_id, found in sorted(pairs.items()):
        if set(found) != {"txt", "ann"}:
            missing = "ann" if "ann" not in found else "txt"
            errors.append(DataError(f"{source}/{next(iter(found.values()))}", None, None, f"document {doc_id} has no .{missing} file"))
    if errors:
        raise capped(errors)
    return [(doc_id, found["txt"], found["ann"]) for doc_id, found in sorted(pairs.items())]


def read_urls(path: Path) -> dict[str, tuple[str, ...]]:
    """Document id -> the distinct Wikinews URLs a ``YYYY-MM-urls.txt`` lists for it
    (in file order). Some ids are listed with several URLs: all are kept, since
    the file does not say which article the text is."""
    urls: dict[str, list[str]] = {}
    errors = []
    for number, line in enumerate(read_text_bounded(path, brat.MAX_ANN_BYTES).split("\n"), 1):
        if line == "":
            continue
        doc_id, tab, url = line.partition("\t")
        if not tab or not doc_id or not url.startswith("http") or "\t" in url:
            errors.append(DataError(str(path), f"line {number}", None, "expected 'DOCUMENT-ID<TAB>URL'"))
        elif url not in urls.setdefault(doc_id, []):
            urls[doc_id].append(url)
    if errors:
        raise capped(errors)
    return {doc_id: tuple(found) for doc_id, found in urls.items()}


def read_sources(folder: Path, listed: Manifest) -> list[tuple[BratDocument, tuple[str, ...]]]:
    """Every listed brat document of a WiNER folder with its URLs, sorted by id; all
    malformed lines of all files are reported together."""
    entries = [entry.path for entry in listed.entries]
    urls: dict[str, tuple[str, ...]] = {}
    for path in entries:
        if _URLS_PATH.fullmatch(path):
            urls.update(read_urls(folder / path))
    documents, errors = [], []
    for doc_id, txt, ann in document_paths(entries, str(folder)):
        try:
            documents.append((brat.read_document(folder / txt, folder / ann, doc_id), urls.get(doc_id, ())))
        except DataError as exc:
            errors.append(exc)
        except DataErrors as exc:
            errors += exc.errors
    if errors:
        raise capped(errors)
    return documents


def convert_folder(folder: Path, listed: Manifest | None = None) -> list[Conversion]:
    """Every document of a WiNER folder, converted (with what each rule did)."""
    return [convert(source, urls) for source, urls in read_sources(folder, listed or manifest())]


# -- the public entry points -----------------------------------------------------------


def fetch(cache: Path | None = None, from_dir: Path | None = None, url: str | None = None, force: bool = False) -> Path:
    """``python -m benchmark fetch winer-fr [--from DIR]``: fetch into the cache, verified;
    returns the cache folder. DataErrors names every refused file; nothing is left."""
    return fetching.fetch(manifest(), cache, from_dir, url, force)


def require(cache: Path | None = None, full: bool = False) -> Path:
    """The verified cache folder, or a DataError saying how to fetch it."""
    return fetching.locate(manifest(), cache, full)


def load(split: str | None = None, cache: Path | None = None) -> list[Document]:
    """The converted documents of one split ("dev", "test") or all, sorted by id,
    read from the verified cache (for the Hydra dataset registry)."""
    if split is not None and split not in SPLITS:
        raise DataError("winer-fr", None, "split", f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    folder = require(cache)
    documents = [conversion.document for conversion in convert_folder(folder)]
    return [d for d in documents if split is None or d.split == split]


# -- the one-off generation script ----------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmark.sources.winer DIR OUT [--name winer-fr]``: write the
    WiNER-fr manifest of a local copy DIR to OUT (nothing written on any error)."""
    parser = argparse.ArgumentParser(prog="python -m benchmark.sources.winer", description=main.__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        manifest = build_manifest(args.folder)
    except (DataError, DataErrors) as exc:
        for error in exc.errors if isinstance(exc, DataErrors) else [exc]:
            print(f"error: {error}", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    atomic_write_text(args.out, manifests.render(manifest))
    print(f"wrote {args.out}: {len(manifest.entries)} file(s) of {manifest.name} at {manifest.commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
