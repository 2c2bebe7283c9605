"""A strict reader of brat standoff documents (``NAME.txt`` + ``NAME.ann``).

Only text-bound annotations (``T`` lines) are mentions::

    T1<TAB>Person 0 7<TAB>Jacques
    T2<TAB>Location 10 14;20 25<TAB>Nice Côte      (discontinuous: fragments joined by one space)

Other brat annotation lines (``R`` relations, ``E`` events, ``A``/``M``
attributes, ``N`` normalisations, ``#`` notes, ``*`` equivalences) are
recognised by their id and skipped; any other line is malformed.

Why strict: an external corpus is converted once and scored many times, so a
silently misread line would bias every score. Every malformed line is reported
with its file and line number; offsets outside the text, empty or unordered
fragments are errors; a span whose recorded text differs from the ``.txt`` at
its offsets is *reported* (``mismatches``), and the caller states what to do
with it (``require_matching`` refuses; WiNER re-anchors or drops, see
``benchmark.sources.winer``).

Text conventions, checked on WiNER-fr: the ``.txt`` is decoded as strict
UTF-8 and never altered (no newline translation, no BOM stripping, no Unicode
normalisation); offsets are Python character offsets (code points) into that
string, as brat's server computes them; a CR in a ``.txt`` is one character
like any other. ``.ann`` files are split on ``\\n`` only (``str.splitlines``
would also split on U+2028, U+0085 … which may occur in a span's text); a CR
in an ``.ann`` line is refused (it would end up inside the recorded text);
empty lines are skipped (brat writes a final newline, WiNER mostly does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import DataError
from benchmark.fileio import read_text_bounded
from benchmark.sources.manifest import capped

MAX_TXT_BYTES = 4 * 1024 * 1024
MAX_ANN_BYTES = 8 * 1024 * 1024

_T_LINE = re.compile(r"(T[0-9]+)\t(\S+) ([0-9]+ [0-9]+(?:;[0-9]+ [0-9]+)*)\t(.*)", re.DOTALL)
_OTHER_ID = re.compile(r"[REAMN][0-9]+\t.*|#[0-9]*\t.*|\*\t.*", re.DOTALL)


@dataclass(frozen=True)
class BratSpan:
    """One text-bound annotation as written: fragments are (start, end) character
    offsets, end exclusive; ``text`` is the text the ``.ann`` records."""

    id: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    text: str
    line: int

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]

    @property
    def discontinuous(self) -> bool:
        return len(self.fragments) > 1


@dataclass(frozen=True)
class BratDocument:
    """A ``.txt`` and its ``.ann``: ``id`` is the file stem, ``source`` the ``.ann`` path for messages."""

    id: str
    source: str
    text: str
    spans: tuple[BratSpan, ...]


@dataclass(frozen=True)
class Mismatch:
    """A span whose recorded text is not the document text at its offsets."""

    span: BratSpan
    found: str


def parse_ann(content: str, source: str, text_length: int) -> tuple[BratSpan, ...]:
    """The ``T`` spans of an ``.ann`` file's content, every malformed line reported
    (file and line) in one capped DataErrors."""
    spans: list[BratSpan] = []
    errors: list[DataError] = []
    ids: set[str] = set()
    for number, line in enumerate(content.split("\n"), 1):
        if line == "":
            continue
        span, problem = parse_line(line, number, text_length)
        if problem is None and span is not None and span.id in ids:
            problem = f"duplicate annotation id {span.id}"
        if problem:
            errors.append(DataError(source, f"line {number}", None, problem))
        elif span is not None:
            ids.add(span.id)
            spans.append(span)
    if errors:
        raise capped(errors)
    return tuple(spans)


def parse_line(line: str, number: int, text_length: int) -> tuple[BratSpan | None, str | None]:
    """(span, None) for a valid ``T`` line, (None, None) for another brat line we
    skip, (None, problem) for a malformed one."""
    if "\r" in line:
        return None, "carriage return in the line: save the .ann with LF line ends"
    match = _T_LINE.fullmatch(line)
    if match is None:
        if line.startswith("T"):
            return None, "malformed text-bound line: expected 'T<n><TAB>LABEL START END[;START END...]<TAB>TEXT'"
        if _OTHER_ID.fullmatch(line):
            return None, None
        return None, "not a brat annotation line (expected an id T, R, E, A, M, N, # or * and a tab)"
    ident, label, offsets, text = match.groups()
    fragments = tuple((int(a), int(b)) for a, b in (pair.split(" ") for pair in offsets.split(";")))  # the regex: pairs
    problem = fragments_problem(fragments, text_length)
    if problem:
        return None, problem
    return BratSpan(ident, label, fragments, text, number), None


def fragments_problem(fragments: tuple[tuple[int, int], ...], text_length: int) -> str | None:
    """Why these fragments cannot be spans of a text of ``text_length`` characters, or None."""
    previous_end = 0
    for start, end in fragments:
        if start >= end:
            return f"empty or reversed span {start} {end}"
        if start < previous_end:
            return f"fragment {start} {end} overlaps or precedes the previous one"
        if end > text_length:
            return f"span {start} {end} ends after the text ({text_length} characters)"
        previous_end = end
    return None


def span_text(text: str, fragments: tuple[tuple[int, int], ...]) -> str:
    """The text brat records for these fragments: their texts joined by one space."""
    return " ".join(text[start:end] for start, end in fragments)


def read_document(txt_path: Path, ann_path: Path, doc_id: str | None = None) -> BratDocument:
    """A brat document from its two files (strict UTF-8, bounded reads)."""
    text = read_text_bounded(txt_path, MAX_TXT_BYTES)
    content = read_text_bounded(ann_path, MAX_ANN_BYTES)
    spans = parse_ann(content, str(ann_path), len(text))
    return BratDocument(doc_id or txt_path.stem, str(ann_path), text, spans)


def mismatches(document: BratDocument) -> list[Mismatch]:
    """The spans whose recorded text differs from the document text at their offsets."""
    found = []
    for span in document.spans:
        actual = span_text(document.text, span.fragments)
        if actual != span.text:
            found.append(Mismatch(span, actual))
    return found


def mismatch_error(document: BratDocument, mismatch: Mismatch) -> DataError:
    span = mismatch.span
    return DataError(document.source, f"line {span.line}", None,
                     f"{span.id} {span.label} at {span.start}-{span.end}: the .ann records {span.text!r}, the .txt has {mismatch.found!r}")


def require_matching(document: BratDocument) -> BratDocument:
    """The document if every span's text matches, else every mismatch as a located error."""
    problems = [mismatch_error(document, m) for m in mismatches(document)]
    if problems:
        raise capped(problems)
    return document
