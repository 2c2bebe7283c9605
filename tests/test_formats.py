"""Round-trips through Label Studio and brat, CoNLL and DocBin exports, bad imports.

The gold must come back byte for byte through every two-way format; the
tool-side files are built as the tools' published formats describe them
(Label Studio's JSON export of a submitted pre-annotation is the prediction's
result under ``annotations``, which is what ``_as_labelstudio_export`` does).
"""

import json
import random
import xml.etree.ElementTree as ET

import pytest
import spacy
from conftest import SEED_ID, copy_repository, drop_committed_wikinews, run_cli
from spacy.tokens import DocBin

from benchmark import paths
from benchmark.annotation.formats import brat, conll, docbin, labelstudio
from benchmark.annotation.records import gold_json, parse_ref
from benchmark.data.corpus import SeedDocument, read_seeds
from benchmark.data.layers import TAG_LAYERS
from benchmark.data.schema import ENTITY_LABELS, EVENT_ROLES, EVENT_TYPES, Document
from benchmark.data.validation import read_gold
from benchmark.errors import DataErrors


@pytest.fixture(scope="module")
def seeds():
    return {s.id: s for s in read_seeds()}


@pytest.fixture(scope="module")
def gold_docs(seeds):
    """The seeds' gold: the committed Wikinews records need the fetched corpus and are
    exercised by tests/test_referenced.py on a made-up one."""
    return [doc for doc in read_gold(seeds.values()) if doc.source is None]


def _gold_bytes(doc_id=SEED_ID) -> bytes:
    return (paths.ANNOTATIONS_DIR / f"{doc_id}.json").read_bytes()


def _by_id(docs, render=lambda doc_id: None) -> dict:
    """Each document's gold JSON bytes by id: read back (render=None) or committed (render=_gold_bytes)."""
    return {doc.id: render(doc.id) or gold_json(doc).encode() for doc in docs}


def _write(files):
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _as_labelstudio_export(tasks: list[dict]) -> list[dict]:
    """What Label Studio exports once an annotator submits the pre-annotation unchanged."""
    return [
        {"id": n, "data": t["data"], "annotations": [{"id": n, "result": t["predictions"][0]["result"], "was_cancelled": False}],
         "predictions": t["predictions"]}
        for n, t in enumerate(tasks, start=1)
    ]


def _labelstudio_export(docs, tmp_path):
    files = labelstudio.export(docs, tmp_path / "ls")
    tasks = json.loads(files[tmp_path / "ls" / "tasks.json"])
    return _as_labelstudio_export(tasks)


def _write_json(path, value):
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------ round-trips

def test_brat_round_trip_gives_back_the_gold_byte_for_byte(gold_docs, seeds, tmp_path):
    _write(brat.export(gold_docs, tmp_path))
    assert _by_id(brat.read(tmp_path, seeds)) == _by_id(gold_docs, _gold_bytes)


def test_brat_round_trip_does_not_depend_on_line_order(gold_docs, seeds, tmp_path):
    _write(brat.export(gold_docs, tmp_path))
    ann = tmp_path / f"{SEED_ID}.ann"
    lines = ann.read_text(encoding="utf-8").splitlines()
    random.Random(7).shuffle(lines)
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (doc,) = brat.read(ann, seeds)
    assert gold_json(doc).encode() == _gold_bytes()


def test_brat_reads_relations_as_brat_writes_them(gold_docs, seeds, tmp_path):
    """brat's interface writes a new relation with a tail of one TAB (annotator.py:
    ``BinaryRelationAnnotation(new_id, type, a1l, origin.id, a2l, target.id, '\\t')``,
    rendered ``'%s\\t%s %s:%s %s:%s%s'``): every such line must be read."""
    _write(brat.export(gold_docs, tmp_path))
    ann = tmp_path / f"{SEED_ID}.ann"
    lines = ann.read_bytes().split(b"\n")
    relations = [i for i, line in enumerate(lines) if line.startswith(b"R")]
    assert relations
    for i in relations:
        lines[i] += b"\t"
    ann.write_bytes(b"\n".join(lines))
    assert b"R1\tCue Arg1:T30 Arg2:T31\t\n" in ann.read_bytes()  # the exact bytes brat writes
    (doc,) = brat.read(ann, seeds)
    assert gold_json(doc).encode() == _gold_bytes()


def test_labelstudio_round_trip_gives_back_the_gold_byte_for_byte(gold_docs, seeds, tmp_path):
    path = _write_json(tmp_path / "export.json", _labelstudio_export(gold_docs, tmp_path))
    assert _by_id(labelstudio.read(path, seeds)) == _by_id(gold_docs, _gold_bytes)


def test_labelstudio_round_trip_survives_reordering_and_reversed_relations(gold_docs, seeds, tmp_path):
    export = _labelstudio_export(gold_docs, tmp_path)
    result = export[0]["annotations"][0]["result"]
    random.Random(3).shuffle(result)
    for item in result:
        if item["type"] == "relation" and item["labels"] != ["Parent"]:
            item["from_id"], item["to_id"], item["direction"] = item["to_id"], item["from_id"], "left"
    assert _by_id(labelstudio.read(_write_json(tmp_path / "export.json", export), seeds)) == _by_id(gold_docs, _gold_bytes)


def test_exports_are_deterministic(gold_docs, tmp_path):
    for module in (brat, labelstudio, conll, docbin):
        assert module.export(gold_docs, tmp_path) == module.export(gold_docs, tmp_path)


# ------------------------------------------------------------------ what the files say

def test_brat_writes_discontinuous_content_and_every_line_kind(gold_docs):
    ann = brat.export_document(gold_docs[0])
    lines = ann.splitlines()
    assert any(line.startswith("T") and "\tContent 0 151;232 294\t" in line for line in lines)
    assert {line[0] for line in lines} == {"T", "E", "R", "A", "#"}
    assert any(line.split("\t")[1].startswith("Contact_Phone-Write:") for line in lines if line.startswith("E"))
    # ev07 (Contact.Meet) has two Entity arguments: brat numbers the second.
    assert any("Entity:" in line and "Entity2:" in line for line in lines if line.startswith("E"))
    notes = [line.split("\t")[2] for line in lines if line.startswith("#")]
    assert "id=m01 entity=mike_pompeo" in notes and "id=ev01 event=call_pompeo_lavrov" in notes
    assert "id=q6" in notes  # no speaker entity: nothing written for it


def test_brat_configuration_declares_the_schema():
    conf = brat.annotation_conf()
    sections = {}
    current = None
    for line in conf.splitlines():
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
        elif line and not line.startswith("#") and current:
            sections[current].append(line)
    assert set(ENTITY_LABELS) <= set(sections["entities"])
    events = {line.split("\t")[0]: line.split("\t")[1] for line in sections["events"]}
    assert set(events) == {t.replace(".", "_") for t in EVENT_TYPES}
    assert len(events) == 33
    declared = {name: [arg.split("*:")[0] for arg in args.split(", ")] for name, args in events.items()}
    assert declared == {t.replace(".", "_"): list(roles) for t, roles in EVENT_ROLES.items()}
    assert declared["Contact_Phone-Write"] == ["Entity", "Time"] and "Place" not in declared["Movement_Transport"]
    assert sections["attributes"] == ["Kind\tArg:Content, Value:direct|indirect|mixed"]
    assert {line.split("\t")[0] for line in sections["relations"]} == {"Cue", "Speaker", "Parent"}


def test_labelstudio_config_offers_every_label_and_role():
    root = ET.fromstring(labelstudio.labeling_config())
    labels = {c.get("name"): [lab.get("value") for lab in c] for c in root.iter("Labels")}
    assert labels["entity"] == list(ENTITY_LABELS) and labels["event"] == list(EVENT_TYPES)
    assert labels["quote"] == ["Content", "Cue", "Speaker"] and labels["argument"] == ["Argument"]
    relations = {r.get("value") for r in root.iter("Relation")}
    assert {"Cue", "Speaker", "Parent"} | {role for roles in EVENT_ROLES.values() for role in roles} == relations
    (textarea,) = root.iter("TextArea")
    assert textarea.get("perRegion") == "true" and textarea.get("toName") == "text"
    (choices,) = root.iter("Choices")
    assert choices.get("perRegion") == "true" and [c.get("value") for c in choices] == ["direct", "indirect", "mixed"]


def test_labelstudio_tasks_carry_the_record_as_prediction(gold_docs):
    doc = next(d for d in gold_docs if any(len(q.content) > 1 for q in d.quotes))  # one with a discontinuous quotation
    task = labelstudio.export_task(doc)
    assert task["data"] == {"text": doc.text, "doc_id": doc.id, "date": doc.date}
    result = task["predictions"][0]["result"]
    labels = [r for r in result if r["type"] == "labels"]
    entity = next(r for r in labels if r["from_name"] == "entity")
    first = doc.entities[0]  # the record's offsets are Python's; this text is all in the BMP
    assert entity["value"] == {"start": first.start, "end": first.end, "text": first.text, "labels": [first.label]}
    ref = next(r for r in result if r["type"] == "textarea" and r["id"] == entity["id"])
    assert ref["value"]["text"] == [f"id={first.id} entity={first.entity}"]
    # a quotation with several content spans: one Content region per span, with the same quotation id.
    quote = next(q for q in doc.quotes if len(q.content) > 1)
    regions = [r for r in result if r["type"] == "textarea" and r["value"]["text"][0].startswith(f"id={quote.id} ")]
    assert [(r["value"]["start"], r["value"]["end"]) for r in regions] == [(c.start, c.end) for c in quote.content]
    roles = [r["labels"][0] for r in result if r["type"] == "relation"]
    n_cue, n_speaker, n_parent = (sum(getattr(q, f) is not None for q in doc.quotes) for f in ("cue", "speaker", "parent"))
    assert (roles.count("Cue"), roles.count("Speaker"), roles.count("Parent")) == (n_cue, n_speaker, n_parent)
    assert len(roles) - n_cue - n_speaker - n_parent == sum(len(e.arguments) for e in doc.events)


def test_labelstudio_offsets_are_utf16_code_units(tmp_path):
    """Label Studio counts in JavaScript string units: a character outside the BMP is two."""
    text = "🙂 Emmanuel Macron a dit que tout va bien."
    seed = SeedDocument("x", None, text)
    doc = Document(id="x", text=text, entities=[{"id": "m1", "start": 2, "end": 17, "text": "Emmanuel Macron", "label": "PER", "entity": "macron"}],
                   quotes=[], events=[])
    task = labelstudio.export_task(doc)
    region = task["predictions"][0]["result"][0]
    assert (region["value"]["start"], region["value"]["end"]) == (3, 18)
    (back,) = labelstudio.read(_write_json(tmp_path / "e.json", _as_labelstudio_export([task])), {"x": seed})
    assert back.entities[0].start == 2 and back.entities[0].text == "Emmanuel Macron"


def test_conll_columns_are_the_packaged_tags(gold_docs):
    text = conll.export_document(gold_docs[0])
    row = json.loads(paths.DATA_FILE.read_text(encoding="utf-8").splitlines()[0])
    blocks = text.split("\n\n")
    assert blocks[0] == "-DOCSTART- O O O O O"
    sentences = [block.splitlines() for block in blocks[1:] if block]
    assert len(sentences) == len(row["sentence_starts"])
    lines = [line.split(" ") for sentence in sentences for line in sentence]
    assert [line[0] for line in lines] == row["tokens"]
    for column, layer in enumerate(TAG_LAYERS, start=1):
        tags = [line[column] for line in lines]
        expected = [layer.names[i] for i in row[layer.feature]]
        # Only a chunk that crosses a sentence edge may differ (it restarts with B-).
        assert [t[2:] for t in tags] == [t[2:] for t in expected]
        assert sum(t.startswith("B-") for t in tags) >= sum(t.startswith("B-") for t in expected)
    assert sum(line[1].startswith("B-") for line in lines) == len(gold_docs[0].entities)


def test_docbin_holds_the_entities_on_the_text(gold_docs, tmp_path):
    _write(docbin.export(gold_docs, tmp_path))
    sdocs = list(DocBin().from_disk(tmp_path / docbin.FILE_NAME).get_docs(spacy.blank("fr").vocab))
    assert [(s.user_data["id"], s.text) for s in sdocs] == [(d.id, d.text) for d in gold_docs]
    for sdoc, doc in zip(sdocs, gold_docs):
        assert [(e.start_char, e.end_char, e.label_) for e in sdoc.ents] == [(m.start, m.end, m.label) for m in doc.entities]


def test_reference_strings():
    assert parse_ref("id=m01 entity=mike_pompeo", "entity") == ({"id": "m01", "entity": "mike_pompeo"}, [])
    pairs, problems = parse_ref("id=m01 colour=red", "entity")
    assert pairs == {"id": "m01"} and any("unknown key 'colour'" in p for p in problems) and any("missing entity" in p for p in problems)
    assert parse_ref("", "event")[1] == ["missing id (write it as id=... in the annotation's note)", "missing event (write it as event=... in the annotation's note)"]


# ------------------------------------------------------------------ bad imports

def _brat_errors(gold_docs, seeds, tmp_path, edit) -> list[str]:
    _write(brat.export(gold_docs, tmp_path))
    ann = tmp_path / f"{SEED_ID}.ann"
    ann.write_text(edit(ann.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        brat.read(tmp_path, seeds)
    return [str(e) for e in caught.value.errors]


def _line_of(ann: str, prefix: str) -> int:
    return next(n for n, line in enumerate(ann.splitlines(), start=1) if line.startswith(prefix))


def test_brat_span_off_the_text_is_located(gold_docs, seeds, tmp_path):
    ann = brat.export_document(gold_docs[0])
    end = len(gold_docs[0].text)
    errors = _brat_errors(gold_docs, seeds, tmp_path, lambda a: a.replace("T1\tPER 31 42\t", f"T1\tPER {end - 3} {end + 8}\t"))
    assert errors == [f"{tmp_path / (SEED_ID + '.ann')}, record line 1 (T1): span [{end - 3}, {end + 8}) does not fit the text ({end} characters)"]
    shifted = _brat_errors(gold_docs, seeds, tmp_path, lambda a: a.replace("T2\tPER 94 108\t", "T2\tPER 95 109\t"))
    assert len(shifted) == 1 and f"line {_line_of(ann, 'T2')} (T2)" in shifted[0] and "95 109 does not fit the text" in shifted[0]


def test_brat_unknown_label_dangling_relation_and_missing_id(gold_docs, seeds, tmp_path):
    def edit(ann: str) -> str:
        ann = ann.replace("T3\tLOC ", "T3\tGPE ")
        ann = ann.replace("Cue Arg1:T30 Arg2:T31", "Cue Arg1:T30 Arg2:T999")
        return "\n".join(line for line in ann.splitlines() if "AnnotatorNotes T5\t" not in line) + "\n"

    errors = _brat_errors(gold_docs, seeds, tmp_path, edit)
    assert any("record line 3 (T3): unknown label 'GPE'" in e for e in errors)
    assert any("(R1): dangling relation: T999 is not a text-bound annotation of this file" in e for e in errors)
    assert any("record line 5 (T5): missing id" in e for e in errors) and any("(T5): missing entity" in e for e in errors)
    assert any("(T31): Cue 'déclaré' is linked to no quotation or event" in e for e in errors)
    assert len(errors) == 5, errors


@pytest.mark.parametrize("role", ["Pilot", "Recipient", "Topic"])  # the last two: roles of schema 1.0, not ACE's
def test_brat_unknown_role_and_unlinked_cue(gold_docs, seeds, tmp_path, role):
    def edit(ann: str) -> str:
        ann = ann.replace(" Entity:", f" {role}:", 1)  # the first E line is ev01, a Contact.Phone-Write
        return "\n".join(line for line in ann.splitlines() if not line.startswith("R1\t")) + "\n"

    errors = _brat_errors(gold_docs, seeds, tmp_path, edit)
    assert any(f"unknown role {role!r} for Contact_Phone-Write" in e for e in errors)
    assert any("(T31): Cue 'déclaré' is linked to no quotation or event" in e for e in errors)


def _labelstudio_errors(gold_docs, seeds, tmp_path, edit) -> list[str]:
    export = _labelstudio_export(gold_docs, tmp_path)
    edit(export[0]["annotations"][0]["result"], export)
    with pytest.raises(DataErrors) as caught:
        labelstudio.read(_write_json(tmp_path / "export.json", export), seeds)
    return [str(e) for e in caught.value.errors]


def test_labelstudio_bad_export_is_reported_item_by_item(gold_docs, seeds, tmp_path):
    def edit(result, export):
        result[0]["value"].update(start=5000, end=5011)  # m01 off the text
        next(r for r in result if r["type"] == "labels" and r["id"] == "e3")["value"]["labels"] = ["GPE"]
        next(r for r in result if r["type"] == "relation")["to_id"] = "nowhere"
        result[:] = [r for r in result if not (r["type"] == "textarea" and r["id"] == "e5")]

    errors = _labelstudio_errors(gold_docs, seeds, tmp_path, edit)
    where = f"{tmp_path / 'export.json'}, record task 1 ({SEED_ID})"
    assert f"{where}, field result[0] (region e1): span [5000, 5011) does not fit the text ({len(gold_docs[0].text)} characters)" in errors
    assert any("(region e3): unknown label(s) ['GPE'] for entity" in e for e in errors)
    assert any("(relation Cue): dangling relation: region 'nowhere' is not a labelled region of this task" in e for e in errors)
    assert f"{where}, field region e5: missing id (write it as id=... in the annotation's note)" in errors
    assert any("region q1cue: Cue 'déclaré' is linked to no quotation or event" in e for e in errors)
    assert len(errors) == 6, errors  # e5 lacks its entity id too


def _two_annotators(gold_docs, tmp_path):
    """Label Studio's usual export: alice's and bob's annotations on one task (bob drops m01)."""
    export = _labelstudio_export(gold_docs, tmp_path)
    alice = export[0]["annotations"][0]
    alice["completed_by"] = {"id": 3, "email": "alice@example.org", "first_name": "Alice", "last_name": "Martin"}
    bob = json.loads(json.dumps(alice))
    bob["completed_by"] = {"id": 4, "email": "bob@example.org"}
    bob["result"] = [r for r in bob["result"] if r.get("id") != "e1" and r.get("from_id") != "e1" and r.get("to_id") != "e1"]
    cancelled = dict(alice, completed_by=5, was_cancelled=True)
    export[0]["annotations"] = [cancelled, bob, alice]
    return _write_json(tmp_path / "export.json", export)


def test_labelstudio_task_with_several_annotations_is_imported_by_annotator_or_index(gold_docs, seeds, tmp_path):
    path = _two_annotators(gold_docs, tmp_path)
    for choice in (labelstudio.Choice("alice"), labelstudio.Choice("ALICE@example.org"), labelstudio.Choice("3"),
                   labelstudio.Choice("Alice Martin"), labelstudio.Choice("anyone", index=2)):
        assert _by_id(labelstudio.read(path, seeds, choice)) == _by_id(gold_docs, _gold_bytes), choice
    (bob,) = labelstudio.read(path, seeds, labelstudio.Choice("bob"))
    assert len(bob.entities) == len(gold_docs[0].entities) - 1


@pytest.mark.parametrize(
    ("choice", "why"),
    [
        (labelstudio.Choice("carol"), "2 submitted annotations, none completed by 'carol': choose one with --annotator NAME (matched to completed_by) or --annotation-index N; "),
        (labelstudio.Choice(None), "2 submitted annotations, no annotator given: choose one with --annotator NAME (matched to completed_by) or --annotation-index N; "),
        (labelstudio.Choice("alice", index=0), "--annotation-index 0: no submitted annotation there; "),
    ],
)
def test_labelstudio_ambiguous_annotations_list_the_choices(gold_docs, seeds, tmp_path, choice, why):
    path = _two_annotators(gold_docs, tmp_path)
    with pytest.raises(DataErrors) as caught:
        labelstudio.read(path, seeds, choice)
    choices = "the submitted annotations are: [1] completed_by bob@example.org / 4, [2] completed_by alice@example.org / 3"
    assert [str(e) for e in caught.value.errors] == [f"{path}, record task 1 ({SEED_ID}), field annotations: {why}{choices}"]


# ------------------------------------------------------------------ the commands

@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    copy = copy_repository(tmp_path_factory.mktemp("repo") / "newsbench")
    drop_committed_wikinews(copy)
    return copy


def test_export_and_import_commands(repo):
    for fmt in ("labelstudio", "brat", "conll", "docbin"):
        result = run_cli("export", "--format", fmt, "--out", f"out/{fmt}", cwd=repo)
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (repo / "out" / "brat").iterdir()) == [f"{SEED_ID}.ann", f"{SEED_ID}.txt", "annotation.conf"]
    assert sorted(p.name for p in (repo / "out" / "labelstudio").iterdir()) == ["config.xml", "tasks.json"]
    result = run_cli("import", "--format", "brat", "out/brat", "--annotator", "alice", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / "gold" / "work" / "alice" / f"{SEED_ID}.json").read_bytes() == _gold_bytes()
    # A work file can be exported again (to give an annotator their own version back).
    result = run_cli("export", "--format", "labelstudio", SEED_ID, "--from", "gold/work/alice", "--out", "out/again", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / "out" / "again" / "tasks.json").read_bytes() == (repo / "out" / "labelstudio" / "tasks.json").read_bytes()


def test_import_picks_an_annotator_from_a_shared_task(repo, gold_docs):
    path = _two_annotators(gold_docs, repo)
    result = run_cli("import", "--format", "labelstudio", str(path), "--annotator", "bob", cwd=repo)
    assert result.returncode == 0, result.stderr
    bob = json.loads((repo / "gold" / "work" / "bob" / f"{SEED_ID}.json").read_text(encoding="utf-8"))
    assert len(bob["entities"]) == len(gold_docs[0].entities) - 1
    result = run_cli("import", "--format", "labelstudio", str(path), "--annotator", "dave", "--annotation-index", "2", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / "gold" / "work" / "dave" / f"{SEED_ID}.json").read_bytes() == _gold_bytes()
    result = run_cli("import", "--format", "labelstudio", str(path), "--annotator", "carol", cwd=repo)
    assert result.returncode == 1 and "none completed by 'carol'" in result.stderr and "[2] completed_by alice@example.org" in result.stderr
    result = run_cli("import", "--format", "brat", "out/brat", "--annotator", "erin", "--annotation-index", "0", cwd=repo)
    assert result.returncode == 1 and "only a Label Studio export" in result.stderr


def test_a_bad_import_writes_nothing(repo):
    assert run_cli("export", "--format", "labelstudio", "--out", "out/bad", cwd=repo).returncode == 0
    export = _as_labelstudio_export(json.loads((repo / "out" / "bad" / "tasks.json").read_text(encoding="utf-8")))
    export[0]["annotations"][0]["result"][0]["value"]["labels"] = ["MISC"]
    _write_json(repo / "bad.json", export)
    result = run_cli("import", "--format", "labelstudio", "bad.json", "--annotator", "carol", cwd=repo)
    assert result.returncode == 1
    assert "bad.json, record task 1" in result.stderr and "unknown label(s) ['MISC']" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert not (repo / "gold" / "work" / "carol").exists()
    result = run_cli("import", "--format", "brat", "out/bad", "--annotator", "../evil", cwd=repo)
    assert result.returncode == 1 and "annotator name '../evil'" in result.stderr


def test_rule_violations_name_the_tools_item(gold_docs, seeds, tmp_path):
    """A span that fits the text but breaks a guideline rule is traced back to its brat line / region."""
    errors = _brat_errors(gold_docs, seeds, tmp_path, lambda a: a.replace("T10\tPER 515 521\tPompeo", "T10\tPER 514 521\t Pompeo"))
    assert errors == [f"{tmp_path / (SEED_ID + '.ann')}, record {SEED_ID} (line 10, T10), field entities[9]: span ' Pompeo' starts or ends with whitespace"]
    errors = _brat_errors(gold_docs, seeds, tmp_path, lambda a: a.replace("T12\tLOC 545 555\tÉtats-Unis", "T12\tLOC 545 550\tÉtats"))
    expected = (f"{tmp_path / (SEED_ID + '.ann')}, record {SEED_ID} (line 12, T12), field entities[11]: "
                "span [545, 550) 'États' ends inside the word 'États-Unis': it cuts a canonical token (GUIDELINES §0.3)")
    assert errors == [expected]

    def shift(result, export):
        region = next(r for r in result if r.get("id") == "v2" and r["type"] == "labels")
        region["value"].update(start=242, text=" conversation")

    errors = _labelstudio_errors(gold_docs, seeds, tmp_path, shift)
    assert errors == [f"{tmp_path / 'export.json'} (task 1 ({SEED_ID})), record {SEED_ID} (region v2), field events[1].trigger: span ' conversation' starts or ends with whitespace"]
