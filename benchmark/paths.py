"""Every path of the repository that the tool reads or writes, in one place.

Modules read them as ``paths.NAME`` when they run (never copied into a module
constant or a default argument), so that one call, ``paths.use_root(DIR)``,
points the whole tool at another copy of the repository: the tests' temporary
copies, for instance. The package's own files (templates, metric modules,
word lists) are found beside the code and do not move with the root.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
METRICS_DIR = PACKAGE_DIR / "scoring" / "metrics"

# Bound by use_root() below.
ROOT: Path
SEEDS_DIR: Path
PENDING_DIR: Path
GOLD_DIR: Path
ANNOTATIONS_DIR: Path
DRAFTS_DIR: Path
WORK_DIR: Path
SHEET_FILE: Path
DATA_DIR: Path
DATA_FILE: Path
SELECTION_FILE: Path
CARD_FILE: Path
SCHEMA_FILE: Path
RELEASE_FILE: Path
CHANGELOG_FILE: Path
CONFIG_DIR: Path
MODEL_CONFIG_DIR: Path
DATASET_CONFIG_DIR: Path
RUN_CONFIG: Path
COMPARE_CONFIG: Path
CHECK_CONFIG: Path
LEADERBOARD_DIR: Path
RESULTS_DIR: Path
SUBMISSIONS_DIR: Path
TABLE_FILE: Path
CSV_FILE: Path
JSON_FILE: Path
LOCK_FILE: Path
SITE_DIR: Path


def use_root(root: Path) -> None:
    """Bind every repository path below ``root``."""
    global ROOT, SEEDS_DIR, PENDING_DIR, GOLD_DIR, ANNOTATIONS_DIR, DRAFTS_DIR, WORK_DIR, SHEET_FILE
    global DATA_DIR, DATA_FILE, SELECTION_FILE, CARD_FILE, SCHEMA_FILE, RELEASE_FILE, CHANGELOG_FILE
    global CONFIG_DIR, MODEL_CONFIG_DIR, DATASET_CONFIG_DIR, RUN_CONFIG, COMPARE_CONFIG, CHECK_CONFIG
    global LEADERBOARD_DIR, RESULTS_DIR, SUBMISSIONS_DIR, TABLE_FILE, CSV_FILE, JSON_FILE, LOCK_FILE, SITE_DIR
    ROOT = Path(root).resolve()
    # The raw articles; ``add`` puts new ones in PENDING_DIR (outside the test
    # split) with a machine-made draft in DRAFTS_DIR until ``promote``.
    SEEDS_DIR = ROOT / "seeds"
    PENDING_DIR = SEEDS_DIR / "pending"
    GOLD_DIR = ROOT / "gold"
    ANNOTATIONS_DIR = GOLD_DIR / "annotations"
    DRAFTS_DIR = GOLD_DIR / "drafts"
    WORK_DIR = GOLD_DIR / "work"
    SHEET_FILE = WORK_DIR / "adjudication.md"
    # The packaged dataset and its release metadata. The data files (one per split,
    # data_file()) are built, not committed: they hold the joined texts of referenced
    # records (Wikinews); the committed card pins their sha256.
    DATA_DIR = GOLD_DIR / "data"
    DATA_FILE = DATA_DIR / "test.jsonl"
    # Which Wikinews article is in which split, and every skipped candidate with its reason.
    SELECTION_FILE = GOLD_DIR / "selection.tsv"
    CARD_FILE = GOLD_DIR / "README.md"
    SCHEMA_FILE = GOLD_DIR / "schema" / "record.schema.json"
    RELEASE_FILE = GOLD_DIR / "dataset.yaml"
    CHANGELOG_FILE = GOLD_DIR / "CHANGELOG.md"
    # Hydra's config tree.
    CONFIG_DIR = ROOT / "configs"
    MODEL_CONFIG_DIR = CONFIG_DIR / "model"
    # The dataset registry: one config per track (newsbench is the default).
    DATASET_CONFIG_DIR = CONFIG_DIR / "dataset"
    RUN_CONFIG = CONFIG_DIR / "run.yaml"
    COMPARE_CONFIG = CONFIG_DIR / "compare.yaml"
    CHECK_CONFIG = CONFIG_DIR / "check.yaml"
    # The published leaderboard.
    LEADERBOARD_DIR = ROOT / "leaderboard"
    RESULTS_DIR = LEADERBOARD_DIR / "results"
    SUBMISSIONS_DIR = LEADERBOARD_DIR / "submissions"
    TABLE_FILE = LEADERBOARD_DIR / "README.md"
    CSV_FILE = LEADERBOARD_DIR / "leaderboard.csv"
    JSON_FILE = LEADERBOARD_DIR / "leaderboard.json"
    LOCK_FILE = LEADERBOARD_DIR / ".lock"
    SITE_DIR = LEADERBOARD_DIR / "site"


def data_file(split: str) -> Path:
    """The packaged rows of one split (``gold/data/SPLIT.jsonl``)."""
    return DATA_DIR / f"{split}.jsonl"


use_root(PACKAGE_DIR.parent)
