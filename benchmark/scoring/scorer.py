"""From gold and predicted records to the flat, named metrics of a result (scoring 2.0).

Every span of every layer, gold and predicted, is widened to the canonical
tokens it covers (``alignment.TokenIndex``) and scored as one unit over its
whole document: nothing is cut at a sentence edge. Sentences only assign each
unit to a bootstrap resampling unit, by its first token. Predicted units are
scored as a multiset per layer: overlapping, nested or duplicate predictions
each count, so a duplicate or a wrong-type copy of a correct prediction is a
false alarm. The units of a layer:

- an entity mention (start, end, label);
- a quotation: its content, the tuple of all its segments (nested quotations
  are quotations of their own); its cue; its speaker;
- an event mention's trigger (start, end, type);
- an argument (trigger span, event type, argument span, role).

The definitions are the ``evaluate`` modules in ``benchmark/scoring/metrics/`` (loaded
by local path; the hub is unreachable). The harness calls their pure-python
cores directly (``metric_core``) rather than ``EvaluationModule.compute``:
evaluate first encodes every input into an Arrow table, which cost more than
the scoring itself at corpus scale; tests hold the module and the fast path to
the same numbers, and both to seqeval, nervaluate and the coreference scorer.

Metric names (``results.json`` → ``metrics``), all values in [0, 1] or null
when the system does not predict the layer:
- ``ner.strict.{micro,macro}.{precision,recall,f1}``: exact (start, end, label)
  matches, computed by seqeval (the ``seqeval_tags`` module, strict IOB2) on
  whole-document tags, and held exactly equal to the multiset matcher's counts;
  where gold or predicted entities overlap or repeat (tags cannot hold them) the
  multiset matcher's numbers, one to one, are used and ``ner_source`` says so.
  ``ner.default.*``: seqeval's conlleval-compatible mode, which reads the
  well-formed tags of spans exactly as strict mode does, so the two are equal
  here (they differ only on malformed tag input);
- ``ner.{exact,partial,type}.micro.{precision,recall,f1}``: SemEval-2013 9.1 as
  nervaluate 1.x counts it, per document;
- ``quotes.content.{precision,recall,f1}`` (headline): one unit per quotation, a
  match when all its content segments are equal, one to one;
  ``quotes.content.partial.*``: quotations paired by maximal overlap, each pair
  earning the token-overlap F1 of its contents; ``quotes.content.tokens.*``:
  token-level score of the content layer (a token is content or not);
  ``quotes.content.overlap.f1``: quotations paired when they share a token;
- ``quotes.{cue,speaker}.{precision,recall,f1}``: one unit per quotation's cue
  / speaker span, exact match;
- ``quotes.attribution.accuracy`` (overlap pairing, optimal one to one),
  ``quotes.attribution.exact.accuracy``, and the Gender Gap Tracker's variant
  ``quotes.attribution.ggt.accuracy`` (> 0.3 of the gold content covered, GGT's
  ``>``) and ``quotes.attribution.ggt.strict.accuracy`` (> 0.8), accuracy over matched
  quotations only;
- ``events.trigger.{precision,recall,f1}`` (typed) and
  ``events.trigger.identification.*``; ``events.argument.{precision,recall,f1}``
  (with role) and ``events.argument.identification.*``;
- ``coref.{entities,events}.{muc,b3,ceafe}.{precision,recall,f1}`` and
  ``coref.{entities,events}.conll.f1``: CoNLL-2012 scorer definitions on
  predicted mentions; null when the system gives no entity / event ids.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

import evaluate

from benchmark import paths
from benchmark.errors import DataError
from benchmark.data.alignment import TokenIndex
from benchmark.data.schema import Document
from benchmark.scoring import registry
from benchmark.scoring.bootstrap import (
    accuracy_interval,
    f1_from_sums,
    f1_interval,
    resampled_sums,
)

SCORING_VERSION = "2.2"
PRF = ("precision", "recall", "f1")
# The headline numbers that get a bootstrap interval, a units block and a documents block
# (declared in ``benchmark.scoring.registry``, like every metric name).
HEADLINES = registry.REGISTRY.headlines()
# errors.jsonl layers, in the order records are written.
ERROR_LAYERS = registry.REGISTRY.error_layer_names()
COREF_METRICS = ("muc", "b3", "ceafe")


def _null(sheet: _Sheet, layer: str) -> None:
    """Every registered metric of a layer the system does not predict is null."""
    for name in registry.active().names(layer):
        sheet.metrics[name] = None


@cache
def load_metric(name: str) -> evaluate.EvaluationModule:
    """The public definition: an evaluate module loaded by local path."""
    return evaluate.load(str(paths.METRICS_DIR / name))


@cache
def metric_core(name: str) -> ModuleType:
    """The same module's file imported as plain Python, for its pure-python core."""
    path = paths.METRICS_DIR / name / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmark_metric_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not an importable Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def has_metric(name: str) -> bool:
    return (paths.METRICS_DIR / name / f"{name}.py").is_file()


# --------------------------------------------------------------------------- units and matching


Span = tuple[int, int, str]  # token start, token end (exclusive), label


@dataclass
class Record:
    """One outcome of the matching, the row of ``errors.jsonl`` before rendering."""

    layer: str
    cls: str
    label: str
    gold: tuple | None  # (token start, token end, label[, segments])
    predicted: tuple | None


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _exact_first(layer: str, gold: list[tuple], pred: list[tuple], label: int) -> tuple[list[Record], set[int], list[tuple]]:
    """The exact pass shared by every layer: each prediction takes an equal, still free
    gold unit (one to one, multiset). Returns the ``correct`` records, the gold indices
    taken and the predictions left over, in order."""
    free: dict[tuple, list[int]] = {}
    for g, unit in enumerate(gold):
        free.setdefault(unit, []).append(g)
    records, taken, left = [], set(), []
    for unit in pred:
        bucket = free.get(unit)
        if bucket:
            g = bucket.pop(0)
            taken.add(g)
            records.append(Record(layer, "correct", unit[label], gold[g], unit))
        else:
            left.append(unit)
    return records, taken, left


def match_spans(layer: str, gold: list[Span], pred: list[Span]) -> list[Record]:
    """Exact matches first (one to one, multiset), then SemEval error classes for the rest.

    Each gold and each predicted span appears in exactly one record, so
    correct / records with predicted / records with gold are the layer's
    n_correct / n_predicted / n_gold. Left-over predictions, in sorted order, take
    the first left-over gold span with the same boundaries (``type``), else the
    first overlapping one with the same label (``boundary``), else the first
    overlapping one (``boundary_type``)."""
    records, taken, left = _exact_first(layer, gold, pred, label=2)
    rest = [g for g in range(len(gold)) if g not in taken]
    for span in left:
        best, rank = None, 4
        for g in rest:
            if g in taken or not _overlap(span, gold[g]):
                continue
            other = gold[g]
            r = 1 if other[:2] == span[:2] else 2 if other[2] == span[2] else 3
            if r < rank:
                best, rank = g, r
        if best is None:
            records.append(Record(layer, "spurious", span[2], None, span))
        else:
            taken.add(best)
            cls = ("type", "boundary", "boundary_type")[rank - 1]
            records.append(Record(layer, cls, gold[best][2], gold[best], span))
    records += [Record(layer, "missed", gold[g][2], gold[g], None) for g in rest if g not in taken]
    return records


def count(records: list[Record], correct: tuple[str, ...] = ("correct",)) -> list[int]:
    """[n_correct, n_predicted, n_gold] of some records."""
    n_correct = n_predicted = n_gold = 0
    for r in records:
        n_correct += r.cls in correct
        n_predicted += r.predicted is not None
        n_gold += r.gold is not None
    return [n_correct, n_predicted, n_gold]


def prf(n_correct: float, n_predicted: float, n_gold: float) -> dict[str, float]:
    """Micro precision, recall, F1 from counts; a zero denominator gives 0 (seqeval's default)."""
    precision = float(n_correct / n_predicted) if n_predicted else 0.0
    recall = float(n_correct / n_gold) if n_gold else 0.0
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# --------------------------------------------------------------------------- the sheet


@dataclass
class _Sheet:
    """Accumulates one result: metrics, tables, per-sentence counts, error records."""

    index: list[TokenIndex]
    metrics: dict[str, float | None] = field(default_factory=dict)
    tables: dict[str, dict] = field(default_factory=dict)
    sentence_counts: dict[str, list[list[list[float]]]] = field(default_factory=dict)  # metric -> doc -> sentence -> counts
    quote_units: dict[str, tuple[list[str], list[list[int]]]] = field(default_factory=dict)
    records: dict[int, dict[str, list[Record]]] = field(default_factory=dict)  # doc -> layer -> records
    classes: dict[str, Counter] = field(default_factory=dict)  # layer -> (label, class) -> n
    alignment: dict[str, dict[str, int]] = field(default_factory=dict)
    ner_source: dict[str, str | None] = field(default_factory=dict)  # who computed ner.strict/default, and why

    def prf(self, prefix: str, scores: dict | None) -> None:
        for key in PRF:
            self.metrics[f"{prefix}.{key}"] = None if scores is None else float(scores[key])

    def sentence_table(self, metric: str) -> list[list[list[float]]]:
        table: list[list[list[float]]] = [[[0, 0, 0] for _ in doc.sentence_starts] for doc in self.index]
        self.sentence_counts[metric] = table
        return table

    def add_records(self, d: int, layer: str, records: list[Record]) -> None:
        self.records.setdefault(d, {})[layer] = records
        self.classes.setdefault(layer, Counter()).update((r.label, r.cls) for r in records)

    def widened(self, layer: str, n: int) -> None:
        self.alignment.setdefault(layer, {"widened_spans": 0})["widened_spans"] += n


def _tally(table: list[list[list[float]]], d: int, doc: TokenIndex, records: list[Record], correct=("correct",), credit=None) -> None:
    """Add each record's counts to the sentence of its first token (gold's, else predicted's)."""
    for r in records:
        unit = r.gold if r.gold is not None else r.predicted
        assert unit is not None, "a record has a gold or a predicted side"
        row = table[d][doc.sentence_of(unit[0])]
        row[0] += credit(r) if credit else (r.cls in correct)
        row[1] += r.predicted is not None
        row[2] += r.gold is not None


def _not_predicted(predicted: Sequence[Document], layer: str) -> bool:
    return any(getattr(doc, layer) is None for doc in predicted)


def _not_scored(gold: Sequence[Document], predicted: Sequence[Document], layer: str) -> bool:
    """A layer is scored only when the gold annotates it and the system predicts it: a
    track whose gold has no quotations (WiNER-fr) reports their metrics null, not every
    predicted quotation as spurious."""
    return _not_predicted(gold, layer) or _not_predicted(predicted, layer)


def _widen(sheet: _Sheet, layer: str, doc: TokenIndex, start: int, end: int) -> tuple[int, int]:
    span, changed = doc.widen(start, end)
    if changed:
        sheet.widened(layer, 1)
    elif layer not in sheet.alignment:
        sheet.alignment[layer] = {"widened_spans": 0}
    return span


# --------------------------------------------------------------------------- entities


def _entity_spans(sheet: _Sheet, doc: TokenIndex, record: Document, predicted: bool) -> list[Span]:
    layer = "entities" if predicted else "gold"
    return sorted((*_widen(sheet, layer, doc, m.start, m.end), m.label) for m in record.entities or [])


def _per_label(records: list[Record]) -> dict[str, list[int]]:
    """seqeval's per-label counts: a correct or missed unit counts for the gold label,
    a predicted one for its own label."""
    counts: dict[str, list[int]] = {}
    for r in records:
        if r.cls == "correct":
            counts.setdefault(r.label, [0, 0, 0])[0] += 1
        if r.predicted is not None:
            counts.setdefault(r.predicted[2], [0, 0, 0])[1] += 1
        if r.gold is not None:
            counts.setdefault(r.gold[2], [0, 0, 0])[2] += 1
    return counts


def _score_entities(sheet: _Sheet, gold_docs: Sequence[Document], predicted: Sequence[Document]) -> None:
    if _not_scored(gold_docs, predicted, "entities"):
        _null(sheet, "entities")
        return
    semeval = metric_core("span_overlap")
    strict_table = sheet.sentence_table("ner.strict.micro.f1")
    partial_table = sheet.sentence_table("ner.partial.micro.f1")
    labels: dict[str, list[int]]  # label -> [correct, predicted, gold]
    totals, labels = [0, 0, 0], {}
    all_gold: list[list[Span]] = []
    all_pred: list[list[Span]] = []
    scheme_totals = {s: dict.fromkeys(("correct", "incorrect", "partial", "missed", "spurious"), 0) for s in semeval.SCHEMES}
    label_schemes: dict[str, dict] = {}
    for d, (doc, g_rec, p_rec) in enumerate(zip(sheet.index, gold_docs, predicted, strict=True)):
        gold = _entity_spans(sheet, doc, g_rec, False)
        pred = _entity_spans(sheet, doc, p_rec, True)
        all_gold.append(gold)
        all_pred.append(pred)
        records = match_spans("entities", gold, pred)
        sheet.add_records(d, "entities", records)
        _tally(strict_table, d, doc, records)
        for i, c in enumerate(count(records)):
            totals[i] += c
        for label, per_label in _per_label(records).items():
            label_row = labels.setdefault(label, [0, 0, 0])
            for i in range(3):
                label_row[i] += per_label[i]
        overall, by_label = semeval.evaluate_item(gold, pred)
        for scheme, outcomes in overall.items():
            for outcome, _, _ in outcomes:
                scheme_totals[scheme][outcome] += 1
        for outcome, g, p in overall["partial"]:
            unit = gold[g] if g is not None else pred[p]
            row = partial_table[d][doc.sentence_of(unit[0])]
            row[0] += 1.0 if outcome == "correct" else 0.5 if outcome == "partial" else 0.0
            row[1] += p is not None
            row[2] += g is not None
        for label, per_scheme in by_label.items():
            into = label_schemes.setdefault(label, {s: dict.fromkeys(scheme_totals[s], 0) for s in semeval.SCHEMES})
            for scheme, counts in per_scheme.items():
                for outcome, n in counts.items():
                    into[scheme][outcome] += n
    _seqeval_scores(sheet, all_gold, all_pred, totals, labels)
    for scheme in ("exact", "partial", "type"):
        sheet.prf(f"ner.{scheme}.micro", semeval.scores(scheme, scheme_totals[scheme]))
    sheet.tables["ner.semeval"] = {
        label: {scheme: semeval.scores(scheme, c) for scheme, c in per.items()} for label, per in sorted(label_schemes.items())
    }


def _not_flat(spans: list[Span]) -> str | None:
    """Why IOB2 tags cannot hold these sorted spans (an empty, overlapping, nested or
    duplicate span), or None when they can, one tag per token."""
    end = 0
    for start, stop, _ in spans:
        if stop <= start:
            return "an entity covering no token"
        if start < end:
            return "overlapping, nested or duplicate entities"
        end = stop
    return None


def _iob2(spans: list[Span], n_tokens: int) -> list[str]:
    """Whole-document IOB2 tags of flat spans."""
    tags = ["O"] * n_tokens
    for start, stop, label in spans:
        tags[start] = "B-" + label
        tags[start + 1 : stop] = ["I-" + label] * (stop - start - 1)
    return tags


def _multiset_scores(sheet: _Sheet, totals: list[int], labels: dict[str, list[int]]) -> None:
    """ner.strict/default from the multiset matcher: the only scorer of units that tags cannot hold."""
    table = {label: prf(*c) | {"support": c[2]} for label, c in sorted(labels.items())}
    macro = {k: (sum(row[k] for row in table.values()) / len(table) if table else 0.0) for k in PRF}
    for mode in ("strict", "default"):
        sheet.prf(f"ner.{mode}.micro", prf(*totals))
        sheet.prf(f"ner.{mode}.macro", macro)
        sheet.tables[f"ner.{mode}"] = table


def _seqeval_scores(sheet: _Sheet, gold: list[list[Span]], pred: list[list[Span]], totals: list[int],
                    labels: dict[str, list[int]]) -> None:
    """ner.strict.* and ner.default.* computed by seqeval (the seqeval_tags module, once
    per run, one whole-document IOB2 sequence per document), held to the multiset
    matcher's counts: on flat spans the two must agree exactly, per label, or the run
    fails. Where a document's gold or predicted entities overlap or repeat, tags cannot
    hold them and the multiset matcher's numbers are used; ``sheet.ner_source`` says which."""
    for doc, g, p in zip(sheet.index, gold, pred, strict=True):
        for side, spans in (("gold", g), ("predicted", p)):
            reason = _not_flat(spans)
            if reason:
                _multiset_scores(sheet, totals, labels)
                sheet.ner_source = {"scorer": "multiset",
                                    "reason": f"document {doc.id}, {side}: {reason} (IOB2 tags cannot hold them)"}
                return
    core = metric_core("seqeval_tags")
    references = [_iob2(g, len(doc.starts)) for doc, g in zip(sheet.index, gold, strict=True)]
    predictions = [_iob2(p, len(doc.starts)) for doc, p in zip(sheet.index, pred, strict=True)]
    for mode in ("strict", "default"):
        out = core.compute(predictions, references, mode=mode, scheme="IOB2", zero_division=0)
        seqeval_counts = [out["n_correct"], out["n_predicted"], out["n_gold"]]
        if seqeval_counts != list(totals) or out["counts"] != {label: list(c) for label, c in sorted(labels.items())}:
            raise RuntimeError(
                f"scorer bug: seqeval ({mode}) counts {seqeval_counts}, per label {out['counts']}, differ from the "
                f"multiset matcher's {list(totals)}, per label {dict(sorted(labels.items()))} on flat entities"
            )
        sheet.prf(f"ner.{mode}.micro", out["micro"])
        sheet.prf(f"ner.{mode}.macro", out["macro"])
        sheet.tables[f"ner.{mode}"] = out["labels"]
    sheet.ner_source = {"scorer": "seqeval", "reason": None}


# --------------------------------------------------------------------------- quotations


def _segments(sheet: _Sheet, layer: str, doc: TokenIndex, quote) -> tuple[tuple[int, int], ...]:
    return tuple(sorted(_widen(sheet, layer, doc, s.start, s.end) for s in quote.content))


def _optional(sheet: _Sheet, layer: str, doc: TokenIndex, span) -> tuple[int, int] | None:
    return None if span is None else _widen(sheet, layer, doc, span.start, span.end)


def _gold_quotes(sheet: _Sheet, doc: TokenIndex, record: Document) -> list[dict]:
    """Gold quotations in record order, widened, with their speaker targets: the gold
    speaker span and every mention of the speaker's entity. A quotation whose speaker
    the text does not state (GUIDELINES W24: ``speaker`` null, ``speaker_entity`` known
    from context) has no target: a system rightly names no speaker there (2.2)."""
    quotes = []
    for q in record.quotes or []:
        targets = set()
        speaker = _optional(sheet, "gold", doc, q.speaker)
        if speaker is not None:
            targets.add(speaker)
        if speaker is not None and q.speaker_entity is not None:
            targets |= {_widen(sheet, "gold", doc, m.start, m.end) for m in record.entities or [] if m.entity == q.speaker_entity}
        quotes.append({
            "id": q.id, "content": _segments(sheet, "gold", doc, q), "targets": tuple(sorted(targets)),
            "speaker": speaker, "cue": _optional(sheet, "gold", doc, q.cue),
        })
    return quotes


def _pred_quotes(sheet: _Sheet, doc: TokenIndex, record: Document) -> list[dict]:
    return [
        {"content": _segments(sheet, "quotes.content", doc, q), "speaker": _optional(sheet, "quotes.speaker", doc, q.speaker),
         "cue": _optional(sheet, "quotes.cue", doc, q.cue)}
        for q in record.quotes or []
    ]


def _content_unit(quote: dict) -> tuple:
    segments = quote["content"]
    return (segments[0][0], segments[-1][1], "CONTENT", segments)


def _content_records(core: ModuleType, gold: list[dict], pred: list[dict]) -> list[Record]:
    """quotes.content records from the metric's own exact pairing, then boundary pairs
    (left-over quotations sharing a token, pairing maximal overlap)."""
    exact = core.match_exact(gold, pred)
    records = []
    for g, p in exact.items():
        gq, pq = gold[g], pred[p]
        cls = "correct"
        if not core.speaker_right("exact", gq["targets"], pq["speaker"]):
            cls = "wrong_speaker"
        elif gq["cue"] != pq["cue"]:
            cls = "wrong_cue"
        records.append(Record("quotes.content", cls, "CONTENT", _content_unit(gq), _content_unit(pq)))
    left_gold = [g for g in range(len(gold)) if g not in exact]
    used = set(exact.values())
    left_pred = [p for p in range(len(pred)) if p not in used]
    loose = core.match_overlap([gold[g] for g in left_gold], [pred[p] for p in left_pred])
    for i, j in loose.items():
        records.append(Record("quotes.content", "boundary", "CONTENT", _content_unit(gold[left_gold[i]]), _content_unit(pred[left_pred[j]])))
    paired_pred = {left_pred[j] for j in loose.values()}
    records += [Record("quotes.content", "missed", "CONTENT", _content_unit(gold[g]), None) for i, g in enumerate(left_gold) if i not in loose]
    records += [Record("quotes.content", "spurious", "CONTENT", None, _content_unit(pred[p])) for p in left_pred if p not in paired_pred]
    return records


def _role_spans(quotes: list[dict], role: str, label: str) -> list[Span]:
    return sorted((*q[role], label) for q in quotes if q[role] is not None)


def _content_tokens(quotes: list[dict]) -> set[int]:
    return {t for q in quotes for start, end in q["content"] for t in range(start, end)}


def _score_quotes(sheet: _Sheet, gold_docs: Sequence[Document], predicted: Sequence[Document]) -> None:
    if _not_scored(gold_docs, predicted, "quotes"):
        _null(sheet, "quotes")
        return
    core = metric_core("quote_attribution")
    tables = {name: sheet.sentence_table(f"quotes.{name}.f1") for name in ("content", "cue", "speaker")}
    totals = {name: [0, 0, 0] for name in tables}
    variants = {v: [0, 0, 0, 0] for v in core.VARIANTS}  # attributed, found, predicted, gold
    partial_credit, tokens = 0.0, [0, 0, 0]
    ids, outcomes = [], []
    for d, (doc, g_rec, p_rec) in enumerate(zip(sheet.index, gold_docs, predicted, strict=True)):
        gold, pred = _gold_quotes(sheet, doc, g_rec), _pred_quotes(sheet, doc, p_rec)
        order = sorted(range(len(gold)), key=lambda g: (gold[g]["content"], gold[g]["targets"]))
        s_gold = [gold[g] for g in order]
        s_pred = sorted(pred, key=lambda q: (q["content"], q["speaker"] or (), q["cue"] or ()))
        layers = {
            "content": _content_records(core, s_gold, s_pred),
            "cue": match_spans("quotes.cue", _role_spans(s_gold, "cue", "CUE"), _role_spans(s_pred, "cue", "CUE")),
            "speaker": match_spans("quotes.speaker", _role_spans(s_gold, "speaker", "SPEAKER"), _role_spans(s_pred, "speaker", "SPEAKER")),
        }
        for name, records in layers.items():
            correct = ("correct", "wrong_speaker", "wrong_cue") if name == "content" else ("correct",)
            sheet.add_records(d, f"quotes.{name}", records)
            _tally(tables[name], d, doc, records, correct)
            for i, c in enumerate(count(records, correct)):
                totals[name][i] += c
        result = core.document_result(s_gold, s_pred)
        for variant in core.VARIANTS:
            pairs, attributed = result[variant]
            row = variants[variant]
            row[0] += sum(attributed)
            row[1] += len(pairs)
            row[2] += len(s_pred)
            row[3] += len(s_gold)
        partial_credit += result["partial"]
        by_sorted = dict(zip(order, result["overlap"][1], strict=True))
        for g, quote in enumerate(gold):
            ids.append(f"{doc.id}#{quote['id']}")
            outcomes.append([by_sorted[g], 1])
        gold_tokens, pred_tokens = _content_tokens(gold), _content_tokens(pred)
        for i, c in enumerate((len(gold_tokens & pred_tokens), len(pred_tokens), len(gold_tokens))):
            tokens[i] += c
    for name, name_totals in totals.items():
        sheet.prf(f"quotes.{name}", prf(*name_totals))
    n_pred, n_gold = variants["exact"][2], variants["exact"][3]
    sheet.prf("quotes.content.partial", prf(partial_credit, n_pred, n_gold))
    sheet.prf("quotes.content.tokens", prf(*tokens))
    summaries = {v: core._summary(v, *row) for v, row in variants.items()}
    sheet.metrics["quotes.attribution.accuracy"] = summaries["overlap"]["accuracy"]
    sheet.metrics["quotes.attribution.exact.accuracy"] = summaries["exact"]["accuracy"]
    sheet.metrics["quotes.attribution.ggt.accuracy"] = summaries["ggt_lenient"]["accuracy"]
    sheet.metrics["quotes.attribution.ggt.strict.accuracy"] = summaries["ggt_strict"]["accuracy"]
    sheet.metrics["quotes.content.exact.f1"] = summaries["exact"]["content_f1"]
    sheet.metrics["quotes.content.overlap.f1"] = summaries["overlap"]["content_f1"]
    sheet.tables["quotes.attribution"] = summaries
    sheet.quote_units["quotes.attribution.accuracy"] = (ids, outcomes)


# --------------------------------------------------------------------------- events


def _events(sheet: _Sheet, doc: TokenIndex, record: Document, predicted: bool) -> list[dict]:
    trigger_layer, argument_layer = ("events.trigger", "events.argument") if predicted else ("gold", "gold")
    events = []
    for e in record.events or []:
        start, end = _widen(sheet, trigger_layer, doc, e.trigger.start, e.trigger.end)
        arguments = [
            dict(zip(("start", "end"), _widen(sheet, argument_layer, doc, a.start, a.end), strict=True), role=a.role) for a in e.arguments
        ]
        events.append({"type": e.type, "trigger": {"start": start, "end": end}, "arguments": arguments})
    return events


def _argument_units(events: list[dict]) -> list[tuple]:
    """(trigger start, trigger end, type, argument start, argument end, role), sorted."""
    return sorted(
        (e["trigger"]["start"], e["trigger"]["end"], e["type"], a["start"], a["end"], a["role"])
        for e in events
        for a in e["arguments"]
    )


def _argument_records(gold: list[tuple], pred: list[tuple]) -> list[Record]:
    """events.argument records: exact tuples first; left-overs with the same trigger, type
    and span are ``wrong_role``, with the same span and role ``wrong_trigger``, with the
    same trigger, type and role and an overlapping span ``boundary``."""
    records, taken, left = _exact_first("events.argument", gold, pred, label=5)
    rules = (
        ("wrong_role", lambda g, p: g[:5] == p[:5]),
        ("wrong_trigger", lambda g, p: g[3:] == p[3:]),
        ("boundary", lambda g, p: g[:3] == p[:3] and g[5] == p[5] and g[3] < p[4] and p[3] < g[4]),
    )
    unpaired = []
    for unit in left:
        for cls, rule in rules:
            g = next((g for g in range(len(gold)) if g not in taken and rule(gold[g], unit)), None)
            if g is not None:
                taken.add(g)
                records.append(Record("events.argument", cls, gold[g][5], gold[g], unit))
                break
        else:
            unpaired.append(unit)
    records += [Record("events.argument", "spurious", unit[5], None, unit) for unit in unpaired]
    records += [Record("events.argument", "missed", gold[g][5], gold[g], None) for g in range(len(gold)) if g not in taken]
    return records


def _score_events(sheet: _Sheet, gold_docs: Sequence[Document], predicted: Sequence[Document]) -> None:
    if _not_scored(gold_docs, predicted, "events"):
        _null(sheet, "events")
        return
    arguments_core = metric_core("event_arguments")
    trigger_table = sheet.sentence_table("events.trigger.f1")
    argument_table = sheet.sentence_table("events.argument.f1")
    labels: dict[str, list[int]]  # label -> [correct, predicted, gold]
    typed, untyped, labels = [0, 0, 0], [0, 0, 0], {}
    argument_counts = {task: [0, 0, 0] for task in arguments_core.TASKS}
    for d, (doc, g_rec, p_rec) in enumerate(zip(sheet.index, gold_docs, predicted, strict=True)):
        gold, pred = _events(sheet, doc, g_rec, False), _events(sheet, doc, p_rec, True)
        gold_triggers = sorted((e["trigger"]["start"], e["trigger"]["end"], e["type"]) for e in gold)
        pred_triggers = sorted((e["trigger"]["start"], e["trigger"]["end"], e["type"]) for e in pred)
        records = match_spans("events.trigger", gold_triggers, pred_triggers)
        sheet.add_records(d, "events.trigger", records)
        _tally(trigger_table, d, doc, records)
        for i, c in enumerate(count(records)):
            typed[i] += c
        for label, per_label in _per_label(records).items():
            label_row = labels.setdefault(label, [0, 0, 0])
            for i in range(3):
                label_row[i] += per_label[i]
        identified = match_spans("events.trigger", [(s, e, "TRIGGER") for s, e, _ in gold_triggers], [(s, e, "TRIGGER") for s, e, _ in pred_triggers])
        for i, c in enumerate(count(identified)):
            untyped[i] += c
        for task, p_set, g_set in zip(arguments_core.TASKS, arguments_core.tuples(pred), arguments_core.tuples(gold), strict=True):
            for i, c in enumerate(arguments_core.count(p_set, g_set)):
                argument_counts[task][i] += c
        arg_records = _argument_records(_argument_units(gold), _argument_units(pred))
        sheet.add_records(d, "events.argument", arg_records)
        _tally(argument_table, d, doc, arg_records)
    sheet.prf("events.trigger", prf(*typed))
    sheet.tables["events.trigger"] = {label: prf(*c) | {"support": c[2]} for label, c in sorted(labels.items())}
    sheet.prf("events.trigger.identification", prf(*untyped))
    sheet.prf("events.argument", prf(*argument_counts["classification"]))
    sheet.prf("events.argument.identification", prf(*argument_counts["identification"]))


# --------------------------------------------------------------------------- coreference


def _mentions(doc: TokenIndex, items: list[tuple[int, int, str | None]]) -> list[dict]:
    """Coreference mentions on canonical-widened character spans. A mention without an
    id is a singleton cluster of its own. A mention is its span in the CoNLL scorer, so
    a span given twice (a wrong-type copy, two spans widened onto the same tokens) is
    one mention, kept in the cluster seen first in the document, as the reference
    scorer v8.01 keeps the first it reads: clusters rank by their first mention in
    document order (record order among equal spans). The cluster ids' spelling never
    decides (sorting by id made the same partition score 0.822 or 0.315)."""
    widened = []
    for i, (start, end, cluster) in enumerate(items):
        (first, stop), _ = doc.widen(start, end)
        span = doc.chars(first, stop) if stop > first else (start, end)
        widened.append((span, cluster if cluster is not None else f"\0singleton-{i}"))
    in_document_order = sorted(widened, key=lambda mention: mention[0])  # stable: record order among equal spans
    first_seen: dict[str, int] = {}
    for rank, (_, key) in enumerate(in_document_order):
        first_seen.setdefault(key, rank)
    kept: dict[tuple[int, int], str] = {}
    for span, key in sorted(in_document_order, key=lambda mention: (mention[0], first_seen[mention[1]])):
        kept.setdefault(span, key)
    return [{"start": s, "end": e, "cluster": c} for (s, e), c in sorted(kept.items())]


def _coref_items(record: Document, layer: str) -> list[tuple[int, int, str | None]]:
    if layer == "entities":
        return [(m.start, m.end, m.entity) for m in record.entities or []]
    return [(e.trigger.start, e.trigger.end, e.event) for e in record.events or []]


def _score_coreference(sheet: _Sheet, gold_docs: Sequence[Document], predicted: Sequence[Document]) -> None:
    """Entity and event coreference, when the coreference module is present; null when the
    system gives no ids for the layer (exactly as a missing layer), or the gold none
    (WiNER-fr has no entity ids: there is no coreference to score)."""
    if not has_metric("coreference"):
        return
    for layer in ("entities", "events"):
        prefix = f"coref.{layer}"
        has_ids = not _not_scored(gold_docs, predicted, layer) and all(
            any(cluster is not None for doc in side for _, _, cluster in _coref_items(doc, layer)) for side in (predicted, gold_docs)
        )
        if not has_ids:
            _null(sheet, prefix)
            continue
        references = [_mentions(doc, _coref_items(g, layer)) for doc, g in zip(sheet.index, gold_docs, strict=True)]
        predictions = [_mentions(doc, _coref_items(p, layer)) for doc, p in zip(sheet.index, predicted, strict=True)]
        out = load_metric("coreference").compute(predictions=predictions, references=references)
        for name in COREF_METRICS:
            sheet.prf(f"{prefix}.{name}", out[name])
        sheet.metrics[f"{prefix}.conll.f1"] = float(out["conll"]["f1"])


# --------------------------------------------------------------------------- blocks of a result


def _score_registered(sheet: _Sheet, gold_docs: Sequence[Document], predicted: Sequence[Document]) -> None:
    """Metrics registered with their own ``compute``: from the match records of every error
    layer over the test set, null when their layer is not predicted."""
    for metric in registry.active().computed():
        base = metric.layer.removeprefix("coref.")
        if _not_scored(gold_docs, predicted, base):
            sheet.metrics[metric.name] = None
            continue
        records: dict[str, list[Record]] = {layer: [] for layer in ERROR_LAYERS}
        for per_doc in sheet.records.values():
            for layer, rows in per_doc.items():
                records.setdefault(layer, []).extend(rows)
        assert metric.compute is not None, "computed() yields only the metrics with a compute of their own"
        sheet.metrics[metric.name] = float(metric.compute(records))


# Resample whole documents when a split has at least this many: sentences of one article
# are not independent draws (in simulation, sentence resampling rejected a true null
# 15-52% of the time at a nominal 5%; documents gave 4-6%).
MIN_DOCUMENTS_FOR_DOCUMENT_UNIT = 30
SENTENCE_UNIT_WARNING = ("fewer than 30 documents: sentences resampled as independent draws, "
                         "which they are not (intervals too narrow, p-values too small)")


def resampling_unit(n_documents: int) -> str:
    """``document`` when the split has enough documents, else ``sentence``."""
    return "document" if n_documents >= MIN_DOCUMENTS_FOR_DOCUMENT_UNIT else "sentence"


def _by_document(ids: list[str], counts: Sequence[Sequence[float]], doc_ids: list[str]) -> list[list[float]]:
    """Per-unit counts summed per document (every document, in corpus order, zeros included)."""
    width = len(counts[0]) if counts else 3
    sums: dict[str, list[float]] = {doc_id: [0] * width for doc_id in doc_ids}
    for unit_id, row in zip(ids, counts, strict=True):
        total = sums[unit_id.rsplit("#", 1)[0]]
        for i in range(width):
            total[i] += row[i]
    return [sums[doc_id] for doc_id in doc_ids]


def _units(sheet: _Sheet) -> dict[str, dict]:
    """The ``units`` block: per headline metric, every resampling unit of the split with its
    counts, in corpus order: documents when there are enough (``resampling_unit``),
    else sentences (gold quotations for attribution accuracy)."""
    doc_ids = [doc.id for doc in sheet.index]
    sentence_ids = [f"{doc.id}#{s}" for doc in sheet.index for s in range(len(doc.sentence_starts))]
    per_document = resampling_unit(len(doc_ids)) == "document"
    units = {}
    for metric in HEADLINES:
        if sheet.metrics.get(metric) is None:
            continue
        counts: Sequence[Sequence[float]]
        if metric in sheet.quote_units:
            kind, unit, (ids, counts) = "accuracy", "quotation", sheet.quote_units[metric]
        else:
            kind, unit, ids = "f1", "sentence", sentence_ids
            counts = [row for doc in sheet.sentence_counts[metric] for row in doc]
        if per_document:
            unit, counts, ids = "document", _by_document(ids, counts, doc_ids), doc_ids
        units[metric] = {"kind": kind, "unit": unit, "ids": ids, "counts": counts}
    return units


def _value(kind: str, counts: list[float]) -> float | None:
    if kind == "accuracy":
        return float(counts[0] / counts[1]) if counts[1] else None
    return float(2.0 * counts[0] / (counts[1] + counts[2])) if counts[1] + counts[2] else None


def _documents(sheet: _Sheet, units: dict[str, dict]) -> dict[str, dict]:
    """Per document, each headline metric from the summed counts of its units (null when
    the document has no unit counted, or the system does not predict the layer)."""
    sums: dict[str, dict[str, list[float]]] = {doc.id: {} for doc in sheet.index}
    for metric, block in units.items():
        width = 2 if block["kind"] == "accuracy" else 3
        for unit_id, counts in zip(block["ids"], block["counts"], strict=True):
            doc_id = unit_id.rsplit("#", 1)[0]
            row = sums[doc_id].setdefault(metric, [0] * width)
            for i in range(width):
                row[i] += counts[i]
    return {
        doc_id: {metric: (_value(units[metric]["kind"], per[metric]) if metric in per else None) for metric in HEADLINES}
        for doc_id, per in sums.items()
    }


def _intervals(units: dict[str, dict], bootstrap: dict, advance: Callable[[str], None]) -> dict[str, dict | None]:
    """Percentile bootstrap intervals from the units' count matrices. The sentence-level
    metrics share their units, hence their draws: they are resampled together."""
    intervals: dict[str, dict | None] = dict.fromkeys(HEADLINES)
    n, seed, level = bootstrap["resamples"], bootstrap["seed"], bootstrap["level"]
    sentence_metrics = [m for m in HEADLINES if m in units and units[m]["kind"] == "f1"]
    if sentence_metrics and units[sentence_metrics[0]]["counts"]:
        sums = resampled_sums([units[m]["counts"] for m in sentence_metrics], n_resamples=n, seed=seed)
        for metric, resampled in zip(sentence_metrics, sums, strict=True):
            low, high = f1_from_sums(resampled, level)
            intervals[metric] = {"low": low, "high": high, "units": len(units[metric]["counts"])}
    for metric in HEADLINES:
        block = units.get(metric)
        if block is None or intervals[metric] is not None:
            continue
        compute = f1_interval if block["kind"] == "f1" else accuracy_interval
        low, high = compute(block["counts"], n_resamples=n, seed=seed, level=level)
        intervals[metric] = {"low": float(low), "high": float(high), "units": len(block["counts"])}
    for _ in HEADLINES:
        advance("bootstrap")
    return intervals


def _render(doc: TokenIndex, unit: tuple | None) -> dict | None:
    if unit is None:
        return None
    start, end = doc.chars(unit[0], unit[1])
    out = {"start": start, "end": end, "text": doc.text[start:end], "label": unit[2] if len(unit) < 6 else unit[5]}
    if len(unit) == 4:  # a quotation: its segments
        out["segments"] = [list(doc.chars(s, e)) for s, e in unit[3]]
    elif len(unit) == 6:  # an argument: the argument span
        start, end = doc.chars(unit[3], unit[4])
        out.update(start=start, end=end, text=doc.text[start:end])
    return out


def error_records(sheet: _Sheet) -> list[dict]:
    """The rows of ``errors.jsonl``: document order, then layer order, then offsets."""
    rows = []
    for d, doc in enumerate(sheet.index):
        layers = sheet.records.get(d, {})
        for layer in ERROR_LAYERS:
            rendered: list[dict[str, Any]] = []
            for r in layers.get(layer, []):
                gold, pred = _render(doc, r.gold), _render(doc, r.predicted)
                first = gold or pred
                unit = r.gold if r.gold is not None else r.predicted
                assert first is not None and unit is not None, "a record has a gold or a predicted side"
                rendered.append({
                    "layer": layer, "doc": doc.id, "sentence": doc.sentence_of(unit[0]), "class": r.cls,
                    "label": r.label, "gold": gold, "predicted": pred,
                })
                rendered[-1]["_key"] = (first["start"], first["end"], gold["start"] if gold else -1, gold["end"] if gold else -1,
                                         pred["start"] if pred else -1, pred["end"] if pred else -1, r.label, r.cls)
            rendered.sort(key=lambda row: row["_key"])
            for row in rendered:
                del row["_key"]
            rows += rendered
    return rows


def errors_block(sheet: _Sheet) -> dict[str, dict]:
    """``{layer: {"total": {class: n}, "labels": {label: {class: n}}}}``, counted on the
    same records ``errors.jsonl`` renders."""
    block = {}
    for layer in ERROR_LAYERS:
        if layer not in sheet.classes:
            continue
        total: dict[str, int] = {}
        labels: dict[str, dict[str, int]] = {}
        for (label, cls), n in sorted(sheet.classes[layer].items()):
            total[cls] = total.get(cls, 0) + n
            labels.setdefault(label, {})[cls] = n
        block[layer] = {"total": dict(sorted(total.items())), "labels": labels}
    return block


LAYERS = ("entities", "quotes", "events")  # scored one after the other (progress steps)


def _ignore(step: str) -> None:
    pass


def check_aligned(rows: Sequence[dict], gold: Sequence[Document], predicted: Sequence[Document]) -> None:
    """Refuse, naming the first mismatch, inputs that are not the same documents in the
    same order: every layer pairs them by position (``zip``), which would drop the
    documents after the shorter list and score one document against another."""
    if not len(rows) == len(gold) == len(predicted):
        raise DataError("scorer input", None, "documents",
                        f"{len(rows)} dataset rows, {len(gold)} gold and {len(predicted)} predicted documents: "
                        "every document needs a row, a gold record and a prediction, in the same order")
    for i, (row, g, p) in enumerate(zip(rows, gold, predicted, strict=True)):
        if not row["id"] == g.id == p.id:
            raise DataError("scorer input", p.id, "id",
                            f"document {i}: dataset row {row['id']!r}, gold {g.id!r}, prediction {p.id!r} "
                            "(the same documents must come in the same order)")


def score(
    rows: Sequence[dict], gold: Sequence[Document], predicted: Sequence[Document], config: dict,
    advance: Callable[[str], None] = _ignore, errors: bool = True,
) -> dict:
    """Every block of one system's result: ``metrics``, ``intervals``, ``tables``,
    ``alignment``, ``units``, ``documents``, ``errors``, and the rows of
    ``errors.jsonl`` under ``error_records`` (the runner writes them beside it;
    ``errors=False`` skips rendering them, for timing the scoring alone).

    ``advance("layers")`` is called after each of ``LAYERS`` (events with coreference),
    ``advance("bootstrap")`` for each of ``HEADLINES`` (the runner's progress bars); it
    sees no data and changes nothing.

    The three sequences must describe the same documents in the same order: the
    first mismatch of length or id is refused (a shorter prediction list would
    otherwise drop documents silently)."""
    check_aligned(rows, gold, predicted)
    sheet = _Sheet(index=[TokenIndex.from_row(row) for row in rows])
    _score_entities(sheet, gold, predicted)
    advance("layers")
    _score_quotes(sheet, gold, predicted)
    advance("layers")
    _score_events(sheet, gold, predicted)
    _score_coreference(sheet, gold, predicted)
    _score_registered(sheet, gold, predicted)
    advance("layers")
    units = _units(sheet)
    sheet.alignment.pop("gold", None)
    return {
        "metrics": dict(sorted(sheet.metrics.items())),
        "intervals": _intervals(units, config["bootstrap"], advance),
        "tables": sheet.tables,
        "alignment": dict(sorted(sheet.alignment.items())),
        "units": units,
        "documents": _documents(sheet, units),
        "errors": errors_block(sheet),
        "error_records": error_records(sheet) if errors else [],
        "ner_source": sheet.ner_source or None,
    }


def unit_note(units: dict) -> str:
    """What the intervals resampled, and the warning when it was sentences."""
    kinds = sorted({block["unit"] for block in units.values()})
    if not kinds:
        return "intervals: none (no layer scored)"
    note = f"intervals resample: {', '.join(kinds)}"
    return note if kinds == ["document"] else f"{note} (warning: {SENTENCE_UNIT_WARNING})"


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
            lines.append(unit_note(results.get("units", {})))
            lines.append("")
    counts = results.get("alignment", {})
    lines.append("")
    lines.append("predicted spans widened to canonical tokens: " + (", ".join(f"{k} {v['widened_spans']}" for k, v in counts.items()) or "none"))
    return "\n".join(lines)
