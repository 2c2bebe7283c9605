"""The packaged dataset: fresh, deterministic, loadable offline as users load it."""

import json
import os
import subprocess
import sys

import yaml

from benchmark import paths
from benchmark.data import dataset, selection
from benchmark.data.corpus import read_seeds
from benchmark.data.validation import read_gold_file
from benchmark.data.layers import TAG_LAYERS


def test_committed_package_is_fresh():
    assert dataset.stale_files() == [], "run `python -m benchmark build` and commit gold/"


def test_build_is_byte_identical_from_one_render_to_the_next():
    assert dataset.render() == dataset.render()


def test_load_dataset_from_repo_root_offline():
    """Exactly the documented call, in a fresh interpreter with the network switched off."""
    code = (
        "import datasets; ds = datasets.load_dataset('gold', split='test'); "
        "import json; print(json.dumps({'n': len(ds), 'features': list(ds.features), "
        "'ner': ds.features['ner_tags'].feature.names, 'first': ds[0]['id']}))"
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=str(paths.ROOT / ".pytest_cache" / "hf"))
    done = subprocess.run([sys.executable, "-c", code], cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    splits = selection.splits_of()
    ids = sorted(p.stem for p in paths.ANNOTATIONS_DIR.glob("*.json") if splits.get(p.stem, selection.SEED_SPLIT) == "test")
    assert out["n"] == len(ids) and out["first"] == ids[0]
    assert {"tokens", "token_offsets", "ner_tags", "entities", "quotes", "events"} <= set(out["features"])
    assert {layer.feature for layer in TAG_LAYERS} <= set(out["features"])
    assert out["ner"] == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def test_card_metadata():
    header = (paths.CARD_FILE).read_text(encoding="utf-8").split("---\n")[1]
    meta = yaml.safe_load(header)
    assert meta["language"] == ["fr"] and meta["license"] and meta["task_categories"]
    assert {"split": "test", "path": "data/test.jsonl"} in meta["configs"][0]["data_files"]
    assert {"split": "dev", "path": "data/dev.jsonl"} in meta["configs"][0]["data_files"]
    assert [f["name"] for f in meta["dataset_info"]["features"]][:3] == ["id", "date", "text"]
    assert meta["newsbench"]["fingerprint"] == dataset.fingerprint(paths.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert meta["newsbench"]["version"] == dataset.read_release().version


def test_fingerprint_moves_with_the_schema_and_the_gold(tmp_path, monkeypatch):
    schema = paths.SCHEMA_FILE.read_text(encoding="utf-8")
    base = dataset.fingerprint(schema)
    assert dataset.fingerprint(schema + " ") != base
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    for path in paths.ANNOTATIONS_DIR.glob("*.json"):
        (annotations / path.name).write_bytes(path.read_bytes().replace(b'"PER"', b'"PER" ', 1))
    monkeypatch.setattr(paths, "ANNOTATIONS_DIR", annotations)
    assert dataset.fingerprint(schema) != base


def test_rows_match_the_gold_records():
    """Each split's rows are its gold records, joined with their text when they reference it."""
    splits = selection.splits_of()
    files = sorted(paths.ANNOTATIONS_DIR.glob("*.json"))
    for split in selection.SPLITS:
        rows, _ = dataset.load_verified(split=split)
        expected = [p.stem for p in files if splits.get(p.stem, selection.SEED_SPLIT) == split]
        assert [row["id"] for row in rows] == expected
        for row in rows:
            doc = dataset.row_to_document(row)
            gold = read_gold_file(paths.ANNOTATIONS_DIR / f"{row['id']}.json", {seed.id: seed for seed in read_seeds()})
            assert doc.model_dump(mode="json", exclude={"source"}) == gold.model_dump(mode="json", exclude={"source"})
            assert all(row["text"][a:b] == token for (a, b), token in zip(row["token_offsets"], row["tokens"], strict=True))