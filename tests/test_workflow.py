"""The whole path of a new article, in a copy of the repository (issue 9, "Done when").

add (pending seed + draft) → export to brat and Label Studio → two annotators,
each writing their version in the tool's own format → import → agreement →
adjudication (copy the better version, promote) → release (minor bump and a
changelog entry, as gold/GUIDELINES.md §8 requires) → build → the test split
has the article → a run of ``rules`` scores it. The article and both
annotations are made up here; the tool files are written as an annotator's
brat and Label Studio would write them, line by line and region by region.
"""

import json
import re

import yaml
from conftest import SEED_ID, copy_repository, run_cli

from benchmark.data import dataset

ARTICLE = (
    "date 2026-11\n"
    "La ministre Claire Dubois a annoncé mardi à Lyon que le gouvernement ouvrirait trois écoles.\n\n"
    "Elle a rencontré le maire de Lyon jeudi.\n\n"
    "« Nous tiendrons nos promesses », a déclaré Claire Dubois.\n"
)
TEXT = ARTICLE.split("\n", 1)[1]


def at(fragment: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(fragment, start + 1)
    return start, start + len(fragment)


def alice_ann() -> str:
    """Alice's brat annotation, as brat saves it (standoff lines)."""
    spans = {
        "T1": ("PER", at("Claire Dubois")), "T2": ("LOC", at("Lyon")), "T3": ("LOC", at("Lyon", 2)),
        "T4": ("PER", at("Claire Dubois", 2)),
        "T5": ("Content", at("le gouvernement ouvrirait trois écoles")), "T6": ("Cue", at("annoncé")),
        "T7": ("Speaker", at("Claire Dubois")),
        "T8": ("Content", at("Nous tiendrons nos promesses")), "T9": ("Cue", at("déclaré")), "T10": ("Speaker", at("Claire Dubois", 2)),
        "T11": ("Contact_Meet", at("rencontré")), "T12": ("Argument", at("Elle")),
        "T13": ("Argument", at("le maire de Lyon")), "T14": ("Argument", at("jeudi")),
    }
    lines = [f"{t}\t{label} {s} {e}\t{TEXT[s:e]}" for t, (label, (s, e)) in spans.items()]
    lines += [
        "E1\tContact_Meet:T11 Entity:T12 Entity2:T13 Time:T14",
        "R1\tCue Arg1:T5 Arg2:T6", "R2\tSpeaker Arg1:T5 Arg2:T7", "R3\tCue Arg1:T8 Arg2:T9", "R4\tSpeaker Arg1:T8 Arg2:T10",
        "A1\tKind T5 indirect", "A2\tKind T8 direct",
        "#1\tAnnotatorNotes T1\tid=m01 entity=claire_dubois", "#2\tAnnotatorNotes T2\tid=m02 entity=lyon",
        "#3\tAnnotatorNotes T3\tid=m03 entity=lyon", "#4\tAnnotatorNotes T4\tid=m04 entity=claire_dubois",
        "#5\tAnnotatorNotes T5\tid=q1 speaker_entity=claire_dubois", "#6\tAnnotatorNotes T8\tid=q2 speaker_entity=claire_dubois",
        "#7\tAnnotatorNotes E1\tid=ev01 event=meeting_dubois_mayor",
    ]
    return "\n".join(lines) + "\n"


def bob_result() -> list[dict]:
    """Bob's Label Studio annotation: the second "Lyon" as ORG, and no Time for the meeting."""
    result = []

    def region(ident, control, label, span, ref=None, kind=None):
        value = {"start": span[0], "end": span[1], "text": TEXT[span[0]:span[1]]}
        result.append({"id": ident, "from_name": control, "to_name": "text", "type": "labels", "origin": "manual", "value": {**value, "labels": [label]}})
        if ref:
            result.append({"id": ident, "from_name": "ref", "to_name": "text", "type": "textarea", "origin": "manual", "value": {**value, "text": [ref]}})
        if kind:
            result.append({"id": ident, "from_name": "kind", "to_name": "text", "type": "choices", "origin": "manual", "value": {**value, "choices": [kind]}})

    def relation(source, target, label):
        result.append({"from_id": source, "to_id": target, "type": "relation", "direction": "right", "labels": [label]})

    region("Xa1", "entity", "PER", at("Claire Dubois"), "id=m01 entity=claire_dubois")
    region("Xa2", "entity", "LOC", at("Lyon"), "id=m02 entity=lyon")
    region("Xa3", "entity", "ORG", at("Lyon", 2), "id=m03 entity=lyon_city_hall")
    region("Xa4", "entity", "PER", at("Claire Dubois", 2), "id=m04 entity=claire_dubois")
    region("Xq1", "quote", "Content", at("le gouvernement ouvrirait trois écoles"), "id=q1 speaker_entity=claire_dubois", "indirect")
    region("Xc1", "quote", "Cue", at("annoncé"))
    region("Xs1", "quote", "Speaker", at("Claire Dubois"))
    region("Xq2", "quote", "Content", at("Nous tiendrons nos promesses"), "id=q2 speaker_entity=claire_dubois", "direct")
    region("Xc2", "quote", "Cue", at("déclaré"))
    region("Xs2", "quote", "Speaker", at("Claire Dubois", 2))
    region("Xv1", "event", "Contact.Meet", at("rencontré"), "id=ev01 event=meeting_dubois_mayor")
    region("Xg1", "argument", "Argument", at("Elle"))
    region("Xg2", "argument", "Argument", at("le maire de Lyon"))
    for source, target, label in (("Xq1", "Xc1", "Cue"), ("Xs1", "Xq1", "Speaker"), ("Xq2", "Xc2", "Cue"), ("Xq2", "Xs2", "Speaker"),
                                  ("Xv1", "Xg1", "Entity"), ("Xv1", "Xg2", "Entity")):
        relation(source, target, label)
    return result


def _ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_new_article_from_add_to_a_scored_test_split(tmp_path):
    repo = copy_repository(tmp_path / "newsbench")
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    before_ids = [r["id"] for r in dataset.load_test_split()]  # the committed test split, which the copy starts with

    # 1. add: a pending seed and an empty draft (a repository extractor competes, so it may not draft).
    _ok(run_cli("add", str(tmp_path / "article.txt"), cwd=repo))
    (pending,) = (repo / "seeds" / "pending").glob("*.txt")
    doc_id = pending.stem
    assert (repo / "gold" / "drafts" / f"{doc_id}.json").is_file()

    # 2. export the draft to both tools.
    _ok(run_cli("export", "--format", "brat", doc_id, "--out", "brat", cwd=repo))
    _ok(run_cli("export", "--format", "labelstudio", doc_id, "--out", "ls", cwd=repo))
    assert (repo / "brat" / f"{doc_id}.txt").read_text(encoding="utf-8") == TEXT

    # 3. two annotators: alice in brat, bob in Label Studio; each import goes to gold/work/NAME/.
    (repo / "brat" / f"{doc_id}.ann").write_text(alice_ann(), encoding="utf-8")
    _ok(run_cli("import", "--format", "brat", "brat", "--annotator", "alice", cwd=repo))
    (task,) = json.loads((repo / "ls" / "tasks.json").read_text(encoding="utf-8"))
    export = [{"id": 41, "data": task["data"], "annotations": [{"id": 7, "completed_by": 2, "result": bob_result(), "was_cancelled": False}],
               "predictions": task["predictions"]}]
    (repo / "bob.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    _ok(run_cli("import", "--format", "labelstudio", "bob.json", "--annotator", "bob", cwd=repo))
    alice = json.loads((repo / "gold" / "work" / "alice" / f"{doc_id}.json").read_text(encoding="utf-8"))
    assert [m["text"] for m in alice["entities"]] == ["Claire Dubois", "Lyon", "Lyon", "Claire Dubois"]
    assert [a["role"] for a in alice["events"][0]["arguments"]] == ["Entity", "Entity", "Time"]

    # 4. agreement: 3 of 4 mentions, 2 of 3 arguments; everything else agreed.
    result = _ok(run_cli("agreement", doc_id, cwd=repo))
    rows = {parts[-2]: parts[-1] for parts in (line.split() for line in result.stdout.splitlines())
            if len(parts) >= 2 and parts[-2].startswith(("ner.", "quotes.", "events."))}
    assert rows["ner.strict.micro.f1"] == "75.00" and rows["events.argument.f1"] == "80.00"
    assert rows["quotes.content.f1"] == rows["events.trigger.f1"] == "100.00"
    sheet = (repo / "gold" / "work" / "adjudication.md").read_text(encoding="utf-8")
    assert "«Lyon»" in sheet and "«jeudi»" in sheet and "Elle a rencontré le maire de Lyon jeudi." in sheet

    # 5. adjudication: alice's version is right; it becomes the gold, and the seed leaves pending.
    (repo / "gold" / "annotations" / f"{doc_id}.json").write_bytes((repo / "gold" / "work" / "alice" / f"{doc_id}.json").read_bytes())
    _ok(run_cli("promote", doc_id, cwd=repo))
    assert (repo / "seeds" / f"{doc_id}.txt").is_file()

    # 6. release: a document added is a minor release, with a changelog entry naming it.
    refused = run_cli("build", cwd=repo)
    assert refused.returncode == 1 and "it needs a minor release" in refused.stderr, refused.stderr
    release = repo / "gold" / "dataset.yaml"
    old = yaml.safe_load(release.read_text(encoding="utf-8"))["version"]
    major, minor, _ = (int(x) for x in old.split("."))
    new = f"{major}.{minor + 1}.0"
    release.write_text(re.sub(rf"^version: {re.escape(old)}$", f"version: {new}", release.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    changelog = repo / "gold" / "CHANGELOG.md"
    entry = f"## {new} (2026-11-29)\n\n- Added `{doc_id}`, adjudicated from two annotators (alice, bob).\n\n"
    text = changelog.read_text(encoding="utf-8")
    at = re.search(r"^## ", text, flags=re.M).start()  # the newest entry: the new one goes above it
    changelog.write_text(text[:at] + entry + text[at:], encoding="utf-8")
    _ok(run_cli("build", cwd=repo))
    rows = [json.loads(line) for line in (repo / "gold" / "data" / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == sorted([*before_ids, doc_id]) and f"version: {new}" in (repo / "gold" / "README.md").read_text(encoding="utf-8")

    # 7. the leaderboard's test set now scores the article.
    _ok(run_cli("run", "model=rules", cwd=repo))
    (results,) = (repo / "outputs" / "runs" / "rules").glob("*/results.json")
    scored = json.loads(results.read_text(encoding="utf-8"))
    assert scored["dataset"]["version"] == new and scored["dataset"]["documents"] == len(before_ids) + 1
