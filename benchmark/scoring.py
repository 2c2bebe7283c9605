"""From gold and predicted records to the flat, named metrics of a result.

Every number comes from an ``evaluate`` metric module shipped in
``benchmark/metrics/`` and loaded by local path (the hub is unreachable, and a
pinned local module cannot change under a published score). This module only
prepares their inputs: tag layers per sentence over the canonical tokens,
spans projected onto token edges, quotation and argument records; then it
names the outputs and adds bootstrap intervals.

Metric names (``results.json`` → ``metrics``), all values in [0, 1] or null
when the system does not predict the layer:
- ``ner.{strict,default}.{micro,macro}.{precision,recall,f1}``: seqeval strict
  (IOB2 scheme given explicitly) and conlleval-compatible default mode;
- ``ner.{exact,partial,type}.micro.{precision,recall,f1}``: SemEval-2013 9.1;
- ``quotes.{content,cue,speaker}.{precision,recall,f1}``: seqeval strict on
  the quote tag layers;
- ``quotes.attribution.accuracy`` (overlap variant), ``quotes.attribution.exact.accuracy``,
  ``quotes.content.{exact,overlap}.f1``: quotation-level matching;
- ``events.trigger.{precision,recall,f1}`` (classification: typed) and
  ``events.trigger.identification.*``; ``events.argument.{precision,recall,f1}``
  (classification: with role) and ``events.argument.identification.*``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import evaluate

from benchmark.alignment import covered_tokens, spans_to_tags, split_sentences, tags_to_spans
from benchmark.bootstrap import accuracy_interval, f1_interval
from benchmark.layers import TAG_LAYER_BY_FEATURE, TagLayer
from benchmark.schema import Document

METRICS_DIR = Path(__file__).parent / "metrics"
PRF = ("precision", "recall", "f1")
# The headline numbers that get a bootstrap interval.
HEADLINES = (
    "ner.strict.micro.f1",
    "ner.partial.micro.f1",
    "quotes.content.f1",
    "quotes.attribution.accuracy",
    "events.trigger.f1",
    "events.argument.f1",
)


@lru_cache(maxsize=None)
def load_metric(name: str) -> evaluate.EvaluationModule:
    return evaluate.load(str(METRICS_DIR / name))


class _Sheet:
    """Accumulates one result: flat metrics, tables, bootstrap units, alignment counts."""

    def __init__(self) -> None:
        self.metrics: dict[str, float | None] = {}
        self.tables: dict[str, dict] = {}
        self.units: dict[str, tuple[str, list]] = {}  # metric -> (kind, units)
        self.alignment: dict[str, dict[str, int]] = {}

    def prf(self, prefix: str, scores: dict | None) -> None:
        for key in PRF:
            self.metrics[f"{prefix}.{key}"] = None if scores is None else float(scores[key])


class _Corpus:
    """The canonical tokens and sentence units of the gold rows."""

    def __init__(self, rows: Sequence[dict]):
        self.rows = rows
        self.tokens = [[tuple(pair) for pair in row["token_offsets"]] for row in rows]
        self.starts = [list(row["sentence_starts"]) for row in rows]

    def gold_tags(self, layer: TagLayer) -> list[list[str]]:
        return [[layer.names[i] for i in row[layer.feature]] for row in self.rows]

    def sentences(self, tags: list[list[str]]) -> list[list[str]]:
        """Tags cut into sentences, documents in order: seqeval's sequences."""
        return [s for doc_tags, starts in zip(tags, self.starts) for s in split_sentences(doc_tags, starts)]

    def sentence_tokens(self) -> list[list[tuple[int, int]]]:
        """Token offsets per sentence, aligned with ``sentences``."""
        out = []
        for tokens, starts in zip(self.tokens, self.starts):
            bounds = starts + [len(tokens)]
            out += [tokens[a:b] for a, b in zip(bounds, bounds[1:])]
        return out

    def sentence_index(self, doc_index: int, char: int) -> int:
        """Index (within ``sentences``) of the sentence holding a character offset."""
        before = sum(len(s) for s in self.starts[:doc_index])
        tokens, starts = self.tokens[doc_index], self.starts[doc_index]
        token = min(bisect_right(tokens, char, key=lambda t: t[1]), len(tokens) - 1)
        return before + bisect_right(starts, token) - 1

    def canonical_span(self, doc_index: int, start: int, end: int) -> tuple[int, int]:
        """A character span widened to the canonical tokens it covers."""
        tokens = self.tokens[doc_index]
        covered = covered_tokens(tokens, start, end)
        return (tokens[covered[0]][0], tokens[covered[-1]][1]) if covered else (start, end)


def _predicted_tags(corpus: _Corpus, layer: TagLayer, predicted: Sequence[Document], sheet: _Sheet) -> list[list[str]]:
    tags, projected, dropped = [], 0, 0
    for tokens, doc in zip(corpus.tokens, predicted):
        projection = spans_to_tags(tokens, layer.spans(doc))
        tags.append(projection.tags)
        projected += len(projection.projected)
        dropped += len(projection.dropped)
    sheet.alignment[layer.feature] = {"projected_spans": projected, "dropped_overlapping_spans": dropped}
    return tags


def _layer_sentences(corpus: _Corpus, feature: str, predicted: Sequence[Document], sheet: _Sheet):
    layer = TAG_LAYER_BY_FEATURE[feature]
    gold = corpus.sentences(corpus.gold_tags(layer))
    pred = corpus.sentences(_predicted_tags(corpus, layer, predicted, sheet))
    return gold, pred


def _seqeval(gold: list[list[str]], pred: list[list[str]], mode: str = "strict") -> dict:
    return load_metric("seqeval_tags").compute(
        predictions=pred, references=gold, mode=mode, scheme="IOB2", return_units=True
    )


def _untyped(tags: list[list[str]], label: str) -> list[list[str]]:
    return [[t if t == "O" else f"{t[:2]}{label}" for t in sentence] for sentence in tags]


def _spans_per_sentence(corpus: _Corpus, tags: list[list[str]]) -> list[list[dict]]:
    return [
        [{"start": s, "end": e, "label": label} for s, e, label in tags_to_spans(tokens, sentence)]
        for tokens, sentence in zip(corpus.sentence_tokens(), tags)
    ]


def _not_predicted(predicted: Sequence[Document], layer: str) -> bool:
    return any(getattr(doc, layer) is None for doc in predicted)


def _score_entities(corpus: _Corpus, predicted: Sequence[Document], sheet: _Sheet) -> None:
    if _not_predicted(predicted, "entities"):
        for prefix in ("strict.micro", "strict.macro", "default.micro", "default.macro", "exact.micro", "partial.micro", "type.micro"):
            sheet.prf(f"ner.{prefix}", None)
        return
    gold, pred = _layer_sentences(corpus, "ner_tags", predicted, sheet)
    for mode in ("strict", "default"):
        out = _seqeval(gold, pred, mode)
        sheet.prf(f"ner.{mode}.micro", out["micro"])
        sheet.prf(f"ner.{mode}.macro", out["macro"])
        sheet.tables[f"ner.{mode}"] = out["labels"]
        if mode == "strict":
            sheet.units["ner.strict.micro.f1"] = ("f1", out["units"])
    # SemEval schemes on the same token-projected spans, sentence by sentence.
    semeval = load_metric("span_overlap").compute(
        predictions=_spans_per_sentence(corpus, pred), references=_spans_per_sentence(corpus, gold), return_units=True
    )
    for scheme in ("exact", "partial", "type"):
        sheet.prf(f"ner.{scheme}.micro", semeval[scheme])
    sheet.tables["ner.semeval"] = semeval["labels"]
    sheet.units["ner.partial.micro.f1"] = ("f1", semeval["units"]["partial"])


def _speaker_targets(doc: Document, quote) -> list[list[int]]:
    """Every mention of the gold speaker's entity, plus the gold speaker span itself."""
    targets = set()
    if quote.speaker is not None:
        targets.add((quote.speaker.start, quote.speaker.end))
    if quote.speaker_entity is not None:
        targets |= {(m.start, m.end) for m in doc.entities or [] if m.entity == quote.speaker_entity}
    return [list(t) for t in sorted(targets)]


def _score_quotes(corpus: _Corpus, gold_docs: Sequence[Document], predicted: Sequence[Document], sheet: _Sheet) -> None:
    names = ("content", "cue", "speaker")
    if _not_predicted(predicted, "quotes"):
        for name in names:
            sheet.prf(f"quotes.{name}", None)
        for name in ("quotes.attribution.accuracy", "quotes.attribution.exact.accuracy", "quotes.content.exact.f1", "quotes.content.overlap.f1"):
            sheet.metrics[name] = None
        return
    for name in names:
        gold, pred = _layer_sentences(corpus, f"quote_{name}_tags", predicted, sheet)
        out = _seqeval(gold, pred)
        sheet.prf(f"quotes.{name}", out["micro"])
        if name == "content":
            sheet.units["quotes.content.f1"] = ("f1", out["units"])
    # Quotation-level matching on the raw character spans (nested ones included).
    references = [
        [{"content": [[s.start, s.end] for s in q.content], "speaker_targets": _speaker_targets(doc, q)} for q in doc.quotes or []]
        for doc in gold_docs
    ]
    predictions = [
        [
            {"content": [[s.start, s.end] for s in q.content], "speaker": [q.speaker.start, q.speaker.end] if q.speaker else None}
            for q in doc.quotes or []
        ]
        for doc in predicted
    ]
    out = load_metric("quote_attribution").compute(predictions=predictions, references=references, return_units=True)
    sheet.metrics["quotes.attribution.accuracy"] = float(out["overlap"]["accuracy"])
    sheet.metrics["quotes.attribution.exact.accuracy"] = float(out["exact"]["accuracy"])
    sheet.metrics["quotes.content.exact.f1"] = float(out["exact"]["content_f1"])
    sheet.metrics["quotes.content.overlap.f1"] = float(out["overlap"]["content_f1"])
    sheet.tables["quotes.attribution"] = {variant: out[variant] for variant in ("exact", "overlap")}
    sheet.units["quotes.attribution.accuracy"] = ("accuracy", out["quote_units"]["overlap"])


def _event_items(corpus: _Corpus, docs: Sequence[Document], n_sentences: int, project: bool) -> list[list[dict]]:
    """Event mentions grouped by the sentence of their trigger: tuples are attached
    to the trigger, so the grouping changes no match and gives bootstrap units."""
    items: list[list[dict]] = [[] for _ in range(n_sentences)]
    for d, doc in enumerate(docs):
        for event in doc.events or []:
            trigger = corpus.canonical_span(d, event.trigger.start, event.trigger.end) if project else (event.trigger.start, event.trigger.end)
            arguments = []
            for arg in event.arguments:
                start, end = corpus.canonical_span(d, arg.start, arg.end) if project else (arg.start, arg.end)
                arguments.append({"start": start, "end": end, "role": arg.role})
            items[corpus.sentence_index(d, trigger[0])].append(
                {"type": event.type, "trigger": {"start": trigger[0], "end": trigger[1]}, "arguments": arguments}
            )
    return items


def _score_events(corpus: _Corpus, gold_docs: Sequence[Document], predicted: Sequence[Document], sheet: _Sheet) -> None:
    if _not_predicted(predicted, "events"):
        for prefix in ("events.trigger", "events.trigger.identification", "events.argument", "events.argument.identification"):
            sheet.prf(prefix, None)
        return
    gold, pred = _layer_sentences(corpus, "event_trigger_tags", predicted, sheet)
    typed = _seqeval(gold, pred)
    sheet.prf("events.trigger", typed["micro"])
    sheet.tables["events.trigger"] = typed["labels"]
    sheet.units["events.trigger.f1"] = ("f1", typed["units"])
    sheet.prf("events.trigger.identification", _seqeval(_untyped(gold, "TRIGGER"), _untyped(pred, "TRIGGER"))["micro"])
    n = len(gold)
    out = load_metric("event_arguments").compute(
        predictions=_event_items(corpus, predicted, n, project=True),
        references=_event_items(corpus, gold_docs, n, project=False),
        return_units=True,
    )
    sheet.prf("events.argument", out["classification"])
    sheet.prf("events.argument.identification", out["identification"])
    sheet.units["events.argument.f1"] = ("f1", out["units"]["classification"])


def _interval(sheet: _Sheet, metric: str, bootstrap: dict) -> dict | None:
    if metric not in sheet.units or sheet.metrics.get(metric) is None:
        return None
    kind, units = sheet.units[metric]
    compute = f1_interval if kind == "f1" else accuracy_interval
    low, high = compute(units, n_resamples=bootstrap["resamples"], seed=bootstrap["seed"], level=bootstrap["level"])
    return {"low": float(low), "high": float(high), "units": len(units)}


def _intervals(sheet: _Sheet, bootstrap: dict, advance: Callable[[str], None]) -> dict[str, dict | None]:
    intervals: dict[str, dict | None] = {}
    for metric in HEADLINES:
        intervals[metric] = _interval(sheet, metric, bootstrap)
        advance("bootstrap")
    return intervals


LAYERS = ("entities", "quotes", "events")  # scored one after the other (progress steps)


def _ignore(step: str) -> None:
    pass


def score(
    rows: Sequence[dict], gold: Sequence[Document], predicted: Sequence[Document], config: dict,
    advance: Callable[[str], None] = _ignore,
) -> dict:
    """``metrics``, ``intervals``, ``tables`` and ``alignment`` of one system's predictions.

    ``advance("layers")`` is called after each of ``LAYERS``, ``advance("bootstrap")`` for each
    of ``HEADLINES`` (the runner's progress bars); it sees no data and changes nothing."""
    corpus = _Corpus(rows)
    sheet = _Sheet()
    _score_entities(corpus, predicted, sheet)
    advance("layers")
    _score_quotes(corpus, gold, predicted, sheet)
    advance("layers")
    _score_events(corpus, gold, predicted, sheet)
    advance("layers")
    return {
        "metrics": dict(sorted(sheet.metrics.items())),
        "intervals": _intervals(sheet, config["bootstrap"], advance),
        "tables": sheet.tables,
        "alignment": sheet.alignment,
    }


def format_table(results: dict) -> str:
    """The console summary of a run: headline metrics with intervals, then the rest."""
    metrics, intervals = results["metrics"], results["intervals"]
    width = max(len(name) for name in metrics)
    lines = [f"{results['system']['name']} {results['system']['version']} on {results['dataset']['name']} "
             f"{results['dataset']['version']} ({results['dataset']['fingerprint'][:12]})", ""]
    for name in HEADLINES + tuple(m for m in metrics if m not in HEADLINES):
        value = metrics.get(name)
        shown = "  n/a " if value is None else f"{100 * value:6.2f}"
        interval = intervals.get(name)
        ci = f"  [{100 * interval['low']:.2f}, {100 * interval['high']:.2f}]" if interval else ""
        lines.append(f"{name:<{width}}  {shown}{ci}")
        if name == HEADLINES[-1]:
            lines.append("")
    counts = results["alignment"]
    lines.append("")
    lines.append("alignment: " + ", ".join(f"{k} projected={v['projected_spans']} dropped={v['dropped_overlapping_spans']}" for k, v in counts.items()))
    return "\n".join(lines)
