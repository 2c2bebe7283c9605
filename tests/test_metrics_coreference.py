"""coreference: the CoNLL scorer's published cases, hand-computed cases, and invariants.

The reference cases are read from ``tests/data/coref/`` (copied from the ``test/`` folder of
conll/reference-coreference-scorers v8.01, see its README): the key/response files through a
small CoNLL reader below, the expected values straight from ``CorefMetricTestConfig.pm``.
"""

import ast
import itertools
import operator
import re
from pathlib import Path

import evaluate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark import paths

ROOT = Path(__file__).resolve().parents[1]
METRIC_DIR = paths.METRICS_DIR / "coreference"
DATA = Path(__file__).resolve().parent / "data" / "coref"
METRICS = ("muc", "b3", "ceafe")
# The config's metric names → this module's.
CONFIG_METRICS = {"muc": "muc", "bcub": "b3", "ceafe": "ceafe"}
# test.pl passes a case when the summed |expected - actual| over (R, P, F1) is below this.
V801_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


@pytest.fixture
def raising_metric():
    """A fresh in-memory instance for calls that raise: evaluate keeps the cache-file lock
    of a compute() that raised, and the next compute() then waits 1 s for it."""
    return evaluate.load(str(METRIC_DIR), keep_in_memory=True)


def mention(start, end, cluster):
    return {"start": start, "end": end, "cluster": cluster}


def doc(*clusters):
    """A document from clusters of one-token mentions: doc("ab", "c") → {a b} {c}, token = letter."""
    return [mention(ord(m), ord(m) + 1, f"e{i}") for i, cluster in enumerate(clusters) for m in cluster]


def rpf(scores):
    return (scores["recall"], scores["precision"], scores["f1"])


# --- the reference scorer's CoNLL files --------------------------------------------------


def read_conll(path):
    """The mentions of the one document of a CoNLL file, in the order v8.01 visits them.

    Follows ``GetCoreference`` of v8.01's CorScorer.pm: token index = line number within the
    document (blank lines skipped), coreference = last column; on each line single-token
    mentions ``(n)`` first, then openings ``(n``, then closings ``n)`` matched to the last open
    mention of that entity. Mentions are listed entity by entity (entities in order of first
    sight), each entity's in order of completion: the order in which v8.01 keeps the first of
    repeated spans. Offsets are end exclusive.
    """
    entities, open_starts = {}, {}
    token = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"#\s*begin document", line):
            token = 0
            continue
        if re.match(r"#\s*end document", line):
            break
        if token is None or not line.strip():
            continue
        column = line.split()[-1]
        for entity in re.findall(r"\((\d+)\)", column):
            entities.setdefault(entity, []).append((token, token))
        column = re.sub(r"\((\d+)\)", "", column)
        for entity in re.findall(r"\((\d+)", column):
            entities.setdefault(entity, [])
            open_starts.setdefault(entity, []).append(token)
        for entity in re.findall(r"(\d+)\)", column):
            entities.setdefault(entity, []).append((open_starts[entity].pop(), token))
        token += 1
    assert not any(open_starts.values()), f"{path.name}: unclosed mention"
    return [mention(start, end + 1, entity) for entity, spans in entities.items() for start, end in spans]


def drop_repeats(mentions):
    """v8.01's ``IdentifMentions`` on a response: a span seen before is removed (with a warning)."""
    seen, kept = set(), []
    for m in mentions:
        if (m["start"], m["end"]) not in seen:
            seen.add((m["start"], m["end"]))
            kept.append(m)
    return kept


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def arithmetic(text):
    """The value of a Perl arithmetic expression of the config (numbers, + - * /, parentheses)."""

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        raise ValueError(f"not plain arithmetic: {text!r}")

    return float(value(ast.parse(text.strip(), mode="eval").body))


def reference_cases():
    """(case id, key file, response file, {metric: (R, P, F1)}) for every case expecting MUC, B³ or CEAF-e.

    Commented-out expectations (``#"ceafe" => ...``) are not expectations and are dropped with
    the comment; BLANC and CEAF-m are not computed by the module.
    """
    config = (DATA / "CorefMetricTestConfig.pm").read_text(encoding="utf-8")
    config = re.sub(r"#[^\n]*", "", config)
    cases = []
    for block in re.findall(r"\{\s*id\s*=>.*?\n\s*\}\s*(?=,|\))", config, flags=re.S):
        case_id = re.search(r'id\s*=>\s*"([^"]+)"', block).group(1)
        key = re.search(r'key_file\s*=>\s*"DataFiles/([^"]+)"', block).group(1)
        response = re.search(r'response_file\s*=>\s*"DataFiles/([^"]+)"', block).group(1)
        expected = {
            CONFIG_METRICS[name]: tuple(arithmetic(v) for v in values.split(","))
            for name, values in re.findall(r'"(\w+)"\s*=>\s*\[([^\]]*)\]', block)
            if name in CONFIG_METRICS
        }
        if expected:
            cases.append((case_id, key, response, expected))
    return cases


REFERENCE_CASES = reference_cases()
# Cases whose response repeats a span (the "B" mentions of TestCases.README); v8.01 scores them
# after dropping the repeats, this module refuses them.
REPEATED_SPANS = {"A7", "A8", "A9"}


def test_reference_cases_are_all_read():
    """Guard against a reader that silently finds fewer cases: the checked set, written out."""
    checked = {case_id: sorted(expected) for case_id, _, _, expected in REFERENCE_CASES}
    all_three = ["b3", "ceafe", "muc"]
    assert checked == {
        **{f"A{i}": all_three for i in range(1, 10)},
        **{f"A{i}": ["b3", "muc"] for i in range(10, 14)},
        "D1": ["b3", "muc"],
        "E1": ["b3", "muc"],
        **{case: ["muc"] for case in ("F1", "G1", "H1", "I1", "J1", "K1", "L1")},
        "M1": all_three,
        "M2": ["muc"],
        "M5": ["muc"],
        "N1": ["muc"],
        "N2": ["muc"],
        "N4": ["muc"],
    }


@pytest.mark.parametrize(
    ("case_id", "key_file", "response_file", "expected"), REFERENCE_CASES, ids=[c[0] for c in REFERENCE_CASES]
)
def test_reference_case(metric, raising_metric, case_id, key_file, response_file, expected):
    key = read_conll(DATA / key_file)
    response = read_conll(DATA / response_file)
    assert drop_repeats(key) == key
    if case_id in REPEATED_SPANS:
        with pytest.raises(ValueError, match="duplicate span"):
            raising_metric.compute(predictions=[response], references=[key])
        response = drop_repeats(response)
    else:
        assert drop_repeats(response) == response
    out = metric.compute(predictions=[response], references=[key])
    for name, values in expected.items():
        diff = sum(abs(e - a) for e, a in zip(values, rpf(out[name])))
        assert diff < V801_TOLERANCE, f"{case_id} {name}: expected {values}, got {rpf(out[name])}"


def test_reader_on_a_known_file():
    """TC-A.key is {a} {bc} {def} with multi-token mentions over two sentences."""
    key = read_conll(DATA / "TC-A.key")
    assert [(m["start"], m["end"], m["cluster"]) for m in key] == [
        (0, 2, "0"),
        (3, 7, "1"),
        (9, 10, "1"),
        (11, 13, "2"),
        (14, 15, "2"),
        (16, 19, "2"),
    ]


# --- hand-computed cases -----------------------------------------------------------------


def test_identical_clusterings(metric):
    gold = [doc("ab", "cde", "f")]
    out = metric.compute(predictions=gold, references=gold)
    for name in METRICS:
        assert rpf(out[name]) == (1.0, 1.0, 1.0)
    assert out["conll"]["f1"] == 1.0


def test_all_singletons_identical(metric):
    """No link anywhere: MUC is 0/0, which v8.01 reports as 0 (case N1); B³ and CEAF-e are 1."""
    gold = [doc("a", "b", "c")]
    out = metric.compute(predictions=gold, references=gold, return_units=True)
    assert rpf(out["muc"]) == (0.0, 0.0, 0.0)
    assert out["units"]["muc"] == [[0, 0, 0, 0]]
    assert rpf(out["b3"]) == (1.0, 1.0, 1.0)
    assert rpf(out["ceafe"]) == (1.0, 1.0, 1.0)
    assert out["conll"]["f1"] == pytest.approx(2 / 3)


def test_response_all_singletons(metric):
    """Key {ab} {c}, response {a} {b} {c}."""
    out = metric.compute(predictions=[doc("a", "b", "c")], references=[doc("ab", "c")], return_units=True)
    assert rpf(out["muc"]) == (0.0, 0.0, 0.0)
    assert out["units"]["muc"] == [[0, 1, 0, 0]]
    # B³ recall: a, b each 1/2, c 1 → 2/3; precision 1.
    assert rpf(out["b3"]) == pytest.approx((2 / 3, 1.0, 0.8))
    # CEAF-e: φ4({ab}, {a}) = 2/3, φ4({c}, {c}) = 1 → 5/3 over 2 key and 3 response entities.
    assert rpf(out["ceafe"]) == pytest.approx((5 / 6, 5 / 9, 2 / 3))


def test_one_split_cluster(metric):
    """Key {abcd}, response {ab} {cd}."""
    out = metric.compute(predictions=[doc("ab", "cd")], references=[doc("abcd")], return_units=True)
    assert rpf(out["muc"]) == pytest.approx((2 / 3, 1.0, 0.8))
    assert out["units"]["muc"] == [[2, 3, 2, 2]]
    assert rpf(out["b3"]) == pytest.approx((0.5, 1.0, 2 / 3))
    # φ4({abcd}, {ab}) = 2·2/(4+2) = 2/3, one key entity, two response entities.
    assert rpf(out["ceafe"]) == pytest.approx((2 / 3, 1 / 3, 4 / 9))
    assert out["conll"]["f1"] == pytest.approx((0.8 + 2 / 3 + 4 / 9) / 3)


def test_twinless_mention_stays_in_its_cluster(metric):
    """Key {ab}, response {abx}: x is not in the key; v8.01 neither drops it nor adds it to the key."""
    out = metric.compute(predictions=[doc("abx")], references=[doc("ab")])
    assert rpf(out["muc"]) == pytest.approx((1.0, 0.5, 2 / 3))
    # B³ precision: a, b each 2/3, x 0 (no key cluster) → 4/9.
    assert rpf(out["b3"]) == pytest.approx((1.0, 4 / 9, 8 / 13))
    assert rpf(out["ceafe"]) == pytest.approx((0.8, 0.8, 0.8))


def test_mentions_match_by_exact_span(metric):
    gold = [[mention(0, 5, "a"), mention(10, 12, "a")]]
    shifted = [[mention(0, 5, "a"), mention(10, 13, "a")]]
    out = metric.compute(predictions=shifted, references=gold)
    assert rpf(out["muc"]) == (0.0, 0.0, 0.0)
    # B³ recall: the key chain {m1, m2} meets the response chain in m1 only: (1²/2) / 2 mentions.
    assert rpf(out["b3"]) == pytest.approx((0.25, 0.25, 0.25))


def test_corpus_sums_counts_not_ratios(metric):
    """Doc 1 perfect (2 key links), doc 2 no link found (5 key links): MUC recall 2/7, not (1 + 0)/2."""
    predictions = [doc("ab", "cd"), doc("a", "b", "c", "d", "e", "f")]
    references = [doc("ab", "cd"), doc("abcdef")]
    out = metric.compute(predictions=predictions, references=references, return_units=True)
    assert out["units"]["muc"] == [[2, 2, 2, 2], [0, 5, 0, 0]]
    assert rpf(out["muc"]) == pytest.approx((2 / 7, 1.0, 4 / 9))
    # B³: recall (4 + 6 · 1/6) / 10 = 1/2, precision 10/10.
    assert rpf(out["b3"]) == pytest.approx((0.5, 1.0, 2 / 3))
    # CEAF-e: doc 1 contributes 2, doc 2 φ4({abcdef}, {a}) = 2/7 → (2 + 2/7) over 3 key and 8 response entities.
    assert rpf(out["ceafe"]) == pytest.approx((16 / 21, 2 / 7, 2 * (16 / 21) * (2 / 7) / (16 / 21 + 2 / 7)))


def test_empty_documents(metric):
    out = metric.compute(predictions=[[], doc("ab")], references=[doc("ab"), []], return_units=True)
    assert out["units"]["b3"] == [[0.0, 2, 0.0, 0], [0.0, 0, 0.0, 2]]
    assert out["units"]["ceafe"] == [[0.0, 1, 0.0, 0], [0.0, 0, 0.0, 1]]
    for name in METRICS:
        assert rpf(out[name]) == (0.0, 0.0, 0.0)


def test_without_units_by_default(metric):
    out = metric.compute(predictions=[doc("ab")], references=[doc("ab")])
    assert set(out) == {"muc", "b3", "ceafe", "conll"}
    assert set(out["conll"]) == {"f1"}


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"start": 0, "end": 2}, r"predictions\[0\]\[1\]: a mention is exactly \{start, end, cluster\}"),
        ({"start": 0, "end": 2, "cluster": "a", "label": "PER"}, r"a mention is exactly"),
        ({"start": 0, "end": 2, "cluster": 3}, r"predictions\[0\]\[1\]: cluster must be a string"),
        ({"start": 0.0, "end": 2, "cluster": "a"}, r"start must be an integer"),
        ({"start": True, "end": 2, "cluster": "a"}, r"start must be an integer"),
        ("(0, 2)", r"predictions\[0\]\[1\]: a mention is exactly"),
        ({"start": 3, "end": 3, "cluster": "a"}, r"predictions\[0\]\[1\]: a mention needs 0 <= start < end"),
        ({"start": -1, "end": 3, "cluster": "a"}, r"0 <= start < end"),
        ({"start": 0, "end": 3, "cluster": ""}, r"non-empty cluster id"),
        ({"start": 0, "end": 1, "cluster": "b"}, r"predictions\[0\]\[1\]: duplicate span \(0, 1\)"),
    ],
)
def test_malformed_mentions_are_refused(raising_metric, bad, message):
    with pytest.raises(ValueError, match=message):
        raising_metric.compute(predictions=[[mention(0, 1, "a"), bad]], references=[[mention(0, 1, "a")]])


def test_duplicate_in_the_same_cluster_and_in_references_refused(raising_metric):
    with pytest.raises(ValueError, match=r"references\[0\]\[1\]: duplicate span \(0, 1\)"):
        raising_metric.compute(predictions=[[]], references=[[mention(0, 1, "a"), mention(0, 1, "a")]])


def test_document_counts_must_agree(raising_metric):
    with pytest.raises(ValueError, match=r"Mismatch in the number of predictions \(1\) and references \(2\)"):
        raising_metric.compute(predictions=[[]], references=[[], []])


def test_a_document_must_be_a_list(raising_metric):
    with pytest.raises(ValueError, match=r"references\[0\]: a document is a list of mentions"):
        raising_metric.compute(predictions=[[]], references=[mention(0, 1, "a")])


def test_add_checks_too(raising_metric):
    with pytest.raises(ValueError, match=r"prediction\[0\]: a mention is exactly"):
        raising_metric.add(prediction=[{"start": 0}], reference=[])


# --- invariants and equality with v8.01's counting (hypothesis) --------------------------

SPANS = [(s, e) for s in range(6) for e in range(s + 1, 7)]


@st.composite
def documents(draw, max_mentions=10):
    spans = draw(st.lists(st.sampled_from(SPANS), unique=True, max_size=max_mentions))
    return [mention(s, e, draw(st.sampled_from("pqrst"))) for s, e in spans]


def clusters_of(document):
    groups = {}
    for m in document:
        groups.setdefault(m["cluster"], []).append((m["start"], m["end"]))
    return list(groups.values())


def v801_counts(key, response):
    """Per-document [recall_num, recall_den, precision_num, precision_den] transcribed from v8.01's
    CorScorer.pm (MUCScorer, BCUBED, CEAF with type 0), an oracle independent of scorch; CEAF's
    Munkres assignment is replaced by an exhaustive search, so keep documents small."""
    k_of = {m: i for i, cluster in enumerate(key) for m in cluster}
    # MUC: each response mention with a later mention of the same response chain in its key chain
    # is a correct link; key singletons and twinless response singletons add no link.
    correct = sum(
        1
        for chain in response
        for i, m in enumerate(chain)
        if any(m in k_of and n in k_of and k_of[m] == k_of[n] for n in chain[i + 1 :])
    )
    muc = [correct, sum(len(k) - 1 for k in key), correct, sum(len(r) - 1 for r in response)]
    acum_r = acum_p = 0.0
    for chain in response:
        for m in chain:
            k_chain = key[k_of[m]] if m in k_of else []
            common = len(set(chain) & set(k_chain))
            acum_p += common / len(chain)
            acum_r += common / len(k_chain) if k_chain else 0
    b3 = [acum_r, sum(map(len, key)), acum_p, sum(map(len, response))]

    def phi4(k, r):
        return 2 * len(set(k) & set(r)) / (len(k) + len(r))

    small, large, swap = (key, response, False) if len(key) <= len(response) else (response, key, True)
    best = max(
        (
            sum(phi4(*((large[j], small[i]) if swap else (small[i], large[j]))) for i, j in enumerate(choice))
            for choice in itertools.permutations(range(len(large)), len(small))
        ),
        default=0.0,
    )
    ceafe = [best, len(key), best, len(response)]
    return {"muc": muc, "b3": b3, "ceafe": ceafe}


def summed(rows):
    r_num, r_den, p_num, p_den = (sum(column) for column in zip(*rows))
    recall = r_num / r_den if r_den else 0.0
    precision = p_num / p_den if p_den else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return recall, precision, f1


HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPOTHESIS
@given(gold=documents())
def test_gold_against_itself(metric, gold):
    out = metric.compute(predictions=[gold], references=[gold])
    has_link = any(len(c) > 1 for c in clusters_of(gold))
    assert rpf(out["muc"]) == ((1.0, 1.0, 1.0) if has_link else (0.0, 0.0, 0.0))
    expected = (1.0, 1.0, 1.0) if gold else (0.0, 0.0, 0.0)
    assert rpf(out["b3"]) == expected
    assert rpf(out["ceafe"]) == expected


@HYPOTHESIS
@given(gold=documents(), predicted=documents())
def test_muc_swaps_recall_and_precision(metric, gold, predicted):
    forward = metric.compute(predictions=[predicted], references=[gold])["muc"]
    backward = metric.compute(predictions=[gold], references=[predicted])["muc"]
    assert (forward["recall"], forward["precision"], forward["f1"]) == (
        backward["precision"],
        backward["recall"],
        backward["f1"],
    )


@HYPOTHESIS
@given(pairs=st.lists(st.tuples(documents(), documents()), min_size=1, max_size=4))
def test_corpus_equals_summed_document_counts(metric, pairs):
    predictions, references = [p for p, _ in pairs], [g for _, g in pairs]
    out = metric.compute(predictions=predictions, references=references, return_units=True)
    for name in METRICS:
        assert rpf(out[name]) == summed(out["units"][name])
    for i, (predicted, gold) in enumerate(pairs):
        alone = metric.compute(predictions=[predicted], references=[gold], return_units=True)
        for name in METRICS:
            assert alone["units"][name] == [out["units"][name][i]]
    assert out["conll"]["f1"] == sum(out[name]["f1"] for name in METRICS) / 3


@HYPOTHESIS
@given(gold=documents(max_mentions=8), predicted=documents(max_mentions=8))
def test_document_counts_equal_v801(metric, gold, predicted):
    out = metric.compute(predictions=[predicted], references=[gold], return_units=True)
    oracle = v801_counts(clusters_of(gold), clusters_of(predicted))
    for name in METRICS:
        assert out["units"][name][0] == pytest.approx(oracle[name], abs=1e-12), name


@HYPOTHESIS
@given(gold=documents(), predicted=documents(), data=st.data())
def test_input_order_and_cluster_ids_do_not_matter(metric, gold, predicted, data):
    renamed = {c: f"id{i}" for i, c in enumerate(data.draw(st.permutations("pqrst")))}
    shuffled = [dict(m, cluster=renamed[m["cluster"]]) for m in data.draw(st.permutations(predicted))]
    first = metric.compute(predictions=[predicted], references=[gold], return_units=True)
    second = metric.compute(predictions=[shuffled], references=[gold], return_units=True)
    assert first == second
