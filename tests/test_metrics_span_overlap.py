"""span_overlap: SemEval-2013 schemes on hand-computed tables and nervaluate's published example."""

import random

import evaluate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark import paths

METRIC_DIR = paths.METRICS_DIR / "span_overlap"
SCHEMES = ("strict", "exact", "partial", "type")
OUTCOMES = ("correct", "incorrect", "partial", "missed", "spurious")


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


@pytest.fixture
def raising_metric():
    """A fresh in-memory instance for calls that raise: evaluate keeps the cache-file lock
    of a compute() that raised, and the next compute() then waits 1 s for it."""
    return evaluate.load(str(METRIC_DIR), keep_in_memory=True)


def span(start, end, label):
    return {"start": start, "end": end, "label": label}


def score(metric, predictions, references, **kwargs):
    return metric.compute(predictions=predictions, references=references, **kwargs)


def counts(table):
    return tuple(table[k] for k in OUTCOMES)


def prf(table):
    return (table["precision"], table["recall"], table["f1"])


# --- one scenario at a time: (COR, INC, PAR, MIS, SPU) per scheme -------------------------


def test_perfect(metric):
    gold = [[span(0, 5, "PER"), span(10, 20, "LOC")]]
    out = score(metric, gold, gold)
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (2, 0, 0, 0, 0)
        assert prf(out[scheme]) == (1.0, 1.0, 1.0)


def test_missed(metric):
    out = score(metric, [[span(0, 5, "PER")]], [[span(0, 5, "PER"), span(10, 20, "LOC")]])
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (1, 0, 0, 1, 0)
        assert prf(out[scheme]) == pytest.approx((1.0, 0.5, 2 / 3))
    assert counts(out["labels"]["LOC"]["strict"]) == (0, 0, 0, 1, 0)


def test_spurious(metric):
    out = score(metric, [[span(0, 5, "PER"), span(30, 35, "ORG")]], [[span(0, 5, "PER")]])
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (1, 0, 0, 0, 1)
        assert (out[scheme]["possible"], out[scheme]["actual"]) == (1, 2)
    assert counts(out["labels"]["ORG"]["strict"]) == (0, 0, 0, 0, 1)


def test_wrong_type_same_boundaries(metric):
    out = score(metric, [[span(0, 5, "ORG")]], [[span(0, 5, "PER")]])
    assert counts(out["strict"]) == (0, 1, 0, 0, 0)
    assert counts(out["exact"]) == (1, 0, 0, 0, 0)
    assert counts(out["partial"]) == (1, 0, 0, 0, 0)
    assert counts(out["type"]) == (0, 1, 0, 0, 0)
    # Per label as nervaluate 1.x: each label on its own spans, a miss for PER, a false alarm for ORG.
    assert counts(out["labels"]["PER"]["strict"]) == (0, 0, 0, 1, 0)
    assert counts(out["labels"]["ORG"]["strict"]) == (0, 0, 0, 0, 1)


def test_wrong_boundary_same_type_gets_half_credit_in_partial(metric):
    out = score(metric, [[span(0, 8, "PER")]], [[span(3, 8, "PER")]])
    assert counts(out["strict"]) == (0, 1, 0, 0, 0)
    assert counts(out["exact"]) == (0, 1, 0, 0, 0)
    assert counts(out["partial"]) == (0, 0, 1, 0, 0)
    assert counts(out["type"]) == (1, 0, 0, 0, 0)
    assert prf(out["partial"]) == (0.5, 0.5, 0.5)
    assert prf(out["strict"]) == (0.0, 0.0, 0.0)


def test_adjacent_spans_do_not_overlap(metric):
    out = score(metric, [[span(5, 9, "PER")]], [[span(0, 5, "PER")]])  # end exclusive
    assert counts(out["partial"]) == (0, 0, 0, 1, 1)


def test_empty_gold(metric):
    out = score(metric, [[span(0, 5, "PER")]], [[]])
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (0, 0, 0, 0, 1)
        assert prf(out[scheme]) == (0.0, 0.0, 0.0)


def test_empty_prediction(metric):
    out = score(metric, [[]], [[span(0, 5, "PER")]])
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (0, 0, 0, 1, 0)
        assert prf(out[scheme]) == (0.0, 0.0, 0.0)


def test_both_empty(metric):
    out = score(metric, [[], []], [[], []], return_units=True)
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (0, 0, 0, 0, 0)
        assert prf(out[scheme]) == (0.0, 0.0, 0.0)
        assert out["units"][scheme] == [[0, 0, 0], [0, 0, 0]]
    assert out["labels"] == {}
    assert score(metric, [], [])["strict"]["f1"] == 0.0


# --- partial weighting -------------------------------------------------------------------


def test_partial_credit_is_half(metric):
    gold = [[span(0, 10, "PER"), span(20, 30, "LOC")]]
    pred = [[span(0, 10, "PER"), span(22, 30, "LOC")]]  # one COR, one PAR
    out = score(metric, pred, gold, return_units=True)
    assert counts(out["partial"]) == (1, 0, 1, 0, 0)
    assert prf(out["partial"]) == (0.75, 0.75, 0.75)
    assert prf(out["strict"]) == (0.5, 0.5, 0.5)
    assert out["units"]["partial"] == [[1.5, 2, 2]]


# --- nervaluate's published SemEval example ------------------------------------------------

TEXT = "tikosyn ; healthy ; of warfarin ; propranolol ; phenytoin ; oral contraceptives"


def at(surface, label):
    start = TEXT.index(surface)
    return span(start, start + len(surface), label)


SEMEVAL_GOLD = [
    at("tikosyn", "BRAND"),  # III  missed
    at("warfarin", "DRUG"),  # V    boundary wrong
    at("propranolol", "DRUG"),  # IV   type wrong
    at("phenytoin", "DRUG"),  # I    correct
    at("contraceptives", "GROUP"),  # VI   boundary and type wrong
]
SEMEVAL_PRED = [
    at("healthy", "BRAND"),  # II   spurious
    at("of warfarin", "DRUG"),
    at("propranolol", "BRAND"),
    at("phenytoin", "DRUG"),
    at("oral contraceptives", "DRUG"),
]


def test_semeval_scenario_rows(metric):
    out = score(metric, [SEMEVAL_PRED], [SEMEVAL_GOLD])
    # Column sums of the scenario table in nervaluate's README.
    assert counts(out["type"]) == (2, 2, 0, 1, 1)
    assert counts(out["partial"]) == (2, 0, 2, 1, 1)
    assert counts(out["exact"]) == (2, 2, 0, 1, 1)
    assert counts(out["strict"]) == (1, 3, 0, 1, 1)
    assert prf(out["strict"]) == pytest.approx((0.2, 0.2, 0.2))
    assert prf(out["exact"]) == pytest.approx((0.4, 0.4, 0.4))
    assert prf(out["partial"]) == pytest.approx((0.6, 0.6, 0.6))
    assert prf(out["type"]) == pytest.approx((0.4, 0.4, 0.4))


def test_semeval_scenario_rows_per_label(metric):
    """Per label as nervaluate 1.x: each label scored on its own spans, so a wrong-type
    match is a miss for the gold label and a false alarm for the predicted one."""
    labels = score(metric, [SEMEVAL_PRED], [SEMEVAL_GOLD])["labels"]
    for label, row in labels.items():
        assert row["strict"]["possible"] == sum(g["label"] == label for g in SEMEVAL_GOLD)
        assert row["strict"]["actual"] == sum(p["label"] == label for p in SEMEVAL_PRED)
    reference = _nervaluate([SEMEVAL_PRED], [SEMEVAL_GOLD])["labels"]
    assert {lab: {s: counts(row[s]) for s in SCHEMES} for lab, row in labels.items()} == {
        lab: {s: counts(row[s]) for s in SCHEMES} for lab, row in reference.items()
    }


def test_semeval_published_summary_table(metric):
    """The README's 'putting all together' table counts one more COR per scheme than its
    scenario rows: it is reproduced with one more fully correct entity."""
    extra = span(200, 210, "DRUG")
    out = score(metric, [SEMEVAL_PRED + [extra]], [SEMEVAL_GOLD + [extra]])
    published = {  # COR, INC, PAR, MIS, SPU, P = R = F1
        "type": ((3, 2, 0, 1, 1), 0.5),
        "partial": ((3, 0, 2, 1, 1), 0.66),
        "exact": ((3, 2, 0, 1, 1), 0.5),
        "strict": ((2, 3, 0, 1, 1), 0.33),
    }
    for scheme, (expected_counts, value) in published.items():
        assert counts(out[scheme]) == expected_counts
        assert prf(out[scheme]) == pytest.approx((value,) * 3, abs=0.01)


# --- matching rules ------------------------------------------------------------------


def test_prediction_overlapping_two_gold_spans_takes_one(metric):
    out = score(metric, [[span(0, 20, "PER")]], [[span(0, 5, "PER"), span(10, 15, "PER")]])
    assert counts(out["partial"]) == (0, 0, 1, 1, 0)
    assert counts(out["type"]) == (1, 0, 0, 1, 0)
    assert counts(out["strict"]) == (0, 1, 0, 1, 0)
    assert (out["partial"]["possible"], out["partial"]["actual"]) == (2, 1)


def test_first_prediction_in_sorted_order_takes_the_gold_span(metric):
    """nervaluate 1.x is greedy in prediction order; spans are sorted first, so the loose
    (0, 7) takes the gold span before the exact (5, 10), whatever the input order."""
    gold = [[span(5, 10, "PER")]]
    for pred in ([span(0, 7, "PER"), span(5, 10, "PER")], [span(5, 10, "PER"), span(0, 7, "PER")]):
        out = score(metric, [pred], gold)
        assert counts(out["strict"]) == (0, 1, 0, 0, 1)
        assert counts(out["partial"]) == (0, 0, 1, 0, 1)


def test_type_scheme_pairs_the_closest_same_label_span(metric):
    gold = [[span(0, 10, "PER"), span(12, 14, "PER")]]
    pred = [[span(1, 14, "PER"), span(0, 9, "PER")]]
    out = score(metric, pred, gold)
    # (0, 9) is closest to (0, 10); (1, 14) is closest to (12, 14): both COR.
    assert counts(out["type"]) == (2, 0, 0, 0, 0)


def test_duplicate_prediction_is_spurious(metric):
    gold = [[span(0, 5, "PER")]]
    out = score(metric, [[span(0, 5, "PER"), span(0, 5, "PER")]], gold)
    for scheme in SCHEMES:
        assert counts(out[scheme]) == (1, 0, 0, 0, 1)


def test_items_are_scored_separately(metric):
    out = score(metric, [[], [span(0, 5, "PER")]], [[span(0, 5, "PER")], []], return_units=True)
    assert counts(out["strict"]) == (0, 0, 0, 1, 1)
    assert out["units"]["strict"] == [[0, 0, 1], [0, 1, 0]]


def test_loads_and_runs_from_another_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    loaded = evaluate.load(str(METRIC_DIR))
    assert score(loaded, [[span(0, 1, "X")]], [[span(0, 1, "X")]])["strict"]["f1"] == 1.0


@pytest.mark.parametrize(
    "bad",
    [span(5, 5, "PER"), span(6, 5, "PER"), span(-1, 5, "PER")],
)
def test_invalid_span(raising_metric, bad):
    with pytest.raises(ValueError):
        score(raising_metric, [[bad]], [[]])


def test_missing_key_in_a_later_item_is_an_error(raising_metric):
    with pytest.raises(ValueError):
        score(raising_metric, [[span(0, 1, "X")], [{"start": 0, "end": 1}]], [[], []])


# --- invariants on random spans --------------------------------------------------------

spans = st.builds(
    lambda start, length, label: span(start, start + length, label),
    st.integers(0, 30),
    st.integers(1, 8),
    st.sampled_from(["PER", "LOC", "ORG"]),
)
items = st.lists(st.tuples(st.lists(spans, max_size=5), st.lists(spans, max_size=5)), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=items, seed=st.integers(0, 1000))
def test_invariants(metric, items, seed):
    pred = [p for p, _ in items]
    gold = [g for _, g in items]
    out = score(metric, pred, gold, return_units=True)
    n_pred, n_gold = sum(map(len, pred)), sum(map(len, gold))
    for scheme in SCHEMES:
        assert out[scheme]["possible"] == n_gold and out[scheme]["actual"] == n_pred
        units = out["units"][scheme]
        assert [sum(col) for col in zip(*units)] == pytest.approx(
            [out[scheme]["correct"] + 0.5 * out[scheme]["partial"], n_pred, n_gold]
        )
        # per label (nervaluate 1.x): each label scored on its own gold and predicted spans
        for lab, row in out["labels"].items():
            assert row[scheme]["possible"] == sum(s["label"] == lab for g in gold for s in g)
            assert row[scheme]["actual"] == sum(s["label"] == lab for p in pred for s in p)
    assert out["strict"]["correct"] <= out["exact"]["correct"] <= out["partial"]["correct"]
    assert out["strict"]["correct"] <= out["type"]["correct"]
    shuffled = [random.Random(seed).sample(p, len(p)) for p in pred]
    again = score(metric, shuffled, gold, return_units=True)
    assert again == out


# --- equality with nervaluate 1.x, the reference ---------------------------------------

NERVALUATE_KEYS = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}


def _nervaluate(predictions, references):
    """nervaluate's counts in this module's shape (its ``end`` is inclusive)."""
    from nervaluate import Evaluator

    def inclusive(items):
        return [[{"start": s["start"], "end": s["end"] - 1, "label": s["label"]} for s in item] for item in items]

    labels = sorted({s["label"] for item in predictions + references for s in item})
    res = Evaluator(inclusive(references), inclusive(predictions), tags=labels, loader="default").evaluate()

    def table(result):
        return {k: getattr(result, k) for k in OUTCOMES}

    return {
        "overall": {scheme: table(res["overall"][key]) for scheme, key in NERVALUATE_KEYS.items()},
        "labels": {
            label: {scheme: table(per[key]) for scheme, key in NERVALUATE_KEYS.items()}
            for label, per in res["entities"].items()
        },
    }


# nervaluate's loader reads the first item to guess the format: it must have gold and predicted spans.
first_item = st.tuples(st.lists(spans, min_size=1, max_size=5), st.lists(spans, min_size=1, max_size=5))
items_first_filled = st.tuples(first_item, st.lists(st.tuples(st.lists(spans, max_size=5), st.lists(spans, max_size=5)), max_size=3)).map(
    lambda parts: [parts[0], *parts[1]]
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=items_first_filled)
def test_equals_nervaluate(items):
    """The pure-python core (what the harness calls) counts exactly as nervaluate 1.x on
    spans given in sorted order, overall and per label."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("span_overlap_core", METRIC_DIR / "span_overlap.py")
    core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    pred = [sorted(p, key=lambda s: (s["start"], s["end"], s["label"])) for p, _ in items]
    gold = [sorted(g, key=lambda s: (s["start"], s["end"], s["label"])) for _, g in items]
    ours = core.compute(pred, gold)
    reference = _nervaluate(pred, gold)
    assert {scheme: counts(ours[scheme]) for scheme in SCHEMES} == {
        scheme: counts(reference["overall"][scheme]) for scheme in SCHEMES
    }
    for label, row in reference["labels"].items():
        assert {scheme: counts(ours["labels"][label][scheme]) for scheme in SCHEMES} == {
            scheme: counts(row[scheme]) for scheme in SCHEMES
        }
