"""The leaderboard site: escaped, deterministic, covered by the staleness check.

What a browser does with the pages is tested in test_site_browser.py; these
tests read the rendered bytes.
"""

from pathlib import Path

import pytest
from test_leaderboard import _result, board  # noqa: F401  (board is a fixture)

from benchmark.report import leaderboard, site

HOSTILE = {
    "name": "<img src=x onerror=alert(1)>",
    "authors": '"Mallory" <script>window.pwned = 1</script>',
    "description": "<script>document.title = 'pwned'</script> & more",
    "date": "2026-11-29",
    "url": "javascript:alert(1)",
}


def _with_submission(result, metadata):
    result["provenance"]["extractor"] = {"submission": metadata, "note": "<b>bold</b>"}
    return result


def _site(board_dir):
    return {p.relative_to(board_dir / "site").as_posix(): p.read_bytes() for p in (board_dir / "site").rglob("*") if p.is_file()}


def test_site_is_written_beside_the_tables(board):
    leaderboard.publish(_result("alpha", 0.8))
    leaderboard.publish(_result("beta", 0.4, fingerprint="0" * 64))
    files = _site(board)
    # ... and a folder per other track (winer-fr: no result published in this board yet).
    assert sorted(files) == ["index.html", "plot.svg", "site.css", "sort.js", "systems/alpha.html", "systems/beta.html",
                             "winer-fr/index.html", "winer-fr/plot.svg", "winer-fr/site.css", "winer-fr/sort.js"]
    index = files["index.html"].decode()
    current, stale = index.split("<h2>Stale results</h2>")
    assert 'href="systems/alpha.html"' in current and "beta" not in current  # stale results apart, not ranked
    assert 'href="systems/beta.html"' in stale
    assert "80.0" in current and "[40.0, 100.0]" in current  # score and its interval
    assert card_fingerprint() in index
    assert "python -m benchmark run model=alpha publish=replace" in index
    assert 'href="../index.html"' in files["systems/alpha.html"].decode()
    svg = files["plot.svg"].decode()
    assert svg.startswith("<svg") and ">alpha</text>" in svg and "beta" not in svg


def card_fingerprint():
    from benchmark.data.dataset import card_metadata

    return card_metadata()["fingerprint"]


def test_every_string_from_a_result_is_escaped(board):
    result = _with_submission(_result("evil", 0.5), HOSTILE)
    result["system"]["version"] = '1.0"><script>x=1</script>'
    result["tables"] = {"ner.strict": {"<b>LOC</b>": {"f1": 0.5, "support": 2}}}
    leaderboard.publish(result)
    files = _site(board)
    for name, data in files.items():
        text = data.decode()
        assert "<script>window" not in text and "<script>document" not in text and "<script>x=" not in text, name
        assert "<img src=x" not in text and "<b>" not in text, name
        assert 'href="javascript' not in text.lower(), name
    page = files["systems/evil.html"].decode()
    assert "&lt;script&gt;document.title = &#x27;pwned&#x27;&lt;/script&gt; &amp; more" in page
    assert "&quot;Mallory&quot;" in page and "&lt;b&gt;LOC&lt;/b&gt;" in page
    assert 'href="javascript' not in page and "javascript:alert(1)" in page  # shown as text, never a link
    assert "1.0&quot;&gt;&lt;script&gt;x=1&lt;/script&gt;" in files["index.html"].decode()


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.org/x?a=1&b=2", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>1</script>", False),
        ("//example.org", False),
        ("ftp://example.org", False),
        ("https://", False),
        (None, False),
    ],
)
def test_only_http_urls_are_links(url, linked):
    assert (site.safe_url(url) is not None) == linked


@pytest.mark.parametrize(
    ("name", "page"),
    [("spacy_sm", "systems/spacy_sm.html"), ("a.b-c_1", "systems/a.b-c_1.html"), ("../x", None), (".hidden", None), ("a/b", None), ("x" * 65, None), ("é", None), ("a b", None)],
)
def test_a_page_only_for_a_safe_name(name, page):
    assert site.page_name(name) == page


def test_an_unsafe_name_gets_no_page_and_no_link(board):
    from benchmark.data.dataset import card_metadata

    row = {
        "rank": 1, "system": "../../etc/x<y>", "version": "1", "dataset_version": "0", "fingerprint": "f", "status": "current",
        "metrics": {"m": 0.5}, "intervals": {"m": None}, "command": "c", "submission": None,
    }
    files = site.render(board / "site", {"columns": [{"metric": "m", "title": "M"}], "systems": [row]}, {}, card_metadata())
    assert sorted(p.name for p in files) == ["index.html", "plot.svg", "site.css", "sort.js"]
    index = files[board / "site" / "index.html"].decode()
    assert "../../etc/x&lt;y&gt; <span" in index and "href=\"systems/" not in index


def test_site_bytes_are_deterministic(board):
    leaderboard.publish(_result("a", 0.3))
    leaderboard.publish(_result("b", 0.6))
    first = _site(board)
    for path in (board / "results").glob("*.json"):
        path.unlink()
    leaderboard.publish(_result("b", 0.6))
    leaderboard.publish(_result("a", 0.3))
    assert _site(board) == first
    assert leaderboard.write() == []  # a rebuild changes nothing


def test_a_stale_or_orphan_page_is_found_and_rewritten(board):
    leaderboard.publish(_result("a", 0.3))
    page = board / "site" / "systems" / "a.html"
    page.write_text(page.read_text() + "edited by hand", encoding="utf-8")
    orphan = board / "site" / "systems" / "removed.html"
    orphan.write_text("a system no longer published", encoding="utf-8")
    assert leaderboard.stale_files() == [page, orphan]
    assert sorted(leaderboard.write()) == sorted([page, orphan])
    assert not orphan.exists() and leaderboard.stale_files() == []


def test_optional_blocks_shown_when_present_and_absent_otherwise(board):
    plain = _result("plain", 0.5)
    rich = _result("rich", 0.7)
    rich["documents"] = {"doc1": {"ner.strict.micro.f1": 0.25}}
    rich["errors"] = {"entities": {"total": {"correct": 3, "missed": 1}, "labels": {"PER": {"correct": 3, "missed": 1}}}}
    entries = [leaderboard.entry_from_data(r, Path(f"{r['system']['name']}.json")) for r in (plain, rich)]
    files = leaderboard.render(entries)
    pages = board / "site" / "systems"
    plain_page, rich_page = files[pages / "plain.html"].decode(), files[pages / "rich.html"].decode()
    assert "Absent: this result has no <code>documents</code>" in plain_page
    assert '<td>doc1</td><td class="num" data-value="0.2500">0.2500</td>' in rich_page
    assert "<td>PER</td>" in rich_page
    assert "<code>python -m benchmark explain</code> on the run directory" in rich_page


def test_significance_bands_are_shown_where_the_board_has_them(board):
    from benchmark.data.dataset import card_metadata

    def row(name, rank, value):
        return {
            "rank": rank, "system": name, "version": "1", "dataset_version": "0", "fingerprint": "f", "status": "current",
            "metrics": {"m": value}, "intervals": {"m": None}, "command": "c", "submission": None,
        }

    board_data = {"columns": [{"metric": "m", "title": "M"}], "systems": [row("a", 1, 0.9), row("b", 2, 0.8), row("c", 3, 0.2)]}
    plain = site.render(board / "site", board_data, {}, card_metadata())[board / "site" / "index.html"].decode()
    assert "Significance bands: absent" in plain and ">Band<" not in plain
    board_data["bands"] = {
        "metric": "m", "test": "paired <test>", "systems": {"a": 1, "b": 1, "c": 2},
        "adjacent": [
            {"a": "a", "b": "b", "difference": 0.1, "p_value": 0.3, "p_holm": 0.6, "significant": False, "note": None},
            {"a": "b", "b": "c", "difference": 0.6, "p_value": 0.001, "p_holm": 0.002, "significant": True, "note": None},
        ],
    }
    banded = site.render(board / "site", board_data, {}, card_metadata())[board / "site" / "index.html"].decode()
    assert "absent" not in banded.split("<h2>Headline scores")[0].split("<h2>Systems</h2>")[1]
    assert '>Band</th>' in banded and "paired &lt;test&gt;" in banded
    bands = [cell.split('data-value="')[3].split('"')[0] for cell in banded.split('<tr data-system="')[1:]]  # rank, system, band
    assert bands == ["1", "1", "2"]
    assert '<td>b</td><td>c</td><td class="num" data-value="0.6000">+60.0</td><td class="num" data-value="0.0010">0.0010</td>' in banded
