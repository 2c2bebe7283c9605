"""SemEval-2013 Task 9.1 span scores (strict, exact, partial, type), exactly as nervaluate 1.x.

Spans are offsets, end exclusive, so two spans overlap when they share at least
one position (nervaluate's inclusive ``end`` is our ``end - 1``). Matching is
nervaluate 1.x's, step for step: each prediction, in order, takes the first
unmatched gold span it matches correctly under the scheme (in the type scheme,
the same-label one with the closest boundaries), else the first unmatched gold
span it overlaps (INC, or PAR in the partial scheme), else it is SPU; gold spans
nobody took are MIS. Matching is one-to-one, so POSSIBLE always equals the number
of gold spans and ACTUAL the number of predicted spans. nervaluate leaves the
order to its input; here spans are sorted by (start, end, label) first, so the
result never depends on input order. Per-label tables are nervaluate 1.x's too:
each label is scored on the spans of that label alone, so a wrong-type match is
a MIS for the gold label and a SPU for the predicted one.

Every predicted span is a unit: duplicates and overlapping predictions each
count (a duplicate of a matched span is SPU). nervaluate requires a minimum
overlap of 1% of the gold span; with spans shorter than 100 positions (the
harness passes canonical token indices) any overlap passes, which is the rule
applied here.

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package: the small helpers below are local on purpose.
The pure-python core (``evaluate_item``) is what the harness calls directly.
"""

import datasets
import evaluate

_CITATION = """\
@inproceedings{segura-bedmar-etal-2013-semeval,
    title = "{S}em{E}val-2013 Task 9 : Extraction of Drug-Drug Interactions from Biomedical Texts ({DDIE}xtraction 2013)",
    author = "Segura-Bedmar, Isabel and Mart{\\'\\i}nez, Paloma and Herrero-Zazo, Mar{\\'\\i}a",
    booktitle = "Second Joint Conference on Lexical and Computational Semantics (*SEM), Volume 2: Proceedings of the Seventh International Workshop on Semantic Evaluation (SemEval 2013)",
    year = "2013",
    pages = "341--350",
    url = "https://aclanthology.org/S13-2056",
}
@misc{nervaluate,
  title={nervaluate},
  author={Batista, David and Upson, Matthew Antony},
  url={https://github.com/MantisAI/nervaluate},
}
"""

_DESCRIPTION = """\
Scores predicted labelled spans against gold spans under the four SemEval-2013
Task 9.1 schemes: strict (exact boundaries and label), exact (exact boundaries,
any label), partial (overlap, any label, a partial match earns half credit) and
type (overlap and same label). Each prediction is counted once as COR, INC, PAR
or SPU, each gold span once as COR, INC, PAR or MIS.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list (one per document or sentence) of lists of spans, each span
        a dict {"start": int, "end": int, "label": str}; character offsets, end exclusive.
    references: gold spans, same encoding, aligned with predictions.
    return_units: if True, add "units": {scheme: [[credit, actual, possible], ...]},
        one triple per input item, credit = COR (strict, exact) or COR + 0.5 * PAR
        (partial, type).
Returns:
    strict, exact, partial, type: {correct, incorrect, partial, missed, spurious,
        possible, actual, precision, recall, f1} (micro over all items).
    labels: {label: {strict|exact|partial|type: same dict}}; COR/INC/PAR/MIS count
        for the gold span's label, SPU for the predicted span's label.
Examples:
    >>> metric = evaluate.load("/path/to/benchmark/scoring/metrics/span_overlap")
    >>> out = metric.compute(predictions=[[{"start": 0, "end": 4, "label": "PER"}]],
    ...                      references=[[{"start": 0, "end": 9, "label": "PER"}]])
    >>> out["partial"]["f1"], out["strict"]["f1"]
    (0.5, 0.0)
"""

SCHEMES = ("strict", "exact", "partial", "type")
# The counts a prediction paired in the second pass (overlap, not "correct") gets.
_LOOSE_OUTCOME = {"strict": "incorrect", "exact": "incorrect", "partial": "partial", "type": "incorrect"}
_HALF_CREDIT = {"strict": False, "exact": False, "partial": True, "type": True}
_OUTCOMES = ("correct", "incorrect", "partial", "missed", "spurious")

SPAN = {"start": datasets.Value("int64"), "end": datasets.Value("int64"), "label": datasets.Value("string")}


def _span(raw):
    """A validated (start, end, label) tuple; evaluate turns a missing key into None."""
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if start is None or end is None or label is None:
        raise ValueError(f"span needs start, end and label: {raw!r}")
    if not 0 <= start < end:
        raise ValueError(f"span needs 0 <= start < end (end exclusive): {raw!r}")
    return (int(start), int(end), str(label))


def _spans(raw_spans):
    """Validated spans of one item in a fixed order, so results never depend on input order."""
    return sorted(_span(raw) for raw in raw_spans)


def _overlap(a, b):
    """True when two end-exclusive spans share at least one position."""
    return a[0] < b[1] and b[0] < a[1]


def _boundary_distance(pred, gold):
    """nervaluate's tie-break for the type scheme: the closest gold span wins."""
    return abs(pred[0] - gold[0]) + abs(pred[1] - gold[1])


def overlapping(gold, pred):
    """For each prediction, the indices (ascending) of the gold spans it overlaps.

    Gold spans are bucketed by position, so a prediction looks only at the gold
    spans that share a position with it instead of at all of them."""
    buckets: dict[int, list[int]] = {}
    for g, (start, end, _) in enumerate(gold):
        for position in range(start, end):
            buckets.setdefault(position, []).append(g)
    out = []
    for start, end, _ in pred:
        found: set[int] = set()
        for position in range(start, end):
            found.update(buckets.get(position, ()))
        out.append(sorted(found))
    return out


def match(scheme, gold, pred, candidates=None):
    """nervaluate 1.x's strategy for ``scheme`` on sorted spans.

    Returns (outcome, gold index or None, pred index or None) records, one per
    prediction (COR/INC/PAR/SPU) then one per unmatched gold span (MIS)."""
    if candidates is None:
        candidates = overlapping(gold, pred)
    matched = set()
    records: list[tuple[str, int | None, int | None]] = []  # (outcome, gold index, pred index)
    for p, ps in enumerate(pred):
        correct = loose = None
        best = None
        for g in candidates[p]:
            if g in matched:
                continue
            gs = gold[g]
            same_bounds = ps[0] == gs[0] and ps[1] == gs[1]
            if scheme == "type":
                if ps[2] == gs[2]:
                    distance = _boundary_distance(ps, gs)
                    if best is None or distance < best:
                        correct, best = g, distance
                elif loose is None:
                    loose = g
                continue
            if same_bounds and (scheme != "strict" or ps[2] == gs[2]):
                correct = g
                break
            if loose is None:
                loose = g
        if correct is not None:
            matched.add(correct)
            records.append(("correct", correct, p))
        elif loose is not None:
            matched.add(loose)
            records.append((_LOOSE_OUTCOME[scheme], loose, p))
        else:
            records.append(("spurious", None, p))
    records += [("missed", g, None) for g in range(len(gold)) if g not in matched]
    return records


def _empty_counts():
    return dict.fromkeys(_OUTCOMES, 0)


def _tally(records):
    counts = _empty_counts()
    for outcome, _, _ in records:
        counts[outcome] += 1
    return counts


def _label_runs(gold, pred, candidates):
    """Per-label counts as nervaluate 1.x makes them: each label on its own spans."""
    by_label = {}
    for label in sorted({s[2] for s in gold} | {s[2] for s in pred}):
        gold_index = [g for g, s in enumerate(gold) if s[2] == label]
        pred_index = [p for p, s in enumerate(pred) if s[2] == label]
        position = {g: i for i, g in enumerate(gold_index)}
        sub_candidates = [[position[g] for g in candidates[p] if g in position] for p in pred_index]
        sub_gold, sub_pred = [gold[g] for g in gold_index], [pred[p] for p in pred_index]
        by_label[label] = {
            scheme: _tally(match(scheme, sub_gold, sub_pred, sub_candidates)) for scheme in SCHEMES
        }
    return by_label


# Outcome of a prediction overlapping one gold span and nothing else (and that gold
# span overlapped by it alone), by (same boundaries, same label), per scheme.
_PAIR_OUTCOME = {
    (True, True): {"strict": "correct", "exact": "correct", "partial": "correct", "type": "correct"},
    (True, False): {"strict": "incorrect", "exact": "correct", "partial": "correct", "type": "incorrect"},
    (False, True): {"strict": "incorrect", "exact": "incorrect", "partial": "partial", "type": "correct"},
    (False, False): {"strict": "incorrect", "exact": "incorrect", "partial": "partial", "type": "incorrect"},
}


def evaluate_item(gold, pred):
    """Counts of one item (document) under every scheme, overall and per label.

    ``gold`` and ``pred`` are sorted lists of (start, end, label) tuples. Returns
    ({scheme: records}, {label: {scheme: counts}}), records as ``match`` gives them.

    nervaluate's greedy pass only ever looks at spans that overlap, so connected
    groups of overlapping spans are independent: a prediction alone with one gold
    span (the common case) has an outcome fixed by its boundaries and labels, and
    only the rest goes through ``match``, in the same order. Tests hold this to
    nervaluate itself."""
    candidates = overlapping(gold, pred)
    preds_of = [0] * len(gold)
    for found in candidates:
        for g in found:
            preds_of[g] += 1
    overall: dict[str, list] = {scheme: [] for scheme in SCHEMES}
    by_label: dict[str, dict[str, dict[str, int]]] = {}

    def add(label, scheme, outcome):
        if label not in by_label:
            by_label[label] = {sc: _empty_counts() for sc in SCHEMES}
        by_label[label][scheme][outcome] += 1

    tangled_pred = []
    for p, found in enumerate(candidates):
        ps = pred[p]
        if not found:
            for scheme in SCHEMES:
                overall[scheme].append(("spurious", None, p))
                add(ps[2], scheme, "spurious")
        elif len(found) == 1 and preds_of[found[0]] == 1:
            g = found[0]
            gs = gold[g]
            same_label = ps[2] == gs[2]
            outcomes = _PAIR_OUTCOME[(ps[0] == gs[0] and ps[1] == gs[1], same_label)]
            for scheme in SCHEMES:
                overall[scheme].append((outcomes[scheme], g, p))
                if same_label:
                    add(gs[2], scheme, outcomes[scheme])
                else:
                    add(gs[2], scheme, "missed")
                    add(ps[2], scheme, "spurious")
        else:
            tangled_pred.append(p)
    for g, n in enumerate(preds_of):
        if n == 0:
            for scheme in SCHEMES:
                overall[scheme].append(("missed", g, None))
                add(gold[g][2], scheme, "missed")
    if tangled_pred:
        tangled_gold = sorted({g for p in tangled_pred for g in candidates[p]})
        position = {g: i for i, g in enumerate(tangled_gold)}
        sub_gold = [gold[g] for g in tangled_gold]
        sub_pred = [pred[p] for p in tangled_pred]
        sub_candidates = [[position[g] for g in candidates[p]] for p in tangled_pred]
        for scheme in SCHEMES:
            for outcome, g, p in match(scheme, sub_gold, sub_pred, sub_candidates):
                overall[scheme].append((
                    outcome, None if g is None else tangled_gold[g], None if p is None else tangled_pred[p]
                ))
        for label, per_scheme in _label_runs(sub_gold, sub_pred, sub_candidates).items():
            for scheme, counts in per_scheme.items():
                into = by_label.setdefault(label, {sc: _empty_counts() for sc in SCHEMES})[scheme]
                _add_into(into, counts)
    return overall, by_label


def _credit(scheme, counts):
    """Matched credit: partial matches count half in the partial and type schemes."""
    half = 0.5 * counts["partial"] if _HALF_CREDIT[scheme] else 0
    return counts["correct"] + half


def _possible(counts):
    return counts["correct"] + counts["incorrect"] + counts["partial"] + counts["missed"]


def _actual(counts):
    return counts["correct"] + counts["incorrect"] + counts["partial"] + counts["spurious"]


def scores(scheme, counts):
    """SemEval precision/recall/F1 from outcome counts; a zero denominator gives 0."""
    credit, possible, actual = _credit(scheme, counts), _possible(counts), _actual(counts)
    precision = float(credit / actual) if actual else 0.0
    recall = float(credit / possible) if possible else 0.0
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(counts) | {"possible": possible, "actual": actual, "precision": precision, "recall": recall, "f1": f1}


def _add_into(total, counts):
    for outcome in _OUTCOMES:
        total[outcome] += counts[outcome]


def unit_counts(scheme, counts):
    """[credit, actual, possible] of some counts: a bootstrap unit's row."""
    return [_credit(scheme, counts), _actual(counts), _possible(counts)]


def compute(predictions, references, return_units=False):
    """The whole metric on plain Python lists (what ``_compute`` runs)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predicted items for {len(references)} references")
    totals = {scheme: _empty_counts() for scheme in SCHEMES}
    label_totals: dict[str, dict[str, dict[str, int]]] = {}
    units: dict[str, list] = {scheme: [] for scheme in SCHEMES}
    for raw_pred, raw_gold in zip(predictions, references, strict=True):
        pred, gold = _spans(raw_pred), _spans(raw_gold)
        overall, by_label = evaluate_item(gold, pred)
        for scheme in SCHEMES:
            counts = _tally(overall[scheme])
            _add_into(totals[scheme], counts)
            units[scheme].append(unit_counts(scheme, counts))
        for label, per_scheme in by_label.items():
            row = label_totals.setdefault(label, {s: _empty_counts() for s in SCHEMES})
            for scheme in SCHEMES:
                _add_into(row[scheme], per_scheme[scheme])
    result = {scheme: scores(scheme, totals[scheme]) for scheme in SCHEMES}
    result["labels"] = {
        label: {scheme: scores(scheme, label_totals[label][scheme]) for scheme in SCHEMES}
        for label in sorted(label_totals)
    }
    if return_units:
        result["units"] = units
    return result


class SpanOverlap(evaluate.Metric):
    """SemEval-2013 strict/exact/partial/type span scores with per-item units."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.List(SPAN), "references": datasets.List(SPAN)}
            ),
            codebase_urls=["https://github.com/MantisAI/nervaluate"],
            reference_urls=["https://aclanthology.org/S13-2056"],
        )

    def _compute(self, predictions, references, return_units=False):
        return compute(predictions, references, return_units=return_units)
