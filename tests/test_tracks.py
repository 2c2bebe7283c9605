"""The dataset registry (``configs/dataset/``, ``benchmark.data.tracks``), the ``fetch``
command and a run on the WiNER-fr track, on a small made-up brat corpus (never the
shared copy of the real one)."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from sources_fixtures import write_corpus

from benchmark import paths
from benchmark.cli.main import main as cli_main
from benchmark.data import tracks
from benchmark.errors import DataError
from benchmark.run.runner import run_system
from benchmark.sources import manifest as manifests
from benchmark.sources import winer


@pytest.fixture
def fake_winer(tmp_path, monkeypatch):
    """A made-up WiNER corpus, its manifest in place of the committed one, and an empty cache."""
    corpus = write_corpus(tmp_path / "corpus")
    manifest_path = tmp_path / "winer-fr.manifest.tsv"
    manifest_path.write_text(manifests.render(winer.build_manifest(corpus)), encoding="utf-8")
    monkeypatch.setattr(winer, "MANIFEST_PATH", manifest_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("NEWSBENCH_CACHE", str(cache))
    return corpus, cache


def compose_run(*overrides: str):
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        return compose(config_name="run", overrides=list(overrides))


def dataset_cfg(*overrides: str) -> dict:
    return OmegaConf.to_container(compose_run("model=rules", *overrides).dataset, resolve=True)


def test_the_registry_has_both_tracks_and_newsbench_is_the_default():
    assert dataset_cfg()["reader"] == "newsbench"
    winer_cfg = dataset_cfg("dataset=winer-fr")
    assert winer_cfg["split"] == "test" and winer_cfg["splits"] == ["dev", "test"] and winer_cfg["layers"] == ["entities"]
    assert winer_cfg["labels"] == winer.LABEL_MAP
    assert dataset_cfg("dataset=winer-fr", "dataset.split=dev")["split"] == "dev"


def test_a_run_before_any_fetch_says_in_one_line_how_to_fetch(fake_winer):
    with pytest.raises(DataError) as caught:
        tracks.load(dataset_cfg("dataset=winer-fr"))
    message = str(caught.value)
    assert "\n" not in message and "python -m benchmark fetch winer-fr" in message
    assert not (fake_winer[1] / "winer-fr" / "packaged").exists()


def test_an_unknown_split_or_a_changed_mapping_is_refused_by_field(fake_winer):
    with pytest.raises(DataError, match="dataset.split"):
        tracks.load(dataset_cfg("dataset=winer-fr", "dataset.split=train"))
    cfg = dataset_cfg("dataset=winer-fr")
    cfg["labels"] = {"Person": "PER"}
    winer.fetch(from_dir=fake_winer[0])
    with pytest.raises(DataError, match="labels"):
        tracks.load(cfg)


def test_fetch_from_a_folder_then_load_each_split_as_a_packaged_dataset(fake_winer, capsys):
    corpus, cache = fake_winer
    assert cli_main(["fetch", "winer-fr", "--from", str(corpus)]) == 0
    assert "verified copy" in capsys.readouterr().out
    test = tracks.load(dataset_cfg("dataset=winer-fr"))
    dev = tracks.load(dataset_cfg("dataset=winer-fr", "dataset.split=dev"))
    assert [d.id for d in test.gold] == ["2017_03_09-001", "2018_02_11-001"]
    assert [d.id for d in dev.gold] == ["2016_01_05-001"]
    assert test.meta["name"] == "winer-fr" and test.meta["split"] == "test" and test.meta["layers"] == ["entities"]
    assert test.meta["fingerprint"] != dev.meta["fingerprint"]
    # Entities only, after the outermost rule and the mapping; the other layers are absent.
    cannes = test.gold[0]
    assert [(cannes.text[m.start:m.end], m.label) for m in cannes.entities] == [("Cannes", "LOC"), ("Zoé Durand", "PER")]
    assert all(d.quotes is None and d.events is None for d in test.gold + dev.gold)
    assert all(m.entity is None for d in test.gold for m in d.entities)
    packaged = sorted((cache / "winer-fr" / "packaged").iterdir())
    assert len(packaged) == 2 and all((p / "README.md").is_file() for p in packaged)
    card = (tracks.package_dir("test", test.meta["fingerprint"]) / "README.md").read_text(encoding="utf-8")
    assert "CC BY 2.5" in card and "CC BY 4.0" in card and winer.COMMIT in card and "Person -> PER" in card
    # A second load reads the package (same rows), and the fingerprint is stable.
    again = tracks.load(dataset_cfg("dataset=winer-fr"))
    assert [dict(r) for r in again.rows] == [dict(r) for r in test.rows] and again.meta == test.meta


def test_a_tampered_package_is_refused_naming_the_file(fake_winer):
    corpus, cache = fake_winer
    winer.fetch(from_dir=corpus)
    loaded = tracks.load(dataset_cfg("dataset=winer-fr"))
    data = tracks.package_dir("test", loaded.meta["fingerprint"]) / "data" / "test.jsonl"
    data.write_bytes(data.read_bytes().replace(b"Cannes", b"Canner"))
    with pytest.raises(DataError) as caught:
        tracks.load(dataset_cfg("dataset=winer-fr"))
    assert str(data) in str(caught.value)


def test_fetch_of_a_folder_with_a_changed_file_exits_1_and_installs_nothing(fake_winer, capsys):
    corpus, cache = fake_winer
    (corpus / "2017" / "03" / "2017_03_09-001.ann").write_text("T1\tPerson 0 2\tLe", encoding="utf-8")
    assert cli_main(["fetch", "winer-fr", "--from", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert "2017_03_09-001.ann" in err and "nothing was written" in err
    assert not (cache / "winer-fr" / winer.COMMIT).exists()


def test_a_run_on_the_winer_track_scores_entities_only_with_null_layers(fake_winer):
    winer.fetch(from_dir=fake_winer[0])
    results = run_system(compose_run("model=rules", "dataset=winer-fr", "quiet=true"), ["model=rules", "dataset=winer-fr"]).results
    assert results["dataset"]["name"] == "winer-fr" and results["dataset"]["split"] == "test"
    assert results["dataset"]["documents"] == 2
    assert results["system"]["command"] == "python -m benchmark run model=rules dataset=winer-fr"
    assert results["metrics"]["ner.strict.micro.f1"] is not None
    for name in ("quotes.content.f1", "quotes.attribution.accuracy", "events.trigger.f1", "events.argument.f1",
                 "coref.entities.conll.f1", "coref.events.conll.f1"):
        assert results["metrics"][name] is None, name
    assert set(results["units"]) == {"ner.strict.micro.f1", "ner.partial.micro.f1"}
    # Two documents: fewer than 30, so the unit stays the sentence.
    assert results["units"]["ner.strict.micro.f1"]["unit"] == "sentence"
