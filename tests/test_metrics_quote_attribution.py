"""quote_attribution: content matching and speaker attribution on hand-computed cases."""


import evaluate
import pytest

from benchmark import paths

METRIC_DIR = paths.METRICS_DIR / "quote_attribution"


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


@pytest.fixture
def raising_metric():
    """A fresh in-memory instance for calls that raise: evaluate keeps the cache-file lock
    of a compute() that raised, and the next compute() then waits 1 s for it."""
    return evaluate.load(str(METRIC_DIR), keep_in_memory=True)


def gold(content, targets=()):
    return {"content": [list(r) for r in content], "speaker_targets": [list(t) for t in targets]}


def pred(content, speaker=None):
    return {"content": [list(r) for r in content], "speaker": list(speaker) if speaker else None}


def score(metric, predictions, references, **kwargs):
    return metric.compute(predictions=predictions, references=references, **kwargs)


def summary(table):
    """(n_gold, n_predicted, n_content_found, n_attributed)."""
    return (table["n_gold"], table["n_predicted"], table["n_content_found"], table["n_attributed"])


# "Emmanuel Macron a déclaré : « ... ». Le président a ajouté ..." — speaker entity mentions
# at (0, 15) and (60, 72); the quotation's content at (30, 55).
MACRON = [(0, 15), (60, 72)]
QUOTE = [(30, 55)]


def test_perfect(metric):
    out = score(metric, [[pred(QUOTE, (0, 15))]], [[gold(QUOTE, MACRON)]])
    for variant in ("exact", "overlap"):
        assert summary(out[variant]) == (1, 1, 1, 1)
        assert out[variant]["accuracy"] == 1.0
        assert out[variant]["content_f1"] == 1.0


def test_speaker_may_be_any_mention_of_the_entity(metric):
    out = score(metric, [[pred(QUOTE, (60, 72))]], [[gold(QUOTE, MACRON)]])
    assert out["exact"]["accuracy"] == 1.0


def test_missed_quotation(metric):
    out = score(metric, [[]], [[gold(QUOTE, MACRON)]])
    for variant in ("exact", "overlap"):
        assert summary(out[variant]) == (1, 0, 0, 0)
        assert out[variant]["accuracy"] == 0.0
        assert out[variant]["content_recall"] == 0.0


def test_spurious_quotation(metric):
    out = score(metric, [[pred(QUOTE, (0, 15)), pred([(100, 120)], (0, 15))]], [[gold(QUOTE, MACRON)]])
    for variant in ("exact", "overlap"):
        assert summary(out[variant]) == (1, 2, 1, 1)
        assert out[variant]["accuracy"] == 1.0
        assert out[variant]["content_precision"] == 0.5
        assert out[variant]["content_f1"] == pytest.approx(2 / 3)


def test_wrong_speaker(metric):
    out = score(metric, [[pred(QUOTE, (80, 90))]], [[gold(QUOTE, MACRON)]])
    for variant in ("exact", "overlap"):
        assert summary(out[variant]) == (1, 1, 1, 0)
        assert out[variant]["accuracy"] == 0.0
        assert out[variant]["content_f1"] == 1.0


def test_missing_speaker_when_gold_has_one(metric):
    out = score(metric, [[pred(QUOTE, None)]], [[gold(QUOTE, MACRON)]])
    assert out["overlap"]["n_attributed"] == 0


def test_wrong_boundaries(metric):
    # Content one word short, speaker span "Macron" inside "Emmanuel Macron".
    out = score(metric, [[pred([(30, 50)], (9, 15))]], [[gold(QUOTE, MACRON)]])
    assert summary(out["exact"]) == (1, 1, 0, 0)
    assert summary(out["overlap"]) == (1, 1, 1, 1)
    # Right content, speaker boundary off: only the overlap variant accepts it.
    out = score(metric, [[pred(QUOTE, (9, 15))]], [[gold(QUOTE, MACRON)]])
    assert summary(out["exact"]) == (1, 1, 1, 0)
    assert summary(out["overlap"]) == (1, 1, 1, 1)


def test_gold_without_speaker(metric):
    out = score(metric, [[pred(QUOTE, None)]], [[gold(QUOTE, [])]])
    assert out["exact"]["n_attributed"] == out["overlap"]["n_attributed"] == 1
    out = score(metric, [[pred(QUOTE, (0, 15))]], [[gold(QUOTE, [])]])
    assert out["exact"]["n_attributed"] == out["overlap"]["n_attributed"] == 0


def test_discontinuous_content_compares_segments(metric):
    two_parts = [(30, 40), (50, 60)]
    out = score(metric, [[pred([(50, 60), (30, 40)], (0, 15))]], [[gold(two_parts, MACRON)]])
    assert summary(out["exact"]) == (1, 1, 1, 1)  # segment order does not matter
    out = score(metric, [[pred([(50, 60), (30, 35), (35, 40)], (0, 15))]], [[gold(two_parts, MACRON)]])
    assert out["exact"]["n_content_found"] == 0  # but every segment must equal one of the gold's
    assert out["overlap"]["n_content_found"] == 1
    out = score(metric, [[pred([(30, 60)], (0, 15))]], [[gold(two_parts, MACRON)]])
    assert out["exact"]["n_content_found"] == 0
    assert out["overlap"]["n_content_found"] == 1


def test_overlap_pairs_largest_overlap_first(metric):
    references = [[gold([(0, 10)], [(200, 205)]), gold([(10, 30)], [(300, 305)])]]
    # Overlaps gold 1 by 5 characters and gold 2 by 15: it is paired with gold 2.
    out = score(metric, [[pred([(5, 25)], (300, 305))]], references)
    assert summary(out["overlap"]) == (2, 1, 1, 1)
    # A second prediction then takes gold 1, whatever the input order.
    for predictions in ([pred([(5, 25)], (300, 305)), pred([(0, 8)], (200, 205))],
                        [pred([(0, 8)], (200, 205)), pred([(5, 25)], (300, 305))]):
        out = score(metric, [predictions], references)
        assert summary(out["overlap"]) == (2, 2, 2, 2)


def test_one_prediction_finds_one_quotation_only(metric):
    references = [[gold([(0, 10)], [(200, 205)]), gold([(10, 20)], [(200, 205)])]]
    out = score(metric, [[pred([(0, 20)], (200, 205))]], references)
    assert summary(out["overlap"]) == (2, 1, 1, 1)
    assert out["overlap"]["accuracy"] == 0.5


def test_duplicate_predictions_count_once(metric):
    out = score(metric, [[pred(QUOTE, (0, 15)), pred(QUOTE, (0, 15))]], [[gold(QUOTE, MACRON)]])
    assert summary(out["exact"]) == (1, 2, 1, 1)


def test_empty_gold(metric):
    out = score(metric, [[pred(QUOTE, (0, 15))]], [[]])
    for variant in ("exact", "overlap"):
        assert summary(out[variant]) == (0, 1, 0, 0)
        assert out[variant]["accuracy"] == 0.0 and out[variant]["content_precision"] == 0.0


def test_both_empty(metric):
    out = score(metric, [[], []], [[], []], return_units=True)
    for variant in ("exact", "overlap"):
        assert summary(out[variant]) == (0, 0, 0, 0)
        assert out[variant]["accuracy"] == 0.0 and out[variant]["content_f1"] == 0.0
    assert out["units"]["exact"] == [[0, 0], [0, 0]] and out["units"]["overlap"] == [[0, 0], [0, 0]]
    assert score(metric, [], [])["exact"]["n_gold"] == 0


def test_units_per_document(metric):
    references = [[gold(QUOTE, MACRON)], [gold(QUOTE, []), gold([(100, 140)], [(0, 5)])]]
    predictions = [[pred([(30, 50)], (0, 15))], [pred(QUOTE, None)]]
    out = score(metric, predictions, references, return_units=True)
    assert out["units"]["exact"] == [[0, 1], [1, 2]] and out["units"]["overlap"] == [[1, 1], [1, 2]]
    assert out["content_units"]["exact"] == [[0, 1, 1], [1, 1, 2]]
    assert out["content_units"]["overlap"] == [[1, 1, 1], [1, 1, 2]]
    # one unit per gold quotation (documents in order, quotations sorted by content)
    assert out["quote_units"]["exact"] == [[0, 1], [1, 1], [0, 1]]
    assert out["quote_units"]["overlap"] == [[1, 1], [1, 1], [0, 1]]
    assert out["overlap"]["accuracy"] == pytest.approx(2 / 3)
    assert all(type(out[v][k]) is float for v in ("exact", "overlap") for k in ("accuracy", "content_f1"))


def test_loads_and_runs_from_another_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    loaded = evaluate.load(str(METRIC_DIR))
    assert score(loaded, [[pred(QUOTE)]], [[gold(QUOTE)]])["exact"]["accuracy"] == 1.0


@pytest.mark.parametrize(
    "predictions, references",
    [
        ([[pred([])]], [[]]),  # a quotation needs content
        ([[]], [[gold([(5, 5)])]]),  # empty span
        ([[{"content": [[0, 5]], "speaker": [3]}]], [[]]),  # speaker is not a pair
        ([[]], [[gold(QUOTE, [(9, 2)])]]),  # reversed target
    ],
)
def test_invalid_input(raising_metric, predictions, references):
    with pytest.raises(ValueError):
        score(raising_metric, predictions, references)


def test_nested_quotation_pairs_with_its_own_gold(metric):
    """The issue's repro: an inner quotation predicted alone pairs with its own gold, not its parent."""
    references = [[{"content": [[100, 300]], "speaker_targets": [[0, 15]]},
                   {"content": [[150, 200]], "speaker_targets": [[500, 506]]}]]
    predictions = [[{"content": [[150, 200]], "speaker": [500, 506]}]]
    out = metric.compute(predictions=predictions, references=references)["overlap"]
    assert (out["n_content_found"], out["n_attributed"]) == (1, 1)


def test_gender_gap_tracker_thresholds(metric):
    """GGT: matched when the prediction covers more than 0.3 (lenient) / 0.8 (strict) of the
    gold content; accuracy over matched quotations only."""
    references = [[gold([(0, 100)], [(200, 205)]), gold([(300, 400)], [(500, 505)])]]
    predictions = [[pred([(0, 50)], (200, 205)), pred([(300, 390)], (600, 605))]]
    out = score(metric, predictions, references)
    assert out["ggt_lenient"]["n_content_found"] == 2 and out["ggt_lenient"]["accuracy"] == 0.5
    assert out["ggt_strict"]["n_content_found"] == 1 and out["ggt_strict"]["accuracy"] == 0.0
    assert out["overlap"]["accuracy"] == 0.5  # end to end: over every gold quotation


@pytest.mark.parametrize(("covered", "lenient", "strict"), [(3, 0, 0), (4, 1, 0), (8, 1, 0), (9, 1, 1), (10, 1, 1)])
def test_gender_gap_tracker_threshold_is_strictly_more_than(metric, covered, lenient, strict):
    """GGT's evaluate_quotes.py keeps a pair when ``score > match_threshold`` (score: the
    covered share of the gold quotation, a float division): 3 of 10 positions is not a
    match at 0.3, nor 8 of 10 at 0.8."""
    references = [[gold([(0, 10)], [(20, 25)])]]
    predictions = [[pred([(0, covered)], (20, 25))]]
    out = score(metric, predictions, references)
    assert out["ggt_lenient"]["n_content_found"] == lenient
    assert out["ggt_strict"]["n_content_found"] == strict
    assert out["overlap"]["n_content_found"] == 1


def test_partial_credit_is_the_overlap_f1_of_each_pair(metric):
    out = score(metric, [[pred([(0, 50)], None)]], [[gold([(0, 100)], [])]])
    assert out["partial"]["credit"] == pytest.approx(2 * 50 / 150)
    assert out["partial"]["f1"] == pytest.approx(2 * 50 / 150)
