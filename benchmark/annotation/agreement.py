"""Inter-annotator agreement, and the sheet an adjudicator works from.

Agreement is measured with the benchmark's own scorer: one annotator's
version is taken as the reference and the other's scored against it
(``scoring.score``), so an agreement figure means exactly what the same
figure means on the leaderboard. F1 is symmetric in the two annotators
(precision and recall swap). Chance-corrected agreement is Krippendorff's α
(nominal) over canonical tokens, one value per tag layer, the value of a
token being its IOB2 tag, so that a boundary disagreement counts; the
``krippendorff`` package computes it, over every annotator at once
(a token of a document an annotator did not annotate is missing data).

The adjudication sheet lists every unit on which two annotators differ,
in document, layer and offset order, with the sentence it sits in: the
scorer's own error records (``errors.jsonl`` rows, the first annotator in the
``gold`` role), every class but ``correct``; then every mention that both
versions have but put in different coreference chains (class ``chain``,
with each version's chain).

A quotation's cue and speaker are not shown as the scorer's free-standing
cue and speaker units (a changed speaker would be two unlinked rows, one of
them possibly in another quotation's sentence): the two versions' quotations
are paired, by id, then by content overlap, and each cue or speaker that
differs is one row naming the quotation, in the quotation's sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import krippendorff
import numpy as np
import yaml

from benchmark import paths
from benchmark.annotation.annotators import annotated_ids, versions
from benchmark.annotation.records import known_seeds, read_record
from benchmark.data.alignment import sentence_starts, spans_to_tags, tokenize
from benchmark.data.dataset import to_row
from benchmark.data.layers import TAG_LAYERS
from benchmark.data.schema import Document, Quote
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_text
from benchmark.scoring import scorer as scoring

# (what is agreed on, the scorer's metric); a metric the scorer does not have is shown as n/a.
AGREEMENT_METRICS: tuple[tuple[str, str], ...] = (
    ("entities", "ner.strict.micro"),
    ("quotations", "quotes.content"),
    ("cues", "quotes.cue"),
    ("speakers", "quotes.speaker"),
    ("triggers", "events.trigger"),
    ("arguments", "events.argument"),
)
COREFERENCE_METRICS: tuple[tuple[str, str], ...] = (
    ("entity coreference", "coref.entities.conll.f1"),
    ("event coreference", "coref.events.conll.f1"),
)


@dataclass
class PairAgreement:
    first: str
    second: str
    documents: list[str]
    metrics: dict[str, float | None]
    disagreements: list[dict]


@dataclass
class Agreement:
    annotators: list[str]
    documents: list[str]
    tokens: int
    pairs: list[PairAgreement] = field(default_factory=list)
    alpha: dict[str, float | None] = field(default_factory=dict)
    versions: dict[str, dict[str, Document]] = field(default_factory=dict, repr=False)


def scoring_config(path: Path | None = None) -> dict:
    """The scoring section of the run config: agreement is scored as runs are."""
    path = paths.RUN_CONFIG if path is None else path
    return yaml.safe_load(path.read_text(encoding="utf-8"))["scoring"]


def load_versions(ids: list[str], root: Path | None = None) -> dict[str, dict[str, Document]]:
    """Document id → annotator → their record. Every document needs two annotators."""
    root = paths.WORK_DIR if root is None else root
    seeds = known_seeds()
    wanted = ids or annotated_ids(root)
    if not wanted:
        raise DataErrors([DataError(str(root), None, None, "no annotator's version to compare (import with --annotator NAME first)")])
    errors: list[DataError] = []
    found: dict[str, dict[str, Document]] = {}
    for doc_id in wanted:
        files = versions(doc_id, root)
        if len(files) < 2:
            who = f"only {', '.join(files)}" if files else "nobody"
            errors.append(DataError(str(root / "*" / f"{doc_id}.json"), doc_id, None,
                                    f"agreement needs two annotators' versions, {who} annotated this document"))
            continue
        found[doc_id] = {}
        for name, path in files.items():
            try:
                found[doc_id][name] = read_record(path, seeds)
            except DataErrors as exc:
                errors += exc.errors
    if errors:
        raise DataErrors(errors)
    return found


def token_alpha(docs: dict[str, dict[str, Document]], annotators: list[str]) -> tuple[dict[str, float | None], int]:
    """Krippendorff's α (nominal) per tag layer, over every canonical token."""
    columns: dict[str, list[list[float]]] = {layer.feature: [[] for _ in annotators] for layer in TAG_LAYERS}
    n_tokens = 0
    for by_annotator in docs.values():
        text = next(iter(by_annotator.values())).joined_text()
        tokens = tokenize(text)
        n_tokens += len(tokens)
        for layer in TAG_LAYERS:
            for row, name in zip(columns[layer.feature], annotators, strict=True):
                doc = by_annotator.get(name)
                if doc is None:
                    row += [np.nan] * len(tokens)
                else:
                    row += [float(layer.names.index(tag)) for tag in spans_to_tags(tokens, layer.spans(doc)).tags]
    alpha: dict[str, float | None] = {}
    for feature, data in columns.items():
        values = np.array(data, dtype=float)
        present = values[~np.isnan(values)]
        # α is undefined when every token has the same value (e.g. no annotation at all).
        alpha[feature] = None if len(np.unique(present)) < 2 else float(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal"))
    return alpha, n_tokens


def _sentence_of(doc: Document, char: int) -> int:
    text = doc.joined_text()
    tokens = tokenize(text)
    token = next((i for i, (_, end) in enumerate(tokens) if char < end), len(tokens) - 1)
    return max(i for i, start in enumerate(sentence_starts(text, tokens)) if start <= token)


def _chains(doc: Document, layer: str) -> dict[tuple[int, int], str]:
    if layer == "coref.entities":
        return {(m.start, m.end): m.entity for m in doc.entities or [] if m.entity is not None}
    return {(e.trigger.start, e.trigger.end): e.event for e in doc.events or [] if e.event is not None}


def chain_records(first: Document, second: Document) -> list[dict]:
    """Mentions both versions have but put in different chains (coreference):
    the scorer's error records are per unit and do not show these."""
    records = []
    for layer in ("coref.entities", "coref.events"):
        a, b = _chains(first, layer), _chains(second, layer)

        def shown(chains: dict, span: tuple[int, int]) -> dict:
            text = first.joined_text()
            # A referenced document's text stays out of the (committed) sheet: members by offsets.
            members = [text[s:e] if first.source is None else f"[{s}, {e})"
                       for (s, e), ident in sorted(chains.items()) if ident == chains[span]]
            return {"start": span[0], "end": span[1], "text": text[span[0]:span[1]],
                    "label": f"{chains[span]} = {' / '.join(members)}"}

        for span in sorted(set(a) & set(b)):
            same_a = {s for s, ident in a.items() if ident == a[span] and s in b}
            same_b = {s for s, ident in b.items() if ident == b[span] and s in a}
            if same_a != same_b:
                records.append({"layer": layer, "doc": first.id, "sentence": _sentence_of(first, span[0]), "class": "chain",
                                "label": a[span], "gold": shown(a, span), "predicted": shown(b, span)})
    return records


ATTRIBUTION_LAYERS = ("quotes.cue", "quotes.speaker")
# Content records that only say "same content, other cue/speaker": the attribution rows say which.
_ATTRIBUTION_CLASSES = ("wrong_cue", "wrong_speaker")


def _content_chars(quote: Quote) -> set[int]:
    return {i for span in quote.content for i in range(span.start, span.end)}


def pair_quotes(first: list[Quote], second: list[Quote]) -> list[tuple[Quote | None, Quote | None]]:
    """The two versions' quotations paired: same id first, then the largest content
    overlap (greedy, ties in text order); a quotation left over is paired with None."""
    pairs: list[tuple[Quote | None, Quote | None]] = []
    ids_b = {q.id: q for q in second if q.id is not None}
    left_a = [q for q in first if q.id is None or q.id not in ids_b]
    used_b = set()
    for q in first:
        if q.id is not None and q.id in ids_b:
            pairs.append((q, ids_b[q.id]))
            used_b.add(id(ids_b[q.id]))
    left_b = [q for q in second if id(q) not in used_b]
    overlaps = sorted(
        ((len(_content_chars(a) & _content_chars(b)), i, j) for i, a in enumerate(left_a) for j, b in enumerate(left_b)),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    taken_a, taken_b = set(), set()
    for overlap, i, j in overlaps:
        if overlap and i not in taken_a and j not in taken_b:
            taken_a.add(i)
            taken_b.add(j)
            pairs.append((left_a[i], left_b[j]))
    pairs += [(a, None) for i, a in enumerate(left_a) if i not in taken_a]
    pairs += [(None, b) for j, b in enumerate(left_b) if j not in taken_b]
    return sorted(pairs, key=lambda p: min(s.start for q in p if q is not None for s in q.content))


def _quote_name(a: Quote | None, b: Quote | None) -> str:
    names = [q.id or "(no id)" for q in (a, b) if q is not None]
    return names[0] if len(set(names)) == 1 else " / ".join(names)


def _shown_span(doc: Document, span, label: str) -> dict | None:
    return None if span is None else {"start": span.start, "end": span.end, "text": doc.joined_text()[span.start:span.end], "label": label}


def attribution_records(first: Document, second: Document) -> list[dict]:
    """One row per quotation whose cue or speaker differs between the versions
    (class ``changed``, or ``missed``/``spurious`` when one version has none), in
    the sentence of the quotation's first content span, naming the quotation."""
    records = []
    for a, b in pair_quotes(first.quotes or [], second.quotes or []):
        name = _quote_name(a, b)
        anchor = min(s.start for q in (a, b) if q is not None for s in q.content) if a is None else a.content[0].start
        for layer in ATTRIBUTION_LAYERS:
            part = layer.split(".")[1]
            span_a = getattr(a, part) if a is not None else None
            span_b = getattr(b, part) if b is not None else None
            if (span_a and (span_a.start, span_a.end)) == (span_b and (span_b.start, span_b.end)):
                continue
            cls = "changed" if span_a and span_b else ("missed" if span_a else "spurious")
            records.append({"layer": layer, "doc": first.id, "sentence": _sentence_of(first, anchor), "class": cls,
                            "label": part.upper(), "quote": name, "gold": _shown_span(first, span_a, f"{name} {part}"),
                            "predicted": _shown_span(first, span_b, f"{name} {part}")})
        if a is not None and b is not None and a.speaker_entity != b.speaker_entity and a.speaker and b.speaker \
                and (a.speaker.start, a.speaker.end) == (b.speaker.start, b.speaker.end):
            records.append({"layer": "quotes.speaker_entity", "doc": first.id, "sentence": _sentence_of(first, anchor),
                            "class": "changed", "label": "SPEAKER_ENTITY", "quote": name,
                            **{role: {"start": speaker.start, "end": speaker.end, "text": first.joined_text()[speaker.start:speaker.end],
                                      "label": f"{name} speaker_entity={q.speaker_entity or 'null'}"}
                               for role, q, speaker in (("gold", a, a.speaker), ("predicted", b, b.speaker))}})
    return records


def compare(first: str, second: str, docs: dict[str, dict[str, Document]], config: dict) -> PairAgreement:
    """Score ``second`` against ``first`` on the documents both annotated."""
    shared = [doc_id for doc_id, by in docs.items() if first in by and second in by]
    reference = [docs[d][first] for d in shared]
    rows = [to_row(doc) for doc in reference]
    result = scoring.score(rows, reference, [docs[d][second] for d in shared], config)
    metrics = result["metrics"]
    chosen: dict[str, float | None] = {}
    for _, prefix in AGREEMENT_METRICS:
        for key in ("precision", "recall", "f1"):
            chosen[f"{prefix}.{key}"] = metrics.get(f"{prefix}.{key}")
    for _, name in COREFERENCE_METRICS:
        chosen[name] = metrics.get(name)
    records = [r for r in result["error_records"] if r["class"] not in ("correct", *_ATTRIBUTION_CLASSES) and r["layer"] not in ATTRIBUTION_LAYERS]
    records += [r for d in shared for r in attribution_records(docs[d][first], docs[d][second])]
    records += [r for d in shared for r in chain_records(docs[d][first], docs[d][second])]
    return PairAgreement(first, second, shared, chosen, records)


def measure(ids: list[str], root: Path | None = None, config: dict | None = None) -> Agreement:
    root = paths.WORK_DIR if root is None else root
    docs = load_versions(ids, root)
    annotators = sorted({name for by in docs.values() for name in by})
    alpha, n_tokens = token_alpha(docs, annotators)
    report = Agreement(annotators=annotators, documents=list(docs), tokens=n_tokens, alpha=alpha, versions=docs)
    config = config or scoring_config()
    for first, second in combinations(annotators, 2):
        if any(first in by and second in by for by in docs.values()):
            report.pairs.append(compare(first, second, docs, config))
    return report


# --------------------------------------------------------------------------- rendering

def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def format_report(report: Agreement) -> str:
    lines = [f"agreement on {len(report.documents)} document(s), {report.tokens} tokens; annotators: {', '.join(report.annotators)}", ""]
    header = ["layer", "metric", *(f"{p.first}~{p.second}" for p in report.pairs)]
    table = []
    for layer, prefix in AGREEMENT_METRICS:
        for key in ("f1", "precision", "recall"):
            table.append([layer if key == "f1" else "", f"{prefix}.{key}", *(_percent(p.metrics[f"{prefix}.{key}"]) for p in report.pairs)])
    for layer, name in COREFERENCE_METRICS:
        table.append([layer, name, *(_percent(p.metrics[name]) for p in report.pairs)])
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines += ["", "(precision and recall: the second annotator scored against the first; n/a: no such unit, or not in this scorer)", ""]
    lines.append("Krippendorff's alpha (nominal; the IOB2 tag of each canonical token):")
    for feature, value in report.alpha.items():
        lines.append(f"  {feature:<20} {'undefined (one value only)' if value is None else f'{value:.4f}'}")
    return "\n".join(lines)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|~#"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " ", "\t": " "})


def md(text: str) -> str:
    """Text from an annotation file, made inert in a Markdown table cell."""
    return str(text).translate(_MD_SPECIAL)


def _cell(unit: dict | None, referenced: bool = False) -> str:
    """A unit of the sheet; a referenced document's span text is left out (offsets only):
    the sheet is committed, the Wikinews text may not be (gold/GUIDELINES.md §4)."""
    if unit is None:
        return "—"
    where = ", ".join(f"[{s}, {e})" for s, e in unit["segments"]) if "segments" in unit else f"[{unit['start']}, {unit['end']})"
    return f"{md(unit['label'])} {where}" if referenced else f"{md(unit['label'])} «{md(unit['text'])}» {where}"


def _context(doc: Document, index: int) -> str:
    """The sentence of a disagreement, or for a referenced document where to read it."""
    if doc.source is not None:
        return f"sentence {index} of {doc.source.corpus}/{doc.source.path} (referenced text, not reproduced)"
    return _sentence_text(doc, index)


def _sentence_text(doc: Document, index: int) -> str:
    text = doc.joined_text()
    tokens = tokenize(text)
    bounds = [*sentence_starts(text, tokens), len(tokens)]
    return text[tokens[bounds[index]][0]:tokens[bounds[index + 1] - 1][1]]


def render_sheet(report: Agreement) -> str:
    """The adjudication sheet (Markdown): one table per pair of annotators."""
    lines = ["# Adjudication sheet", "",
             "Generated by `python -m benchmark agreement`; every unit on which two annotators differ. "
             "Decide each row, then write the adjudicated record to `gold/annotations/ID.json` "
             "(see gold/GUIDELINES.md, \"Annotation procedure\").", ""]
    for pair in report.pairs:
        lines += [f"## {md(pair.first)} ~ {md(pair.second)}", "",
                  f"{len(pair.disagreements)} disagreement(s) on {len(pair.documents)} document(s).", ""]
        if not pair.disagreements:
            continue
        lines += [f"| # | document | sentence | layer | class | {md(pair.first)} | {md(pair.second)} | context |",
                  "| ---: | --- | ---: | --- | --- | --- | --- | --- |"]
        for n, r in enumerate(pair.disagreements, start=1):
            doc = report.versions[r["doc"]][pair.first]
            context = _context(doc, r["sentence"])
            referenced = doc.source is not None
            lines.append(f"| {n} | {md(r['doc'])} | {r['sentence']} | {md(r['layer'])} | {md(r['class'])} | "
                         f"{_cell(r['gold'], referenced)} | {_cell(r['predicted'], referenced)} | {md(context)} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def command(ids: list[str], sheet: Path | None = None) -> int:
    """``python -m benchmark agreement [IDS]``: print the report, write the sheet."""
    sheet = paths.SHEET_FILE if sheet is None else sheet
    report = measure(ids)
    atomic_write_text(sheet, render_sheet(report))
    print(format_report(report))
    total = sum(len(p.disagreements) for p in report.pairs)
    try:
        shown = sheet.resolve().relative_to(paths.ROOT)
    except ValueError:
        shown = sheet
    print(f"\nadjudication sheet: {shown} ({total} disagreement(s))")
    return 0
