"""validate: every broken file is reported with file, record and field, exit 1, nothing written."""

import json

import pytest
from conftest import SEED_ID, run_cli

from benchmark import paths

from benchmark.data.corpus import read_seeds
from benchmark.data.schema import Document
from benchmark.data.validation import (
    check_document,
    read_gold_file,
    read_prediction_file,
)
from benchmark.errors import DataErrors


def _references():
    return {s.id: s for s in read_seeds()}


def _write(tmp_path, record, name=f"{SEED_ID}.json"):
    path = tmp_path / name
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


def test_gold_is_valid():
    result = run_cli("validate")
    assert result.returncode == 0, result.stderr
    assert f"{len(list(paths.ANNOTATIONS_DIR.glob('*.json')))} gold file(s)" in result.stdout


def _break(record, how):
    if how == "offset past the end":
        record["entities"][0]["end"] = len(record["text"]) + 5
    elif how == "unknown label":
        record["entities"][0]["label"] = "MISC"
    elif how == "unknown speaker entity":
        record["quotes"][0]["speaker_entity"] = "nobody"
    elif how == "span text disagrees":
        record["entities"][0]["text"] = "Mike Pompeo!"
    elif how == "duplicate id":
        record["entities"][1]["id"] = record["entities"][0]["id"]
    elif how == "crossing entities":
        record["entities"][1]["start"] = record["entities"][0]["start"] + 5
        record["entities"][1]["text"] = record["text"][record["entities"][1]["start"] : record["entities"][1]["end"]]
    elif how == "role of another type":
        record["events"][0]["arguments"][0]["role"] = "Victim"
    elif how == "unknown event type":
        record["events"][0]["type"] = "Contact.Telepathy"
    elif how == "unknown parent":
        record["quotes"][1]["parent"] = "q99"
    elif how == "unknown field":
        record["entities"][0]["lable"] = "PER"
    elif how == "missing gold text":
        del record["quotes"][0]["cue"]["text"]
    return record


@pytest.mark.parametrize(
    ("how", "field"),
    [
        ("offset past the end", "entities[0]"),
        ("unknown label", "entities[0].label"),
        ("unknown speaker entity", "quotes[0].speaker_entity"),
        ("span text disagrees", "entities[0].text"),
        ("duplicate id", "entities"),
        ("crossing entities", "entities[1]"),
        ("role of another type", "events[0].arguments[0].role"),
        ("unknown event type", "events[0].type"),
        ("unknown parent", "quotes[1].parent"),
        ("unknown field", "entities[0].lable"),
        ("missing gold text", "quotes[0].cue.text"),
    ],
)
def test_each_broken_gold_copy_is_located(tmp_path, gold_record, how, field, cli_here):
    path = _write(tmp_path, _break(gold_record, how))
    result = cli_here("validate", str(path))
    assert result.returncode == 1
    assert f"{path}, record {SEED_ID}, field {field}:" in result.stderr, result.stderr
    assert "nothing was written" in result.stderr


def test_truncated_json(tmp_path, gold_record):
    path = tmp_path / f"{SEED_ID}.json"
    path.write_text(json.dumps(gold_record)[:500], encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert f"{path}: invalid JSON" in result.stderr


def test_predictions_may_omit_ids_and_layers_but_not_agree_wrongly(tmp_path, gold_record):
    prediction = {"id": SEED_ID, "text": gold_record["text"], "entities": [{"start": 31, "end": 42, "label": "PER"}]}
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps(prediction, ensure_ascii=False) + "\n", encoding="utf-8")
    (doc,) = read_prediction_file(path, {s.id: s.text for s in read_seeds()})
    assert doc.quotes is None and doc.entities[0].entity is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], "line 1: invalid JSON"),
        (["{}", ], "line 1 (line 1), field id"),
        (['{"id": "nope", "text": "x"}'], "line 1 (nope), field id: unknown document id"),
        ([None, None], "line 2 (" + SEED_ID + "), field id: duplicate id, first at line 1"),
        (["OFFSET"], "field entities[0]: span [0, 99999) ends past the end"),
        (["TEXT"], "field text: differs from the text of the seed document"),
    ],
)
def test_bad_prediction_files_name_file_line_and_field(tmp_path, gold_record, lines, message):
    good = {"id": SEED_ID, "text": gold_record["text"], "entities": []}
    rendered = []
    for line in lines:
        if line is None:
            rendered.append(json.dumps(good, ensure_ascii=False))
        elif line == "OFFSET":
            rendered.append(json.dumps(dict(good, entities=[{"start": 0, "end": 99999, "label": "PER"}]), ensure_ascii=False))
        elif line == "TEXT":
            rendered.append(json.dumps(dict(good, text=good["text"].replace("\n", "\r\n")), ensure_ascii=False))
        else:
            rendered.append(line)
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(rendered) + "\n", encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert str(path) in result.stderr


def test_check_document_accepts_the_gold(gold_record):
    doc = Document.model_validate(gold_record)
    assert check_document(doc, file="f", record=doc.id, gold=True, reference=_references()[doc.id]) == []


def test_gold_file_named_after_another_document(tmp_path, gold_record):
    with pytest.raises(DataErrors, match="does not match the file name"):
        read_gold_file(_write(tmp_path, gold_record, name="other.json"), _references())


# ------------------------------------------------------------------ GUIDELINES §0.3 and §2.4

RULE_TEXT = "« Nous restons », a-t-il expliqué. Paul Vasseur, maire, a visité Lyon, dit-elle. L’accord est signé, estime-t-on."


def _span(text, needle, start_at=0, trim=(0, 0)):
    start = text.index(needle, start_at) + trim[0]
    end = start - trim[0] + len(needle) + trim[1]
    return {"start": start, "end": end, "text": text[start:end]}


def _rule_record(entity=None, content=None, cue=None, speaker=None, trigger=None, argument=None):
    """A gold record on RULE_TEXT with one span of every kind §0.3 names; each may be replaced."""
    t = RULE_TEXT
    return {
        "id": "x", "date": None, "text": t,
        "entities": [{"id": "m01", **(entity or _span(t, "Paul Vasseur")), "label": "PER", "entity": "vasseur"}],
        "quotes": [{"id": "q1", "kind": "direct", "content": [content or _span(t, "Nous restons")],
                    "cue": cue or _span(t, "expliqué"), "speaker": speaker or _span(t, "il", t.index("a-t-il")),
                    "speaker_entity": None, "parent": None}],
        "events": [{"id": "ev01", "event": "visit", "type": "Movement.Transport", "trigger": trigger or _span(t, "visité"),
                    "arguments": [{"role": "Destination", **(argument or _span(t, "Lyon"))}]}],
    }


def _rule_errors(record, gold=True):
    return [str(e) for e in check_document(Document.model_validate(record), file="f.json", record="x", gold=gold)]


def test_inverted_pronoun_speakers_are_whole_tokens_and_valid():
    """a-t-il, dit-elle, estime-t-on: the bare pronoun is the speaker (GUIDELINES §2.4)."""
    from benchmark.annotation.records import token_alignment_errors

    t = RULE_TEXT
    for form, pronoun in (("a-t-il", "il"), ("dit-elle", "elle"), ("estime-t-on", "on")):
        at = t.index(form)
        record = _rule_record(speaker=_span(t, pronoun, at + form.rindex("-") - 0))
        assert record["quotes"][0]["speaker"]["text"] == pronoun
        assert _rule_errors(record) == [], form
        assert token_alignment_errors(Document.model_validate(record), "f.json") == [], form
    # The hyphen glued to the pronoun is still refused: the span starts with punctuation.
    hyphenated = _rule_record(speaker=_span(t, "-il", t.index("a-t-il")))
    speaker = hyphenated["quotes"][0]["speaker"]
    expected = f"f.json, record x, field quotes[0].speaker: span [{speaker['start']}, {speaker['end']}) '-il' starts with punctuation '-' (GUIDELINES §0.3)"
    assert _rule_errors(hyphenated) == [expected]


@pytest.mark.parametrize(
    ("replace", "field", "message"),
    [
        ({"entity": _span(RULE_TEXT, "Paul Vasseur,")}, "entities[0]", "'Paul Vasseur,' ends with punctuation ','"),
        ({"content": _span(RULE_TEXT, "« Nous")}, "quotes[0].content[0]", "'« Nous' starts with punctuation '«'"),
        ({"cue": _span(RULE_TEXT, "expliqué.")}, "quotes[0].cue", "'expliqué.' ends with punctuation '.'"),
        ({"speaker": _span(RULE_TEXT, "aul Vasseur")}, "quotes[0].speaker", "'aul Vasseur' starts inside the word 'Paul'"),
        ({"trigger": _span(RULE_TEXT, "visit")}, "events[0].trigger", "'visit' ends inside the word 'visité'"),
        ({"argument": _span(RULE_TEXT, "yon")}, "events[0].arguments[0]", "'yon' starts inside the word 'Lyon'"),
    ],
)
def test_spans_never_start_or_end_with_punctuation_nor_cut_a_word(replace, field, message):
    errors = _rule_errors(_rule_record(**replace))
    assert len(errors) == 1 and errors[0].startswith(f"f.json, record x, field {field}: span [") and message in errors[0], errors
    assert _rule_errors(_rule_record(**replace), gold=False) == []  # a prediction is widened when scored, not refused


def test_validate_refuses_a_gold_file_breaking_section_0_3(tmp_path, gold_record):
    record = json.loads(json.dumps(gold_record))
    mention = record["entities"][0]
    mention["end"] -= 1
    mention["text"] = record["text"][mention["start"] : mention["end"]]
    result = run_cli("validate", str(_write(tmp_path, record)))
    assert result.returncode == 1
    assert (f"record {SEED_ID}, field entities[0]: span [{mention['start']}, {mention['end']}) {mention['text']!r} "
            "ends inside the word 'Pompeo'") in result.stderr, result.stderr
