"""Event argument identification and classification F1, as TextEE scores attached arguments.

An argument only counts when it is attached to the right event mention: its
tuple carries the trigger offsets and the event type (TextEE's "attached"
Arg-I / Arg-C, Huang et al. 2024). Scores are micro precision/recall/F1 over
tuple *multisets*: every predicted argument is a unit, so a prediction repeated
twice is one match and one false alarm, and two gold roles held by the same span
in the same event mention are two Arg-I tuples (a prediction needs both).
Matching is exact equality of the tuples: the harness widens both gold and
predicted spans to canonical tokens before calling this module.

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package: the small helpers below are local on purpose.
"""

from collections import Counter

import datasets
import evaluate

_CITATION = """\
@inproceedings{huang-etal-2024-textee,
    title = "{T}ext{EE}: Benchmark, Reevaluation, Reflections, and Future Challenges in Event Extraction",
    author = "Huang, Kuan-Hao and Hsu, I-Hung and Parekh, Tanmay and Xie, Zhiyu and Zhang, Zixuan and Natarajan, Premkumar and Chang, Kai-Wei and Peng, Nanyun and Ji, Heng",
    booktitle = "Findings of the Association for Computational Linguistics: ACL 2024",
    year = "2024",
    url = "https://arxiv.org/abs/2311.09562",
}
"""

_DESCRIPTION = """\
Argument identification (Arg-I) and classification (Arg-C) F1 with arguments
attached to their trigger. Arg-I tuple: (document, trigger start, trigger end,
event type, argument start, argument end); Arg-C adds the role. Micro
precision, recall and F1 over the tuple multisets of all documents.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list (one per document) of lists of event mentions, each
        {"type": str, "trigger": {"start": int, "end": int},
         "arguments": [{"start": int, "end": int, "role": str}, ...]};
        character offsets, end exclusive.
    references: gold event mentions, same encoding, aligned with predictions.
    return_units: if True, add "units": {"identification"|"classification":
        [[n_correct, n_predicted, n_gold], ...]}, one triple per document.
Returns:
    identification, classification: {precision, recall, f1, n_correct,
        n_predicted, n_gold}.
Examples:
    >>> metric = evaluate.load("/path/to/benchmark/scoring/metrics/event_arguments")
    >>> event = {"type": "Life.Die", "trigger": {"start": 10, "end": 15},
    ...          "arguments": [{"start": 0, "end": 9, "role": "Victim"}]}
    >>> metric.compute(predictions=[[event]], references=[[event]])["classification"]["f1"]
    1.0
"""

TASKS = ("identification", "classification")

_OFFSETS = {"start": datasets.Value("int64"), "end": datasets.Value("int64")}
EVENT = {
    "type": datasets.Value("string"),
    "trigger": _OFFSETS,
    "arguments": datasets.List(_OFFSETS | {"role": datasets.Value("string")}),
}


def _offsets(raw, what):
    """Validated (start, end); evaluate turns a missing key into None, which must not pass."""
    start, end = (raw or {}).get("start"), (raw or {}).get("end")
    if start is None or end is None or not 0 <= start < end:
        raise ValueError(f"{what} needs 0 <= start < end (end exclusive), got {raw!r}")
    return (int(start), int(end))


def _text(value, what):
    if not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return str(value)


def tuples(events):
    """(Arg-I multiset, Arg-C multiset) of one document; the document index is implicit."""
    identification: Counter[tuple] = Counter()
    classification: Counter[tuple] = Counter()
    for event in events:
        trigger = _offsets(event.get("trigger"), "trigger")
        event_type = _text(event.get("type"), "event type")
        for argument in event.get("arguments") or []:
            key = (*trigger, event_type, *_offsets(argument, "argument"))
            identification[key] += 1
            classification[(*key, _text(argument.get("role"), "role"))] += 1
    return identification, classification


def count(pred, gold):
    """[n_correct, n_predicted, n_gold] of two tuple multisets: matching is one to one."""
    return [sum((pred & gold).values()), sum(pred.values()), sum(gold.values())]


def _scores(n_correct, n_predicted, n_gold):
    """Micro P/R/F1 from counts; a zero denominator gives 0."""
    precision = float(n_correct / n_predicted) if n_predicted else 0.0
    recall = float(n_correct / n_gold) if n_gold else 0.0
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "n_correct": n_correct,
        "n_predicted": n_predicted,
        "n_gold": n_gold,
    }


def compute(predictions, references, return_units=False):
    """The whole metric on plain Python lists (what ``_compute`` runs)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predicted documents for {len(references)} references")
    units: dict[str, list] = {task: [] for task in TASKS}
    for pred_events, gold_events in zip(predictions, references, strict=True):
        for task, pred, gold in zip(TASKS, tuples(pred_events), tuples(gold_events), strict=True):
            units[task].append(count(pred, gold))
    result = {task: _scores(*(sum(u[i] for u in units[task]) for i in range(3))) for task in TASKS}
    if return_units:
        result["units"] = units
    return result


class EventArguments(evaluate.Metric):
    """TextEE-style attached argument identification and classification F1."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.List(EVENT), "references": datasets.List(EVENT)}
            ),
            codebase_urls=["https://github.com/ej0cl6/TextEE"],
            reference_urls=["https://arxiv.org/abs/2311.09562"],
        )

    def _compute(self, predictions, references, return_units=False):
        return compute(predictions, references, return_units=return_units)
