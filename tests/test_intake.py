"""python -m benchmark add / promote: a new article waits outside the test split until reviewed.

Everything that writes runs in a temporary copy of the repository.
"""

import hashlib
import json
import shutil
import subprocess
import sys

import pytest
from conftest import SEED_ID, copy_repository, run_cli

from benchmark import paths
from benchmark.annotation import intake
from benchmark.data import dataset
from benchmark.data.schema import Document

ARTICLE = (
    "date 2024-05\n"
    "Le président Emmanuel Macron a reçu mardi à Paris le chancelier Olaf Scholz.\n\n"
    "« Nous soutiendrons l’Ukraine », a déclaré M. Macron.\n"
)


@pytest.fixture(scope="module")
def pristine_copy(tmp_path_factory):
    copy = copy_repository(tmp_path_factory.mktemp("repo") / "newsbench")
    return copy


@pytest.fixture
def repo(pristine_copy, tmp_path):
    target = tmp_path / "newsbench"
    shutil.copytree(pristine_copy, target)
    return target


def _tree(repo):
    """Every file of the copy with its content: 'nothing written' is checked on all of it."""
    return {p.relative_to(repo): p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file()}


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


# The next document index: one more than every document added so far (seeds and referenced Wikinews records).
NEXT = 1 + max(int(p.stem[:3]) for p in paths.ANNOTATIONS_DIR.glob("*.json"))


def _new_id(index: int, text: str) -> str:
    return f"{index:03d}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


def test_seed_id_is_the_order_and_the_sha256_of_the_text():
    text = "Le texte.\n"
    assert intake.seed_id(1, text) == "001_" + hashlib.sha256(b"Le texte.\n").hexdigest()[:16]
    assert intake.seed_id(12, text).startswith("012_")


def test_gold_json_writes_the_layout_of_the_committed_gold(gold_record_pristine):
    path = paths.ANNOTATIONS_DIR / f"{SEED_ID}.json"
    assert intake.gold_json(Document.model_validate(gold_record_pristine)) == path.read_text(encoding="utf-8")


def test_add_writes_a_pending_seed_and_an_empty_draft(repo, tmp_path):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    before = _tree(repo)
    result = run_cli("add", str(source), cwd=repo)
    assert result.returncode == 0, result.stderr
    text = ARTICLE.split("\n", 1)[1]
    ident = _new_id(NEXT, text)  # the header is not part of the hashed text
    assert f"seeds/pending/{ident}.txt" in result.stdout
    assert (repo / "seeds" / "pending" / f"{ident}.txt").read_bytes() == ARTICLE.encode()  # verbatim
    draft = json.loads((repo / "gold" / "drafts" / f"{ident}.json").read_text(encoding="utf-8"))
    assert draft["draft"] == {"status": "unreviewed", "source": None, "layers": []}
    assert (draft["id"], draft["date"], draft["text"]) == (ident, "2024-05", text)
    assert (draft["entities"], draft["quotes"], draft["events"]) == ([], [], [])
    added = set(_tree(repo)) - set(before)
    assert added == {
        (repo / "seeds" / "pending" / f"{ident}.txt").relative_to(repo),
        (repo / "gold" / "drafts" / f"{ident}.json").relative_to(repo),
    }
    # The test split does not move: same package, same fingerprint, valid gold.
    check = run_cli("build", "--check", cwd=repo)
    assert check.returncode == 0, check.stdout + check.stderr
    assert run_cli("validate", cwd=repo).returncode == 0
    code = "from benchmark.data import dataset; print([r['id'] for r in dataset.load_test_split()])"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().splitlines()[-1] == repr([r["id"] for r in dataset.load_test_split()])  # the split, unchanged by an unpromoted article


BAD_INPUTS = {
    "latin1.txt": ("caf\xe9".encode("latin-1"), "not valid UTF-8"),
    "empty.txt": (b"", "the article is empty"),
    "header_only.txt": (b"date 2024-05\n \n", "the article is empty"),
    "bad_date.txt": (b"date 2024-13 Le texte.\n", "malformed header"),
    "crlf.txt": (b"Le texte.\r\nLa suite.\r\n", "carriage return at line 1"),
    "cr.txt": (b"Le texte.\n\nLa suite.\rFin.\n", "carriage return at line 3"),
}


def test_bad_input_names_every_file_and_writes_nothing(repo, tmp_path):
    files = [_write(tmp_path / name, data) for name, (data, _) in BAD_INPUTS.items()]
    files.append(_write(tmp_path / "fine.txt", ARTICLE.encode()))  # one good file does not go in alone
    before = _tree(repo)
    result = run_cli("add", *map(str, files), str(tmp_path / "missing.txt"), cwd=repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(BAD_INPUTS) + 1
    for name, (_, message) in BAD_INPUTS.items():
        assert any(str(tmp_path / name) in line and message in line for line in errors), (name, result.stderr)
    assert any("missing.txt" in line and "cannot read" in line for line in errors)
    assert "--fix-line-ends" in result.stderr
    assert _tree(repo) == before


@pytest.mark.parametrize(
    "copy",
    [
        lambda raw: raw,  # byte for byte
        lambda raw: raw.replace(b" date 2019-03 ", b"date 2020-01\n", 1),  # same text, another header
        lambda raw: b"\xef\xbb\xbf" + raw,  # same text behind a BOM
        lambda raw: raw.replace(b" date 2019-03 ", b"date 2019-03\n\n", 1),  # a blank line after the header
        lambda raw: raw.replace(b" date 2019-03 ", b"date 2019-03\n\n\n", 1).rstrip(b"\n"),  # two, and no final newline
    ],
)
def test_an_article_already_in_seeds_is_refused(repo, tmp_path, copy):
    raw = (repo / "seeds" / f"{SEED_ID}.txt").read_bytes()
    source = _write(tmp_path / "again.txt", copy(raw))
    before = _tree(repo)
    result = run_cli("add", str(source), cwd=repo)
    assert result.returncode == 1
    assert str(source) in result.stderr and f"already present: same text as seed {SEED_ID}" in result.stderr
    assert _tree(repo) == before


def test_a_pending_article_and_a_repeated_argument_are_duplicates_too(repo, tmp_path):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    other = _write(tmp_path / "same.txt", ARTICLE.encode())
    before = _tree(repo)
    twice = run_cli("add", str(source), str(other), cwd=repo)
    assert twice.returncode == 1 and "same.txt" in twice.stderr and "already present" in twice.stderr
    assert _tree(repo) == before
    assert run_cli("add", str(source), cwd=repo).returncode == 0
    again = run_cli("add", str(other), cwd=repo)
    assert again.returncode == 1 and f"same text as seed {_new_id(NEXT, ARTICLE.split(chr(10), 1)[1])}" in again.stderr


def test_fix_line_ends_stores_lf_and_leaves_the_source_alone(repo, tmp_path):
    data = ARTICLE.replace("\n", "\r\n").encode()
    source = _write(tmp_path / "windows.txt", data)
    result = run_cli("add", "--fix-line-ends", str(source), cwd=repo)
    assert result.returncode == 0, result.stderr
    ident = _new_id(NEXT, ARTICLE.split("\n", 1)[1])  # same id as the LF article: the stored text is LF
    assert (repo / "seeds" / "pending" / f"{ident}.txt").read_bytes() == ARTICLE.encode()
    assert source.read_bytes() == data


def test_ids_follow_the_order_of_addition(repo, tmp_path):
    first = _write(tmp_path / "a.txt", b"Premier article.\n")
    second = _write(tmp_path / "b.txt", b"Second article.\n")
    assert run_cli("add", str(first), str(second), cwd=repo).returncode == 0
    third = _write(tmp_path / "c.txt", b"Troisieme article.\n")
    assert run_cli("add", str(third), cwd=repo).returncode == 0
    pending = sorted(p.name for p in (repo / "seeds" / "pending").glob("*.txt"))
    assert pending == [
        _new_id(NEXT, "Premier article.\n") + ".txt",
        _new_id(NEXT + 1, "Second article.\n") + ".txt",
        _new_id(NEXT + 2, "Troisieme article.\n") + ".txt",
    ]


def test_a_repository_extractor_may_not_draft(repo, tmp_path):
    """Every repository extractor competes on the leaderboard on each layer it predicts:
    a gold reviewed from its draft would lean toward it, so add refuses and writes nothing."""
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    before = _tree(repo)
    result = run_cli("add", str(source), "--draft-model", "rules", cwd=repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "model rules competes on the leaderboard on entities, quotes, events" in result.stderr, result.stderr
    assert _tree(repo) == before


def _non_competing_source(layers=("entities",)) -> intake.DraftSource:
    """A draft source that competes nowhere (as WiNER-fr's own entities would be):
    it proposes one mention and, beyond its layers, an event that must be dropped."""
    def predict(seeds):
        text = seeds[0].text
        start = text.index("Emmanuel Macron")
        trigger = text.index("reçu")
        return [Document(id=seeds[0].id, text=text,
                         entities=[{"start": start, "end": start + 15, "label": "PER"}],
                         events=[{"type": "Contact.Meet", "trigger": {"start": trigger, "end": trigger + 4}}])]

    return intake.DraftSource(name="test-source", layers=layers, predict=predict)


def test_a_non_competing_source_drafts_its_layers_only():
    text = ARTICLE.split("\n", 1)[1]
    new = [intake.NewSeed(paths.ROOT / "x.txt", ARTICLE.encode(), intake.SeedDocument("001_x", "2024-05", text))]
    (draft,) = intake.make_drafts(new, _non_competing_source())
    record = json.loads(draft)
    assert record["draft"] == {"status": "unreviewed", "source": "test-source", "layers": ["entities"]}
    assert [m["text"] for m in record["entities"]] == ["Emmanuel Macron"] and record["events"] == [] and record["quotes"] == []
    competing = intake.DraftSource(name="x", layers=("entities",), predict=None, competes_on=frozenset({"entities"}))
    with pytest.raises(intake.DataErrors, match="x competes on the leaderboard on entities"):
        intake.make_drafts(new, competing)


def test_promote_keeps_the_draft_provenance_in_the_gold(repo, tmp_path):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    assert run_cli("add", str(source), cwd=repo).returncode == 0
    ident = _new_id(NEXT, ARTICLE.split("\n", 1)[1])
    draft = repo / "gold" / "drafts" / f"{ident}.json"
    record = json.loads(draft.read_text(encoding="utf-8"))
    assert record["draft"] == {"status": "unreviewed", "source": None, "layers": []}
    record["draft"] = {"status": "unreviewed", "source": "winer-fr", "layers": ["entities"]}  # as another source writes it
    draft.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    reviewed = _reviewed(draft, tmp_path / f"{ident}.json")  # the tools' round trip drops it; promote restores it
    result = run_cli("promote", ident, "--gold", str(reviewed), cwd=repo)
    assert result.returncode == 0, result.stderr
    gold = json.loads((repo / "gold" / "annotations" / f"{ident}.json").read_text(encoding="utf-8"))
    assert gold["drafted_by"] == {"source": "winer-fr", "layers": ["entities"]}
    assert list(gold)[-1] == "drafted_by"
    assert run_cli("validate", cwd=repo).returncode == 0
    record = dict(gold, drafted_by={"source": "winer-fr", "layers": ["entities", "tokens"]})
    bad = _write(tmp_path / f"{ident}.json", json.dumps(record, ensure_ascii=False).encode())
    result = run_cli("validate", str(bad), cwd=repo)
    assert result.returncode == 1 and "field drafted_by.layers[1]: unknown layer 'tokens'" in result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nosuchmodel", "no model config 'nosuchmodel'"),
        ("configs/model/rules.yaml", "no model config"),  # a path is never a model name
        ("../rules", "no model config"),
        ("predictions", "model predictions competes on the leaderboard"),  # a submitted system's adapter
    ],
)
def test_draft_model_must_be_a_repository_config(repo, tmp_path, name, message):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    before = _tree(repo)
    result = run_cli("add", str(source), "--draft-model", name, cwd=repo)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert _tree(repo) == before


def test_a_draft_never_counts_as_gold(repo, tmp_path):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    assert run_cli("add", str(source), cwd=repo).returncode == 0
    ident = _new_id(NEXT, ARTICLE.split("\n", 1)[1])
    draft = repo / "gold" / "drafts" / f"{ident}.json"
    # Copied into the gold without review: the seed is pending, and the file is a draft.
    shutil.copy2(draft, repo / "gold" / "annotations" / draft.name)
    validate = run_cli("validate", cwd=repo)
    assert validate.returncode == 1 and f"promote {ident}" in validate.stderr
    build = run_cli("build", cwd=repo)
    assert build.returncode == 1
    # Promoting a draft is refused, naming its draft block; nothing moves.
    before = _tree(repo)
    promote = run_cli("promote", ident, cwd=repo)
    assert promote.returncode == 1 and "field draft" in promote.stderr and "draft annotation" in promote.stderr
    assert _tree(repo) == before
    # Even with the seed itself moved in by hand, the draft is refused as gold.
    shutil.move(repo / "seeds" / "pending" / f"{ident}.txt", repo / "seeds" / f"{ident}.txt")
    validate = run_cli("validate", cwd=repo)
    assert validate.returncode == 1 and "field draft" in validate.stderr


def _reviewed(draft_path, target):
    record = json.loads(draft_path.read_text(encoding="utf-8"))
    record.pop("draft")
    record["entities"] = [
        {"id": "m01", "start": 13, "end": 28, "text": "Emmanuel Macron", "label": "PER", "entity": "macron"}
    ]
    target.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def test_promote_moves_the_seed_in_with_its_reviewed_gold(repo, tmp_path):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    assert run_cli("add", str(source), cwd=repo).returncode == 0
    ident = _new_id(NEXT, ARTICLE.split("\n", 1)[1])
    missing = run_cli("promote", ident, cwd=repo)
    assert missing.returncode == 1 and "no reviewed gold" in missing.stderr
    assert run_cli("promote", "001_0000000000000000", cwd=repo).returncode == 1
    reviewed = _reviewed(repo / "gold" / "drafts" / f"{ident}.json", tmp_path / f"{ident}.json")
    assert run_cli("validate", str(reviewed), cwd=repo).returncode == 0  # an annotator's file, seed pending
    result = run_cli("promote", ident, "--gold", str(reviewed), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / "seeds" / f"{ident}.txt").read_bytes() == ARTICLE.encode()
    assert not (repo / "seeds" / "pending" / f"{ident}.txt").exists()
    assert not (repo / "gold" / "drafts" / f"{ident}.json").exists()
    assert (repo / "gold" / "annotations" / f"{ident}.json").read_bytes() == reviewed.read_bytes()
    validate = run_cli("validate", cwd=repo)
    assert validate.returncode == 0 and "2 gold file(s)" in validate.stdout
    # The test split has grown: the committed package is now stale.
    assert run_cli("build", "--check", cwd=repo).returncode == 1


def test_promote_checks_the_gold_against_the_pending_seed(repo, tmp_path):
    source = _write(tmp_path / "article.txt", ARTICLE.encode())
    assert run_cli("add", str(source), cwd=repo).returncode == 0
    ident = _new_id(NEXT, ARTICLE.split("\n", 1)[1])
    reviewed = _reviewed(repo / "gold" / "drafts" / f"{ident}.json", tmp_path / f"{ident}.json")
    record = json.loads(reviewed.read_text(encoding="utf-8"))
    record["entities"][0]["end"] += 1
    reviewed.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    before = _tree(repo)
    result = run_cli("promote", ident, "--gold", str(reviewed), cwd=repo)
    assert result.returncode == 1 and "entities[0]" in result.stderr
    assert _tree(repo) == before
