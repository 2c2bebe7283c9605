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
"""

from __future__ import annotations

from collections import Counter
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
from benchmark.data.schema import Document
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
        text = next(iter(by_annotator.values())).text
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


def _units(doc: Document) -> dict[str, list[tuple]]:
    """The units of each layer, for a scorer that gives no error records."""
    return {
        "entities": [(m.start, m.end, m.label) for m in doc.entities or []],
        "quotes.content": [(q.content[0].start, q.content[-1].end, q.kind, tuple((s.start, s.end) for s in q.content)) for q in doc.quotes or []],
        "quotes.cue": [(q.cue.start, q.cue.end, "CUE") for q in doc.quotes or [] if q.cue],
        "quotes.speaker": [(q.speaker.start, q.speaker.end, "SPEAKER") for q in doc.quotes or [] if q.speaker],
        "events.trigger": [(e.trigger.start, e.trigger.end, e.type) for e in doc.events or []],
        "events.argument": [(a.start, a.end, a.role, (e.trigger.start, e.trigger.end, e.type)) for e in doc.events or [] for a in e.arguments],
    }


def _difference_records(row: dict, first: Document, second: Document) -> list[dict]:
    """Units one version has and the other lacks, as error records (missed /
    spurious), in the ``errors.jsonl`` shape: used only when the scorer
    returns no ``error_records`` of its own."""
    starts = row["sentence_starts"]
    tokens = row["token_offsets"]

    def sentence(char: int) -> int:
        token = next((i for i, (s, e) in enumerate(tokens) if char < e), len(tokens) - 1)
        return max(i for i, s in enumerate(starts) if s <= token)

    def rendered(unit: tuple) -> dict:
        out = {"start": unit[0], "end": unit[1], "text": first.text[unit[0]:unit[1]], "label": unit[2]}
        if len(unit) == 4 and isinstance(unit[3], tuple) and isinstance(unit[3][0], tuple):
            out["segments"] = [list(s) for s in unit[3]]
        return out

    records = []
    a, b = _units(first), _units(second)
    for layer in a:
        only = [(unit, "missed") for unit in (Counter(a[layer]) - Counter(b[layer])).elements()]
        only += [(unit, "spurious") for unit in (Counter(b[layer]) - Counter(a[layer])).elements()]
        for unit, cls in sorted(only, key=lambda item: (item[0][0], item[0][1], item[1], str(item[0]))):
            shown = rendered(unit)
            records.append({"layer": layer, "doc": first.id, "sentence": sentence(unit[0]), "class": cls, "label": unit[2],
                            "gold": shown if cls == "missed" else None, "predicted": shown if cls == "spurious" else None})
    return records


def _sentence_of(doc: Document, char: int) -> int:
    tokens = tokenize(doc.text)
    token = next((i for i, (_, end) in enumerate(tokens) if char < end), len(tokens) - 1)
    return max(i for i, start in enumerate(sentence_starts(doc.text, tokens)) if start <= token)


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
            members = [first.text[s:e] for (s, e), ident in sorted(chains.items()) if ident == chains[span]]
            return {"start": span[0], "end": span[1], "text": first.text[span[0]:span[1]],
                    "label": f"{chains[span]} = {' / '.join(members)}"}

        for span in sorted(set(a) & set(b)):
            same_a = {s for s, ident in a.items() if ident == a[span] and s in b}
            same_b = {s for s, ident in b.items() if ident == b[span] and s in a}
            if same_a != same_b:
                records.append({"layer": layer, "doc": first.id, "sentence": _sentence_of(first, span[0]), "class": "chain",
                                "label": a[span], "gold": shown(a, span), "predicted": shown(b, span)})
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
    if "error_records" in result:
        records = result["error_records"]
    else:
        records = [r for row, d in zip(rows, shared, strict=True) for r in _difference_records(row, docs[d][first], docs[d][second])]
    records = [r for r in records if r["class"] != "correct"]
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


def _cell(unit: dict | None) -> str:
    if unit is None:
        return "—"
    where = ", ".join(f"[{s}, {e})" for s, e in unit["segments"]) if "segments" in unit else f"[{unit['start']}, {unit['end']})"
    return f"{md(unit['label'])} «{md(unit['text'])}» {where}"


def _sentence_text(doc: Document, index: int) -> str:
    tokens = tokenize(doc.text)
    bounds = [*sentence_starts(doc.text, tokens), len(tokens)]
    return doc.text[tokens[bounds[index]][0]:tokens[bounds[index + 1] - 1][1]]


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
            context = _sentence_text(doc, r["sentence"])
            lines.append(f"| {n} | {md(r['doc'])} | {r['sentence']} | {md(r['layer'])} | {md(r['class'])} | "
                         f"{_cell(r['gold'])} | {_cell(r['predicted'])} | {md(context)} |")
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
