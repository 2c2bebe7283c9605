"""The strict brat standoff reader: good lines, malformed lines named by file and line,
mismatched and discontinuous spans, character offsets, CR handling."""

import pytest

from benchmark.errors import DataError, DataErrors
from benchmark.sources import brat

TEXT = "Jacques Chirac est né à Paris.\n"


def parse(content: str, text: str = TEXT):
    return brat.parse_ann(content, "doc.ann", len(text))


def test_text_bound_lines_are_read_and_other_brat_lines_skipped():
    spans = parse("T1\tPerson 0 14\tJacques Chirac\n#1\tAnnotatorNotes T1\tnote\nR1\tRel Arg1:T1 Arg2:T2\nA1\tNeg T1\nT2\tLocation 24 29\tParis\n")
    assert [(s.id, s.label, s.fragments, s.text, s.line) for s in spans] == [
        ("T1", "Person", ((0, 14),), "Jacques Chirac", 1), ("T2", "Location", ((24, 29),), "Paris", 5)]


def test_empty_lines_and_a_missing_final_newline_are_fine():
    assert len(parse("T1\tPerson 0 7\tJacques\n\nT2\tLocation 24 29\tParis")) == 2


@pytest.mark.parametrize(
    "line, words",
    [
        ("T1 Person 0 7 Jacques", "malformed text-bound line"),
        ("T1\tPerson 0 x\tJacques", "malformed text-bound line"),
        ("T1\tPerson -1 7\tJacques", "malformed text-bound line"),
        ("T1\tPerson 0 7", "malformed text-bound line"),
        ("T1\tPerson 7 7\t", "empty or reversed"),
        ("T1\tPerson 9 2\tx", "empty or reversed"),
        ("T1\tLocation 24 99\tParis", "ends after the text"),
        ("T1\tPerson 8 14;0 7\tChirac Jacques", "overlaps or precedes"),
        ("X1\tPerson 0 7\tJacques", "not a brat annotation line"),
        ("T1\tPerson 0 7\tJacques\r", "carriage return"),
    ],
)
def test_a_malformed_line_is_refused_with_file_and_line(line, words):
    with pytest.raises(DataErrors) as caught:
        parse("T9\tLocation 24 29\tParis\n" + line + "\n")
    (error,) = caught.value.errors
    assert error.file == "doc.ann" and error.record == "line 2" and words in error.message


def test_every_malformed_line_is_reported_and_duplicate_ids_too():
    with pytest.raises(DataErrors) as caught:
        parse("T1\tPerson 0 7\tJacques\nbad\nT1\tLocation 24 29\tParis\nworse\n")
    assert [e.record for e in caught.value.errors] == ["line 2", "line 3", "line 4"]
    assert "duplicate annotation id T1" in caught.value.errors[1].message


def test_offsets_are_characters_of_the_decoded_text(tmp_path):
    text = "Élodie Évrard 🎉 à Orléans"
    start = text.index("Orléans")
    (tmp_path / "d.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "d.ann").write_bytes(f"T1\tLocation {start} {start + 7}\tOrléans".encode("utf-8"))
    document = brat.read_document(tmp_path / "d.txt", tmp_path / "d.ann")
    assert start != len(text[:start].encode("utf-8"))  # bytes and characters differ here
    assert document.id == "d" and brat.mismatches(document) == []


def test_a_mismatched_span_is_reported_with_its_line(tmp_path):
    (tmp_path / "d.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "d.ann").write_text("T1\tPerson 0 14\tJacques Chirac\nT2\tLocation 23 28\tParis", encoding="utf-8")
    document = brat.read_document(tmp_path / "d.txt", tmp_path / "d.ann")
    (mismatch,) = brat.mismatches(document)
    assert mismatch.span.id == "T2" and mismatch.found == " Pari"
    with pytest.raises(DataErrors) as caught:
        brat.require_matching(document)
    (error,) = caught.value.errors
    assert error.file.endswith("d.ann") and error.record == "line 2" and "'Paris'" in error.message


def test_a_discontinuous_span_joins_its_fragments_with_one_space():
    (span,) = parse("T1\tPerson 0 7;15 18\tJacques est", TEXT)
    assert span.discontinuous and (span.start, span.end) == (0, 18)
    assert brat.span_text(TEXT, span.fragments) == "Jacques est"
    document = brat.BratDocument("d", "d.ann", TEXT, (span,))
    assert brat.mismatches(document) == []
    (wrong,) = parse("T1\tPerson 0 7;15 18\tJacques  est", TEXT)
    assert len(brat.mismatches(brat.BratDocument("d", "d.ann", TEXT, (wrong,)))) == 1


def test_a_crlf_text_keeps_its_carriage_returns_and_offsets_count_them(tmp_path):
    text = "Titre\r\nMarie Curie parle.\r\n"
    start = text.index("Marie")
    (tmp_path / "d.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "d.ann").write_bytes(f"T1\tPerson {start} {start + 11}\tMarie Curie\n".encode("utf-8"))
    document = brat.read_document(tmp_path / "d.txt", tmp_path / "d.ann")
    assert document.text == text and start == 7 and brat.mismatches(document) == []


def test_ann_lines_are_split_on_newline_only():
    text = "A\u2028B Paris"
    (span,) = parse("T1\tLocation 0 3\tA\u2028B", text)
    assert span.text == "A\u2028B"


def test_a_text_that_is_not_utf8_is_refused_by_name(tmp_path):
    (tmp_path / "d.txt").write_bytes("Orléans".encode("latin-1"))
    (tmp_path / "d.ann").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="d.txt.*not valid UTF-8"):
        brat.read_document(tmp_path / "d.txt", tmp_path / "d.ann")
