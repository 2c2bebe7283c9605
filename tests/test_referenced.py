"""Records that reference their text (gold/GUIDELINES.md §4, issue 16): Wikinews articles are
added, annotated, promoted, built, scored and published without their text reaching a
committed file. Everything runs in a temporary copy of the repository, on a made-up
WiNER-like corpus written here (never the shared copy of WiNER-fr)."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
import yaml
from conftest import copy_repository, drop_committed_wikinews
from hydra import compose, initialize_config_dir
from sources_fixtures import TOP

from benchmark import paths
from benchmark.annotation import intake
from benchmark.data import dataset, references, selection
from benchmark.errors import DataError, DataErrors
from benchmark.report import leaderboard
from benchmark.run.runner import run_system, write_run
from benchmark.sources import manifest as manifests
from benchmark.sources import winer

# Invented articles laid out as WiNER-fr lays them out (title, blank line, dateline, body),
# each with brat entities: (label, surface, occurrence).
ARTICLES = {
    "2017/05/2017_05_03-001": (
        ("Grève des bus à Quimperlé\n\n3 mai 2017 . –\n"
         "La maire de Quimperlé , Hélène Vautrin , a reçu mardi les délégués de la société Kerbus .\n"
         "« Nous voulons un accord avant l'été » , a déclaré Yannick Le Goff , délégué syndical .\n"),
        [("Location", "Quimperlé", 0), ("Location", "Quimperlé", 1), ("Person", "Hélène Vautrin", 0),
         ("Organization", "Kerbus", 0), ("Person", "Yannick Le Goff", 0), ("Date", "3 mai 2017", 0)],
    ),
    "2016/02/2016_02_10-001": (
        ("Un phare restauré à Penmarc'h\n\n10 février 2016 . –\n"
         "L'association Phares d'Armor a fini de restaurer le phare d'Eckmühl , selon Odile Kernéis .\n"),
        [("Organization", "Phares d'Armor", 0), ("Person", "Odile Kernéis", 0), ("Location", "Penmarc'h", 0)],
    ),
}
TEST_PATH, DEV_PATH = "2017/05/2017_05_03-001", "2016/02/2016_02_10-001"


def _offsets(text: str, surface: str, occurrence: int) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def write_articles(root):
    for stem, (text, spans) in ARTICLES.items():
        (root / stem).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{stem}.txt").write_bytes(text.encode("utf-8"))
        lines = [f"T{n}\t{label} {' '.join(map(str, _offsets(text, s, k)))}\t{s}" for n, (label, s, k) in enumerate(spans, 1)]
        (root / f"{stem}.ann").write_bytes("\n".join(lines).encode("utf-8"))
    for name, content in TOP.items():
        (root / name).write_text(content, encoding="utf-8")
    return root


def text_lines() -> list[str]:
    """What must never appear in a committed file: every line of every article."""
    return [line for text, _ in ARTICLES.values() for line in text.split("\n") if len(line) >= 12]


DROPPED: set[str] = set()


@pytest.fixture
def wikinews(tmp_path, monkeypatch):
    """A repository copy (the tool pointed at it), a made-up corpus fetched into an empty cache."""
    repo = copy_repository(tmp_path / "repo")
    DROPPED.update(drop_committed_wikinews(repo))
    corpus = write_articles(tmp_path / "corpus")
    manifest = tmp_path / "winer-fr.manifest.tsv"
    manifest.write_text(manifests.render(winer.build_manifest(corpus)), encoding="utf-8")
    monkeypatch.setattr(winer, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("NEWSBENCH_CACHE", str(tmp_path / "cache"))
    winer.fetch(from_dir=corpus)
    original = paths.ROOT
    paths.use_root(repo)
    try:
        yield SimpleNamespace(repo=repo, corpus=corpus, cache=tmp_path / "cache", tmp=tmp_path)
    finally:
        paths.use_root(original)


def reviewed(new: intake.NewReference) -> dict:
    """The reviewed record of an added article: its draft without the draft block (and, for
    the test article, a quotation with cue, speaker and speaker entity), offsets only."""
    draft = json.loads(new.draft_path.read_text(encoding="utf-8"))
    draft.pop("draft")
    text = new.seed.text
    if new.row.path == TEST_PATH:
        speaker = next(m for m in draft["entities"] if text[m["start"]:m["end"]] == "Yannick Le Goff")
        content, cue = _offsets(text, "Nous voulons un accord avant l'été", 0), _offsets(text, "déclaré", 0)
        draft["quotes"] = [{"id": "q1", "kind": "direct", "content": [{"start": content[0], "end": content[1]}],
                            "cue": {"start": cue[0], "end": cue[1]}, "speaker": {"start": speaker["start"], "end": speaker["end"]},
                            "speaker_entity": speaker["entity"], "parent": None}]
    return draft


def release(ids: list[str]) -> None:
    """Declare the release the added documents need (a major one: this branch changed the schema)."""
    meta = yaml.safe_load(paths.RELEASE_FILE.read_text(encoding="utf-8"))
    major = int(str(meta["version"]).split(".")[0]) + 1
    version = f"{major}.0.0"
    raw = paths.RELEASE_FILE.read_text(encoding="utf-8")
    paths.RELEASE_FILE.write_text(re.sub(r"(?m)^version: .*$", f"version: {version}", raw), encoding="utf-8")
    log = paths.CHANGELOG_FILE.read_text(encoding="utf-8")
    head, sep, rest = log.partition("\n## ")
    added = f" Added: {', '.join(ids)}." if ids else ""
    added += f" Removed: {', '.join(sorted(DROPPED))}." if DROPPED else ""
    entry = f"## {version} (2026-12-01)\n\n- Record schema: referenced records.{added}\n\n"
    paths.CHANGELOG_FILE.write_text(head + "\n" + entry + sep.lstrip("\n") + rest, encoding="utf-8")


def add_and_promote(draft_entities: bool = True) -> dict[str, intake.NewReference]:
    added = intake.add_references("winer-fr", [TEST_PATH, DEV_PATH], source_entities=draft_entities)
    for new in added:
        target = paths.ANNOTATIONS_DIR / f"{new.seed.id}.json"
        target.write_text(json.dumps(reviewed(new), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        intake.promote(new.seed.id)
    release([n.seed.id for n in added])
    dataset.build()
    return {n.row.path: n for n in added}


def compose_run(*overrides: str):
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        return compose(config_name="run", overrides=list(overrides))


# --------------------------------------------------------------------------- add --source


def test_add_source_references_the_article_with_id_date_split_and_an_entity_draft(wikinews):
    added = intake.add_references("winer-fr", [TEST_PATH + ".txt", DEV_PATH], source_entities=True)
    test, dev = added
    text = ARTICLES[TEST_PATH][0]
    assert test.seed.id == intake.seed_id(1, text)  # §7 "Document ids": the hash of the text as read
    reference = json.loads(references.pending_reference_path(test.seed.id).read_text(encoding="utf-8"))
    assert reference["date"] == "2017-05" and reference["source"]["path"] == TEST_PATH + ".txt"
    assert reference["source"]["sha256"] == references.hashlib.sha256(text.encode()).hexdigest()
    assert not (paths.PENDING_DIR / f"{test.seed.id}.txt").exists()
    rows = selection.read()
    assert [(r.rank, r.split, r.path, r.id) for r in rows] == [(1, "dev", DEV_PATH, dev.seed.id), (1, "test", TEST_PATH, test.seed.id)]  # ranked per split
    draft = json.loads(test.draft_path.read_text(encoding="utf-8"))
    assert draft["draft"]["source"] == "winer-fr entities" and draft["draft"]["layers"] == ["entities"] and "text" not in draft
    assert all(set(m) == {"id", "start", "end", "label", "entity"} for m in draft["entities"])
    # The .ann's Date is not scored; the two Quimperlé are one entity id, by (label, text).
    assert [m["label"] for m in draft["entities"]] == ["LOC", "LOC", "PER", "ORG", "PER"]
    assert draft["entities"][0]["entity"] == draft["entities"][1]["entity"]
    with pytest.raises(DataErrors, match="already in selection.tsv"):
        intake.add_references("winer-fr", [TEST_PATH])
    row = intake.skip_candidate("winer-fr", "2018/01/2018_01_02-001", "a list of results, not news prose")
    assert (row.rank, row.split, row.id) == (2, "test", "") and selection.read()[-1].skipped == "a list of results, not news prose"


def test_add_source_refuses_an_unfetched_corpus_naming_the_command(wikinews, monkeypatch):
    monkeypatch.setenv("NEWSBENCH_CACHE", str(wikinews.tmp / "empty"))
    with pytest.raises(DataError, match=r"fetch winer-fr --from DIR"):
        intake.add_references("winer-fr", [TEST_PATH])
    assert not paths.SELECTION_FILE.exists()


# --------------------------------------------------------------------------- build joins


def test_build_joins_referenced_records_into_rows_shaped_like_seed_rows(wikinews):
    added = add_and_promote()
    test_rows = [json.loads(line) for line in paths.data_file("test").read_text(encoding="utf-8").splitlines()]
    dev_rows = [json.loads(line) for line in paths.data_file("dev").read_text(encoding="utf-8").splitlines()]
    seed_row, wiki_row = test_rows
    assert wiki_row["id"] == added[TEST_PATH].seed.id and [r["id"] for r in dev_rows] == [added[DEV_PATH].seed.id]
    assert list(wiki_row) == list(seed_row)
    assert wiki_row["text"] == ARTICLES[TEST_PATH][0] and wiki_row["date"] == "2017-05"
    for mention in wiki_row["entities"]:
        assert mention["text"] == wiki_row["text"][mention["start"]:mention["end"]]
    assert wiki_row["quotes"][0]["content"][0]["text"] == "Nous voulons un accord avant l'été"
    committed = json.loads((paths.ANNOTATIONS_DIR / f"{wiki_row['id']}.json").read_text(encoding="utf-8"))
    assert "text" not in committed and all("text" not in m for m in committed["entities"])
    card = dataset.card_metadata()
    assert card["split_sizes"]["dev"]["documents"] == 1 and card["split_sizes"]["test"] == card["size"]
    assert card["size"]["documents"] == 2 and card["size"]["quotations"] == 8 and set(card["data_sha256"]) == {"dev", "test"}
    assert dataset.stale_files() == []


def test_a_changed_source_file_is_refused_naming_the_record(wikinews):
    added = add_and_promote()
    ident = added[TEST_PATH].seed.id
    cached = winer.require() / f"{TEST_PATH}.txt"
    data = cached.read_bytes()
    cached.write_bytes(data.replace(b"mardi", b"lundi"))  # same size: the cache check passes
    with pytest.raises(DataErrors) as caught:
        dataset.render()
    (error,) = caught.value.errors
    assert error.record == ident and error.field == "source.sha256" and "fetch winer-fr --from DIR" in error.message


def test_a_missing_source_is_an_error_not_a_skip(wikinews, monkeypatch):
    added = add_and_promote()
    for path in paths.DATA_DIR.glob("*.jsonl"):  # a fresh clone: the data files are not committed
        path.unlink()
    monkeypatch.setenv("NEWSBENCH_CACHE", str(wikinews.tmp / "empty"))
    with pytest.raises((DataError, DataErrors)) as caught:
        run_system(compose_run("model=rules", "quiet=true"), ["model=rules"])
    message = str(caught.value)
    assert added[TEST_PATH].seed.id in message and "python -m benchmark fetch winer-fr --from DIR" in message
    assert not list(paths.DATA_DIR.glob("*.jsonl"))


def test_a_fresh_clone_builds_its_data_files_once_and_scores_every_document(wikinews):
    add_and_promote()
    for path in paths.DATA_DIR.glob("*.jsonl"):
        path.unlink()
    results = run_system(compose_run("model=rules", "quiet=true"), ["model=rules"]).results
    assert results["dataset"]["split"] == "test" and results["dataset"]["documents"] == 2
    assert paths.data_file("test").is_file() and paths.data_file("dev").is_file()


# --------------------------------------------------------------------------- splits


def test_dev_split_runs_on_request_records_its_split_and_is_not_published(wikinews):
    added = add_and_promote()
    output = run_system(compose_run("model=rules", "dataset.split=dev", "quiet=true"), ["model=rules", "dataset.split=dev"])
    assert output.results["dataset"]["split"] == "dev" and output.results["dataset"]["documents"] == 1
    assert list(output.results["documents"]) == [added[DEV_PATH].seed.id]
    with pytest.raises(DataErrors, match="only the test split"):
        leaderboard.publish(output.results)


def test_an_empty_split_is_refused_by_name(wikinews):
    release([])
    dataset.build()
    with pytest.raises(DataError, match="split 'dev' of newsbench-fr has no documents"):
        run_system(compose_run("model=rules", "dataset.split=dev", "quiet=true"), ["model=rules", "dataset.split=dev"])


def test_a_referenced_record_without_a_chosen_row_is_refused(wikinews):
    added = add_and_promote()
    rows = [r for r in selection.read() if r.path != DEV_PATH]
    paths.SELECTION_FILE.write_text(selection.render(rows), encoding="utf-8")
    with pytest.raises(DataErrors, match="chosen row"):
        dataset.render()
    assert selection.check_ids(rows, references.referenced_ids())[0].record == added[DEV_PATH].seed.id


# --------------------------------------------------------------------------- no leak


def test_no_line_of_a_referenced_text_reaches_a_committed_file(wikinews, cli_here):
    added = intake.add_references("winer-fr", [TEST_PATH, DEV_PATH], source_entities=True)
    test = added[0]
    # Two annotators: alice through the brat round trip (export, import), bob by hand.
    out = wikinews.tmp / "brat"
    assert cli_here("export", "--format", "brat", test.seed.id, "--out", out).returncode == 0
    assert cli_here("import", "--format", "brat", out, "--annotator", "alice").returncode == 0
    bob = reviewed(test)
    bob["entities"] = bob["entities"][1:]
    (paths.WORK_DIR / "bob").mkdir(parents=True, exist_ok=True)
    (paths.WORK_DIR / "bob" / f"{test.seed.id}.json").write_text(json.dumps(bob, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result = cli_here("agreement", test.seed.id)
    assert result.returncode == 0, result.stderr
    assert "disagreement" in paths.SHEET_FILE.read_text(encoding="utf-8")
    for new in added:
        (paths.ANNOTATIONS_DIR / f"{new.seed.id}.json").write_text(json.dumps(reviewed(new), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        assert cli_here("promote", new.seed.id).returncode == 0
    assert cli_here("validate").returncode == 0
    release([n.seed.id for n in added])
    assert cli_here("build").returncode == 0
    for name in ("rules",):
        output = run_system(compose_run(f"model={name}", "quiet=true"), [f"model={name}"])
        write_run(output, wikinews.tmp / "run")
        leaderboard.publish(output.results, replace=True)
    assert (wikinews.tmp / "run" / "errors.jsonl").is_file()
    # explain's page renders sentences: anywhere but in a committed folder.
    refused = cli_here("explain", wikinews.tmp / "run", "--all", "--html", paths.LEADERBOARD_DIR / "site" / "errors.html")
    assert refused.returncode == 1 and "referenced document" in refused.stderr
    assert cli_here("explain", wikinews.tmp / "run", "--all", "--html", wikinews.tmp / "errors.html").returncode == 0
    assert "Quimperlé" in (wikinews.tmp / "errors.html").read_text(encoding="utf-8")
    committed = [p for p in list(paths.GOLD_DIR.rglob("*")) + list(paths.LEADERBOARD_DIR.rglob("*"))
                 if p.is_file() and not (p.parent == paths.DATA_DIR and p.suffix == ".jsonl")]
    assert paths.SHEET_FILE in committed and (paths.WORK_DIR / "alice" / f"{test.seed.id}.json") in committed
    leaks = [(str(p.relative_to(paths.ROOT)), line) for p in committed for line in text_lines()
             if line in p.read_text(encoding="utf-8", errors="replace")]
    assert leaks == []
    assert "gold/data/*.jsonl" in (paths.ROOT / ".gitignore").read_text(encoding="utf-8")
    # The span texts are gone too: the title's words and the names, by themselves.
    sheet = paths.SHEET_FILE.read_text(encoding="utf-8")
    assert "Quimperlé" not in sheet and "[" in sheet
    work = json.loads((paths.WORK_DIR / "alice" / f"{test.seed.id}.json").read_text(encoding="utf-8"))
    assert "text" not in work and work["source"]["path"] == TEST_PATH + ".txt"
