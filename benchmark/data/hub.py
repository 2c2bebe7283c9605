"""A Hugging Face Hub push, rehearsed offline.

``dry_run_push`` writes what an upload would contain (``push_files``) and loads
it back the three ways a user would (``load_dataset`` of the folder,
``save_to_disk`` / ``load_from_disk``), after the card passes the offline checks
of ``card.validate_card``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmark import paths
from benchmark.data import dataset
from benchmark.data.card import validate_card
from benchmark.errors import DataError, DataErrors


def push_files() -> list[Path]:
    """What the Hub repository holds: the generated package and the documents its card cites.

    Never ``annotations/`` (the sources), ``drafts/`` or ``work/``: only what ``build`` wrote
    and the guidelines and changelog a reader of the card needs.
    """
    data = [paths.data_file(split) for split in split_names()]
    return [paths.CARD_FILE, *data, paths.SCHEMA_FILE, paths.SELECTION_FILE, paths.GOLD_DIR / "GUIDELINES.md", paths.CHANGELOG_FILE]


def split_names() -> list[str]:
    """The splits with documents, as the committed card lists them."""
    recorded = dataset.card_metadata()["data_sha256"]
    return sorted(recorded) if isinstance(recorded, dict) else ["test"]


def dry_run_push(directory: Path) -> dict:
    """What a push would upload, written to ``directory`` and loaded back offline.

    ``directory/hub/`` is the repository a push creates: ``push_files()``, as
    ``HfApi.upload_folder`` would send them;
    ``load_dataset`` reads it by the card's ``configs``. ``directory/disk/`` is
    ``DatasetDict.save_to_disk`` of what was loaded, read back with
    ``load_from_disk``. Every copy must give the committed rows and features.
    Refuses a stale package or a non-empty directory; returns a summary.
    """
    from datasets import load_dataset, load_from_disk

    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise DataErrors([DataError(str(directory), None, None, "must be a new or empty directory (nothing is overwritten)")])
    stale = dataset.stale_files()
    if stale:
        raise DataErrors([DataError(str(path), None, None, "stale: run `python -m benchmark build` first") for path in stale])
    validate_card(paths.CARD_FILE.read_text(encoding="utf-8"), str(paths.CARD_FILE))
    splits = split_names()
    expected = {split: dataset.load_verified(split=split)[0] for split in splits}
    hub = directory / "hub"
    for path in push_files():
        if not path.is_file():
            continue  # selection.tsv before the first Wikinews article
        target = hub / path.relative_to(paths.GOLD_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    pushed = load_dataset(str(hub))
    disk = directory / "disk"
    pushed.save_to_disk(str(disk))
    reloaded = load_from_disk(str(disk))
    errors = []
    for name, loaded in (("load_dataset(hub)", pushed), ("load_from_disk(disk)", reloaded)):
        if sorted(loaded) != splits:
            errors.append(DataError(name, None, "splits", f"expected {splits}, got {sorted(loaded)}"))
            continue
        for split in splits:
            if loaded[split].features != expected[split].features:
                errors.append(DataError(name, split, "features", "differ from the committed package's"))
            if loaded[split].to_list() != expected[split].to_list():
                errors.append(DataError(name, split, "rows", "differ from the committed package's"))
    if errors:
        raise DataErrors(errors)
    return {"hub": hub, "disk": disk, "split": ", ".join(splits), "rows": sum(len(e) for e in expected.values()),
            "files": sorted(str(p.relative_to(hub)) for p in hub.rglob("*") if p.is_file())}
