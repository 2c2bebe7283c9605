"""The leaderboard site in a real browser: headless Chromium driven by Playwright.

Debian's ``chromium`` (``apt-get install -y chromium``) is launched by path;
Playwright's own browser download is never used. Without a browser the tests
are skipped with the reason, except in CI (``CI=true``) or with
``NEWSBENCH_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where that is a failure.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from test_leaderboard import _result

from benchmark import paths
from benchmark.report import leaderboard

CHROMIUM = Path(os.environ.get("NEWSBENCH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
SCRIPT_META = {
    "name": "<script>window.__pwned = 'name'; document.title = 'pwned'</script>",
    "authors": "<img src=x onerror=\"window.__pwned = 'img'\">",
    "description": "<script>window.__pwned = 'description'</script> plain text",
    "date": "2026-11-29",
    "url": "javascript:window.__pwned='url'",
}


def _unavailable(reason: str):
    required = os.environ.get("CI") == "true" or os.environ.get("NEWSBENCH_REQUIRE_BROWSER") == "1"
    if required:
        pytest.fail(f"browser required (CI=true or NEWSBENCH_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"no browser: {reason} (install Debian's chromium: apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright is not importable ({exc})")
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} does not exist")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except Error as exc:
            _unavailable(f"{CHROMIUM} does not start ({exc})")
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.route("http*://**", lambda route: route.abort())  # nothing may come from the network
    yield opened
    context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A leaderboard of four current systems (one with hostile metadata) and a stale one."""
    root = tmp_path_factory.mktemp("board") / "leaderboard"
    (root / "results").mkdir(parents=True)
    shutil.copy(paths.LEADERBOARD_DIR / "METRICS.md", root / "METRICS.md")
    results = [
        _result("alpha", 0.9, **{"events.trigger.f1": 0.1}),
        _result("beta", 0.5, **{"events.trigger.f1": 0.7}),
        _result("gamma", 0.7, **{"events.trigger.f1": 0.4}),
        _result("mallory", 0.3, **{"events.trigger.f1": None}),
        _result("old", 0.95, fingerprint="0" * 64),
    ]
    results[3]["provenance"]["extractor"] = {"submission": SCRIPT_META}
    entries = [leaderboard.entry_from_data(r, Path(f"{r['system']['name']}.json")) for r in results]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "LEADERBOARD_DIR", root)
        rendered = leaderboard.render(entries)
    for path, data in rendered.items():
        if path.is_relative_to(root / "site"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return root / "site"


def _systems(page, table="table.sortable >> nth=0"):
    return page.locator(table).locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.system)")


def test_one_row_per_published_system(page):
    """The committed site lists exactly the systems of leaderboard/results/."""
    index = leaderboard.site_dir() / "index.html"
    page.goto(index.as_uri())
    published = sorted(p.stem for p in paths.RESULTS_DIR.glob("*.json"))
    board = json.loads(paths.JSON_FILE.read_text(encoding="utf-8"))
    current = [row["system"] for row in board["systems"] if row["status"] == "current"]
    assert _systems(page) == current
    assert sorted(_systems(page) + [r["system"] for r in board["systems"] if r["status"] != "current"]) == published
    assert page.errors == []


def test_clicking_a_header_sorts_the_rows(page, site):
    page.goto((site / "index.html").as_uri())
    assert _systems(page) == ["alpha", "gamma", "beta", "mallory"]  # ranked by the headline
    header = page.locator("table.sortable >> nth=0").locator("thead th", has_text="Event trigger F1")
    header.locator("button").click()
    assert _systems(page) == ["beta", "gamma", "alpha", "mallory"]  # descending; not predicted last
    assert header.get_attribute("aria-sort") == "descending"
    header.locator("button").click()
    assert _systems(page) == ["alpha", "gamma", "beta", "mallory"]  # ascending; not predicted still last
    page.locator("table.sortable >> nth=0").locator("thead th", has_text="System").locator("button").click()
    assert _systems(page) == ["alpha", "beta", "gamma", "mallory"]
    assert page.errors == []


def test_each_system_link_opens_its_page(page, site):
    page.goto((site / "index.html").as_uri())
    names = _systems(page)
    for name in names:
        page.locator("table.sortable >> nth=0").get_by_role("link", name=name, exact=True).click()
        assert page.locator("h1").inner_text() == name
        assert page.url.endswith(f"/systems/{name}.html")
        page.get_by_role("link", name="newsbench leaderboard").click()
        assert page.url.endswith("/index.html")
    stale = page.locator("section.stale table.sortable").locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.system)")
    assert stale == ["old"]


def test_script_in_metadata_is_shown_and_never_run(page, site, tmp_path):
    for target in ("index.html", "systems/mallory.html"):
        page.goto((site / target).as_uri())
        assert page.evaluate("window.__pwned") is None
        assert "pwned" not in page.title()
        body = page.locator("body").inner_text()
        assert "<script>window.__pwned = 'description'</script> plain text" in body
        assert "javascript:window.__pwned='url'" in body
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("main script, main img[src='x']").count() == 0
    assert page.errors == []
    page.goto((site / "index.html").as_uri())
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
