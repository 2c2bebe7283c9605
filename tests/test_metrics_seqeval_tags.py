"""seqeval_tags: hand-computed tables, the strict-mode trap, and agreement with seqeval.

The module is loaded through ``evaluate.load`` on its directory, as the runner does.
"""

import warnings

import evaluate
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from seqeval.metrics import (
    classification_report,
    f1_score,
    precision_score,
    recall_score,
)
from seqeval.scheme import IOB2

from benchmark import paths

METRIC_DIR = paths.METRICS_DIR / "seqeval_tags"


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


@pytest.fixture
def raising_metric():
    """A fresh in-memory instance for calls that raise: evaluate keeps the cache-file lock
    of a compute() that raised, and the next compute() then waits 1 s for it."""
    return evaluate.load(str(METRIC_DIR), keep_in_memory=True)


def score(metric, predictions, references, **kwargs):
    return metric.compute(predictions=predictions, references=references, **kwargs)


def prf(result):
    return (result["precision"], result["recall"], result["f1"])


# --- hand-computed tables ------------------------------------------------------------


def test_perfect(metric):
    refs = [["B-PER", "I-PER", "O", "B-LOC"]]
    out = score(metric, refs, refs)
    assert out["micro"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert out["labels"] == {
        "LOC": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
        "PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
    }
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (2, 2, 2)


def test_missed_entity(metric):
    out = score(metric, [["B-PER", "I-PER", "O", "O"]], [["B-PER", "I-PER", "O", "B-LOC"]])
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (1, 1, 2)
    assert prf(out["micro"]) == pytest.approx((1.0, 0.5, 2 / 3))
    assert out["labels"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert prf(out["macro"]) == pytest.approx((0.5, 0.5, 0.5))
    assert out["macro"]["support"] == 2


def test_spurious_entity_adds_a_prediction_only_label(metric):
    out = score(metric, [["B-ORG", "O", "B-LOC"]], [["O", "O", "B-LOC"]])
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (1, 2, 1)
    assert prf(out["micro"]) == pytest.approx((0.5, 1.0, 2 / 3))
    assert out["labels"]["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_wrong_type(metric):
    out = score(metric, [["B-ORG", "I-ORG"]], [["B-PER", "I-PER"]])
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (0, 1, 1)
    assert sorted(out["labels"]) == ["ORG", "PER"]
    assert prf(out["micro"]) == (0.0, 0.0, 0.0)


def test_wrong_boundary(metric):
    out = score(metric, [["B-PER", "O", "O"]], [["B-PER", "I-PER", "O"]])
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (0, 1, 1)
    assert out["micro"]["f1"] == 0.0


def test_empty_gold(metric):
    out = score(metric, [["B-PER", "O"]], [["O", "O"]])
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (0, 1, 0)
    assert out["micro"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_empty_prediction(metric):
    out = score(metric, [["O", "O"]], [["B-PER", "O"]])
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (0, 0, 1)
    assert out["labels"]["PER"]["support"] == 1


@pytest.mark.parametrize("mode", ["strict", "default"])
def test_both_empty_gives_zeros_where_seqeval_report_breaks(metric, mode):
    out = score(metric, [["O", "O"], []], [["O", "O"], []], mode=mode, return_units=True)
    zeros = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert out["labels"] == {}
    assert out["micro"] == zeros and out["macro"] == zeros
    assert out["units"] == [[0, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError):  # the text report takes max() of no label
        classification_report([["O", "O"]], [["O", "O"]], mode=mode, scheme=IOB2)


def test_no_input_at_all(metric):
    out = score(metric, [], [], return_units=True)
    assert out["n_gold"] == out["n_predicted"] == 0
    assert out["micro"]["f1"] == 0.0 and out["units"] == []


def test_zero_division_one_when_nothing_to_find(metric):
    out = score(metric, [["O"]], [["O"]], zero_division=1)
    assert prf(out["micro"]) == (1.0, 1.0, 1.0)
    assert prf(out["macro"]) == (1.0, 1.0, 1.0)


def test_scores_are_python_types(metric):
    out = score(metric, [["B-PER", "O"]], [["B-PER", "B-LOC"]])
    for table in [out["micro"], out["macro"], *out["labels"].values()]:
        assert all(type(table[k]) is float for k in ("precision", "recall", "f1"))
        assert type(table["support"]) is int
    assert all(type(out[k]) is int for k in ("n_correct", "n_predicted", "n_gold"))


def test_units_one_per_sentence_and_sum_to_totals(metric):
    refs = [["B-PER", "I-PER"], ["O"], ["B-LOC", "O", "B-ORG"], []]
    preds = [["B-PER", "I-PER"], ["B-ORG"], ["B-LOC", "O", "O"], []]
    out = score(metric, preds, refs, return_units=True)
    assert out["units"] == [[1, 1, 1], [0, 1, 0], [1, 1, 2], [0, 0, 0]]
    assert [sum(col) for col in zip(*out["units"])] == [out["n_correct"], out["n_predicted"], out["n_gold"]]


# --- ill-formed tags and the strict-mode trap --------------------------------------

ILL_REFS = [["B-PER", "I-PER", "O", "B-LOC"]]
ILL_PREDS = [["I-PER", "I-PER", "O", "B-LOC"]]  # I-PER without B-PER


def test_default_mode_accepts_ill_formed_chunk(metric):
    out = score(metric, ILL_PREDS, ILL_REFS, mode="default")
    assert out["micro"]["f1"] == 1.0
    assert out["n_correct"] == 2


def test_strict_mode_rejects_ill_formed_chunk(metric):
    out = score(metric, ILL_PREDS, ILL_REFS, mode="strict")
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (1, 1, 2)
    assert prf(out["micro"]) == pytest.approx((1.0, 0.5, 2 / 3))


def test_strict_mode_ignores_ill_formed_gold_chunk(metric):
    out = score(metric, [["B-PER", "O"]], [["I-PER", "O"]], mode="strict")
    assert (out["n_correct"], out["n_predicted"], out["n_gold"]) == (0, 1, 0)


def test_strict_equals_seqeval_strict_report_and_differs_from_default(metric):
    ours = score(metric, ILL_PREDS, ILL_REFS, mode="strict")
    report = classification_report(ILL_REFS, ILL_PREDS, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    for label, row in ours["labels"].items():
        assert prf(row) == pytest.approx((report[label]["precision"], report[label]["recall"], report[label]["f1-score"]))
        assert row["support"] == report[label]["support"]
    micro = report["micro avg"]
    assert prf(ours["micro"]) == pytest.approx((micro["precision"], micro["recall"], micro["f1-score"]))
    assert ours["micro"]["f1"] != pytest.approx(f1_score(ILL_REFS, ILL_PREDS))
    # The trap this module exists to avoid: seqeval's mode="strict" without a scheme is the default mode.
    assert f1_score(ILL_REFS, ILL_PREDS, mode="strict") == 1.0


def test_other_strict_scheme(metric):
    out = score(metric, [["S-PER", "O", "B-LOC", "E-LOC"]], [["S-PER", "O", "B-LOC", "E-LOC"]], scheme="IOBES")
    assert (out["n_correct"], out["n_gold"]) == (2, 2)


def test_tag_outside_scheme_is_an_error_in_strict_mode(raising_metric):
    with pytest.raises(ValueError):
        score(raising_metric, [["E-PER"]], [["O"]], mode="strict", scheme="IOB2")


@pytest.mark.parametrize(
    "kwargs", [{"mode": "lenient"}, {"scheme": "IOB3"}, {"zero_division": "warn"}]
)
def test_bad_arguments(raising_metric, kwargs):
    with pytest.raises(ValueError):
        score(raising_metric, [["O"]], [["O"]], **kwargs)


def test_sentence_length_mismatch(raising_metric):
    with pytest.raises(ValueError):
        score(raising_metric, [["O", "O"]], [["O"]])


def test_loads_and_runs_from_another_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    loaded = evaluate.load(str(METRIC_DIR))
    assert score(loaded, [["B-PER"]], [["B-PER"]])["micro"]["f1"] == 1.0


# --- agreement with direct seqeval calls on random tags --------------------------------

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


@st.composite
def tagged_corpus(draw):
    """Aligned (references, predictions): several sentences, ill-formed chunks included."""
    lengths = draw(st.lists(st.integers(0, 8), min_size=1, max_size=5))
    tags = st.sampled_from(TAGS)
    refs = [draw(st.lists(tags, min_size=n, max_size=n)) for n in lengths]
    preds = [draw(st.lists(tags, min_size=n, max_size=n)) for n in lengths]
    return refs, preds


def seqeval_scores(refs, preds, average, zero_division, strict):
    """precision/recall/f1 from seqeval's own functions, strict always with the scheme class."""
    kwargs = {"average": average, "zero_division": zero_division}
    if strict:
        kwargs |= {"mode": "strict", "scheme": IOB2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (
            precision_score(refs, preds, **kwargs),
            recall_score(refs, preds, **kwargs),
            f1_score(refs, preds, **kwargs),
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=tagged_corpus(), strict=st.booleans(), zero_division=st.sampled_from([0, 1]))
def test_agrees_with_seqeval(metric, corpus, strict, zero_division):
    refs, preds = corpus
    out = score(
        metric, preds, refs, mode="strict" if strict else "default", zero_division=zero_division, return_units=True
    )
    assert prf(out["micro"]) == pytest.approx(seqeval_scores(refs, preds, "micro", zero_division, strict))
    assert [sum(col) for col in zip(*out["units"])] == [out["n_correct"], out["n_predicted"], out["n_gold"]]
    assume(out["labels"])  # seqeval's macro average of no label is NaN
    assert prf(out["macro"]) == pytest.approx(seqeval_scores(refs, preds, "macro", zero_division, strict))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = classification_report(
            refs, preds, output_dict=True, zero_division=zero_division, **({"mode": "strict", "scheme": IOB2} if strict else {})
        )
    for label, row in out["labels"].items():
        expected = report[label]
        assert prf(row) == pytest.approx((expected["precision"], expected["recall"], expected["f1-score"]))
        assert row["support"] == expected["support"]


# --- malformed tags are refused; the fast IOB2 reader equals seqeval's -------------------


@pytest.mark.parametrize("bad", ["PER-B", "PER", "", "b-PER", "i-PER", "X-PER", "B-", "B_PER"])
@pytest.mark.parametrize("mode", ["strict", "default"])
def test_malformed_tags_are_refused(bad, mode):
    metric = evaluate.load(str(METRIC_DIR), keep_in_memory=True)
    with pytest.raises(ValueError, match="malformed tag"):
        metric.compute(predictions=[["O", bad]], references=[["O", "B-PER"]], mode=mode)
    with pytest.raises(ValueError, match="reference sequence 0, position 1"):
        metric.compute(predictions=[["O", "B-PER"]], references=[["O", bad]], mode=mode)


def test_a_prefix_outside_the_declared_scheme_is_refused():
    metric = evaluate.load(str(METRIC_DIR), keep_in_memory=True)
    with pytest.raises(ValueError, match="malformed tag 'S-PER'"):
        metric.compute(predictions=[["S-PER"]], references=[["B-PER"]], scheme="IOB2")
    out = metric.compute(predictions=[["S-PER"]], references=[["S-PER"]], scheme="IOBES")
    assert out["micro"]["f1"] == 1.0


_TAGS = st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(pairs=st.lists(st.tuples(_TAGS, _TAGS), max_size=4), mode=st.sampled_from(["strict", "default"]))
def test_core_compute_equals_the_module_and_its_counts_add_up(metric, pairs, mode):
    """The harness calls ``compute`` directly (no Arrow encoding); evaluate's compute runs
    the same function. The per-label counts are what the harness checks its multiset
    matcher against."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("seqeval_tags_core", METRIC_DIR / "seqeval_tags.py")
    core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    predictions = [p[: len(r)] + ["O"] * (len(r) - len(p)) for p, r in pairs]
    references = [r for _, r in pairs]
    out = core.compute(predictions, references, mode=mode)
    assert out == metric.compute(predictions=predictions, references=references, mode=mode)
    assert [sum(c[i] for c in out["counts"].values()) for i in range(3)] == [out["n_correct"], out["n_predicted"], out["n_gold"]]
    assert sorted(out["counts"]) == sorted(out["labels"])
