"""CoNLL-2011/2012 coreference scores (MUC, B³, CEAF-e and their mean, the CoNLL F1).

The per-document definitions are scorch's (``scorch.scores.muc``, ``b_cubed``,
``ceaf_e``), which implement the formulae of Pradhan et al. (2014), the paper of
the reference scorer (``conll/reference-coreference-scorers`` v8.01). What this
module adds is what scorch's functions leave to their caller and what the
reference scorer fixes:

- a mention is its exact span ``(start, end)``: a predicted mention matches a gold
  one only when both offsets are equal;
- clusters are scored as given: singletons count (in B³ and CEAF-e; MUC has no link
  to count in them) and a predicted mention absent from the gold ("twinless") stays
  in its predicted cluster, as v8.01 does for B³ and CEAF-e and, for MUC, as its
  link counting amounts to. scorch's command line instead adds twinless predicted
  mentions to the gold as singletons (``add_sys_mentions``), which is not v8.01:
  it is not used here;
- the corpus score sums each metric's recall and precision numerators and
  denominators over documents, then divides, as v8.01's ``Score`` does; scorch's
  command line averages per-document ratios weighted by mention counts, which
  differs for MUC and CEAF-e, so it is not used either;
- a span repeated within one document is refused (v8.01 drops later repeats of a
  predicted span with a warning, and refuses to score more than ten).

scorch returns ratios only; the denominators are counts (links, mentions,
entities) that this module counts, and each numerator is ratio × denominator
(rounded for MUC, whose numerator is a whole number of links).

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral

import datasets
import evaluate
from scorch import scores

_CITATION = """\
@inproceedings{pradhan-etal-2014-scoring,
    title = "Scoring Coreference Partitions of Predicted Mentions: A Reference Implementation",
    author = "Pradhan, Sameer and Luo, Xiaoqiang and Recasens, Marta and Hovy, Eduard and Ng, Vincent and Strube, Michael",
    booktitle = "Proceedings of the 52nd Annual Meeting of the Association for Computational Linguistics (Volume 2: Short Papers)",
    year = "2014",
    pages = "30--35",
    url = "https://aclanthology.org/P14-2006",
}
@inproceedings{vilain-etal-1995-model,
    title = "A Model-Theoretic Coreference Scoring Scheme",
    author = "Vilain, Marc and Burger, John and Aberdeen, John and Connolly, Dennis and Hirschman, Lynette",
    booktitle = "Sixth Message Understanding Conference ({MUC}-6)",
    year = "1995",
    url = "https://aclanthology.org/M95-1005",
}
@inproceedings{bagga-baldwin-1998-algorithms,
    title = "Algorithms for Scoring Coreference Chains",
    author = "Bagga, Amit and Baldwin, Breck",
    booktitle = "The First International Conference on Language Resources and Evaluation Workshop on Linguistics Coreference",
    year = "1998",
}
@inproceedings{luo-2005-coreference,
    title = "On Coreference Resolution Performance Metrics",
    author = "Luo, Xiaoqiang",
    booktitle = "Proceedings of Human Language Technology Conference and Conference on Empirical Methods in Natural Language Processing",
    year = "2005",
    pages = "25--32",
    url = "https://aclanthology.org/H05-1004",
}
@inproceedings{pradhan-etal-2012-conll,
    title = "{C}o{NLL}-2012 Shared Task: Modeling Multilingual Unrestricted Coreference in {O}nto{N}otes",
    author = "Pradhan, Sameer and Moschitti, Alessandro and Xue, Nianwen and Uryupina, Olga and Zhang, Yuchen",
    booktitle = "Joint Conference on {EMNLP} and {C}o{NLL} - Shared Task",
    year = "2012",
    pages = "1--40",
    url = "https://aclanthology.org/W12-4501",
}
@misc{scorch,
  title = {scorch: Scorer for coreference chains},
  author = {Grobol, Lo{\\"\\i}c},
  url = {https://github.com/LoicGrobol/scorch},
}
"""

_DESCRIPTION = """\
Scores predicted coreference clusters against gold clusters with MUC (Vilain et
al., 1995), B³ (Bagga and Baldwin, 1998) and entity-based CEAF (CEAF-e, Luo,
2005), and their unweighted mean, the CoNLL F1 (Pradhan et al., 2012), as the
CoNLL-2011/2012 reference scorer v8.01 computes them on predicted mentions: a
mention matches a gold mention by exact span, and corpus scores sum each metric's
numerators and denominators over documents.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list (one per document) of lists of mentions, each a dict
        {"start": int, "end": int, "cluster": str}; offsets end exclusive, the
        cluster an id shared by the mentions of one entity (or event).
    references: gold mentions, same encoding, aligned with predictions.
    return_units: if True, add "units": {"muc"|"b3"|"ceafe": [[recall_num,
        recall_den, precision_num, precision_den], ...]}, one row per document.
Returns:
    muc, b3, ceafe: {precision, recall, f1} over the corpus (numerators and
        denominators summed over documents); conll: {f1}, the mean of the three F1.
Examples:
    >>> metric = evaluate.load("/path/to/benchmark/scoring/metrics/coreference")
    >>> gold = [[{"start": 0, "end": 4, "cluster": "a"}, {"start": 9, "end": 11, "cluster": "a"}]]
    >>> metric.compute(predictions=gold, references=gold)["conll"]["f1"]
    1.0
"""

METRICS = ("muc", "b3", "ceafe")
_SCORERS = {"muc": scores.muc, "b3": scores.b_cubed, "ceafe": scores.ceaf_e}

MENTION = {
    "start": datasets.Value("int64"),
    "end": datasets.Value("int64"),
    "cluster": datasets.Value("string"),
}


@dataclass(frozen=True)
class Counts:
    """One metric's recall and precision fractions, kept apart so they can be summed."""

    recall_num: float
    recall_den: int
    precision_num: float
    precision_den: int

    def row(self) -> list:
        return [self.recall_num, self.recall_den, self.precision_num, self.precision_den]


_FIELDS = {"start": Integral, "end": Integral, "cluster": str}


def _check_mention(raw, where):
    """Refuse a malformed mention before evaluate encodes it (where a missing key is a bare KeyError)."""
    if not isinstance(raw, Mapping) or set(raw) != set(_FIELDS):
        raise ValueError(f"{where}: a mention is exactly {{start, end, cluster}}: {raw!r}")
    for field, kind in _FIELDS.items():
        if not isinstance(raw[field], kind) or isinstance(raw[field], bool):
            raise ValueError(f"{where}: {field} must be {'a string' if kind is str else 'an integer'}: {raw!r}")
    if not 0 <= raw["start"] < raw["end"]:
        raise ValueError(f"{where}: a mention needs 0 <= start < end (end exclusive): {raw!r}")
    if not raw["cluster"]:
        raise ValueError(f"{where}: a mention needs a non-empty cluster id: {raw!r}")


def _check_document(raw_document, where):
    """Refuse a document that is not a list of well-formed mentions with distinct spans.

    A repeated span would be counted twice by B³ and CEAF-e (v8.01 keeps only its first
    occurrence in a response, with a warning), so it is refused.
    """
    if isinstance(raw_document, (str, bytes, Mapping)) or not isinstance(raw_document, Sequence):
        raise ValueError(f"{where}: a document is a list of mentions, got {type(raw_document).__name__}")
    cluster_of: dict[tuple[int, int], object] = {}
    for index, raw in enumerate(raw_document):
        _check_mention(raw, f"{where}[{index}]")
        span = (raw["start"], raw["end"])
        if span in cluster_of:
            raise ValueError(
                f"{where}[{index}]: duplicate span {span} (clusters {cluster_of[span]!r} and {raw['cluster']!r});"
                " each mention must appear once per document"
            )
        cluster_of[span] = raw["cluster"]


def _check_documents(documents, side):
    if documents is None:
        return
    if isinstance(documents, (str, bytes, Mapping)) or not isinstance(documents, Sequence):
        raise ValueError(f"{side}: a list of documents is expected, got {type(documents).__name__}")
    for index, raw_document in enumerate(documents):
        _check_document(raw_document, f"{side}[{index}]")


def _clusters(document):
    """The clusters of one (checked) document as sets of (start, end) spans, in a fixed order."""
    members: dict[object, set[tuple[int, int]]] = {}
    for raw in document:
        members.setdefault(raw["cluster"], set()).add((raw["start"], raw["end"]))
    # Sorted by content, not by id, so that the result never depends on input order or ids.
    return sorted(members.values(), key=sorted)


def _denominators(metric, clusters):
    """What a metric divides by on one side: links (MUC), mentions (B³), entities (CEAF-e)."""
    if metric == "muc":
        return sum(len(cluster) - 1 for cluster in clusters)
    if metric == "b3":
        return sum(len(cluster) for cluster in clusters)
    return len(clusters)


def _numerator(metric, ratio, denominator):
    """Undo scorch's division; MUC counts whole links, so its numerator is rounded."""
    value = ratio * denominator
    return round(value) if metric == "muc" else float(value)


def _shares_a_mention(key, response):
    key_mentions = set().union(*key)
    return any(not key_mentions.isdisjoint(cluster) for cluster in response)


def _document_counts(metric, key, response):
    """One document's counts for one metric, from scorch's recall and precision."""
    recall_den, precision_den = _denominators(metric, key), _denominators(metric, response)
    if metric == "ceafe" and not _shares_a_mention(key, response):
        # Every φ4 is 0, so the numerators are 0. scorch 0.2.0's ceaf() cannot say so: its
        # recall and precision are numpy zeros, for which statistics.harmonic_mean raises
        # StatisticsError instead of returning 0.
        return Counts(0.0, recall_den, 0.0, precision_den)
    recall, precision, _ = _SCORERS[metric](key, response)
    return Counts(
        _numerator(metric, recall, recall_den),
        recall_den,
        _numerator(metric, precision, precision_den),
        precision_den,
    )


def _scores(rows):
    """Corpus precision, recall and F1 from summed counts; a zero denominator gives 0, as in v8.01."""
    recall_num = sum(row.recall_num for row in rows)
    recall_den = sum(row.recall_den for row in rows)
    precision_num = sum(row.precision_num for row in rows)
    precision_den = sum(row.precision_den for row in rows)
    recall = float(recall_num / recall_den) if recall_den else 0.0
    precision = float(precision_num / precision_den) if precision_den else 0.0
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


class Coreference(evaluate.Metric):
    """MUC, B³, CEAF-e and CoNLL F1 on exact-span mentions, summed over documents like v8.01."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.List(MENTION), "references": datasets.List(MENTION)}
            ),
            codebase_urls=[
                "https://github.com/conll/reference-coreference-scorers",
                "https://github.com/LoicGrobol/scorch",
            ],
            reference_urls=["https://aclanthology.org/P14-2006"],
        )

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """compute() goes through here: check the raw documents before evaluate encodes them."""
        _check_documents(predictions, "predictions")
        _check_documents(references, "references")
        super().add_batch(predictions=predictions, references=references, **kwargs)

    def add(self, *, prediction=None, reference=None, **kwargs):
        """The one-document path: the same checks as add_batch."""
        if prediction is not None:
            _check_document(prediction, "prediction")
        if reference is not None:
            _check_document(reference, "reference")
        super().add(prediction=prediction, reference=reference, **kwargs)

    def _compute(self, predictions, references, return_units=False):
        # evaluate has checked that there are as many predicted documents as references.
        rows: dict[str, list] = {metric: [] for metric in METRICS}
        for raw_pred, raw_gold in zip(predictions, references, strict=True):
            response, key = _clusters(raw_pred), _clusters(raw_gold)
            for metric in METRICS:
                rows[metric].append(_document_counts(metric, key, response))
        result = {metric: _scores(rows[metric]) for metric in METRICS}
        result["conll"] = {"f1": sum(result[metric]["f1"] for metric in METRICS) / len(METRICS)}
        if return_units:
            result["units"] = {metric: [row.row() for row in rows[metric]] for metric in METRICS}
        return result
