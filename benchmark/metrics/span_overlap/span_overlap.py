"""SemEval-2013 Task 9.1 span scores (strict, exact, partial, type), as in nervaluate.

Spans are character offsets, end exclusive, so two spans overlap when they share
at least one character. Matching is one-to-one, as in nervaluate 1.x: a gold
span is consumed by at most one prediction and a prediction by at most one gold
span, so POSSIBLE always equals the number of gold spans and ACTUAL the number
of predicted spans (nervaluate 0.x could count one gold span twice). Two things
are fixed here that nervaluate leaves to input order: spans are sorted by
(start, end, label) first, and for each scheme all "correct" pairs are made
before any "incorrect"/"partial" pair, so a loose prediction cannot take the
gold span that another prediction matches exactly.

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package: the small helpers below are local on purpose.
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
    >>> metric = evaluate.load("/path/to/benchmark/metrics/span_overlap")
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
    """True when two end-exclusive spans share at least one character."""
    return max(a[0], b[0]) < min(a[1], b[1])


def _same_boundaries(a, b):
    return a[0] == b[0] and a[1] == b[1]


def _is_correct(scheme, pred, gold):
    """The pairing that earns COR under ``scheme``."""
    if scheme == "strict":
        return _same_boundaries(pred, gold) and pred[2] == gold[2]
    if scheme == "type":
        return _overlap(pred, gold) and pred[2] == gold[2]
    return _same_boundaries(pred, gold)  # exact, partial


def _boundary_distance(pred, gold):
    """nervaluate's tie-break for the type scheme: the closest gold span wins."""
    return abs(pred[0] - gold[0]) + abs(pred[1] - gold[1])


def _first_pass(scheme, gold, pred):
    """Pair predictions with unmatched gold spans they match correctly: {pred index: gold index}."""
    pairs, taken = {}, set()
    for p, pred_span in enumerate(pred):
        candidates = [
            g for g, gold_span in enumerate(gold) if g not in taken and _is_correct(scheme, pred_span, gold_span)
        ]
        if candidates:
            best = min(candidates, key=lambda g: _boundary_distance(pred_span, gold[g]))
            pairs[p] = best
            taken.add(best)
    return pairs


def _second_pass(gold, pred, pairs):
    """Pair each still unpaired prediction with the first unmatched gold span it overlaps."""
    loose, taken = {}, set(pairs.values())
    for p, pred_span in enumerate(pred):
        if p in pairs:
            continue
        for g, gold_span in enumerate(gold):
            if g not in taken and _overlap(pred_span, gold_span):
                loose[p] = g
                taken.add(g)
                break
    return loose


def _empty_counts():
    return dict.fromkeys(_OUTCOMES, 0)


def _item_counts(scheme, gold, pred):
    """Outcome counts of one item under one scheme: (overall counts, {label: counts})."""
    correct = _first_pass(scheme, gold, pred)
    loose = _second_pass(gold, pred, correct)
    overall, by_label = _empty_counts(), {}

    def add(outcome, label):
        overall[outcome] += 1
        by_label.setdefault(label, _empty_counts())[outcome] += 1

    for g in correct.values():
        add("correct", gold[g][2])
    for g in loose.values():
        add(_LOOSE_OUTCOME[scheme], gold[g][2])
    paired_gold = set(correct.values()) | set(loose.values())
    for g, gold_span in enumerate(gold):
        if g not in paired_gold:
            add("missed", gold_span[2])
    for p, pred_span in enumerate(pred):
        if p not in correct and p not in loose:
            add("spurious", pred_span[2])
    return overall, by_label


def _credit(scheme, counts):
    """Matched credit: partial matches count half in the partial and type schemes."""
    half = 0.5 * counts["partial"] if _HALF_CREDIT[scheme] else 0
    return counts["correct"] + half


def _possible(counts):
    return counts["correct"] + counts["incorrect"] + counts["partial"] + counts["missed"]


def _actual(counts):
    return counts["correct"] + counts["incorrect"] + counts["partial"] + counts["spurious"]


def _scores(scheme, counts):
    """SemEval precision/recall/F1 from outcome counts; a zero denominator gives 0."""
    credit, possible, actual = _credit(scheme, counts), _possible(counts), _actual(counts)
    precision = float(credit / actual) if actual else 0.0
    recall = float(credit / possible) if possible else 0.0
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(counts) | {"possible": possible, "actual": actual, "precision": precision, "recall": recall, "f1": f1}


def _add_into(total, counts):
    for outcome in _OUTCOMES:
        total[outcome] += counts[outcome]


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
        if len(predictions) != len(references):
            raise ValueError(f"{len(predictions)} predicted items for {len(references)} references")
        totals = {scheme: _empty_counts() for scheme in SCHEMES}
        label_totals = {}
        units = {scheme: [] for scheme in SCHEMES}
        for raw_pred, raw_gold in zip(predictions, references):
            pred, gold = _spans(raw_pred), _spans(raw_gold)
            for _, _, label in pred + gold:  # a label seen on either side gets a row, even all zeros
                label_totals.setdefault(label, {s: _empty_counts() for s in SCHEMES})
            for scheme in SCHEMES:
                overall, by_label = _item_counts(scheme, gold, pred)
                _add_into(totals[scheme], overall)
                for label, counts in by_label.items():
                    _add_into(label_totals[label][scheme], counts)
                units[scheme].append([_credit(scheme, overall), _actual(overall), _possible(overall)])

        result = {scheme: _scores(scheme, totals[scheme]) for scheme in SCHEMES}
        result["labels"] = {
            label: {scheme: _scores(scheme, label_totals[label][scheme]) for scheme in SCHEMES}
            for label in sorted(label_totals)
        }
        if return_units:
            result["units"] = units
        return result
