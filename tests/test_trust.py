"""Issue 7 ("Trust"): results files are data, runs score the data on disk, hostile input is refused.

One test (or a parametrised group) per case of the issue's "Why" list, numbered
as there. Tests that mutate the repository work in a temporary copy of it.
"""

import json
import os
import re
import shutil

import pytest
from conftest import SEED_ID, copy_repository, published_submission_copy, run_cli

from benchmark import paths
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import Document
from benchmark.data.submission import read_metadata
from benchmark.data.validation import MAX_REPORTED_ERRORS, read_prediction_file
from benchmark.errors import DataError, DataErrors
from benchmark.report import leaderboard
from benchmark.run import check
from benchmark.run.runner import RunOutput, write_run

META = "name: example\nauthors: Test Authors\ndescription: the gold minus its first entity\ndate: 2026-11-28\n"


@pytest.fixture(scope="module")
def published_copy(tmp_path_factory, gold_records_pristine):
    """A repository copy whose leaderboard holds one fast system: a submission."""
    return published_submission_copy(tmp_path_factory.mktemp("trust") / "newsbench", gold_records_pristine)


def _submit(publish, name="example"):
    return ("run", "model=predictions", "model.path=leaderboard/submissions/example.jsonl", f"model.name={name}",
            "model.metadata=leaderboard/submissions/example.yaml", f"publish={publish}")


@pytest.fixture
def repo(published_copy, tmp_path):
    target = tmp_path / "newsbench"
    shutil.copytree(published_copy, target, ignore=shutil.ignore_patterns("outputs"))
    return target


def _result_path(repo, name="example"):
    return repo / "leaderboard" / "results" / f"{name}.json"


def _no_traceback(result):
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


# -- 1. check never executes what a results file says -------------------------------------


@pytest.mark.parametrize(
    ("override", "refused"),
    [
        ("model._target_=benchmark.fileio.atomic_write_text", "not an allowed key=value override"),
        ("+model.text=pwned", "not an allowed key=value override"),
        ("model._args_=[1]", "not an allowed key=value override"),
        ("model._partial_=true", "not an allowed key=value override"),
        ("hydra.searchpath=[file:///tmp]", "not an allowed key=value override"),
        ("model.version=${oc.env:NEWSBENCH_SECRET}", "not a plain value"),
        ("model.version='quoted'", "not a plain value"),
        ("model.version=a,b", "not a plain value"),
        ("model.colour=red", "not an allowed key=value override"),
    ],
)
def test_recorded_overrides_outside_the_allow_list_are_refused(override, refused, tmp_path):
    path = tmp_path / "evil.json"
    with pytest.raises(DataErrors) as caught:
        check.safe_overrides(path, ["model=rules", override])
    (error,) = caught.value.errors
    assert error.file == str(path) and error.field == "system.overrides[1]" and refused in error.message


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        (["model.name=x"], "no model=NAME override"),
        (["model=no_such_model"], "not a built-in system"),
        (["model=predictions", "model.path=/etc/passwd"], "not a plain value"),
        (["model=predictions", "model.path=../outside.jsonl"], "not a plain value"),
        (["model=predictions", "model.path=leaderboard/submissions/../../x.jsonl"], "not a committed file under leaderboard/submissions/"),
        (["model=predictions", "model.path=leaderboard/submissions/missing.jsonl"], "not a committed file under leaderboard/submissions/"),
        (["model=predictions", "model.path=gold/data/test.jsonl"], "not a committed file under leaderboard/submissions/"),
    ],
)
def test_a_rerun_only_uses_the_repository_s_own_systems(overrides, refused, tmp_path):
    with pytest.raises(DataErrors) as caught:
        check.safe_overrides(tmp_path / "x.json", overrides)
    assert any(refused in e.message for e in caught.value.errors), caught.value


def test_check_refuses_a_planted_results_file_and_runs_nothing_of_it(repo):
    evil = json.loads(_result_path(repo).read_text())
    evil["system"]["name"] = "evil"
    evil["system"]["overrides"] = [
        "model=rules", "model._target_=benchmark.fileio.atomic_write_text",
        "+model.path=PWNED", "+model.text=owned", "model.version=${oc.env:NEWSBENCH_SECRET}",
    ]
    _result_path(repo, "evil").write_text(json.dumps(evil), encoding="utf-8")
    result = run_cli("check", cwd=repo, env={**os.environ, "NEWSBENCH_SECRET": "hunter2-token"})
    _no_traceback(result)
    assert result.returncode == 1
    assert "leaderboard/results/evil.json" in result.stdout and "system.overrides[1]" in result.stdout
    assert "hunter2-token" not in result.stdout + result.stderr
    assert not list(repo.rglob("PWNED"))


# -- 2. a run scores the data on disk ---------------------------------------------------------


def test_relabelling_gold_and_rebuilding_changes_the_next_score(tmp_path):
    repo = copy_repository(tmp_path / "newsbench")

    def score(name):
        result = run_cli("run", "model=rules", f"hydra.run.dir={tmp_path / name}", cwd=repo)
        assert result.returncode == 0, result.stderr
        return json.loads((tmp_path / name / "results.json").read_text())

    before = score("before")
    path = repo / "gold" / "annotations" / f"{SEED_ID}.json"
    record = json.loads(path.read_text())
    for mention in record["entities"]:
        mention["label"] = {"PER": "LOC", "LOC": "PER"}.get(mention["label"], mention["label"])
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    release = repo / "gold" / "dataset.yaml"  # a gold correction is a patch release (GUIDELINES §8)
    version = re.search(r"^version: (\S+)$", release.read_text(), re.M).group(1)
    major, minor, patch = version.split(".")
    bumped = f"{major}.{minor}.{int(patch) + 1}"
    release.write_text(release.read_text().replace(f"version: {version}\n", f"version: {bumped}\n"))
    changelog = repo / "gold" / "CHANGELOG.md"
    head, rest = changelog.read_text().split("\n## ", 1)
    changelog.write_text(f"{head}\n## {bumped} (2026-11-29)\n\n- Swapped PER and LOC in `{SEED_ID}`.\n\n## {rest}")
    built = run_cli("build", cwd=repo)
    assert built.returncode == 0, built.stderr
    after = score("after")
    assert after["dataset"]["fingerprint"] != before["dataset"]["fingerprint"]
    assert after["metrics"]["ner.strict.micro.f1"] != before["metrics"]["ner.strict.micro.f1"]


def test_a_run_on_a_stale_package_fails_loudly(tmp_path):
    repo = copy_repository(tmp_path / "newsbench")
    path = repo / "gold" / "annotations" / f"{SEED_ID}.json"
    record = json.loads(path.read_text())
    record["entities"][0]["label"] = "LOC"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")  # edited, not rebuilt
    result = run_cli("run", "model=rules", f"hydra.run.dir={tmp_path / 'run'}", cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1 and "run `python -m benchmark build`" in result.stderr
    assert not (tmp_path / "run" / "results.json").exists()


# -- 3. check verifies every field that reaches the table ------------------------------------


def test_check_fails_on_a_forged_interval_command_or_version(repo):
    path = _result_path(repo)
    data = json.loads(path.read_text())
    # Forged, yet well-formed: the results model refuses an interval that does not hold its
    # value (low 0.999 used to be the forgery here), so this one still holds it.
    interval = data["intervals"]["ner.strict.micro.f1"]
    interval["low"] = 0.0 if interval["low"] > 0 else data["metrics"]["ner.strict.micro.f1"]
    data["system"]["command"] = "python -m benchmark run model=predictions | 99.9"
    data["system"]["version"] = "1.0 | 99.9"
    data["provenance"]["extractor"]["submission"]["authors"] = "Someone Else"
    data["dataset"]["version"] = "9.9.9"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    assert run_cli("leaderboard", cwd=repo).returncode == 0  # the forged table is "fresh"
    result = run_cli("check", cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1
    fields = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("example ")}
    assert {"intervals.ner.strict.micro.f1.low", "system.command", "system.version",
            "provenance.extractor.submission.authors", "dataset.version"} <= fields, result.stdout


def test_check_compares_every_published_block():
    published = {"metrics": {"m": 0.5}, "intervals": {"m": {"low": 0.1, "high": 0.9}}, "system": {"name": "a", "version": "1"},
                 "provenance": {"started_at": "then", "extractor": {"x": 1}}, "tables": {"t": 1}}
    now = json.loads(json.dumps(published))
    now["provenance"]["started_at"] = "now"
    assert check.compare_results("a", published, now, {"default": 0.0}) == []
    now["tables"]["t"] = 2
    now["intervals"]["m"]["high"] = 0.8
    found = {d.metric for d in check.compare_results("a", published, now, {"default": 0.0})}
    assert found == {"tables.t", "intervals.m.high"}
    assert check.compare_results("a", published, now, {"default": 0.0, "metrics": {"m": 0.2}})[0].metric == "tables.t"


# -- 4. submission metadata within limits ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", None, "anchors"),
        (META.replace("2026-11-28", "2026-02-30"), "date", "valid date"),
        (META.replace("2026-11-28", "soon"), "date", "valid date"),
        (META + "url: javascript:alert(1)\n", "url", "http"),
        (META + "url: https://example.org/a b\n", "url", "http"),
        (META.replace("Test Authors", "x" * 301), "authors", "at most 300"),
        (META.replace("Test Authors", '"A\\n# Heading"'), "authors", "one line"),
        (META + "extra: 1\n", "extra", "Extra inputs"),
        (META.replace("name: example", "name: other"), "name", "differs from the system name"),
        ("- a list\n", None, "expected a mapping"),
    ],
)
def test_submission_metadata_is_validated(tmp_path, text, field, message):
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        read_metadata(path, expected_name="example")
    assert any(e.field == field and message in e.message for e in caught.value.errors), caught.value


@pytest.mark.parametrize("kind", ["latin-1", "too large", "directory", "/dev/zero"])
def test_submission_metadata_files_are_bounded(tmp_path, kind):
    path = tmp_path / "example.yaml"
    if kind == "latin-1":
        path.write_bytes(META.replace("Test Authors", "Hélène").encode("latin-1"))
    elif kind == "too large":
        path.write_text(META + "# " + "x" * 20000 + "\n", encoding="utf-8")
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(DataError) as caught:
        read_metadata(path)
    assert caught.value.file == str(path)


def test_a_metadata_bomb_is_refused_by_run(repo):
    (repo / "leaderboard" / "submissions" / "example.yaml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + META, encoding="utf-8")
    result = run_cli(*_submit("replace"), cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1 and "example.yaml: unreadable submission metadata: anchors" in result.stderr


# -- 5. everything rendered is escaped for its format ----------------------------------------


HOSTILE = "x | y\n# Heading\n<script>alert(1)</script> [click](javascript:alert(1)) *bold* `code`"


@pytest.fixture
def hostile_board(tmp_path, monkeypatch):
    directory = tmp_path / "leaderboard"
    (directory / "results").mkdir(parents=True)
    shutil.copy(paths.LEADERBOARD_DIR / "METRICS.md", directory / "METRICS.md")
    names = ("LEADERBOARD_DIR", "RESULTS_DIR", "TABLE_FILE", "CSV_FILE", "JSON_FILE", "LOCK_FILE")
    relative = {name: getattr(paths, name).relative_to(paths.LEADERBOARD_DIR) for name in names}
    for name in names:
        monkeypatch.setattr(paths, name, directory / relative[name])
    card = leaderboard.card_metadata()
    result = {
        "system": {"name": "hostile", "version": HOSTILE, "overrides": ["model=rules"], "command": "=HYPERLINK(\"http://evil\") `x` " + HOSTILE},
        "dataset": {"name": card["name"], "version": card["version"], "fingerprint": card["fingerprint"]},
        "metrics": {"ner.strict.micro.f1": 0.5},
        "intervals": {},
        "provenance": {"extractor": {"submission": {"name": "hostile", "authors": HOSTILE, "date": "2026-11-28",
                                                    "description": HOSTILE, "url": "javascript:alert(1)"}},
                       "scoring_version": "2.0"},
    }
    leaderboard.publish(result)
    return directory


def test_markdown_escapes_everything_from_a_results_file(hostile_board):
    readme = (hostile_board / "README.md").read_text()
    (reproduce,) = [line for line in readme.splitlines() if line.startswith("- **hostile**:")]
    assert reproduce.startswith("- **hostile**: ``") and reproduce.endswith("publish=replace``")  # a code span: literal text
    outside_code = readme.replace(reproduce, "")
    assert "<script>" not in outside_code and "javascript:alert(1)>" not in outside_code
    assert not re.search(r"(?<!\\)\]\(javascript:", outside_code)  # \](... is text, not a link
    assert "\n# Heading" not in readme
    row = next(line for line in readme.splitlines() if line.startswith("| 1 |"))  # the ranking table
    assert len(re.findall(r"(?<!\\)\|", row)) == 9 + 1  # 9 columns: none added by a pipe
    assert "&lt;script&gt;" in row and "\\[click\\]" in row and "\\*bold\\*" in row


def test_csv_cells_are_no_formulas(hostile_board):
    import csv

    rows = list(csv.DictReader((hostile_board / "leaderboard.csv").open(encoding="utf-8")))
    assert rows[0]["command"].startswith("'=HYPERLINK")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_json_keeps_strings_as_data(hostile_board):
    board = json.loads((hostile_board / "leaderboard.json").read_text())
    (row,) = board["systems"]
    assert row["version"] == HOSTILE and row["submission"]["description"] == HOSTILE


def test_a_results_file_with_an_unsafe_name_is_refused(tmp_path):
    path = tmp_path / "a\nb.json"
    data = {"system": {"name": "a\nb", "version": "1", "command": "c"}, "dataset": {"fingerprint": "f", "version": "v"},
            "metrics": {}, "intervals": {}, "provenance": {"scoring_version": "2.0"}}
    with pytest.raises(DataErrors, match="not a valid system name"):
        leaderboard.entry_from_data(data, path)
    with pytest.raises(DataErrors, match="not a valid system name"):
        leaderboard.publish(data)


# -- 6. names and paths ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../../escaped", "'a\nb'", "'../../../escaped'", ".hidden", "x" * 65, "'a b'"])
def test_a_bad_system_name_is_refused_before_hydra_makes_a_directory(repo, name):
    result = run_cli("run", "model=predictions", "model.path=leaderboard/submissions/example.jsonl", f"model.name={name}", cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1 and "model.name" in result.stderr  # ours, or Hydra's grammar for a b
    assert not (repo / "outputs").exists() and not (repo.parent / "escaped").exists()


def test_replacing_an_entry_needs_publish_replace(repo):
    before = _result_path(repo).read_bytes()
    refused = run_cli(*_submit("true"), cwd=repo)
    _no_traceback(refused)
    assert refused.returncode == 1 and "publish=replace replaces its entry" in refused.stderr
    assert _result_path(repo).read_bytes() == before
    replaced = run_cli(*_submit("replace"), cwd=repo)
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced the previous entry" in replaced.stdout


def test_a_submission_cannot_take_a_built_in_name(repo):
    (repo / "leaderboard" / "submissions" / "example.yaml").write_text(META.replace("example", "rules"), encoding="utf-8")
    result = run_cli(*_submit("replace", name="rules"), cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1 and "the name of a built-in system" in result.stderr
    assert not (repo / "outputs").exists()


def test_a_published_predictions_file_lies_in_the_repository(repo, tmp_path):
    outside = tmp_path / "outside.jsonl"
    shutil.copy(repo / "leaderboard" / "submissions" / "example.jsonl", outside)
    result = run_cli("run", "model=predictions", f"model.path={outside}", "model.name=outside", "publish=true", cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1 and "must lie inside leaderboard/submissions/" in result.stderr
    assert not _result_path(repo, "outside").exists()


# -- 7. typed config -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (("run", "model=rules", "publish=no"), 1, "publish=no: expected one of true, false, replace"),
        (("run", "model=predictions", "model.path=x.jsonl"), 1, "missing value for model.name"),
        (("run", "model=spacy_sm", "model.batch_size=many"), 1, "model.batch_size"),
        (("run", "--help"), 0, "publish=false|true|replace"),
    ],
)
def test_command_line_mistakes_get_one_line(args, code, expected):
    result = run_cli(*args)
    _no_traceback(result)
    assert result.returncode == code and expected in result.stdout + result.stderr
    if code:
        assert len(result.stderr.strip().splitlines()) <= 3, result.stderr


# -- 8. streaming, bounded, strict reading ---------------------------------------------------


@pytest.fixture
def text(gold_record_pristine):
    return gold_record_pristine["text"]


def _read(path, text):
    return read_prediction_file(path, {SEED_ID: text})


def _line(text, **layers):
    return json.dumps({"id": SEED_ID, "text": text, **layers}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (lambda t: _line(t, entities=[{"start": True, "end": 42, "label": "PER"}]), "entities[0].start", "valid integer"),
        (lambda t: _line(t, entities=[{"start": "31", "end": 42, "label": "PER"}]), "entities[0].start", "valid integer"),
        (lambda t: _line(t, entities=[{"start": 31.0, "end": 42, "label": "PER"}]), "entities[0].start", "valid integer"),
        (lambda t: _line(t)[:-1] + ', "entities": [], "entities": null}', None, "duplicate key 'entities'"),
        (lambda t: _line(t)[:-1] + ', "quotes": ' + "[" * 5000 + "]" * 5000 + "}", None, "nesting deeper"),
        (lambda t: _line(t)[:-1] + ', "events": [{"type": "\\ud800"}]}', None, "lone surrogate"),
        (lambda t: _line(t, entities=[{"start": 31, "end": 42, "label": "PER"}, {"start": 31, "end": 42, "label": "PER"}]), "entities[1]", "duplicate of entities[0]"),
        (lambda t: _line(t, quotes=[{"kind": "direct", "content": [{"start": 0, "end": 5}]}] * 2), "quotes[1]", "duplicate of quotes[0]"),
        (lambda t: _line(t, events=[{"type": "Contact.Meet", "trigger": {"start": 0, "end": 5}}] * 2), "events[1]", "duplicate of events[0]"),
        (lambda t: _line(t, events=[{"type": "Contact.Meet", "trigger": {"start": 0, "end": 5},
                                      "arguments": [{"start": 31, "end": 42, "role": "Entity"}] * 2}]), "events[0].arguments[1]", "duplicate of"),
    ],
)
def test_prediction_records_are_strict(tmp_path, text, make, field, message):
    path = tmp_path / "p.jsonl"
    path.write_text(make(text) + "\n", encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        _read(path, text)
    assert any(e.field == field and message in e.message for e in caught.value.errors), caught.value


def test_errors_are_capped(tmp_path, text):
    path = tmp_path / "p.jsonl"
    path.write_text("not json\n" * (MAX_REPORTED_ERRORS + 70), encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        _read(path, text)
    assert len(caught.value.errors) == MAX_REPORTED_ERRORS + 1
    assert caught.value.errors[-1].message == "and 70 more error(s)"


@pytest.mark.parametrize("kind", ["200 MB", "/dev/zero", "directory", "long line", "latin-1"])
def test_hostile_prediction_files_end_in_a_message(tmp_path, text, kind):
    path = tmp_path / "p.jsonl"
    if kind == "200 MB":
        with open(path, "wb") as handle:
            handle.truncate(200 * 1024 * 1024)  # sparse: costs no disk
        expected = "too large"
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")
        expected = "not a regular file"
    elif kind == "directory":
        path.mkdir()
        expected = "is a directory"
    elif kind == "long line":
        path.write_bytes(b"[" + b" " * (9 * 1024 * 1024) + b"]\n" + _line(text).encode() + b"\n")
        expected = "longer than"
    else:
        path.write_bytes(_line(text).encode("utf-8") + b"\n" + '"é"\n'.encode("latin-1"))
        expected = "not valid UTF-8"
    with pytest.raises(DataErrors) as caught:
        _read(path, text)
    assert any(expected in e.message for e in caught.value.errors), caught.value


def test_writer_and_reader_agree_on_line_breaks(tmp_path):
    text = "Un\u2028deux\u2029trois\u0085quatre."
    doc = Document(id="d", text=text, entities=[])
    write_run(RunOutput(results={}, predictions=[doc]), tmp_path)
    raw = (tmp_path / "predictions.jsonl").read_bytes()
    assert raw.count(b"\n") == 1 and "\u2028".encode() not in raw
    assert read_prediction_file(tmp_path / "predictions.jsonl", {"d": text}) == [doc]
    assert SeedDocument("d", None, text).text == text


@pytest.mark.parametrize("kind", ["bad date", "latin-1", "directory", "/dev/zero", "200 MB"])
def test_bad_seed_files_end_in_a_message(tmp_path, kind):
    repo = copy_repository(tmp_path / "newsbench")
    seed = repo / "seeds" / f"{SEED_ID}.txt"
    if kind == "bad date":
        seed.write_text("date 2026-13\n" + seed.read_text(encoding="utf-8"), encoding="utf-8")
    elif kind == "latin-1":
        seed.write_bytes(seed.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    elif kind == "directory":
        seed.unlink()
        seed.mkdir()
    elif kind == "/dev/zero":
        seed.unlink()
        seed.symlink_to("/dev/zero")
    else:
        with open(seed, "wb") as handle:
            handle.truncate(200 * 1024 * 1024)
    for command in (("validate",), ("build",)):
        result = run_cli(*command, cwd=repo)
        _no_traceback(result)
        assert result.returncode == 1 and f"seeds/{SEED_ID}.txt" in result.stderr, result.stderr


@pytest.mark.parametrize("kind", ["no header", "directory", "latin-1"])
def test_a_broken_card_ends_in_a_message(tmp_path, kind):
    repo = copy_repository(tmp_path / "newsbench")
    card = repo / "gold" / "README.md"
    if kind == "no header":
        card.write_text("# just a title\n", encoding="utf-8")
    elif kind == "directory":
        card.unlink()
        card.mkdir()
    else:
        card.write_bytes("---\nnewsbench: é\n---\n".encode("latin-1"))
    result = run_cli("leaderboard", cwd=repo)
    _no_traceback(result)
    assert result.returncode == 1 and "gold/README.md" in result.stderr


def test_validate_a_folder_given_as_a_file(tmp_path):
    folder = tmp_path / "record.json"
    folder.mkdir()
    result = run_cli("validate", str(folder))
    _no_traceback(result)
    assert result.returncode == 1 and "is a directory" in result.stderr
