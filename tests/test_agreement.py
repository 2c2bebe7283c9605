"""Inter-annotator agreement: the scorer's numbers, Krippendorff's alpha, the sheet.

The two annotators' versions are the gold and the gold with two decisions
changed by hand (one label, one mention left out), so every figure can be
computed by hand; alpha is also recomputed from its definition
(Krippendorff 2011, nominal, coincidence matrix) rather than trusted.
"""

import copy
import json
from collections import Counter

import pytest
from conftest import SEED_ID, copy_repository, drop_committed_wikinews, run_cli

from benchmark import paths
from benchmark.annotation import agreement
from benchmark.data.alignment import tokenize
from benchmark.data.layers import TAG_LAYER_BY_FEATURE
from benchmark.errors import DataErrors
from benchmark.fileio import canonical_json


def _bob(gold: dict) -> dict:
    """Another annotator: "Venezuela" (m03) as ORG, and no "Nicolas Maduro" (m29)."""
    record = copy.deepcopy(gold)
    record["entities"][2]["label"] = "ORG"
    record["entities"] = [m for m in record["entities"] if m["id"] != "m29"]
    return record


def _work(root, **versions):
    for name, record in versions.items():
        path = root / name / f"{SEED_ID}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(canonical_json(record), encoding="utf-8")
    return root


@pytest.fixture
def config():
    return agreement.scoring_config()


def _nominal_alpha(first: list, second: list) -> float:
    """Krippendorff's alpha for two coders, no missing values, from the coincidence matrix."""
    coincidences = Counter()
    for a, b in zip(first, second):
        coincidences[a, b] += 1
        coincidences[b, a] += 1
    totals = Counter()
    for (a, _), n in coincidences.items():
        totals[a] += n
    n = sum(totals.values())
    observed = sum(v for (a, b), v in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b)
    return 1 - (n - 1) * observed / expected


def test_one_annotator_scored_against_the_other(tmp_path, gold_record, config):
    root = _work(tmp_path, alice=gold_record, bob=_bob(gold_record))
    report = agreement.measure([], root, config)
    tokens = len(tokenize(gold_record["text"]))
    assert report.annotators == ["alice", "bob"] and report.documents == [SEED_ID] and report.tokens == tokens
    (pair,) = report.pairs
    # n mentions against n - 1 (one dropped), n - 2 of them identical (one relabelled).
    n = len(gold_record["entities"])
    assert pair.metrics["ner.strict.micro.precision"] == pytest.approx((n - 2) / (n - 1))
    assert pair.metrics["ner.strict.micro.recall"] == pytest.approx((n - 2) / n)
    assert pair.metrics["ner.strict.micro.f1"] == pytest.approx(2 * (n - 2) / (2 * n - 1))
    for prefix in ("quotes.content", "quotes.cue", "quotes.speaker", "events.trigger", "events.argument"):
        assert pair.metrics[f"{prefix}.f1"] == 1.0
    # Alpha on the entity tags, recomputed from its definition.
    (row,) = [r for r in map(json.loads, paths.DATA_FILE.read_text(encoding="utf-8").splitlines()) if r["id"] == SEED_ID]
    names = TAG_LAYER_BY_FEATURE["ner_tags"].names
    alice = [names[i] for i in row["ner_tags"]]
    bob = list(alice)
    tokens = row["tokens"]
    starts = {m["id"]: m["start"] for m in gold_record["entities"]}
    venezuela = next(i for i, (s, e) in enumerate(row["token_offsets"]) if s == starts["m03"])
    maduro = next(i for i, (s, e) in enumerate(row["token_offsets"]) if s == starts["m29"])
    assert tokens[venezuela] == "Venezuela" and tokens[maduro:maduro + 2] == ["Nicolas", "Maduro"]
    bob[venezuela], bob[maduro], bob[maduro + 1] = "B-ORG", "O", "O"
    assert report.alpha["ner_tags"] == pytest.approx(_nominal_alpha(alice, bob))
    assert 0.9 < report.alpha["ner_tags"] < 1
    assert all(report.alpha[f] == 1.0 for f in ("quote_content_tags", "quote_cue_tags", "quote_speaker_tags", "event_trigger_tags"))


def test_the_sheet_lists_every_disagreement_in_context(tmp_path, gold_record, config):
    report = agreement.measure([], _work(tmp_path, alice=gold_record, bob=_bob(gold_record)), config)
    (pair,) = report.pairs
    assert {r["layer"] for r in pair.disagreements} == {"entities"}
    shown = {(r["gold"] or r["predicted"])["text"] for r in pair.disagreements}
    assert shown == {"Venezuela", "Nicolas Maduro"}
    sheet = agreement.render_sheet(report)
    rows = [line for line in sheet.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(pair.disagreements)
    maduro = next(line for line in rows if "Nicolas Maduro" in line)
    assert "| PER «Nicolas Maduro» [1919, 1933) | — |" in maduro
    assert "contestant la réélection du président vénézuélien Nicolas Maduro l’an dernier.." in maduro
    assert f"| 1 | {agreement.md(SEED_ID)} | 0 | entities |" in rows[0]


def test_identical_versions_agree_fully(tmp_path, gold_record, config):
    report = agreement.measure([SEED_ID], _work(tmp_path, alice=gold_record, bob=gold_record), config)
    (pair,) = report.pairs
    assert all(value == 1.0 for name, value in pair.metrics.items() if name.endswith(".f1") and value is not None)
    assert pair.disagreements == [] and set(report.alpha.values()) == {1.0}
    assert "0 disagreement(s) on 1 document(s)." in agreement.render_sheet(report)


def test_three_annotators_give_every_pair(tmp_path, gold_record, config):
    report = agreement.measure([], _work(tmp_path, alice=gold_record, bob=_bob(gold_record), carol=gold_record), config)
    assert [(p.first, p.second) for p in report.pairs] == [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]
    assert report.pairs[1].metrics["ner.strict.micro.f1"] == 1.0
    assert report.pairs[2].metrics["ner.strict.micro.f1"] == pytest.approx(54 / 57)
    assert 0.9 < report.alpha["ner_tags"] < 1


def test_one_annotator_is_not_agreement(tmp_path, gold_record, config):
    with pytest.raises(DataErrors) as caught:
        agreement.measure([], _work(tmp_path, alice=gold_record), config)
    (error,) = caught.value.errors
    assert error.record == SEED_ID and "needs two annotators' versions, only alice annotated this document" in error.message
    with pytest.raises(DataErrors) as caught:
        agreement.measure([], tmp_path / "empty", config)
    assert "no annotator's version to compare" in str(caught.value)


def test_markdown_cells_are_inert():
    assert agreement.md("a|b *c* <script> `x` [l](u)\nnext") == "a\\|b \\*c\\* &lt;script&gt; \\`x\\` \\[l\\](u) next"


def test_agreement_command(tmp_path, gold_record):
    repo = copy_repository(tmp_path / "newsbench")
    drop_committed_wikinews(repo)  # the campaign's own A and B versions are not this test's
    _work(repo / "gold" / "work", alice=gold_record)
    result = run_cli("agreement", cwd=repo)
    assert result.returncode == 1
    assert "only alice annotated this document" in result.stderr and "nothing was written" in result.stderr
    assert not (repo / "gold" / "work" / "adjudication.md").exists()
    _work(repo / "gold" / "work", bob=_bob(gold_record))
    result = run_cli("agreement", SEED_ID, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "alice~bob" in result.stdout and "94.74" in result.stdout  # 54/57
    assert "adjudication sheet: gold/work/adjudication.md" in result.stdout
    assert "Nicolas Maduro" in (repo / "gold" / "work" / "adjudication.md").read_text(encoding="utf-8")


def test_the_sheet_lists_coreference_chains_that_differ(tmp_path, gold_record, config):
    bob = copy.deepcopy(gold_record)
    bob["entities"][9]["entity"] = "pompeo_p3"  # "Pompeo" (P3) split from mike_pompeo
    report = agreement.measure([], _work(tmp_path, alice=gold_record, bob=bob), config)
    (pair,) = report.pairs
    chains = [r for r in pair.disagreements if r["class"] == "chain"]
    # The three mentions of mike_pompeo: each now sits in a different chain in bob's version.
    assert [r["gold"]["text"] for r in chains] == ["Mike Pompeo", "Michael R. Pompeo", "Pompeo"]
    assert chains[0]["gold"]["label"] == "mike_pompeo = Mike Pompeo / Michael R. Pompeo / Pompeo"
    assert chains[2]["predicted"]["label"] == "pompeo_p3 = Pompeo" and chains[2]["sentence"] == 2
    assert {r["layer"] for r in chains} == {"coref.entities"} and pair.metrics["ner.strict.micro.f1"] == 1.0
    assert "| coref.entities | chain | mike\\_pompeo = Mike Pompeo / Michael R. Pompeo / Pompeo «Pompeo» [515, 521) |" in agreement.render_sheet(report)


def test_a_changed_cue_or_speaker_is_one_row_naming_the_quotation(tmp_path, gold_record, config):
    """Quotations are paired by id (q1), else by content (q2 renamed q9 by bob); each
    changed cue, speaker or speaker entity is one row in the quotation's own sentence."""
    bob = copy.deepcopy(gold_record)
    q1, q2, q3 = bob["quotes"][:3]
    q1["speaker"] = {"start": 31, "end": 42, "text": "Mike Pompeo"}  # in sentence 0, like q1; Palladino's own mention is elsewhere
    q1["speaker_entity"] = "mike_pompeo"
    q2["id"], q2["cue"] = "q9", None
    q3["speaker_entity"] = None
    report = agreement.measure([], _work(tmp_path, alice=gold_record, bob=bob), config)
    (pair,) = report.pairs
    rows = [(r["layer"], r["class"], r["quote"], (r["gold"] or {}).get("text"), (r["predicted"] or {}).get("text"))
            for r in pair.disagreements]
    assert rows == [
        ("quotes.speaker", "changed", "q1", "Robert Palladino", "Mike Pompeo"),
        ("quotes.cue", "missed", "q2 / q9", "dit", None),
        ("quotes.speaker_entity", "changed", "q3", "Pompeo", "Pompeo"),
    ]
    first_sentence = {q["id"]: agreement._sentence_of(report.versions[SEED_ID]["alice"], q["content"][0]["start"])
                      for q in gold_record["quotes"]}
    assert [r["sentence"] for r in pair.disagreements] == [first_sentence["q1"], first_sentence["q2"], first_sentence["q3"]]
    sheet = agreement.render_sheet(report)
    assert "| quotes.speaker | changed | q1 speaker «Robert Palladino» [215, 231) | q1 speaker «Mike Pompeo» [31, 42) |" in sheet
    assert "| quotes.cue | missed | q2 / q9 cue «dit» [467, 470) | — |" in sheet
    assert "q3 speaker\\_entity=mike\\_pompeo «Pompeo»" in sheet and "q3 speaker\\_entity=null «Pompeo»" in sheet
