"""Manifest checks and fetching into the cache: from a local folder, from a .tar.gz
served on 127.0.0.1; every refusal names its path and leaves nothing in the cache;
a half-written cache is never read as complete."""

import os
import subprocess
import sys
import tarfile
import textwrap

import pytest
from sources_fixtures import make_archive, member, serve, write_corpus

from benchmark.errors import DataError, DataErrors
from benchmark.sources import fetch, winer
from benchmark.sources import manifest as manifests

ROOT = winer.ARCHIVE_ROOT


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "copy")


@pytest.fixture
def listed(corpus):
    return winer.build_manifest(corpus)


def messages(caught) -> str:
    return "\n".join(str(e) for e in caught.value.errors)


def cache_is_empty(cache, manifest) -> bool:
    parent = cache / manifest.name
    return not parent.exists() or [p.name for p in parent.iterdir()] == []


# -- manifest ----------------------------------------------------------------------------------


def test_manifest_round_trips_and_ignores_unlisted_top_level_files(listed, corpus):
    assert manifests.parse(manifests.render(listed), "m.tsv") == listed
    paths = [e.path for e in listed.entries]
    assert "count.py" not in paths and "license.txt" in paths and "2016/2016-01-urls.txt" in paths
    assert manifests.check(corpus, listed) == []


@pytest.mark.parametrize(
    "row, words",
    [
        ("../evil.txt\t1\t" + "0" * 64, "unsafe or malformed path"),
        ("/etc/passwd\t1\t" + "0" * 64, "unsafe or malformed path"),
        ("a.txt\t-1\t" + "0" * 64, "not a byte count"),
        ("a.txt\t1\tABC", "not 64 lowercase hex"),
        ("a.txt\t1", "expected 3 tab-separated fields"),
    ],
)
def test_a_malformed_manifest_row_is_refused_with_its_line(listed, row, words):
    text = manifests.render(listed) + row + "\n"
    with pytest.raises(DataErrors) as caught:
        manifests.parse(text, "m.tsv")
    (error,) = caught.value.errors
    assert error.file == "m.tsv" and error.record == f"line {text.count(chr(10))}" and words in error.message


def test_missing_extra_and_changed_files_are_each_refused_by_name(corpus, listed):
    (corpus / "2016/01/2016_01_05-001.ann").unlink()
    (corpus / "2017/03/2017_03_09-001.bak").write_text("x")
    (corpus / "2018/stray").mkdir()
    (corpus / "2018/stray/notes.ann").write_text("T1\tPerson 0 1\tx")
    (corpus / "count.py").write_text("changed, but outside the data folders: ignored")
    changed = corpus / "2018/02/2018_02_11-001.txt"
    changed.write_bytes(changed.read_bytes().replace(b"Saturne", b"Jupiter"))  # same size
    errors = manifests.check(corpus, listed)
    text = "\n".join(str(e) for e in errors)
    assert len(errors) == 4
    assert "missing file 2016/01/2016_01_05-001.ann" in text
    assert "extra file 2017/03/2017_03_09-001.bak" in text and "extra file 2018/stray/notes.ann" in text
    assert "changed file 2018/02/2018_02_11-001.txt: sha256" in text
    assert len(manifests.check(corpus, listed, full=False)) == 3  # the size check misses a same-size edit


def test_a_symlink_is_neither_a_listed_file_nor_a_harmless_extra(corpus, listed, tmp_path):
    target = corpus / "2016/01/2016_01_05-001.txt"
    (tmp_path / "elsewhere.txt").write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(tmp_path / "elsewhere.txt")
    (corpus / "2017/link.ann").symlink_to(tmp_path / "elsewhere.txt")
    text = "\n".join(str(e) for e in manifests.check(corpus, listed))
    assert "2016_01_05-001.txt is not a regular file" in text and "extra file 2017/link.ann" in text


def test_refusals_are_capped_with_and_n_more(corpus, listed):
    for i in range(30):
        (corpus / f"2016/extra-{i:02}.txt").write_text("x")
    with pytest.raises(DataErrors) as caught:
        manifests.verify(corpus, listed)
    assert len(caught.value.errors) == manifests.MAX_ERRORS_SHOWN + 1
    assert caught.value.errors[-1].message == "and 10 more error(s)"


# -- cache location -----------------------------------------------------------------------------


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NEWSBENCH_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert fetch.cache_root() == tmp_path / "home/.cache/newsbench"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fetch.cache_root() == tmp_path / "xdg/newsbench"
    monkeypatch.setenv("NEWSBENCH_CACHE", str(tmp_path / "nb"))
    assert fetch.cache_root() == tmp_path / "nb"
    assert fetch.cache_root(tmp_path / "arg") == tmp_path / "arg"


# -- from a local folder --------------------------------------------------------------------


def test_fetch_from_a_folder_copies_only_the_listed_files(corpus, listed, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=r"not in the cache: run `python -m benchmark fetch winer-fr`.*--from DIR"):
        fetch.locate(listed, cache)
    folder = fetch.fetch(listed, cache, from_dir=corpus)
    assert folder == cache / "winer-fr" / winer.COMMIT == fetch.locate(listed, cache, full=True)
    assert not (folder / "count.py").exists() and (folder / "license.txt").is_file()
    assert sorted(p.name for p in (cache / "winer-fr").iterdir()) == [winer.COMMIT]


def test_fetch_from_a_bad_folder_names_each_file_and_leaves_nothing(corpus, listed, tmp_path):
    cache = tmp_path / "cache"
    (corpus / "2016/01/2016_01_05-001.ann").unlink()
    (corpus / "2017/03/extra.txt").write_text("x")
    with pytest.raises(DataErrors) as caught:
        fetch.fetch(listed, cache, from_dir=corpus)
    assert "missing file 2016/01/2016_01_05-001.ann" in messages(caught) and "extra file 2017/03/extra.txt" in messages(caught)
    assert cache_is_empty(cache, listed)


def test_a_complete_copy_is_kept_and_a_damaged_one_replaced(corpus, listed, tmp_path):
    cache = tmp_path / "cache"
    folder = fetch.fetch(listed, cache, from_dir=corpus)
    assert fetch.fetch(listed, cache, from_dir=tmp_path / "nowhere") == folder  # nothing to do
    damaged = folder / "2016/01/2016_01_05-001.txt"
    os.chmod(damaged, 0o644)
    damaged.write_text("tronqué")
    with pytest.raises(DataError, match="changed file 2016/01/2016_01_05-001.txt.*python -m benchmark fetch winer-fr"):
        fetch.locate(listed, cache)
    fetch.fetch(listed, cache, from_dir=corpus)
    assert fetch.locate(listed, cache, full=True) == folder
    assert sorted(p.name for p in (cache / "winer-fr").iterdir()) == [winer.COMMIT]


def test_a_copy_verified_against_another_manifest_is_not_located(corpus, listed, tmp_path):
    cache = tmp_path / "cache"
    folder = fetch.fetch(listed, cache, from_dir=corpus)
    (folder / fetch.MARKER).write_text("0" * 64 + "\n")
    with pytest.raises(DataError, match="another manifest"):
        fetch.locate(listed, cache)


# -- half-written caches --------------------------------------------------------------------------


def test_a_folder_without_its_marker_is_not_complete(corpus, listed, tmp_path):
    cache = tmp_path / "cache"
    folder = fetch.fetch(listed, cache, from_dir=corpus)
    (folder / fetch.MARKER).unlink()
    with pytest.raises(DataError, match="not in the cache"):
        fetch.locate(listed, cache)


def test_an_interrupted_fetch_leaves_no_folder_and_cleans_its_staging(corpus, listed, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "install", killed)
    with pytest.raises(KeyboardInterrupt):
        fetch.fetch(listed, cache, from_dir=corpus)
    assert cache_is_empty(cache, listed)


def test_a_fetch_killed_mid_copy_is_never_read_as_complete(corpus, listed, tmp_path):
    """A real SIGKILL after two files: the partial folder stays, is not located, and the
    next fetch succeeds (removing stale partials)."""
    cache = tmp_path / "cache"
    manifest_path = tmp_path / "m.tsv"
    manifest_path.write_text(manifests.render(listed), encoding="utf-8")
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from benchmark.sources import fetch, manifest
        written = []
        original = fetch.write_new_file
        def write_then_die(path, data):
            original(path, data)
            written.append(path)
            if len(written) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        fetch.write_new_file = write_then_die
        fetch.fetch(manifest.read(Path({str(manifest_path)!r})), Path({str(cache)!r}), from_dir=Path({str(corpus)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    (partial,) = (cache / "winer-fr").iterdir()
    assert partial.name.startswith(".partial-") and len([p for p in partial.rglob("*") if p.is_file()]) == 2
    with pytest.raises(DataError, match="not in the cache"):
        fetch.locate(listed, cache)
    old = partial.stat().st_mtime - 2 * fetch.STALE_PARTIAL_SECONDS
    os.utime(partial, (old, old))
    folder = fetch.fetch(listed, cache, from_dir=corpus)
    assert fetch.locate(listed, cache, full=True) == folder and not partial.exists()


# -- from an archive over loopback HTTP ---------------------------------------------------------------


def test_fetch_from_an_archive_url(corpus, listed, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    make_archive(corpus, served / "winer.tar.gz")
    cache = tmp_path / "cache"
    with serve(served) as base:
        folder = fetch.fetch(listed, cache, url=f"{base}/winer.tar.gz")
    assert fetch.locate(listed, cache, full=True) == folder
    assert not (folder / "count.py").exists()
    assert sorted(p.name for p in (cache / "winer-fr").iterdir()) == [winer.COMMIT]  # no archive or staging left


@pytest.mark.parametrize(
    "extra, words",
    [
        ([member(f"{ROOT}/../evil.txt")], "unsafe archive member path"),
        ([member("/evil.txt")], "outside the top folder"),
        ([member("elsewhere/evil.txt")], "outside the top folder"),
        ([member(f"{ROOT}/2016/../../evil.txt")], "unsafe archive member path"),
        ([member(f"{ROOT}/2016/01/extra.ann")], "extra file 2016/01/extra.ann"),
        ([member(f"{ROOT}/2016/01/link.ann", kind=tarfile.SYMTYPE, link="/etc/passwd")], "extra file 2016/01/link.ann"),
    ],
)
def test_a_hostile_or_unexpected_archive_member_is_refused_and_nothing_is_written(corpus, listed, tmp_path, extra, words):
    served = tmp_path / "served"
    served.mkdir()
    make_archive(corpus, served / "winer.tar.gz", extra=extra)
    cache = tmp_path / "cache"
    with serve(served) as base:
        with pytest.raises(DataErrors) as caught:
            fetch.fetch(listed, cache, url=f"{base}/winer.tar.gz")
    assert words in messages(caught)
    assert cache_is_empty(cache, listed) and not (tmp_path / "evil.txt").exists()


def test_a_listed_file_that_is_a_link_or_changed_in_the_archive_is_refused(corpus, listed, tmp_path):
    (corpus / "2016/01/2016_01_05-001.txt").unlink()
    (corpus / "2016/01/2016_01_05-001.txt").symlink_to("/etc/hostname")
    changed = corpus / "2018/02/2018_02_11-001.txt"
    changed.write_bytes(changed.read_bytes().replace(b"Saturne", b"Jupiter"))
    served = tmp_path / "served"
    served.mkdir()
    make_archive(corpus, served / "winer.tar.gz")
    with serve(served) as base:
        with pytest.raises(DataErrors) as caught:
            fetch.fetch(listed, tmp_path / "cache", url=f"{base}/winer.tar.gz")
    assert "2016/01/2016_01_05-001.txt is a link or special file" in messages(caught)
    assert "changed file 2018/02/2018_02_11-001.txt" in messages(caught)
    assert cache_is_empty(tmp_path / "cache", listed)


def test_a_missing_url_a_non_archive_and_an_oversized_archive_are_refused(corpus, listed, tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    (served / "page.html").write_text("<html>not an archive</html>")
    make_archive(corpus, served / "winer.tar.gz")
    cache = tmp_path / "cache"
    with serve(served) as base:
        with pytest.raises(DataError, match="HTTP 404"):
            fetch.fetch(listed, cache, url=f"{base}/absent.tar.gz")
        with pytest.raises(DataError, match="not a readable .tar.gz"):
            fetch.fetch(listed, cache, url=f"{base}/page.html")
        monkeypatch.setattr(fetch, "MAX_ARCHIVE_BYTES", 100)
        with pytest.raises(DataError, match="archive too large"):
            fetch.fetch(listed, cache, url=f"{base}/winer.tar.gz")
    assert cache_is_empty(cache, listed)


def test_a_file_url_works_too(corpus, listed, tmp_path):
    archive = make_archive(corpus, tmp_path / "winer.tar.gz")
    folder = fetch.fetch(listed, tmp_path / "cache", url=archive.as_uri())
    assert fetch.locate(listed, tmp_path / "cache") == folder
