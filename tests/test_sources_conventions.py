"""The conventions report counts what each rule did, and never prints corpus text."""

from benchmark.sources import brat, conventions, winer
from benchmark.sources.winer import Mention as M


def document(doc_id, text, spans):
    return brat.BratDocument(doc_id, f"{doc_id}.ann", text, tuple(
        brat.BratSpan(f"T{i}", label, ((start, end),), text[start:end], i) for i, (label, start, end) in enumerate(spans, 1)))


TEXT = "l'Université de Lyon, M. Jean Dupont et Paris ; marche-Nice !"


def sample():
    return [
        winer.convert(document("2016_01_05-001", TEXT, [
            ("Organization", 0, 20), ("Location", 16, 20),  # elided start; nested Location dropped
            ("Person", 22, 36),  # title inside a PER span
            ("Location", 40, 47),  # ends with punctuation
            ("Location", 55, 59),  # cuts the whitespace token "marche-Nice"
            ("Date", 55, 59),  # same extent: Location outranks Date
        ])),
        winer.convert(document("2017_01_05-001", "Zoé à Nice.", [("Person", 0, 3), ("Event", 6, 10)])),
    ]


def whitespace_tokens(text):
    tokens, start = [], None
    for i, char in enumerate(text + " "):
        if char.isspace() and start is not None:
            tokens.append((start, i))
            start = None
        elif not char.isspace() and start is None:
            start = i
    return tokens


def test_report_counts_each_rule_and_difference():
    result = conventions.report(sample(), whitespace_tokens)
    assert result.documents_per_split == {"dev": 1, "test": 1}
    assert result.winer_mentions_per_label == {"Organization": 1, "Location": 3, "Person": 2, "Date": 1, "Event": 1}
    assert result.mentions_per_split_label == {("dev", "ORG"): 1, ("dev", "PER"): 1, ("dev", "LOC"): 2, ("test", "PER"): 1}
    assert result.drops_per_reason == {"nested": 1, "same-extent": 1, "unscored-label": 1}
    assert result.nested_drops == {("Organization", "Location"): 1} and result.same_extent_drops == {("Location", "Date"): 1}
    assert result.elided_start == {"ORG": 1} and result.title_start == {"PER": 1}
    assert result.edge_problems == {("LOC", "trailing", "punctuation"): 1}
    assert result.token_cuts == {"ORG": 1, "LOC": 1}  # "Lyon," and "marche-Nice" are single whitespace tokens


def test_edge_kinds():
    assert [conventions.edge_kind(c) for c in " \u00a0,«\u200fa"] == ["whitespace", "whitespace", "punctuation", "punctuation", "invisible", None]


def test_cuts_a_token():
    tokens = [(0, 5), (6, 11)]
    assert not conventions.cuts_a_token(tokens, M(0, 5, "PER")) and not conventions.cuts_a_token(tokens, M(0, 11, "PER"))
    assert conventions.cuts_a_token(tokens, M(1, 5, "PER")) and conventions.cuts_a_token(tokens, M(6, 9, "PER"))


def test_rendered_report_gives_offsets_never_text():
    rendered = conventions.render(conventions.report(sample(), whitespace_tokens))
    assert "2016_01_05-001 0-20" in rendered and "dropped nested: 2016_01_05-001 16-20" in rendered
    for word in ("Lyon", "Dupont", "Paris", "Nice", "Zoé"):
        assert word not in rendered
