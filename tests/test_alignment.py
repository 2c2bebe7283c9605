"""Spans to IOB2 and back, and what happens to spans off the canonical tokens."""

import pytest

from benchmark.data.alignment import (
    sentence_starts,
    spans_to_tags,
    split_sentences,
    tags_to_spans,
    tokenize,
    tokenizer_version,
)
from benchmark.data.corpus import read_seeds
from benchmark.data.dataset import load_test_split, row_to_document
from benchmark.data.layers import TAG_LAYERS

TEXT = "M. Palladino a appelé Sergueï Lavrov.\n\nLes États-Unis."


def test_inverted_pronouns_are_whole_tokens():
    """GUIDELINES §2.4: the speaker of *a-t-il expliqué* is *il*, so the hyphens (and the
    euphonic t) are split off; rev3 splits any hyphen glued to the start of a word."""
    text = "a-t-il expliqué, dit-il, a-t-elle ajouté, estime-t-on, disent-ils, Peut-être, un -il isolé"
    assert [text[a:b] for a, b in tokenize(text)] == [
        "a", "-", "t", "-", "il", "expliqué", ",", "dit", "-", "il", ",", "a", "-", "t", "-", "elle", "ajouté", ",",
        "estime", "-", "t", "-", "on", ",", "disent", "-", "ils", ",", "Peut", "-", "être", ",", "un", "-", "il", "isolé",
    ]
    assert "rev3" in tokenizer_version()  # the revision is part of the fingerprint


def test_tokens_drop_whitespace_and_split_elisions():
    text = "l’insertion d’État\u00a0« , a dit"
    assert [text[a:b] for a, b in tokenize(text)] == ["l", "’", "insertion", "d", "’", "État", "«", ",", "a", "dit"]


def test_sentences_end_at_final_punctuation_and_line_breaks():
    text = "Un. Deux trois\nQuatre.. Cinq"
    tokens = tokenize(text)
    assert [text[tokens[i][0] : tokens[i][1]] for i in sentence_starts(text, tokens)] == ["Un", "Deux", "Quatre", "Cinq"]


@pytest.mark.parametrize(
    ("spans", "tags", "projected", "dropped"),
    [
        ([(3, 12, "PER")], ["O", "O", "B-PER", "O", "O", "O", "O"], 0, 0),  # rev3: "M" "." "Palladino"
        ([(0, 12, "PER")], ["B-PER", "I-PER", "I-PER", "O", "O", "O", "O"], 0, 0),
        ([(4, 12, "PER")], ["O", "O", "B-PER", "O", "O", "O", "O"], 1, 0),  # starts inside "Palladino"
        ([(22, 36, "PER"), (30, 36, "LOC")], ["O", "O", "O", "O", "O", "B-PER", "I-PER"], 0, 1),  # nested: outer wins
        ([(30, 36, "LOC"), (22, 36, "PER")], ["O", "O", "O", "O", "O", "B-PER", "I-PER"], 0, 1),  # in any order
        ([(22, 29, "PER"), (30, 36, "PER")], ["O", "O", "O", "O", "O", "B-PER", "B-PER"], 0, 0),  # adjacent stay apart
    ],
)
def test_spans_to_tags(spans, tags, projected, dropped):
    tokens = tokenize(TEXT)[:7]
    result = spans_to_tags(tokens, spans)
    assert result.tags == tags
    assert (len(result.projected), len(result.dropped)) == (projected, dropped)


def test_a_span_cut_by_a_sentence_boundary_restarts_with_b():
    assert split_sentences(["B-X", "I-X", "I-X", "O"], [0, 2]) == [["B-X", "I-X"], ["B-X", "O"]]


def test_ill_formed_tags_read_as_chunks():
    tokens = [(0, 1), (2, 3), (4, 5), (6, 7)]
    assert tags_to_spans(tokens, ["I-PER", "I-LOC", "O", "B-PER"]) == [(0, 1, "PER"), (2, 3, "LOC"), (6, 7, "PER")]


def test_every_gold_span_round_trips_through_iob2():
    """span -> IOB2 (as packaged) -> span gives back exactly the gold spans of every layer."""
    rows = load_test_split()
    assert [row["id"] for row in rows][0] == read_seeds()[0].id and len(rows) == len(set(rows["id"]))
    for row in rows:
        doc = row_to_document(row)
        tokens = [tuple(t) for t in row["token_offsets"]]
        for layer in TAG_LAYERS:
            tags = [layer.names[i] for i in row[layer.feature]]
            assert sorted(tags_to_spans(tokens, tags)) == sorted(set(layer.spans(doc))), layer.feature
            assert spans_to_tags(tokens, layer.spans(doc)).tags == tags
