"""WiNER-fr conversion: offsets rule, nesting (outermost over all labels wins), mapping,
splits, and loading a fetched made-up corpus end to end."""

import random

import pytest
from sources_fixtures import write_corpus

from benchmark.errors import DataError, DataErrors
from benchmark.sources import brat, winer
from benchmark.sources.winer import Mention as M


def scored(mentions):
    kept, _ = winer.outermost(mentions)
    return winer.map_labels(kept)[0]


@pytest.mark.parametrize(
    "mentions, expected",
    [
        # disjoint mentions are all kept and mapped; unscored labels disappear
        ([M(0, 5, "Person"), M(10, 15, "Location"), M(20, 25, "Organization"), M(30, 35, "Date")],
         [M(0, 5, "PER"), M(10, 15, "LOC"), M(20, 25, "ORG")]),
        # an inner Location inside an Organization is not a mention
        ([M(0, 20, "Organization"), M(14, 20, "Location")], [M(0, 20, "ORG")]),
        # an outer Event removes its inner Location and is itself not scored
        ([M(0, 23, "Event"), M(12, 18, "Location"), M(19, 23, "Date")], []),
        # a Person inside a Product is dropped too
        ([M(0, 12, "Product"), M(0, 7, "Person")], []),
        # three levels: only the outermost counts, even when a middle one would be scored
        ([M(0, 30, "Organization"), M(5, 20, "Location"), M(5, 10, "Person")], [M(0, 30, "ORG")]),
        ([M(0, 30, "Event"), M(5, 20, "Organization"), M(5, 10, "Location")], []),
        # same extent: the label WiNER nests outside wins
        ([M(0, 7, "Person"), M(0, 7, "Organization")], [M(0, 7, "ORG")]),
        ([M(0, 7, "Person"), M(0, 7, "Product")], []),
        ([M(0, 7, "Person"), M(0, 7, "Location")], [M(0, 7, "LOC")]),
        ([M(0, 7, "Location"), M(0, 7, "Organization")], [M(0, 7, "ORG")]),
        # crossing outermost mentions are both dropped; an unrelated one is kept
        ([M(0, 13, "Location"), M(7, 15, "Person"), M(20, 25, "Person")], [M(20, 25, "PER")]),
        # a mention inside a crossing (dropped) one stays dropped
        ([M(0, 13, "Location"), M(7, 15, "Person"), M(8, 12, "Organization")], []),
        # an exact duplicate counts once
        ([M(0, 5, "Person"), M(0, 5, "Person")], [M(0, 5, "PER")]),
    ],
)
def test_outermost_mention_over_all_labels_wins_then_mapping(mentions, expected):
    assert scored(mentions) == expected
    shuffled = list(mentions)
    random.Random(7).shuffle(shuffled)
    assert scored(shuffled) == expected


def test_every_removed_mention_is_a_drop_with_its_reason_and_cause():
    kept, drops = winer.outermost([M(0, 20, "Organization"), M(14, 20, "Location"), M(0, 20, "Person"),
                                   M(30, 43, "Location"), M(37, 45, "Person")])
    assert kept == [M(0, 20, "Organization")]
    assert sorted((d.reason, d.mention, d.by) for d in drops) == [
        ("crossing", M(30, 43, "Location"), M(37, 45, "Person")),
        ("crossing", M(37, 45, "Person"), M(30, 43, "Location")),
        ("nested", M(14, 20, "Location"), M(0, 20, "Organization")),
        ("same-extent", M(0, 20, "Person"), M(0, 20, "Organization")),
    ]


def test_outer_rank_follows_the_readme_nesting_examples():
    rank = winer.OUTER_RANK.index
    assert rank("Event") < rank("Date") and rank("Organization") < rank("Person") and rank("Organization") < rank("Location")
    assert sorted(winer.OUTER_RANK) == sorted(winer.WINER_LABELS)


def span(text, start, end, label="Person", line=1, fragments=None):
    return brat.BratSpan("T1", label, fragments or ((start, end),), text, line)


@pytest.mark.parametrize(
    "recorded, start, end, expected",
    [
        ("Lucie Berne", 0, 11, M(0, 11, "Person")),  # exact
        ("Lucie Berne", 0, 12, M(0, 11, "Person")),  # offsets took in the invisible mark: re-anchored
        ("Berne", 0, 12, M(6, 11, "Person")),  # occurs once inside the offsets
        ("e", 0, 12, None),  # occurs several times inside: ambiguous, dropped
        ("Paris", 0, 12, None),  # not inside: dropped
    ],
)
def test_a_mismatched_offset_is_reanchored_only_if_unambiguous(recorded, start, end, expected):
    text = "Lucie Berne\u200f a parlé."
    assert winer.anchor(span(recorded, start, end), text) == expected


def test_convert_counts_what_each_rule_did():
    text = "Lucie Berne\u200f et Marie Curie à Lyon."
    spans = (
        brat.BratSpan("T1", "Person", ((0, 12),), "Lucie Berne", 1),
        brat.BratSpan("T2", "Person", ((16, 21), (22, 27)), "Marie Curie", 2),
        brat.BratSpan("T3", "Location", ((30, 34),), "Lyon", 3),
        brat.BratSpan("T4", "Location", ((30, 34),), "Nice", 4),
    )
    conversion = winer.convert(brat.BratDocument("2016_01_05-001", "x.ann", text, spans), ("https://example.org/a",))
    assert conversion.document.mentions == (M(0, 11, "PER"), M(30, 34, "LOC"))
    assert conversion.document.split == "dev" and conversion.document.urls == ("https://example.org/a",)
    assert sorted(d.reason for d in conversion.drops) == ["discontinuous", "offset-mismatch"]
    assert [(s.id, m) for s, m in conversion.reanchored] == [("T1", M(0, 11, "Person"))]


@pytest.mark.parametrize("doc_id, split", [("2016_12_31-004", "dev"), ("2017_01_01-001", "test"), ("2018_10_19-002", "test")])
def test_splits_by_year(doc_id, split):
    assert winer.split_of(doc_id, "x") == split


def test_a_year_without_split_is_refused():
    with pytest.raises(DataError, match="2019"):
        winer.split_of("2019_01_01-001", "x")


def test_a_document_without_its_ann_or_filed_under_another_month_is_refused_by_name():
    with pytest.raises(DataErrors) as caught:
        winer.document_paths(["2016/01/2016_01_05-001.txt", "2016/02/2016_03_01-001.txt", "2016/02/2016_03_01-001.ann"], "root")
    messages = [str(e) for e in caught.value.errors]
    assert any("2016_01_05-001.txt" in m and "no .ann" in m for m in messages)
    assert any("2016_03_01-001" in m and "filed under 2016/02" in m for m in messages)


def test_urls_keep_every_distinct_url_and_refuse_a_malformed_line(tmp_path):
    path = tmp_path / "2016-01-urls.txt"
    path.write_text("a\thttps://x/1\na\thttps://x/2\na\thttps://x/1\nb\thttps://x/3\n", encoding="utf-8")
    assert winer.read_urls(path) == {"a": ("https://x/1", "https://x/2"), "b": ("https://x/3",)}
    path.write_text("a\thttps://x/1\nno tab here\n", encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        winer.read_urls(path)
    assert caught.value.errors[0].record == "line 2"


def test_the_committed_manifest_pins_the_v020_files():
    manifest = winer.manifest()
    paths = [e.path for e in manifest.entries]
    assert manifest.commit == winer.COMMIT and manifest.archive == winer.ARCHIVE_URL and manifest.archive_root == winer.ARCHIVE_ROOT
    assert sum(p.endswith(".ann") for p in paths) == 1191 and sum(p.endswith("-urls.txt") for p in paths) == 36
    assert len(winer.document_paths(paths, "manifest")) == 1191
    assert {p[:4] for p in paths if p.endswith(".ann")} == {"2016", "2017", "2018"}
    assert sum(p.startswith("2016/") and p.endswith(".ann") for p in paths) == 571
    assert set(winer.TOP_FILES) <= set(paths) and manifest.data_dirs() == ("2016", "2017", "2018")


def test_fetch_then_load_a_made_up_corpus_end_to_end(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "copy")
    manifest_path = tmp_path / "winer-fr.manifest.tsv"
    from benchmark.sources import manifest as manifests

    manifest_path.write_text(manifests.render(winer.build_manifest(corpus)), encoding="utf-8")
    monkeypatch.setattr(winer, "MANIFEST_PATH", manifest_path)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="python -m benchmark fetch winer-fr"):
        winer.load(cache=cache)
    assert winer.fetch(cache, from_dir=corpus) == winer.require(cache)
    dev, test = winer.load("dev", cache), winer.load("test", cache)
    assert [d.id for d in dev] == ["2016_01_05-001"] and [d.id for d in test] == ["2017_03_09-001", "2018_02_11-001"]
    (first,) = dev
    assert [(first.text[m.start:m.end], m.label) for m in first.mentions] == [("Jacques Martin", "PER"), ("Université de Lyon", "ORG"), ("Lyon", "LOC")]
    assert [(test[0].text[m.start:m.end], m.label) for m in test[0].mentions] == [("Cannes", "LOC"), ("Zoé Durand", "PER")]
    assert [(test[1].text[m.start:m.end], m.label) for m in test[1].mentions] == [("Saturne", "LOC")]  # Cassini: Product wins
    assert len(test[1].urls) == 2
    with pytest.raises(DataError, match="unknown split"):
        winer.load("train", cache)
