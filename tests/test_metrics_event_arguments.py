"""event_arguments: TextEE-style attached Arg-I / Arg-C tuple F1 on hand-computed cases."""


import evaluate
import pytest

from benchmark import paths

METRIC_DIR = paths.METRICS_DIR / "event_arguments"


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


@pytest.fixture
def raising_metric():
    """A fresh in-memory instance for calls that raise: evaluate keeps the cache-file lock
    of a compute() that raised, and the next compute() then waits 1 s for it."""
    return evaluate.load(str(METRIC_DIR), keep_in_memory=True)


def event(event_type, trigger, *arguments):
    return {
        "type": event_type,
        "trigger": {"start": trigger[0], "end": trigger[1]},
        "arguments": [{"start": s, "end": e, "role": role} for s, e, role in arguments],
    }


def score(metric, predictions, references, **kwargs):
    return metric.compute(predictions=predictions, references=references, **kwargs)


def counts(table):
    return (table["n_correct"], table["n_predicted"], table["n_gold"])


# « Des manifestants ont attaqué la préfecture à Nantes. »
ATTACKER, TARGET, PLACE = (0, 16, "Attacker"), (30, 43, "Target"), (46, 52, "Place")
ATTACK = ("Conflict.Attack", (21, 29))


def test_perfect(metric):
    gold = [[event(*ATTACK, ATTACKER, TARGET, PLACE)]]
    out = score(metric, gold, gold)
    for task in ("identification", "classification"):
        assert counts(out[task]) == (3, 3, 3)
        assert (out[task]["precision"], out[task]["recall"], out[task]["f1"]) == (1.0, 1.0, 1.0)


def test_missed_argument(metric):
    out = score(metric, [[event(*ATTACK, ATTACKER)]], [[event(*ATTACK, ATTACKER, TARGET)]])
    assert counts(out["classification"]) == (1, 1, 2)
    assert out["classification"]["f1"] == pytest.approx(2 / 3)


def test_spurious_argument(metric):
    out = score(metric, [[event(*ATTACK, ATTACKER, PLACE)]], [[event(*ATTACK, ATTACKER)]])
    assert counts(out["identification"]) == (1, 2, 1)
    assert out["identification"]["precision"] == 0.5


def test_wrong_role_is_identified_but_not_classified(metric):
    out = score(metric, [[event(*ATTACK, (0, 16, "Target"))]], [[event(*ATTACK, ATTACKER)]])
    assert counts(out["identification"]) == (1, 1, 1)
    assert counts(out["classification"]) == (0, 1, 1)


def test_wrong_argument_boundary(metric):
    out = score(metric, [[event(*ATTACK, (4, 16, "Attacker"))]], [[event(*ATTACK, ATTACKER)]])
    assert counts(out["identification"]) == (0, 1, 1)
    assert counts(out["classification"]) == (0, 1, 1)


@pytest.mark.parametrize(
    "predicted_event",
    [event("Conflict.Attack", (21, 28), ATTACKER), event("Conflict.Demonstrate", (21, 29), ATTACKER)],
    ids=["wrong trigger boundary", "wrong event type"],
)
def test_argument_must_be_attached_to_the_right_trigger(metric, predicted_event):
    out = score(metric, [[predicted_event]], [[event(*ATTACK, ATTACKER)]])
    assert counts(out["identification"]) == (0, 1, 1)
    assert counts(out["classification"]) == (0, 1, 1)


def test_every_duplicate_is_a_unit(metric):
    """A repeated argument is one match and false alarms: scoring counts every unit it gets."""
    predicted = [[event(*ATTACK, ATTACKER, ATTACKER), event(*ATTACK, ATTACKER)]]
    out = score(metric, predicted, [[event(*ATTACK, ATTACKER)]])
    assert counts(out["classification"]) == (1, 3, 1)


def test_one_span_two_roles(metric):
    gold = [[event(*ATTACK, (0, 16, "Attacker"), (0, 16, "Target"))]]
    out = score(metric, [[event(*ATTACK, ATTACKER)]], gold)
    assert counts(out["identification"]) == (1, 1, 2)  # two gold units on one span
    assert counts(out["classification"]) == (1, 1, 2)


def test_documents_do_not_match_each_other(metric):
    out = score(metric, [[event(*ATTACK, ATTACKER)], []], [[], [event(*ATTACK, ATTACKER)]], return_units=True)
    assert counts(out["classification"]) == (0, 1, 1)
    assert out["units"]["classification"] == [[0, 1, 0], [0, 0, 1]]


def test_empty_gold(metric):
    out = score(metric, [[event(*ATTACK, ATTACKER)]], [[event(*ATTACK)]])
    assert counts(out["identification"]) == (0, 1, 0)
    assert out["identification"]["f1"] == 0.0


def test_empty_prediction(metric):
    out = score(metric, [[]], [[event(*ATTACK, ATTACKER)]])
    assert counts(out["identification"]) == (0, 0, 1)
    assert out["identification"]["recall"] == 0.0


def test_both_empty(metric):
    out = score(metric, [[], [event(*ATTACK)]], [[], []], return_units=True)
    for task in ("identification", "classification"):
        assert counts(out[task]) == (0, 0, 0)
        assert (out[task]["precision"], out[task]["recall"], out[task]["f1"]) == (0.0, 0.0, 0.0)
        assert out["units"][task] == [[0, 0, 0], [0, 0, 0]]
    assert score(metric, [], [])["classification"]["n_gold"] == 0


def test_units_sum_to_totals(metric):
    references = [[event(*ATTACK, ATTACKER, TARGET)], [event("Life.Die", (5, 9), (0, 4, "Victim"))]]
    predictions = [[event(*ATTACK, ATTACKER, (30, 43, "Place"))], [event("Life.Die", (5, 9), (0, 4, "Victim"))]]
    out = score(metric, predictions, references, return_units=True)
    assert out["units"]["identification"] == [[2, 2, 2], [1, 1, 1]]
    assert out["units"]["classification"] == [[1, 2, 2], [1, 1, 1]]
    for task in ("identification", "classification"):
        assert [sum(col) for col in zip(*out["units"][task])] == list(counts(out[task]))
    assert out["classification"]["f1"] == pytest.approx(2 / 3)


def test_loads_and_runs_from_another_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    loaded = evaluate.load(str(METRIC_DIR))
    gold = [[event(*ATTACK, ATTACKER)]]
    assert score(loaded, gold, gold)["classification"]["f1"] == 1.0


@pytest.mark.parametrize(
    "bad",
    [event(*ATTACK, (5, 5, "Attacker")), event("", (21, 29), ATTACKER), event(*ATTACK, (0, 16, ""))],
    ids=["empty argument span", "no event type", "no role"],
)
def test_invalid_input(raising_metric, bad):
    with pytest.raises(ValueError):
        score(raising_metric, [[bad]], [[]])
