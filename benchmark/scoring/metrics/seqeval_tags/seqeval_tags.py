"""seqeval over IOB tag sequences, with per-sentence units for bootstrapping.

Why not call seqeval's scoring functions directly, or the hub's ``seqeval``
module: ``f1_score``/``precision_score``/``recall_score(mode="strict")`` without
``scheme`` silently compute the lenient default mode; ``classification_report
(mode="strict")`` without ``scheme`` guesses the scheme from the references and
fails when they hold no entity tag; with no entity on either side the report's
macro scores are NaN (dict) or it fails (text); the hub module needs the network;
and none of them gives per-sentence counts. Entities are still extracted by
seqeval itself (``get_entities`` for the default mode, ``seqeval.scheme.Tokens``
with the scheme class, always explicit, for strict mode), so the spans are
exactly seqeval's, for every scheme; only the counting is done here, as
seqeval's own ``extract_tp_actual_correct`` does it (per label: the size of the
intersection of the gold and predicted entity sets). The harness scores
``ner.strict.*`` and ``ner.default.*`` through ``compute`` on whole-document
IOB2 tags, once per run.

Sequences are whatever the caller makes them: the harness passes whole
documents, so an entity running over a sentence edge is one entity. Tags outside
the declared scheme are refused with a ValueError naming the sequence, the
position and the tag: suffix style ("PER-B"), a bare label ("PER"), an empty
string, a lower-case or unknown prefix ("b-PER", "X-PER"), a missing label ("B-").

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package: the small helpers below are local on purpose.
"""

import warnings

import datasets
import evaluate
import seqeval.scheme
from seqeval.metrics.sequence_labeling import get_entities

_CITATION = """\
@misc{seqeval,
  title={{seqeval}: A Python framework for sequence labeling evaluation},
  url={https://github.com/chakki-works/seqeval},
  note={Software available from https://github.com/chakki-works/seqeval},
  author={Hiroki Nakayama},
  year={2018},
}
@inproceedings{ramshaw-marcus-1995-text,
    title = "Text Chunking using Transformation-Based Learning",
    author = "Ramshaw, Lance and Marcus, Mitch",
    booktitle = "Third Workshop on Very Large Corpora",
    year = "1995",
    url = "https://aclanthology.org/W95-0107",
}
"""

_DESCRIPTION = """\
Entity-level precision, recall and F1 over IOB tag sequences (one sequence per
sentence), computed from seqeval's entity extraction. In "strict" mode the
tagging scheme class is always given to seqeval, so an ill-formed chunk (such
as I-PER without a preceding B-PER under IOB2) is not an entity; in "default"
mode seqeval's conlleval-compatible reading is used, which accepts it.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of tag sequences (list of str), one per document (or
        sentence, if the caller wants entities cut at sentence edges).
    references: list of tag sequences, aligned with predictions, same lengths.
    mode: "strict" (default) or "default" (conlleval-compatible, lenient).
    scheme: tagging scheme used in strict mode: "IOB2" (default), "IOB1",
        "IOE1", "IOE2", "IOBES" or "BILOU". Ignored in default mode.
    zero_division: 0 (default) or 1, the value of a ratio whose denominator is 0.
    return_units: if True, add "units": [[n_correct, n_predicted, n_gold], ...],
        one triple per input sequence.
Returns:
    labels: {label: {precision, recall, f1, support}} for every label found in
        the references or the predictions; support is the gold count.
    micro: {precision, recall, f1, support}.
    macro: unweighted mean of the per-label precision, recall and f1; support
        is the total gold count.
    n_predicted, n_gold, n_correct: entity counts.
    counts: {label: [n_correct, n_predicted, n_gold]}.
Examples:
    >>> metric = evaluate.load("/path/to/benchmark/scoring/metrics/seqeval_tags")
    >>> out = metric.compute(predictions=[["B-PER", "I-PER", "O"]],
    ...                      references=[["B-PER", "I-PER", "O"]])
    >>> out["micro"]["f1"]
    1.0
"""

MODES = ("strict", "default")
SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")


# Prefixes each scheme declares; the default (conlleval) mode reads B, I, E and S.
PREFIXES = {
    "IOB1": frozenset("BI"),
    "IOB2": frozenset("BI"),
    "IOE1": frozenset("EI"),
    "IOE2": frozenset("EI"),
    "IOBES": frozenset("BIES"),
    "BILOU": frozenset("BILU"),
    "default": frozenset("BIES"),
}


def check_tags(sequences, prefixes, side):
    """Refuse any tag that is not "O" or "<prefix>-<label>" with a declared prefix."""
    for i, tags in enumerate(sequences):
        for j, tag in enumerate(tags):
            if tag == "O":
                continue
            if not isinstance(tag, str) or len(tag) < 3 or tag[1] != "-" or tag[0] not in prefixes:
                allowed = ", ".join(sorted(prefixes))
                raise ValueError(
                    f"{side} sequence {i}, position {j}: malformed tag {tag!r}; expected 'O' or "
                    f"'<prefix>-<label>' with prefix one of {allowed} (e.g. 'B-PER')"
                )


def _scheme_class(name):
    """Resolve a scheme name to seqeval's class; strict mode must never run without one."""
    if name not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {name!r}")
    return getattr(seqeval.scheme, name)


def _strict_entities(tags, scheme_cls):
    """Entities of one sentence read strictly by ``scheme_cls``, as (label, start, end)."""
    if _all_outside(tags):
        return set()
    try:
        tokens = seqeval.scheme.Tokens(list(tags), scheme=scheme_cls)
        return {(e.tag, e.start, e.end) for e in tokens.entities}
    except KeyError as err:  # seqeval indexes the prefix table with the tag's first character
        raise ValueError(f"tag with an unknown prefix in {list(tags)!r}: {err}") from None


def _all_outside(tags):
    """No scheme reads an entity in a sentence of O tags: skip seqeval's (slow) reader there.
    Most sentences of sparse layers (quotations, triggers) are such sentences."""
    return all(tag == "O" for tag in tags)


def _default_entities(tags):
    """Entities of one sentence as conlleval (seqeval's default mode) reads them."""
    if _all_outside(tags):
        return set()
    with warnings.catch_warnings():
        # seqeval warns on every unusual tag; the lenient mode exists to accept them.
        warnings.simplefilter("ignore")
        return set(get_entities(list(tags)))


def _ratio(numerator, denominator, zero_division):
    """seqeval's division: a zero denominator gives ``zero_division``."""
    return float(numerator / denominator) if denominator else float(zero_division)


def _f1(precision, recall):
    """Harmonic mean computed in seqeval's operation order, 0 when both are 0."""
    denominator = precision + recall
    return 2.0 * precision * recall / denominator if denominator else 0.0


def _scores(n_correct, n_predicted, n_gold, zero_division):
    """Precision, recall, F1 and support from counts."""
    precision = _ratio(n_correct, n_predicted, zero_division)
    recall = _ratio(n_correct, n_gold, zero_division)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall), "support": int(n_gold)}


def _macro(per_label, n_gold, zero_division):
    """Unweighted mean over labels (seqeval's macro); no label at all gives zero_division."""
    if not per_label:
        value = float(zero_division)
        return {"precision": value, "recall": value, "f1": value, "support": int(n_gold)}
    n = len(per_label)
    return {
        key: float(sum(scores[key] for scores in per_label.values()) / n) for key in ("precision", "recall", "f1")
    } | {"support": int(n_gold)}


def _check_lengths(predictions, references):
    """Sentences must align token for token, as seqeval requires."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predicted sequences for {len(references)} references")
    for i, (pred, ref) in enumerate(zip(predictions, references, strict=True)):
        if len(pred) != len(ref):
            raise ValueError(f"sequence {i}: {len(pred)} predicted tags for {len(ref)} reference tags")


def compute(predictions, references, mode="strict", scheme="IOB2", zero_division=0, return_units=False):
    """The whole metric on plain Python lists (what ``_compute`` runs, and what the
    harness calls directly, without evaluate's Arrow encoding of the inputs)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if zero_division not in (0, 1):
        raise ValueError(f"zero_division must be 0 or 1, got {zero_division!r}")
    _check_lengths(predictions, references)
    prefixes = PREFIXES[scheme if mode == "strict" and scheme in SCHEMES else "default"]
    check_tags(predictions, prefixes, "predicted")
    check_tags(references, prefixes, "reference")
    if mode == "strict":
        scheme_cls = _scheme_class(scheme)

        def extract(tags):
            return _strict_entities(tags, scheme_cls)
    else:
        extract = _default_entities

    counts: dict[str, list[int]] = {}  # label -> [n_correct, n_predicted, n_gold]
    units = []
    for pred_tags, gold_tags in zip(predictions, references, strict=True):
        pred, gold = extract(pred_tags), extract(gold_tags)
        correct = pred & gold
        for entities, column in ((correct, 0), (pred, 1), (gold, 2)):
            for label, _, _ in entities:
                counts.setdefault(label, [0, 0, 0])[column] += 1
        units.append([len(correct), len(pred), len(gold)])

    n_correct, n_predicted, n_gold = (sum(c[i] for c in counts.values()) for i in range(3))
    labels = {label: _scores(c[0], c[1], c[2], zero_division) for label, c in sorted(counts.items())}
    result = {
        "labels": labels,
        "micro": _scores(n_correct, n_predicted, n_gold, zero_division),
        "macro": _macro(labels, n_gold, zero_division),
        "n_predicted": n_predicted,
        "n_gold": n_gold,
        "n_correct": n_correct,
        "counts": {label: list(counts[label]) for label in sorted(counts)},
    }
    if return_units:
        result["units"] = units
    return result


class SeqevalTags(evaluate.Metric):
    """seqeval entity scores that never silently fall back from strict mode."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.List(datasets.Value("string")),
                    "references": datasets.List(datasets.Value("string")),
                }
            ),
            codebase_urls=["https://github.com/chakki-works/seqeval"],
            reference_urls=["https://github.com/chakki-works/seqeval"],
        )

    def _compute(
        self, predictions, references, mode="strict", scheme="IOB2", zero_division=0, return_units=False
    ):
        return compute(predictions, references, mode, scheme, zero_division, return_units)
