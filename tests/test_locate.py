"""locate(): from the strings a system returns to offsets, on the hard cases of
French news typography, and the occurrence rules (pooled: next unused
occurrence; anchored: nearest). The LLM adapter's assembly of quotations and
events from strings is checked here too, without a server. Invented texts.
"""

from __future__ import annotations

import pytest

from benchmark.systems.llm import entities_from, events_from, quotes_from
from benchmark.systems.locate import (
    Alignment,
    Pool,
    TextIndex,
    locate_near,
    locate_next,
    normalise,
)

NBSP, NNBSP = "\u00a0", "\u202f"


# ------------------------------------------------------------------ one string, one text

# (text, string, expected located text or None, how)
CASES = [
    ("Claire Duval arrive.", "Claire Duval", "Claire Duval", "exact"),
    ("Claire Duval arrive.", "  Claire Duval ", "Claire Duval", "exact"),  # outer whitespace of the string ignored
    ("Selon l’État, tout va bien.", "l'État", "l’État", "normalised"),  # ' for ’
    ("Selon l'État, tout va bien.", "l’État", "l'État", "normalised"),  # ’ for '
    (f"Il a dit «{NBSP}Nous partirons{NBSP}» hier.", "« Nous partirons »", "Nous partirons", "normalised"),  # guillemets trimmed
    (f"Il a dit «{NBSP}Nous partirons{NBSP}» hier.", '"Nous partirons"', "Nous partirons", "normalised"),
    (f"Il a dit «{NNBSP}Nous partirons{NNBSP}» hier.", "«Nous partirons»", "Nous partirons", "normalised"),
    (f"Il a dit{NBSP}: «{NBSP}Non{NBSP}».", "dit : « Non", f"dit{NBSP}: «{NBSP}Non", "normalised"),
    (f"Il a dit{NBSP}: «{NBSP}Non{NBSP}».", "dit: « Non", f"dit{NBSP}: «{NBSP}Non", "normalised"),  # no space before ':'
    ("Le maire\nde Lyon a parlé.", "maire de Lyon", "maire\nde Lyon", "normalised"),  # a line break
    (f"Le maire de{NBSP}Lyon a parlé.", "maire de Lyon", f"maire de{NBSP}Lyon", "normalised"),
    ("Le maire   de Lyon a parlé.", "maire de Lyon", "maire   de Lyon", "normalised"),
    ("Les Parisiens aiment Paris.", "Paris", "Paris", "exact"),  # not inside "Parisiens"
    ("Les Parisiens votent.", "Paris", None, None),  # only inside a word: not found
    ("Jean-Pierre Martin est là.", "Pierre", "Pierre", "exact"),  # "-" is a word boundary
    ("Elle vit à Montréal.", "Montreal", None, None),  # accents are not normalised
    ("Elle vit à Montréal.", "montréal", None, None),  # nor case
    ("Il a dit « oui ».", "« ! »", None, None),  # nothing left after trimming
    ("Il a dit « oui ».", "", None, None),
]


@pytest.mark.parametrize("text, string, expected, how", CASES)
def test_locate_one_string(text, string, expected, how):
    found = locate_next(TextIndex(text), string, Pool(exclusive=True))
    if expected is None:
        assert found is None
    else:
        assert (text[found.start : found.end], found.how) == (expected, how)


def test_normalised_characters_map_back_to_their_original_ranges():
    text = f"dit{NBSP}: «{NBSP}Oui{NNBSP}»  l’État"
    norm = normalise(text)
    assert norm.text == "dit: \"Oui\" l'État"
    for i, ch in enumerate(norm.text):
        original = text[norm.starts[i] : norm.ends[i]]
        assert original.strip() == "" if ch == " " else original.strip(f"{NBSP}{NNBSP} ") in (ch, "«", "»", "’", ":")


# ------------------------------------------------------------------ the occurrence rules


def test_pooled_strings_take_the_next_unused_occurrence_in_text_order():
    text = "Paris, puis Lyon, puis Paris encore, et Paris."
    index, pool = TextIndex(text), Pool(exclusive=True)
    starts = [locate_next(index, "Paris", pool) for _ in range(4)]
    assert [s.start if s else None for s in starts] == [0, 23, 40, None]


def test_exact_occurrences_come_before_normalised_ones():
    text = "l’État dit non, l'État dit oui."
    index, pool = TextIndex(text), Pool(exclusive=True)
    first, second = locate_next(index, "l'État", pool), locate_next(index, "l'État", pool)
    assert (first.start, first.how, second.start, second.how) == (16, "exact", 0, "normalised")


def test_an_exclusive_pool_refuses_overlaps_a_shared_one_only_the_same_span():
    text = "Jean-Pierre Martin et Martin."
    exclusive = Pool(exclusive=True)
    index = TextIndex(text)
    assert locate_next(index, "Jean-Pierre Martin", exclusive).start == 0
    assert locate_next(index, "Martin", exclusive).start == 22  # the one inside the first mention is taken
    shared = Pool(exclusive=False)
    assert locate_next(index, "Jean-Pierre Martin", shared).start == 0
    assert locate_next(index, "Martin", shared).start == 12  # nested content may lie inside another


def test_anchored_strings_take_the_nearest_occurrence_outside_the_avoided_spans():
    text = "« A », a déclaré X. « B », a déclaré Y. Il a déclaré que C."
    index = TextIndex(text)
    second_quote = (text.index("B"), text.index("B") + 1)
    assert locate_near(index, "déclaré", second_quote).start == text.index("déclaré Y")
    inner = (text.index("Il a"), len(text) - 1)  # a content that contains a "déclaré" of its own
    assert locate_near(index, "déclaré", inner, avoid=[inner]).start == text.index("déclaré Y")
    assert locate_near(index, "déclaré", inner).start == text.index("déclaré que")


def test_anchored_strings_stay_in_their_anchors_sentence():
    text = "Lyon a accueilli le président lors de sa longue visite officielle. Lyon dort."
    visite = (text.index("visite"), text.index("visite") + 6)
    assert locate_near(TextIndex(text), "Lyon", visite).start == 0  # farther, but in the same sentence
    assert locate_near(TextIndex(text), "Lyon", (text.index("dort"), len(text) - 1)).start == text.index("Lyon dort")


def test_anchored_ties_go_to_the_earlier_occurrence():
    text = "lundi X lundi"
    assert locate_near(TextIndex(text), "lundi", (6, 7)).start == 0


# ------------------------------------------------------------------ the adapter's records from strings

TEXT = ("« Nous partirons », a déclaré Claire Duval. Le ministre a déclaré que l’accord tenait, "
        "selon l’AFP. Trois policiers ont été blessés mardi à Lyon.")


def test_quotations_from_strings():
    tally = Alignment()
    quotes = quotes_from([
        {"kind": "direct", "content": ["Nous partirons"], "cue": "déclaré", "speaker": "Claire Duval"},
        {"kind": "indirect", "content": "l'accord tenait", "cue": "déclaré", "speaker": "Le ministre"},
        {"kind": "indirect", "content": ["l'accord tenait"], "cue": None, "speaker": None},  # same content again
        {"kind": "reported", "content": ["Trois policiers"], "cue": None, "speaker": None},  # unknown kind
        {"kind": "direct", "content": ["Nous reviendrons"], "cue": "déclaré", "speaker": "Duval"},  # not in the text
    ], TextIndex(TEXT), tally, "d")
    got = [(q.kind, [s.text for s in q.content], q.cue and (q.cue.start, q.cue.text), q.speaker and q.speaker.text) for q in quotes]
    assert got == [
        ("direct", ["Nous partirons"], (22, "déclaré"), "Claire Duval"),
        ("indirect", ["l’accord tenait"], (TEXT.index("déclaré que"), "déclaré"), "Le ministre"),
    ]
    # The repeated content is the next unused occurrence: there is none, so it is not found (not a duplicate record).
    assert tally.counts["quotes"] == {"exact": 5, "normalised": 1, "not_found": 4, "invalid": 1}


def test_events_from_strings():
    tally = Alignment()
    events = events_from([
        {"type": "Life.Injure", "trigger": "blessés", "arguments": [
            {"role": "Victim", "text": "Trois policiers"}, {"role": "Time", "text": "mardi"}, {"role": "Place", "text": "Lyon"},
            {"role": "Place", "text": "Lyon"},  # the same argument twice
            {"role": "Attacker", "text": "mardi"},  # not a role of Life.Injure
        ]},
        {"type": "Life.Explode", "trigger": "partirons", "arguments": []},  # unknown type
        {"type": "Movement.Transport", "trigger": "partis", "arguments": [{"role": "Agent", "text": "Nous"}]},  # trigger not found
    ], TextIndex(TEXT), tally, "d")
    assert len(events) == 1
    event = events[0]
    assert (event.type, event.trigger.text) == ("Life.Injure", "blessés")
    assert [(a.role, a.text) for a in event.arguments] == [("Victim", "Trois policiers"), ("Time", "mardi"), ("Place", "Lyon")]
    assert tally.counts["events"] == {"exact": 5, "normalised": 0, "not_found": 2, "invalid": 3}


def test_entities_from_strings_never_overlap_and_count_bad_items():
    tally = Alignment()
    mentions = entities_from([
        {"text": "Claire Duval", "label": "PER"}, {"text": "Duval", "label": "per"}, {"text": "Lyon", "label": "GPE"},
        {"text": 42, "label": "LOC"}, "AFP",
    ], TextIndex(TEXT), tally, "d")
    assert [(m.text, m.label) for m in mentions] == [("Claire Duval", "PER")]  # "Duval" occurs only inside it
    assert tally.counts["entities"] == {"exact": 1, "normalised": 0, "not_found": 1, "invalid": 3}
    assert [e["what"].split(" ")[0] for e in tally.examples] == ["mention", "mention", "mention", "mention"]
