"""``python -m benchmark run model=NAME``: run one extractor and score it.

``run_system`` is the whole job as a function of a composed config, so that
the Hydra command and the regression check (``check``) score systems by the
same code. The Hydra entry point only adds the files of a run: predictions
first, ``results.json`` last, so a run that fails leaves no results behind.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from benchmark import dataset, provenance, scoring
from benchmark.corpus import ROOT, SeedDocument
from benchmark.errors import DataError, DataErrors
from benchmark.extractors.base import Extractor
from benchmark.fileio import atomic_write_text, canonical_json
from benchmark.schema import Document
from benchmark.validation import check_document

CONFIG_DIR = ROOT / "configs"
CHUNK = 64  # documents per extractor call when the extractor is per-document (progress steps)


class Steps:
    """Progress of the long parts of a run (documents through the extractor, layers
    scored, bootstrap intervals) as ``rich`` bars on a terminal; silent otherwise.
    It only counts: the results are the same with or without it."""

    def __init__(self, progress=None):
        self._progress = progress
        self._tasks: dict[str, object] = {}

    def start(self, step: str, description: str, total: int) -> None:
        if self._progress is not None:
            self._tasks[step] = self._progress.add_task(description, total=total)

    def advance(self, step: str, amount: int = 1) -> None:
        if step in self._tasks:
            self._progress.advance(self._tasks[step], amount)


@contextmanager
def progress_steps(quiet: bool) -> Iterator[Steps]:
    """Bars on stderr when it is a terminal and ``quiet`` is false (CI logs, pipes and
    multirun workers stay clean), else a ``Steps`` that does nothing."""
    if quiet or not sys.stderr.isatty():
        yield Steps()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Steps(progress)


def _parallel_job() -> bool:
    """A job of a multirun whose launcher runs jobs at the same time (joblib, submitit):
    several processes would draw over one another's bars on a shared terminal."""
    if not HydraConfig.initialized():
        return False
    hydra_cfg = HydraConfig.get()
    return str(hydra_cfg.mode) == "RunMode.MULTIRUN" and not str(hydra_cfg.launcher.get("_target_", "")).endswith("BasicLauncher")


def _predict(extractor: Extractor, inputs: list[SeedDocument], steps: Steps) -> list[Document]:
    """The extractor's records for ``inputs``: in chunks when it is per-document (so the
    bar moves), in one call otherwise; the records are the same either way."""
    steps.start("documents", f"{extractor.name}: documents", len(inputs))
    if not extractor.per_document:
        predicted = extractor.predict(inputs)
        steps.advance("documents", len(inputs))
        return predicted
    predicted: list[Document] = []
    for first in range(0, len(inputs), CHUNK):
        chunk = inputs[first : first + CHUNK]
        predicted += extractor.predict(chunk)
        steps.advance("documents", len(chunk))
    return predicted


@dataclass
class RunOutput:
    results: dict
    predictions: list[Document]


def _checked_predictions(extractor: Extractor, inputs: list[SeedDocument], predicted: list[Document]) -> list[Document]:
    """An extractor's output obeys the same rules as a submitted file."""
    source = f"extractor {extractor.name}"
    if [d.id for d in predicted] != [d.id for d in inputs]:
        raise DataErrors([DataError(source, None, "id", "predictions must return one record per input document, in input order")])
    errors: list[DataError] = []
    for doc, reference in zip(predicted, inputs):
        errors += check_document(doc, file=source, record=doc.id, gold=False, reference=reference)
    if errors:
        raise DataErrors(errors)
    return predicted


def run_system(cfg: DictConfig, overrides: list[str]) -> RunOutput:
    """Load the packaged dataset, run the configured extractor, score it."""
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    rows = dataset.load_test_split()
    card = dataset.card_metadata()
    gold = dataset.documents(rows)
    extractor: Extractor = instantiate(cfg.model, _convert_="all")
    inputs = [SeedDocument(d.id, d.date, d.text) for d in gold]
    with progress_steps(bool(cfg.get("quiet", False)) or _parallel_job()) as steps:
        predicted = _checked_predictions(extractor, inputs, _predict(extractor, inputs, steps))
        steps.start("layers", "layers scored", len(scoring.LAYERS))
        steps.start("bootstrap", "bootstrap intervals", len(scoring.HEADLINES))
        report = scoring.score(rows, gold, predicted, OmegaConf.to_container(cfg.scoring, resolve=True), steps.advance)
    reproduce = [o for o in overrides if not o.startswith(("publish=", "quiet="))]  # neither changes a score
    results = {
        "system": {
            "name": extractor.name,
            "version": extractor.version,
            "overrides": reproduce,
            "command": " ".join(["python -m benchmark run", *reproduce]),
            "config": OmegaConf.to_container(cfg.model, resolve=True),
        },
        "dataset": {
            "name": card["name"],
            "version": card["version"],
            "fingerprint": card["fingerprint"],
            "documents": len(gold),
            "sentences": sum(len(r["sentence_starts"]) for r in rows),
        },
        **report,
        "provenance": {
            "code": provenance.code_version(),
            "environment": provenance.environment(),
            "extractor": extractor.provenance(),
            "scoring": OmegaConf.to_container(cfg.scoring, resolve=True),
            "started_at": started.isoformat(timespec="seconds"),
            "duration_seconds": round(time.perf_counter() - clock, 3),
        },
    }
    return RunOutput(results=results, predictions=predicted)


def write_run(output: RunOutput, directory: Path) -> Path:
    lines = "".join(json.dumps(d.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n" for d in output.predictions)
    atomic_write_text(directory / "predictions.jsonl", lines)
    path = directory / "results.json"
    atomic_write_text(path, canonical_json(output.results))
    return path


@hydra.main(config_path=str(CONFIG_DIR), config_name="run", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    from benchmark import leaderboard

    try:
        output = run_system(cfg, list(HydraConfig.get().overrides.task))
    except DataErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"{len(exc.errors)} error(s); no results were written", file=sys.stderr)
        raise SystemExit(1) from None
    path = write_run(output, Path(HydraConfig.get().runtime.output_dir))
    print(scoring.format_table(output.results))
    print(f"results: {path}")
    if cfg.publish:
        published = leaderboard.publish(output.results)
        print(f"published: {published}")


def hydra_entry() -> int:
    _hydra_main()
    return 0
