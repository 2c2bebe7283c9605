"""Run the whole test suite on a test set of two documents (issue "Built to grow", item 5).

The committed test set has one article, so a test that quietly depends on
there being one (an unpacking ``(doc,) = gold``, a token count, an offset)
passes today and breaks the day a second article is promoted. This script
makes that day happen in a temporary copy of the repository, the way a
maintainer would (README "Adding an article"):

  add a made-up article → write its reviewed gold → promote → release
  (minor bump, changelog entry, README size line) → build → re-publish the
  built-in systems → check → the test suite, run inside the copy.

The article and its annotation are invented here (never a real article).
Usage, from the repository root::

    .venv/bin/python scripts/two_documents.py [--keep DIR] [-- PYTEST ARGS...]

Exit status: that of the first failing step, else the test suite's.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("rules", "spacy_sm", "spacy_md")

ARTICLE_DATE = "2026-10"
TEXT = (
    "Quelque deux cents agriculteurs ont manifesté jeudi devant la préfecture de Valmont-sur-Orge "
    "pour réclamer des aides.\n\n"
    "« Nous ne pouvons plus vivre de notre travail », a déclaré Jeanne Rivière, présidente du "
    "syndicat agricole du département.\n\n"
    "La préfète de Valmont-sur-Orge, Hélène Corbin, recevra une délégation lundi.\n"
)


def span(fragment: str, occurrence: int = 1) -> dict:
    """The span of the n-th occurrence of ``fragment`` in TEXT (offsets computed, never typed)."""
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(fragment, start + 1)
    return {"start": start, "end": start + len(fragment), "text": fragment}


def gold_record(doc_id: str) -> dict:
    """The reviewed gold of the made-up article: every layer, with coreference ids."""
    return {
        "id": doc_id,
        "date": ARTICLE_DATE,
        "text": TEXT,
        "entities": [
            {"id": "m01", **span("Valmont-sur-Orge"), "label": "LOC", "entity": "valmont"},
            {"id": "m02", **span("Jeanne Rivière"), "label": "PER", "entity": "jeanne_riviere"},
            {"id": "m03", **span("Valmont-sur-Orge", 2), "label": "LOC", "entity": "valmont"},
            {"id": "m04", **span("Hélène Corbin"), "label": "PER", "entity": "helene_corbin"},
        ],
        "quotes": [
            {"id": "q1", "kind": "direct", "content": [span("Nous ne pouvons plus vivre de notre travail")],
             "cue": span("déclaré"), "speaker": span("Jeanne Rivière"), "speaker_entity": "jeanne_riviere", "parent": None},
        ],
        "events": [
            {"id": "ev01", "event": "protest_valmont", "type": "Conflict.Demonstrate", "trigger": span("manifesté"),
             "arguments": [{"role": "Entity", **span("Quelque deux cents agriculteurs")}, {"role": "Time", **span("jeudi")},
                           {"role": "Place", **span("la préfecture de Valmont-sur-Orge")}]},
            {"id": "ev02", "event": "meeting_corbin", "type": "Contact.Meet", "trigger": span("recevra"),
             "arguments": [{"role": "Entity", **span("Hélène Corbin")}, {"role": "Entity", **span("une délégation")},
                           {"role": "Time", **span("lundi")}]},
        ],
    }


def step(what: str, *args: str, cwd: Path) -> None:
    """Run one ``python -m benchmark`` command in the copy; stop the script if it fails."""
    print(f"two_documents: {what}", flush=True)
    done = subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"two_documents: `python -m benchmark {' '.join(args)}` failed (exit {done.returncode})")


def copy_repository(target: Path) -> None:
    """The working tree's files, tracked and untracked but not ignored (as tests/conftest.py copies it)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def git_init(repo: Path) -> None:
    """A git repository with the copy committed: tests list the tree with git, runs record the commit."""
    git = ["git", "-c", "user.name=two_documents", "-c", "user.email=two_documents@invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "copy"], cwd=repo, check=True)


def bump_minor(repo: Path, doc_id: str) -> str:
    """The release a document added needs: a minor bump and a changelog entry naming it."""
    release = repo / "gold" / "dataset.yaml"
    text = release.read_text(encoding="utf-8")
    old = re.search(r"^version: (\d+)\.(\d+)\.(\d+)$", text, flags=re.M)
    new = f"{old.group(1)}.{int(old.group(2)) + 1}.0"
    release.write_text(text[:old.start()] + f"version: {new}" + text[old.end():], encoding="utf-8")
    changelog = repo / "gold" / "CHANGELOG.md"
    log = changelog.read_text(encoding="utf-8")
    newest = re.search(r"^## ", log, flags=re.M).start()
    entry = f"## {new} (2026-12-01)\n\n- Added `{doc_id}` (made up by scripts/two_documents.py).\n\n"
    changelog.write_text(log[:newest] + entry + log[newest:], encoding="utf-8")
    return new


def restate_size(repo: Path) -> None:
    """README's size line, restated from the freshly built card (as a release does)."""
    card = (repo / "gold" / "README.md").read_text(encoding="utf-8")
    meta = json.loads(subprocess.run(
        [sys.executable, "-c", "import json; from benchmark.data import dataset; print(json.dumps(dataset.card_metadata()))"],
        cwd=repo, capture_output=True, text=True, check=True).stdout)
    size = meta["size"]
    readme = repo / "README.md"
    text = readme.read_text(encoding="utf-8")
    articles = f"{size['documents']} article{'s' if size['documents'] != 1 else ''}"
    text, n = re.subn(r"\*\*The test set today: \d+ articles?, \d+ sentences, \d+ tokens\*\* \(dataset (\S+) (\S+);",
                      f"**The test set today: {articles}, {size['sentences']} sentences, {size['tokens']} tokens** "
                      f"(dataset {meta['name']} {meta['version']};", text)
    text, m = re.subn(r"(\d+) entity mentions, (\d+) quotations, (\d+) event mentions",
                      f"{size['entity_mentions']} entity mentions, {size['quotations']} quotations, "
                      f"{size['event_mentions']} event mentions", text, count=1)
    if n != 1 or m != 1 or not card:
        raise SystemExit("two_documents: README.md has no size line to restate")
    readme.write_text(text, encoding="utf-8")


def grow(repo: Path) -> str:
    """Add, promote and release the made-up article in ``repo``; re-publish; check. Returns its id."""
    article = repo.parent / "article.txt"
    article.write_text(f"date {ARTICLE_DATE}\n{TEXT}", encoding="utf-8")
    step("add", "add", str(article), cwd=repo)
    (pending,) = (repo / "seeds" / "pending").glob("*.txt")
    doc_id = pending.stem
    (repo / "gold" / "annotations" / f"{doc_id}.json").write_text(
        json.dumps(gold_record(doc_id), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    step(f"promote {doc_id}", "promote", doc_id, cwd=repo)
    version = bump_minor(repo, doc_id)
    step(f"build {version}", "build", cwd=repo)
    restate_size(repo)
    for system in SYSTEMS:
        step(f"re-publish {system}", "run", f"model={system}", "publish=replace", "quiet=true", cwd=repo)
    step("leaderboard", "leaderboard", cwd=repo)
    step("check", "check", cwd=repo)
    return doc_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="build the copy in this (new) directory and keep it")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (default: -n auto -q)")
    args = parser.parse_args(argv)
    scratch = None if args.keep else Path(tempfile.mkdtemp(prefix="newsbench-two-"))
    base = args.keep or scratch
    repo = base / "newsbench"
    try:
        repo.mkdir(parents=True)
        copy_repository(repo)
        git_init(repo)
        doc_id = grow(repo)
        print(f"two_documents: {doc_id} promoted and released in {repo}; running the tests there", flush=True)
        return subprocess.run([sys.executable, "-m", "pytest", *(args.pytest_args or ["-n", "auto", "-q"])], cwd=repo).returncode
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
