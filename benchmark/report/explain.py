"""``python -m benchmark explain RUN``: what a system got wrong, span by span, in context.

A run writes ``errors.jsonl`` beside ``results.json``: one record per scored
unit of every span layer, classed in the SemEval-2013 / nervaluate vocabulary
(the scorer's own matching makes them, so they add up to the metrics' counts).
This command shows them: a terminal table with each unit's sentence and the
gold ⟦span⟧ and predicted ⟨span⟩ marked, filterable by layer, class and
document; and with ``--html`` a self-contained page (no script, no external
resource) where each document's gold and predicted spans are drawn side by
side by spaCy's displaCy (span style, ``manual=True``), coloured by class.

The records are data: every field is checked (types, known layer and class,
offsets inside the document, sentence in range) before anything is shown, the
texts come from the packaged dataset by document id, and everything from a
record is escaped for the page. displaCy escapes token texts itself but not
labels or titles, so labels are escaped here and no title is passed to it.
The terminal table gets plain ``rich.text.Text`` (no markup) with control
characters replaced.
"""

from __future__ import annotations

import html
import json
import re
import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pydantic import ValidationError

from benchmark import paths
from benchmark.data import dataset, references
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_text
from benchmark.report import site, terminal
from benchmark.report.compare import resolve
from benchmark.report.results import (
    ErrorRow,
    PublishedResults,
    SpanRow,
    problems,
    read_error_rows,
    read_results,
)
from benchmark.scoring import registry

# Error layers and classes are the registry's (benchmark/scoring/registry.py).
LAYERS = registry.REGISTRY.error_layer_names()
ALIASES = {"ner": "entities"}
ALL_CLASSES = registry.REGISTRY.all_classes()
# Class colours of the page (and of the terminal): green right, red missed, orange spurious,
# shades for the partial errors. Fixed strings: nothing from a record reaches a style attribute.
COLOURS = {
    "correct": "#b7e4c7", "missed": "#ff8a80", "spurious": "#ffcc80", "boundary": "#fff59d", "type": "#ce93d8",
    "boundary_type": "#90caf9", "wrong_speaker": "#80deea", "wrong_cue": "#bcaaa4", "wrong_role": "#f48fb1",
    "wrong_trigger": "#b0bec5",
}
CONTEXT_CHARS = 240  # longer contexts are cut around the spans
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    label: str
    segments: tuple[tuple[int, int], ...]  # (start, end) of each piece; one for a plain span


@dataclass(frozen=True)
class ErrorRecord:
    line: int
    layer: str
    doc: str
    sentence: int
    cls: str
    label: str
    gold: Span | None
    predicted: Span | None


@dataclass(frozen=True)
class DocText:
    """A document of the dataset: its text, canonical tokens and sentences (token starts)."""

    id: str
    text: str
    tokens: tuple[tuple[int, int], ...]
    sentence_starts: tuple[int, ...]

    def sentence_tokens(self, sentence: int) -> tuple[int, int]:
        """First and one-past-last token of a sentence."""
        bounds = (*self.sentence_starts, len(self.tokens))
        return bounds[sentence], bounds[sentence + 1]

    def sentence_chars(self, sentence: int) -> tuple[int, int]:
        first, last = self.sentence_tokens(sentence)
        if first >= last:
            return (0, 0)
        return self.tokens[first][0], self.tokens[last - 1][1]

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The tokens a character span covers, [first, last); an empty span covers its token."""
        first = bisect_right([t[1] for t in self.tokens], start)
        last = bisect_left([t[0] for t in self.tokens], end)
        return first, max(last, first + 1) if first < len(self.tokens) else first


def documents_from_rows(rows) -> dict[str, DocText]:
    return {
        row["id"]: DocText(row["id"], row["text"], tuple(tuple(t) for t in row["token_offsets"]), tuple(row["sentence_starts"]))
        for row in rows
    }


# --------------------------------------------------------------------------- reading


def _span(row: SpanRow | None, field: str, doc: DocText, found: list[str]) -> Span | None:
    """A checked span of a row; offsets beyond its document's text are refused."""
    if row is None:
        return None
    pieces = row.pieces()
    if max(row.end, *(e for _, e in pieces)) > len(doc.text):
        found.append(f"{field}: offsets beyond the end of document {doc.id!r} ({len(doc.text)} characters)")
        return None
    return Span(row.start, row.end, row.text, row.label, pieces)


def record_from_row(line: int, row: ErrorRow, documents: dict[str, DocText]) -> tuple[ErrorRecord | None, list[str]]:
    """A row the results model accepted, checked against the dataset (document, sentence, offsets)."""
    doc = documents.get(row.doc)
    if doc is None:
        return None, [f"doc: {row.doc[:80]!r} is not a document of the dataset"]
    if row.sentence >= len(doc.sentence_starts):
        return None, [f"sentence: must be a sentence index of {row.doc!r} (0 to {len(doc.sentence_starts) - 1})"]
    found: list[str] = []
    gold = _span(row.gold, "gold", doc, found)
    predicted = _span(row.predicted, "predicted", doc, found)
    if found:
        return None, found
    return ErrorRecord(line, row.layer, row.doc, row.sentence, row.cls, row.label, gold, predicted), []


def parse_record(line: int, value, documents: dict[str, DocText]) -> tuple[ErrorRecord | None, list[str]]:
    """One line of ``errors.jsonl`` checked by the results model, then against the dataset;
    (record, problems), each problem ``field: message``."""
    try:
        row = ErrorRow.model_validate(value)
    except ValidationError as exc:
        return None, [f"{field or 'record'}: {message}" for field, message in problems(exc)]
    return record_from_row(line, row, documents)


def read_errors(path: Path, documents: dict[str, DocText]) -> list[ErrorRecord]:
    """Every record of an ``errors.jsonl`` (read by the results loader); located refusals
    (file, line, field) otherwise."""
    records, errors = [], []
    for number, row in read_error_rows(path):
        record, found = record_from_row(number, row, documents)
        errors += [DataError(str(path), f"line {number}", p.split(":", 1)[0], p.split(":", 1)[1].strip()) for p in found]
        if record is not None:
            records.append(record)
    if errors:
        raise DataErrors(errors)
    return records


def class_counts(records: list[ErrorRecord]) -> dict[str, dict[str, int]]:
    """{layer: {class: n}}, the ``total`` of the results' ``errors`` block."""
    out: dict[str, Counter] = {}
    for r in records:
        out.setdefault(r.layer, Counter())[r.cls] += 1
    return {layer: dict(counter) for layer, counter in out.items()}


def check_against_results(records: list[ErrorRecord], results: PublishedResults, path: Path) -> None:
    """The records are those the results were scored with: same class totals per layer."""
    if results.errors is None:
        return
    expected = {layer: {c: n for c, n in value.total.items() if n} for layer, value in results.errors.items()}
    expected = {layer: totals for layer, totals in expected.items() if totals}
    found = class_counts(records)
    if expected != found:
        raise DataErrors([DataError(str(path), None, "errors", "its class counts differ from errors.jsonl beside it: "
                                                             "the two files are not from the same run; re-run the system")])


# --------------------------------------------------------------------------- selecting


def layer_matches(layer: str, wanted: list[str] | None) -> bool:
    if not wanted:
        return True
    for name in wanted:
        name = ALIASES.get(name, name)
        if layer == name or layer.startswith(name.rstrip(".") + "."):
            return True
    return False


def check_filters(layers: list[str] | None, classes: list[str] | None) -> None:
    errors = []
    for name in layers or []:
        if not any(layer_matches(layer, [name]) for layer in LAYERS):
            errors.append(DataError("--layer", None, None, f"{name!r} is not a layer ({', '.join(LAYERS)}, or ner, quotes, events)"))
    for name in classes or []:
        if name not in ALL_CLASSES:
            errors.append(DataError("--class", None, None, f"{name!r} is not a class ({', '.join(ALL_CLASSES)})"))
    if errors:
        raise DataErrors(errors)


def select(records: list[ErrorRecord], layers: list[str] | None = None, classes: list[str] | None = None,
           docs: list[str] | None = None, include_correct: bool = False) -> list[ErrorRecord]:
    """Records by layer (name or prefix), class and document; errors only unless asked for
    ``correct`` (by ``--class correct`` or ``--all``)."""
    return [
        r for r in records
        if layer_matches(r.layer, layers)
        and (r.cls in classes if classes else (include_correct or r.cls != "correct"))
        and (not docs or r.doc in docs)
    ]


# --------------------------------------------------------------------------- terminal


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences included) shown as �."""
    return _CONTROL.sub("\ufffd", text.replace("\n", " ").replace("\t", " "))


def marked_context(doc: DocText, record: ErrorRecord) -> tuple[str, list[tuple[int, int, str]]]:
    """The record's sentence with gold pieces in ⟦ ⟧ and predicted pieces in ⟨ ⟩.

    Returns the string and (start, end, "gold" | "predicted") ranges of the marked
    pieces in it. The context is the sentence, widened to every piece, cut around
    the pieces when longer than ``CONTEXT_CHARS``.
    """
    pieces = [(s, e, "gold") for s, e in (record.gold.segments if record.gold else ())]
    pieces += [(s, e, "predicted") for s, e in (record.predicted.segments if record.predicted else ())]
    low, high = doc.sentence_chars(record.sentence)
    low, high = min([low] + [s for s, _, _ in pieces]), max([high] + [e for _, e, _ in pieces])
    first, last = min(s for s, _, _ in pieces), max(e for _, e, _ in pieces)
    if high - low > CONTEXT_CHARS:
        margin = max(0, (CONTEXT_CHARS - (last - first)) // 2)
        low, high = max(low, first - margin), min(high, last + margin)
    marks = {"gold": ("⟦", "⟧"), "predicted": ("⟨", "⟩")}
    # At one offset: closing marks first, then opening ones, then closings of empty pieces.
    events = sorted([(s, 1, i) for i, (s, _, _) in enumerate(pieces)]
                    + [(e, 0 if e > s else 2, i) for i, (s, e, _) in enumerate(pieces)])
    out, length, position = [], 0, low
    opened: dict[int, int] = {}
    ranges: list[tuple[int, int, str]] = []
    for offset, order, i in events:
        chunk = doc.text[position:offset]
        out.append(chunk)
        length, position = length + len(chunk), offset
        kind = pieces[i][2]
        if order == 1:
            out.append(marks[kind][0])
            length += 1
            opened[i] = length
        else:
            ranges.append((opened[i], length, kind))
            out.append(marks[kind][1])
            length += 1
    out.append(doc.text[position:high])
    plain = "".join(out)
    prefix = "…" if low > doc.sentence_chars(record.sentence)[0] else ""
    suffix = "…" if high < doc.sentence_chars(record.sentence)[1] else ""
    return prefix + plain + suffix, [(a + len(prefix), b + len(prefix), kind) for a, b, kind in ranges]


def render_table(records: list[ErrorRecord], documents: dict[str, DocText], title: str):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), show_lines=True, caption="gold ⟦span⟧, predicted ⟨span⟩", caption_justify="left")
    for column in ("doc", "sent.", "layer", "class", "label"):
        table.add_column(column, overflow="fold")
    table.add_column("gold", overflow="fold", max_width=24)
    table.add_column("predicted", overflow="fold", max_width=24)
    table.add_column("context", overflow="fold", ratio=1)
    styles = {"gold": "underline green", "predicted": "bold red"}
    for r in records:
        plain, ranges = marked_context(documents[r.doc], r)
        context = Text(printable(plain))
        for start, end, kind in ranges:
            context.stylize(styles[kind], start, end)
        table.add_row(
            Text(printable(r.doc)), str(r.sentence), r.layer, Text(r.cls, style=f"on {COLOURS[r.cls]} black"),
            Text(printable(r.label)), Text(printable(r.gold.text) if r.gold else "—"),
            Text(printable(r.predicted.text) if r.predicted else "—"), context,
        )
    return table


def summary(records: list[ErrorRecord]) -> str:
    by_class = Counter(r.cls for r in records)
    return f"{len(records)} record(s)" + (": " + ", ".join(f"{c} {by_class[c]}" for c in ALL_CLASSES if by_class[c]) if records else "")


# --------------------------------------------------------------------------- HTML

def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _quoted(span: Span | None) -> str:
    """A span's text as a JSON string (escaped by the template), or ∅."""
    return "∅" if span is None else json.dumps(span.text, ensure_ascii=False)


def _span_label(record: ErrorRecord, span: Span) -> str:
    """The label drawn by displaCy, escaped here: displaCy inserts labels verbatim."""
    return _e(f"{span.label} · {record.cls}")


def _displacy(doc: DocText, first: int, last: int, spans: list[tuple[ErrorRecord, Span]]) -> str:
    """Tokens [first, last) of a document with the spans drawn by displaCy's span style."""
    from spacy import displacy

    tokens = [doc.text[s:e] for s, e in doc.tokens[first:last]]
    drawn, colours = [], {}
    for record, span in spans:
        label = _span_label(record, span)
        colours[label] = COLOURS[record.cls]
        for start, end in span.segments:
            a, b = doc.token_range(start, end)
            drawn.append({"start_token": a - first, "end_token": b - first, "label": label})
    markup = displacy.render({"tokens": tokens, "spans": drawn}, style="span", manual=True, page=False, jupyter=False,
                             options={"colors": colours})
    return markup


def _window(doc: DocText, records: list[ErrorRecord]) -> tuple[int, int]:
    """The tokens shown for a group of records: their sentence, widened to every piece."""
    first, last = doc.sentence_tokens(records[0].sentence)
    for r in records:
        for span in (r.gold, r.predicted):
            for start, end in span.segments if span else ():
                a, b = doc.token_range(start, end)
                first, last = min(first, a), max(last, b)
    return first, last


def render_html(records: list[ErrorRecord], documents: dict[str, DocText], title: str) -> str:
    """The page (template ``explain.html``): per document and layer, one row per sentence
    with errors, gold | predicted. displaCy's markup is the only HTML passed in as such: it
    escapes the tokens itself and its labels are escaped here (``_span_label``)."""
    order = {doc_id: i for i, doc_id in enumerate(documents)}
    shown = []
    for doc_id in sorted({r.doc for r in records}, key=order.__getitem__):
        doc, layers = documents[doc_id], []
        for layer in LAYERS:
            mine = [r for r in records if r.doc == doc_id and r.layer == layer]
            rows = []
            for sentence in sorted({r.sentence for r in mine}):
                group = [r for r in mine if r.sentence == sentence]
                first, last = _window(doc, group)
                gold = Markup(_displacy(doc, first, last, [(r, r.gold) for r in group if r.gold]))
                predicted = Markup(_displacy(doc, first, last, [(r, r.predicted) for r in group if r.predicted]))
                rows.append((sentence, gold, predicted, group))
            if rows:
                layers.append((layer, rows))
        shown.append((doc_id, layers))
    template = site.environment(paths.TEMPLATES_DIR, quoted=_quoted).get_template("explain.html")
    return template.render(title=title, summary=summary(records), legend=[(c, COLOURS[c]) for c in ALL_CLASSES], documents=shown)


# --------------------------------------------------------------------------- command


def run_paths(argument: str) -> tuple[Path, Path]:
    """(results.json, errors.jsonl) of a run directory, of a results file, or of a published
    system (whose results keep counts only: explain then says how to get the records)."""
    path = Path(argument) if Path(argument).exists() else resolve(argument)
    directory = path if path.is_dir() else path.parent
    results = path if not path.is_dir() else path / "results.json"
    return results, directory / "errors.jsonl"


def load_run(argument: str) -> tuple[PublishedResults, list[ErrorRecord], dict[str, DocText]]:
    results_path, errors_path = run_paths(argument)
    if not results_path.exists() and not errors_path.exists():
        raise DataErrors([DataError(argument, None, None, "not a run directory nor a results.json (a run writes both "
                                                          "into outputs/runs/NAME/TIMESTAMP/)")])
    if not errors_path.exists():
        raise DataErrors(_no_records(results_path, errors_path))
    results = read_results(results_path)
    card = dataset.card_metadata()
    fingerprint = results.dataset.fingerprint
    if fingerprint != card["fingerprint"]:
        raise DataErrors([DataError(str(results_path), None, "dataset.fingerprint",
                                    f"{fingerprint[:12]} is not the packaged dataset ({card['fingerprint'][:12]}): "
                                    "its offsets would point into other texts; re-run the system on this dataset")])
    documents = documents_from_rows(dataset.load_verified(split=results.dataset.split or "test")[0])
    records = read_errors(errors_path, documents)
    check_against_results(records, results, results_path)
    return results, records, documents


def _no_records(results_path: Path, errors_path: Path) -> list[DataError]:
    """Why there is nothing to explain, with the command that makes the records (the result's
    own, when the loader accepts it; its refusals are listed too)."""
    try:
        command, refusals = read_results(results_path).system.command, []
    except DataErrors as exc:
        command, refusals = "python -m benchmark run model=NAME", exc.errors
    why = ("published results keep the counts, not the error records"
           if results_path.resolve().parent == paths.RESULTS_DIR.resolve() else "this run was scored before error records were written")
    return [DataError(str(errors_path), None, None, f"absent: {why}; run the system with the current version "
                                                    f"(`{command}`) and explain the run directory it prints"), *refusals]


def check_html_target(target: Path, records: list[ErrorRecord]) -> None:
    """The page shows sentences: one of a referenced document (a Wikinews article, whose
    text may not be committed, gold/GUIDELINES.md §4) is never written under gold/ or
    leaderboard/, the committed folders."""
    where = Path(target).resolve()
    committed = [paths.GOLD_DIR.resolve(), paths.LEADERBOARD_DIR.resolve()]
    referenced = sorted({r.doc for r in records} & references.referenced_ids())
    if referenced and any(where.is_relative_to(folder) for folder in committed):
        raise DataErrors([DataError(str(target), referenced[0], None,
                                    f"the page would reproduce the text of {len(referenced)} referenced document(s) in a committed "
                                    "folder (gold/, leaderboard/): write it elsewhere, e.g. under outputs/")])


def main(args) -> int:
    check_filters(args.layer, args.classes)
    results, records, documents = load_run(args.run)
    chosen = select(records, args.layer, args.classes, args.doc, include_correct=args.all)
    name = results.system.name
    title = f"{name}: {summary(chosen)}"
    if args.html:
        check_html_target(args.html, chosen)
        atomic_write_text(args.html, render_html(chosen, documents, f"newsbench errors of {name}"))
        print(f"wrote {args.html}: {summary(chosen)}")
        return 0
    console = terminal.console()
    console.print(render_table(chosen, documents, printable(title)))
    print(summary(chosen), file=sys.stdout)
    return 0
