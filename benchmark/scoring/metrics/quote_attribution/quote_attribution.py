"""Quotation content and attribution, one unit per gold quotation (nested ones included).

The question asked of every gold quotation is the one a reader of a quotation
database asks: did the system find this quotation, and did it say who spoke?
Content is the tuple of a quotation's segments. Pairing is one to one and
optimal: exact pairs are equal segment tuples; overlap pairs maximise the shared
positions (``scipy.optimize.linear_sum_assignment``), ties broken towards the
pair with the smaller symmetric difference, so an inner quotation pairs with its
own gold and not with its parent. A speaker is right when the predicted speaker
span hits one of the gold quotation's speaker targets (the gold speaker span and
the other mentions of its entity, which the guidelines only annotate when named).
The Gender Gap Tracker's evaluation is reported beside it (``ggt``): a gold
quotation is matched when a prediction covers more than 0.3 (lenient) or 0.8
(strict) of it (GGT's ``>``: exactly 0.3 is not enough), and accuracy is over
matched quotations only.

evaluate copies this file alone into its module cache, so it imports nothing
from the ``benchmark`` package: the small helpers below are local on purpose.
The pure-python core (``document_result``) is what the harness calls directly.
"""

import datasets
import evaluate
import numpy as np
from scipy.optimize import linear_sum_assignment

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
Per gold quotation: is its content found by a predicted quotation (paired one to
one), and is the paired prediction's speaker right? Variants: "exact" (equal
content segments; speaker span equals a target), "overlap" (shared positions,
optimal pairing; speaker span overlaps a target), "partial" (overlap pairs, each
earning the overlap F1 of its content as credit) and the Gender Gap Tracker's
"ggt_lenient"/"ggt_strict" (prediction covers > 0.3 / 0.8 of the gold content;
accuracy over matched quotations). A gold quotation without a speaker is
correctly attributed when the paired prediction has none.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list (one per document) of lists of predicted quotations, each
        {"content": [[start, end], ...], "speaker": [start, end] or None}.
    references: list (one per document) of lists of gold quotations, each
        {"content": [[start, end], ...], "speaker_targets": [[start, end], ...]}:
        the gold speaker span and every other mention of the speaker's entity,
        empty when the quotation has no speaker. Offsets are end exclusive, in
        any unit (characters, or token indices as the harness gives them).
    return_units: if True, add "quote_units": {variant: [[attributed, 1], ...]},
        one row per gold quotation (documents in order, quotations sorted by
        content), "units": {variant: [[n_attributed, n_gold], ...]} and
        "content_units": {variant: [[n_content_found, n_predicted, n_gold], ...]},
        one row per document.
Returns:
    exact, overlap, ggt_lenient, ggt_strict: {accuracy, content_precision,
        content_recall, content_f1, n_gold, n_predicted, n_content_found,
        n_attributed}; accuracy is n_attributed / n_gold (an unfound quotation
        counts as wrongly attributed), except in the ggt variants, where it is
        n_attributed / n_content_found (GGT's accuracy over matched quotations).
    partial: {precision, recall, f1, credit, n_gold, n_predicted}.
Examples:
    >>> metric = evaluate.load("/path/to/benchmark/scoring/metrics/quote_attribution")
    >>> gold = [[{"content": [[10, 30]], "speaker_targets": [[0, 6], [40, 45]]}]]
    >>> pred = [[{"content": [[10, 30]], "speaker": [40, 45]}]]
    >>> metric.compute(predictions=pred, references=gold)["exact"]["accuracy"]
    1.0
"""

VARIANTS = ("exact", "overlap", "ggt_lenient", "ggt_strict")
GGT_THRESHOLDS = {"ggt_lenient": 0.3, "ggt_strict": 0.8}

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
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _content(raw):
    """Content segments of one quotation, sorted; a quotation without content is malformed."""
    if not raw:
        raise ValueError("a quotation needs at least one content span")
    return tuple(sorted(_range(r, "content span") for r in raw))


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


def _size(ranges):
    return sum(end - start for start, end in _merge(ranges))


def _overlaps(a, b):
    return max(a[0], b[0]) < min(a[1], b[1])


def match_exact(gold, pred):
    """{gold index: pred index} for equal content segments, one to one; among equal
    predictions the first (in sorted order) that names a right speaker is preferred."""
    free: dict[object, list[int]] = {}
    for p, quote in enumerate(pred):
        free.setdefault(quote["content"], []).append(p)
    pairs = {}
    for g, quote in enumerate(gold):
        candidates = free.get(quote["content"])
        if candidates:
            right = [p for p in candidates if speaker_right("exact", quote["targets"], pred[p]["speaker"])]
            chosen = right[0] if right else candidates[0]
            candidates.remove(chosen)
            pairs[g] = chosen
    return pairs


def shared_positions(gold, pred):
    """{(gold index, pred index): shared positions} for every pair sharing one."""
    merged_g = [_merge(q["content"]) for q in gold]
    merged_p = [_merge(q["content"]) for q in pred]
    shared = {}
    for g, a in enumerate(merged_g):
        for p, b in enumerate(merged_p):
            if a[0][0] < b[-1][1] and b[0][0] < a[-1][1]:  # the hulls overlap
                n = sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)
                if n:
                    shared[g, p] = n
    return shared


def match_overlap(gold, pred, threshold=0.0, shared=None):
    """{gold index: pred index}: the one-to-one pairing maximising shared positions.

    A pair's weight is shared * K - (symmetric difference), K larger than any
    symmetric difference, so the total shared is maximised first and, among equal
    totals, the closest contents pair up (an inner quotation with its own gold).
    Only pairs sharing a position (and, with ``threshold``, covering more than that
    share of the gold content: GGT's ``score > match_threshold``, the share computed
    as GGT does, a float division) are eligible; ineligible cells weigh 0. When no
    quotation is eligible for two pairs, the eligible pairs are the optimum and the
    assignment solver is not needed."""
    if not gold or not pred:
        return {}
    if shared is None:
        shared = shared_positions(gold, pred)
    sizes_g = [_size(q["content"]) for q in gold]
    eligible = {gp: n for gp, n in shared.items() if n / sizes_g[gp[0]] > threshold}
    rows = sorted({g for g, _ in eligible})
    cols = sorted({p for _, p in eligible})
    if len(rows) == len(cols) == len(eligible):
        return dict(sorted(eligible))
    sizes_p = [_size(q["content"]) for q in pred]
    k = 2 * (max(sizes_g) + max(sizes_p)) + 1
    weights = np.zeros((len(rows), len(cols)), dtype=np.int64)
    row_of, col_of = {g: i for i, g in enumerate(rows)}, {p: j for j, p in enumerate(cols)}
    for (g, p), n in eligible.items():
        weights[row_of[g], col_of[p]] = n * k - (sizes_g[g] + sizes_p[p] - 2 * n)
    chosen_rows, chosen_cols = linear_sum_assignment(weights, maximize=True)
    return {
        rows[i]: cols[j] for i, j in zip(chosen_rows.tolist(), chosen_cols.tolist(), strict=True) if (rows[i], cols[j]) in eligible
    }


def speaker_right(variant, targets, speaker):
    """Whether the predicted speaker names the gold speaker; no gold speaker wants no prediction."""
    if not targets:
        return speaker is None
    if speaker is None:
        return False
    if variant == "exact":
        return speaker in targets
    return any(_overlaps(speaker, target) for target in targets)


def document_result(gold, pred):
    """Every variant on one document's sorted gold and predicted quotations.

    Returns {variant: (pairs, outcomes)} where outcomes[g] is 1 when gold
    quotation g is paired and rightly attributed, plus "partial": credit."""
    out = {}
    shared = shared_positions(gold, pred)
    overlap = match_overlap(gold, pred, shared=shared)
    for variant in VARIANTS:
        if variant == "exact":
            pairs = match_exact(gold, pred)
        elif variant == "overlap":
            pairs = overlap
        else:
            pairs = match_overlap(gold, pred, GGT_THRESHOLDS[variant], shared)
        rule = "exact" if variant == "exact" else "overlap"
        outcomes = [
            int(g in pairs and speaker_right(rule, gold[g]["targets"], pred[pairs[g]]["speaker"]))
            for g in range(len(gold))
        ]
        out[variant] = (pairs, outcomes)
    out["partial"] = sum(
        2.0 * shared[g, p] / (_size(gold[g]["content"]) + _size(pred[p]["content"])) for g, p in overlap.items()
    )
    return out


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator else 0.0


def _prf(correct, n_predicted, n_gold):
    precision, recall = _ratio(correct, n_predicted), _ratio(correct, n_gold)
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _summary(variant, n_attributed, n_found, n_predicted, n_gold):
    precision, recall, f1 = _prf(n_found, n_predicted, n_gold)
    over = n_found if variant in GGT_THRESHOLDS else n_gold
    return {
        "accuracy": _ratio(n_attributed, over),
        "content_precision": precision,
        "content_recall": recall,
        "content_f1": f1,
        "n_gold": n_gold,
        "n_predicted": n_predicted,
        "n_content_found": n_found,
        "n_attributed": n_attributed,
    }


def prepare(raw_pred, raw_gold):
    """Validated, sorted quotations of one document: (gold, pred)."""
    gold = sorted((_gold_quote(q) for q in raw_gold), key=lambda q: (q["content"], q["targets"]))
    pred = sorted((_pred_quote(q) for q in raw_pred), key=_pred_order)
    return gold, pred


def compute(predictions, references, return_units=False):
    """The whole metric on plain Python lists (what ``_compute`` runs)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predicted documents for {len(references)} references")
    totals = {variant: [0, 0, 0, 0] for variant in VARIANTS}
    credit, n_pred_all, n_gold_all = 0.0, 0, 0
    quote_units: dict[str, list] = {variant: [] for variant in VARIANTS}
    doc_units: dict[str, list] = {variant: [] for variant in VARIANTS}
    content_units: dict[str, list] = {variant: [] for variant in VARIANTS}
    for raw_pred, raw_gold in zip(predictions, references, strict=True):
        gold, pred = prepare(raw_pred, raw_gold)
        result = document_result(gold, pred)
        for variant in VARIANTS:
            pairs, outcomes = result[variant]
            row = totals[variant]
            row[0] += sum(outcomes)
            row[1] += len(pairs)
            row[2] += len(pred)
            row[3] += len(gold)
            quote_units[variant] += [[o, 1] for o in outcomes]
            doc_units[variant].append([sum(outcomes), len(gold)])
            content_units[variant].append([len(pairs), len(pred), len(gold)])
        credit += result["partial"]
        n_pred_all += len(pred)
        n_gold_all += len(gold)
    out = {variant: _summary(variant, *totals[variant]) for variant in VARIANTS}
    precision, recall, f1 = _prf(credit, n_pred_all, n_gold_all)
    out["partial"] = {"precision": precision, "recall": recall, "f1": f1, "credit": credit,
                      "n_gold": n_gold_all, "n_predicted": n_pred_all}
    if return_units:
        out["quote_units"] = quote_units
        out["units"] = doc_units
        out["content_units"] = content_units
    return out


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
        return compute(predictions, references, return_units=return_units)
