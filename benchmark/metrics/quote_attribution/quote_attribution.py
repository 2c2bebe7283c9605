"""Quotation attribution accuracy, in the spirit of citron and the Gender Gap Tracker.

The question asked of every gold quotation is the one a reader of a quotation
database asks: did the system find this quotation, and did it say who spoke?
A speaker is right when the predicted speaker span hits any mention of the gold
speaker's entity, so a system that names "Macron" where the gold speaker span
is "le président" is not penalised when both mention the same entity.

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package: the small helpers below are local on purpose.
"""

import datasets
import evaluate

_CITATION = """\
@inproceedings{newell-etal-2018-quote,
    title = "Quote Extraction and Analysis for News",
    author = "Newell, Chris and Cowlishaw, Tim and Man, David",
    booktitle = "Proceedings of the KDD 2018 Workshop on Data Science, Journalism and Media (DSJM)",
    year = "2018",
    url = "https://github.com/bbc/citron",
}
@article{asr-etal-2021-gender-gap-tracker,
    title = "The Gender Gap Tracker: Using Natural Language Processing to measure gender bias in media",
    author = "Asr, Fatemeh Torabi and Mazraeh, Mohammad and Lopes, Alexandre and Gautam, Vasundhara and Gonzales, Junette and Rao, Prashanth and Taboada, Maite",
    journal = "PLOS ONE",
    volume = "16",
    number = "1",
    year = "2021",
    doi = "10.1371/journal.pone.0245533",
}
"""

_DESCRIPTION = """\
Per gold quotation: is its content found by a predicted quotation (matched one
to one), and is the matched prediction's speaker right? Two variants: "exact"
(predicted content covers exactly the gold characters; speaker span equals one
of the gold targets) and "overlap" (content shares characters, pairs chosen
greedily by largest overlap; speaker span overlaps a target). A gold quotation
without a speaker is correctly attributed when the matched prediction has none.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list (one per document) of lists of predicted quotations, each
        {"content": [[start, end], ...], "speaker": [start, end] or None}.
    references: list (one per document) of lists of gold quotations, each
        {"content": [[start, end], ...], "speaker_targets": [[start, end], ...]}:
        all mentions of the speaker's entity (or the gold speaker span when it
        has no entity), empty when the quotation has no speaker.
        Offsets are characters, end exclusive.
    return_units: if True, add "units": {"exact"|"overlap": [[n_attributed, n_gold], ...]}
        and "content_units": {"exact"|"overlap": [[n_content_found, n_predicted, n_gold], ...]},
        one entry per document, and "quote_units": {"exact"|"overlap": [[attributed, 1], ...]},
        one entry per gold quotation (the resampling unit when documents are few).
Returns:
    exact, overlap: {accuracy, content_precision, content_recall, content_f1,
        n_gold, n_predicted, n_content_found, n_attributed}; accuracy is
        n_attributed / n_gold (an unfound quotation counts as wrongly attributed).
Examples:
    >>> metric = evaluate.load("/path/to/benchmark/metrics/quote_attribution")
    >>> gold = [[{"content": [[10, 30]], "speaker_targets": [[0, 6], [40, 45]]}]]
    >>> pred = [[{"content": [[10, 30]], "speaker": [40, 45]}]]
    >>> metric.compute(predictions=pred, references=gold)["exact"]["accuracy"]
    1.0
"""

VARIANTS = ("exact", "overlap")

_OFFSETS = datasets.List(datasets.List(datasets.Value("int64")))
GOLD_QUOTE = {"content": _OFFSETS, "speaker_targets": _OFFSETS}
PRED_QUOTE = {"content": _OFFSETS, "speaker": datasets.List(datasets.Value("int64"))}


def _range(raw, what):
    """A validated (start, end) pair, end exclusive."""
    if raw is None or len(raw) != 2 or raw[0] is None or raw[1] is None or not 0 <= raw[0] < raw[1]:
        raise ValueError(f"{what} must be [start, end] with 0 <= start < end, got {raw!r}")
    return (int(raw[0]), int(raw[1]))


def _merge(ranges):
    """Sorted, merged ranges: the canonical form of a set of characters."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _content(raw):
    """Content characters of one quotation; a quotation without content is malformed."""
    if not raw:
        raise ValueError("a quotation needs at least one content span")
    return _merge(_range(r, "content span") for r in raw)


def _gold_quote(raw):
    targets = tuple(sorted({_range(t, "speaker target") for t in raw.get("speaker_targets") or []}))
    return {"content": _content(raw.get("content")), "targets": targets}


def _pred_quote(raw):
    speaker = raw.get("speaker")
    return {"content": _content(raw.get("content")), "speaker": _range(speaker, "speaker") if speaker else None}


def _pred_order(quote):
    """Sort key making duplicate predictions resolve the same way whatever the input order."""
    speaker = quote["speaker"]
    return (quote["content"], () if speaker is None else speaker)


def _shared(a, b):
    """Number of characters two merged range tuples have in common."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _overlaps(a, b):
    return max(a[0], b[0]) < min(a[1], b[1])


def _match_exact(gold, pred):
    """{gold index: pred index} for predictions covering exactly the gold characters, one to one."""
    pairs, taken = {}, set()
    for g, gold_quote in enumerate(gold):
        for p, pred_quote in enumerate(pred):
            if p not in taken and pred_quote["content"] == gold_quote["content"]:
                pairs[g] = p
                taken.add(p)
                break
    return pairs


def _match_overlap(gold, pred):
    """{gold index: pred index}, greedily pairing the largest character overlaps first."""
    candidates = sorted(
        (-_shared(gq["content"], pq["content"]), g, p)
        for g, gq in enumerate(gold)
        for p, pq in enumerate(pred)
        if _shared(gq["content"], pq["content"]) > 0
    )
    pairs, taken = {}, set()
    for _, g, p in candidates:
        if g not in pairs and p not in taken:
            pairs[g] = p
            taken.add(p)
    return pairs


def _speaker_right(variant, targets, speaker):
    """Whether the predicted speaker names the gold speaker; no gold speaker wants no prediction."""
    if not targets:
        return speaker is None
    if speaker is None:
        return False
    if variant == "exact":
        return speaker in targets
    return any(_overlaps(speaker, target) for target in targets)


def _document_counts(variant, gold, pred):
    """(n_attributed, n_content_found, n_predicted, n_gold, outcomes) for one document;
    outcomes[g] is 1 when gold quotation g is found and rightly attributed."""
    pairs = _match_exact(gold, pred) if variant == "exact" else _match_overlap(gold, pred)
    outcomes = [
        int(g in pairs and _speaker_right(variant, gold[g]["targets"], pred[pairs[g]]["speaker"]))
        for g in range(len(gold))
    ]
    return sum(outcomes), len(pairs), len(pred), len(gold), outcomes


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator else 0.0


def _summary(n_attributed, n_found, n_predicted, n_gold):
    precision, recall = _ratio(n_found, n_predicted), _ratio(n_found, n_gold)
    return {
        "accuracy": _ratio(n_attributed, n_gold),
        "content_precision": precision,
        "content_recall": recall,
        "content_f1": 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "n_gold": n_gold,
        "n_predicted": n_predicted,
        "n_content_found": n_found,
        "n_attributed": n_attributed,
    }


class QuoteAttribution(evaluate.Metric):
    """Quotation content detection and speaker attribution, exact and overlap variants."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.List(PRED_QUOTE), "references": datasets.List(GOLD_QUOTE)}
            ),
            codebase_urls=["https://github.com/bbc/citron", "https://github.com/sfu-discourse-lab/GenderGapTracker"],
            reference_urls=["https://doi.org/10.1371/journal.pone.0245533"],
        )

    def _compute(self, predictions, references, return_units=False):
        if len(predictions) != len(references):
            raise ValueError(f"{len(predictions)} predicted documents for {len(references)} references")
        per_document = {variant: [] for variant in VARIANTS}
        for raw_pred, raw_gold in zip(predictions, references):
            gold = sorted((_gold_quote(q) for q in raw_gold), key=lambda q: (q["content"], q["targets"]))
            pred = sorted((_pred_quote(q) for q in raw_pred), key=_pred_order)
            for variant in VARIANTS:
                per_document[variant].append(_document_counts(variant, gold, pred))

        result = {
            variant: _summary(*(sum(doc[i] for doc in per_document[variant]) for i in range(4)))
            for variant in VARIANTS
        }
        if return_units:
            result["units"] = {v: [[a, g] for a, _, _, g, _ in per_document[v]] for v in VARIANTS}
            result["content_units"] = {v: [[f, p, g] for _, f, p, g, _ in per_document[v]] for v in VARIANTS}
            # One unit per gold quotation: with few documents, the bootstrap resamples quotations.
            result["quote_units"] = {v: [[o, 1] for doc in per_document[v] for o in doc[4]] for v in VARIANTS}
        return result
