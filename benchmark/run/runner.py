"""``python -m benchmark run model=NAME``: run one extractor and score it.

``run_system`` is the whole job as a function of a composed config, so that
the Hydra command and the regression check (``check``) score systems by the
same code. The Hydra entry point only adds the files of a run: predictions
first, ``results.json`` last, so a run that fails leaves no results behind.

Before Hydra starts (and creates a run directory named after ``model.name``),
``preflight`` composes the config of every job the command line asks for and
refuses, in one line each, what would otherwise surface later or as a
traceback: an unknown model, a missing value, a system name that is not a
safe file name, a ``publish`` that is not true, false or replace, a submission
published from outside ``leaderboard/submissions/`` or under a built-in's name.
"""

from __future__ import annotations

import difflib
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from benchmark import paths
from benchmark.data import tracks
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import Document
from benchmark.data.submission import name_problem
from benchmark.data.validation import check_document
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_text, canonical_json, jsonl_line
from benchmark.report import leaderboard
from benchmark.run import provenance
from benchmark.run.config import Publish, publish_mode
from benchmark.scoring import scorer as scoring
from benchmark.systems.base import Extractor

PREDICTIONS_MODEL = "predictions"  # the one model family whose system is a submitted file
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

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
    predicted = []
    for first in range(0, len(inputs), CHUNK):
        chunk = inputs[first : first + CHUNK]
        predicted += extractor.predict(chunk)
        steps.advance("documents", len(chunk))
    return predicted


@dataclass
class RunOutput:
    results: dict
    predictions: list[Document]
    errors: list[dict] = field(default_factory=list)  # the rows of errors.jsonl


def _checked_predictions(extractor: Extractor, inputs: list[SeedDocument], predicted: list[Document]) -> list[Document]:
    """An extractor's output obeys the same rules as a submitted file."""
    source = f"extractor {extractor.name}"
    if [d.id for d in predicted] != [d.id for d in inputs]:
        raise DataErrors([DataError(source, None, "id", "predictions must return one record per input document, in input order")])
    errors: list[DataError] = []
    for doc, reference in zip(predicted, inputs, strict=True):
        errors += check_document(doc, file=source, record=doc.id, gold=False, reference=reference)
    if errors:
        raise DataErrors(errors)
    return predicted


def run_system(cfg: DictConfig, overrides: list[str]) -> RunOutput:
    """Load the configured track's split, run the configured extractor, score it."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    loaded = tracks.load(cast(dict, OmegaConf.to_container(cfg.dataset, resolve=True)))  # a DictConfig's container is a dict
    rows, gold = loaded.rows, loaded.gold
    extractor: Extractor = instantiate(cfg.model, _convert_="all")
    inputs = [SeedDocument(d.id, d.date, d.joined_text()) for d in gold]
    with progress_steps(bool(cfg.get("quiet", False)) or _parallel_job()) as steps:
        predicted = _checked_predictions(extractor, inputs, _predict(extractor, inputs, steps))
        steps.start("layers", "layers scored", len(scoring.LAYERS))
        steps.start("bootstrap", "bootstrap intervals", len(scoring.HEADLINES))
        report = scoring.score(rows, gold, predicted, cast(dict, OmegaConf.to_container(cfg.scoring, resolve=True)), steps.advance)
    errors = report.pop("error_records")
    ner_source = report.pop("ner_source")
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
            "name": loaded.meta["name"],
            "split": loaded.meta["split"],
            "version": loaded.meta["version"],
            "fingerprint": loaded.meta["fingerprint"],
            "documents": len(gold),
            "sentences": sum(len(r["sentence_starts"]) for r in rows),
        },
        **report,
        "provenance": {
            "code": provenance.code_version(),
            "environment": provenance.environment(),
            "extractor": extractor.provenance(),
            "scoring": OmegaConf.to_container(cfg.scoring, resolve=True),
            "scoring_version": scoring.SCORING_VERSION,
            "ner_source": ner_source,
            "started_at": started.isoformat(timespec="seconds"),
            "duration_seconds": round(time.perf_counter() - clock, 3),
        },
    }
    return RunOutput(results=results, predictions=predicted, errors=errors)


def write_run(output: RunOutput, directory: Path) -> Path:
    lines = "".join(jsonl_line(d.model_dump(mode="json", exclude_none=True)) for d in output.predictions)
    atomic_write_text(directory / "predictions.jsonl", lines)
    errors = "".join(jsonl_line(row) for row in output.errors)  # a U+2028 in a text stays on its line
    atomic_write_text(directory / "errors.jsonl", errors)
    path = directory / "results.json"
    atomic_write_text(path, canonical_json(output.results))
    return path


def builtin_models() -> list[str]:
    """The systems defined by the repository itself: ``configs/model/*.yaml``."""
    return sorted(p.stem for p in paths.MODEL_CONFIG_DIR.glob("*.yaml") if p.stem != PREDICTIONS_MODEL)


def inside(path: str | Path, directory: Path) -> bool:
    """Whether ``path`` (relative paths from the repository root) resolves inside ``directory``."""
    target = Path(path) if Path(path).is_absolute() else paths.ROOT / path
    return target.resolve().is_relative_to(directory.resolve())


def job_problems(cfg: DictConfig, model: str | None) -> list[str]:
    """What is wrong with one composed job, one line each (empty: it may run)."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        return [f"missing value for {key}: set it on the command line ({key}=...)" for key in missing]
    problems = []
    if (problem := name_problem(cfg.model.name)) is not None:
        problems.append(f"model.name: {problem}")
    try:
        mode = publish_mode(cfg.publish)
    except ValueError as exc:
        return [*problems, str(exc)]
    track = tracks.track_of(cfg.dataset.name)
    if mode is not Publish.false and (track is None or cfg.dataset.split != "test"):
        problems.append(f"dataset {cfg.dataset.name} split {cfg.dataset.split}: only a registered track's test split is published (dev is for tuning)")
    elif mode is Publish.true and track is not None and (tracks.published_dir(track) / f"{cfg.model.name}.json").exists():
        problems.append(f"{cfg.model.name!r} is already on the {track} leaderboard: publish=replace replaces its entry")
    if mode is not Publish.false and model == PREDICTIONS_MODEL:
        for key in ("path", "metadata"):
            value = cfg.model.get(key)
            if value is not None and not inside(value, paths.SUBMISSIONS_DIR):
                problems.append(f"model.{key}={value}: a published submission's files must lie inside leaderboard/submissions/ (committed with the result)")
        if cfg.model.name in builtin_models():
            problems.append(f"model.name={cfg.model.name}: the name of a built-in system (configs/model/{cfg.model.name}.yaml); choose another name")
    return problems


def _compose(overrides: list[str]) -> DictConfig:
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        return compose(config_name="run", overrides=overrides)


def available_models() -> list[str]:
    return sorted(p.stem for p in paths.MODEL_CONFIG_DIR.glob("*.yaml"))


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def bare_word_problem(word: str) -> str:
    """A word without ``=``: Hydra's grammar error says nothing useful, so say what was meant."""
    if word in available_models():
        return f"{word!r} is not KEY=VALUE: did you mean model={word}?"
    hint = _did_you_mean(word, available_models())
    return (f"{word!r} is not KEY=VALUE: choose a system with model=NAME ({hint}available: "
            f"{', '.join(available_models())}), or set a value with KEY=VALUE (see `python -m benchmark run --help`)")


def config_groups() -> dict[str, list[str]]:
    """The choosable config groups of ``configs/`` (``model``, ...) and their options."""
    return {d.name: sorted(p.stem for p in d.glob("*.yaml")) for d in sorted(paths.CONFIG_DIR.iterdir())
            if d.is_dir() and d.name != "hydra" and any(d.glob("*.yaml"))}


def unknown_choice_problems(overrides: list[str]) -> list[str]:
    """``GROUP=NAME`` (every name of a sweep, for ``model=`` and every other group of
    ``configs/``) must be one of the group's files: say which are, and the closest."""
    groups = config_groups()
    problems = []
    for override in overrides:
        key, _, value = override.partition("=")
        options = groups.get(key.lstrip("+"))
        if options is None:
            continue
        for name in value.split(","):
            if name and name not in options:
                problems.append(f"{key.lstrip('+')}={name}: no such option; {_did_you_mean(name, options)}"
                                f"available: {', '.join(options)}")
    return problems


def composition_problem(exc: Exception) -> str:
    """One line naming the key and the reason: Hydra's own message drops the reason
    (``Error merging override model.batch_size=abc``), which is in its cause."""
    message = " ".join(str(exc).split())
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause):
        reason = str(cause).splitlines()[0].strip()
        key = getattr(cause, "full_key", None)
        if key and key not in message:
            message += f" ({key})"
        if reason and reason not in message:
            message += f": {reason}"
    return message


def preflight(args: list[str]) -> list[str]:
    """Every problem of every job of a ``run`` command line, before Hydra runs."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra._internal.utils import get_args_parser
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = get_args_parser().parse_args(args)
    bare = [word for word in parsed.overrides if "=" not in word and not word.startswith("~")]
    if bare:
        return [bare_word_problem(word) for word in bare]
    try:
        overrides = OverridesParser.create().parse_overrides(parsed.overrides)
    except HydraException as exc:
        return [" ".join(str(exc).split())]
    if (unknown := unknown_choice_problems(parsed.overrides)):
        return unknown
    jobs = [job for batch in BasicSweeper.split_arguments(overrides, None) for job in batch] if parsed.multirun else [list(parsed.overrides)]
    problems: list[str] = []
    for job in jobs:
        own = [o for o in job if not o.lstrip("+~").startswith("hydra.") and not o.lstrip("+~").startswith("hydra/")]
        try:
            cfg = _compose(own)
        except (HydraException, OmegaConfBaseException) as exc:
            problems.append(composition_problem(exc))
            continue
        choice = next((o.split("=", 1)[1] for o in own if o.startswith("model=")), None)
        problems += [p for p in job_problems(cfg, choice) if p not in problems]
    return problems


RUN_HELP = """usage: python -m benchmark run model=NAME [KEY=VALUE ...] [-m] [--cfg job] [--hydra-help]

Run one extractor on the packaged test split and score it (a Hydra application).

  model=NAME              one of: {models}
  model.KEY=VALUE         a parameter of that model (see configs/model/NAME.yaml,
                          typed in benchmark/run/config.py); model=predictions needs
                          model.path=FILE.jsonl and model.name=NAME
  dataset=newsbench|winer-fr
                          the track (configs/dataset/): our gold (default) or WiNER-fr
                          (entities only; `python -m benchmark fetch winer-fr` first);
                          dataset.split=dev scores WiNER-fr's dev split
  publish=false|true|replace
                          copy the result to leaderboard/results/[TRACK/]NAME.json and
                          rebuild the table: true for a new entry, replace to
                          replace an existing one
  scoring.bootstrap.resamples|seed|level=VALUE
  -m                      multirun, e.g. -m model=rules,spacy_sm
  --cfg job               print the composed config and stop
  --hydra-help            Hydra's own help
"""


@hydra.main(config_path=str(paths.CONFIG_DIR), config_name="run", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    choice = HydraConfig.get().runtime.choices.get("model")
    try:
        problems = job_problems(cfg, choice)
        if problems:
            raise DataErrors([DataError("command line", None, None, p) for p in problems])
        output = run_system(cfg, list(HydraConfig.get().overrides.task))
    except (DataError, DataErrors) as exc:
        _stop(exc, "no results were written")
    path = write_run(output, Path(HydraConfig.get().runtime.output_dir))
    print(scoring.format_table(output.results))
    print(f"results: {path}")
    mode = publish_mode(cfg.publish)
    if mode is not Publish.false:
        try:
            published, replaced = leaderboard.publish(output.results, replace=mode is Publish.replace)
        except (DataError, DataErrors) as exc:
            _stop(exc, "nothing was published")
        print(f"published: {published}" + (" (replaced the previous entry)" if replaced else " (a new entry)"))


def _stop(exc: DataError | DataErrors, outcome: str) -> None:
    errors = exc.errors if isinstance(exc, DataErrors) else [exc]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(errors)} error(s); {outcome}", file=sys.stderr)
    raise SystemExit(1)


def hydra_entry(args: list[str] | None = None) -> int:
    args = sys.argv[1:] if args is None else args
    if "--help" in args or "-h" in args:
        print(RUN_HELP.format(models=", ".join([*builtin_models(), PREDICTIONS_MODEL])))
        return 0
    if "--hydra-help" not in args and "--info" not in args and "-i" not in args:
        problems = preflight(args)
        if problems:
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            print("nothing was run", file=sys.stderr)
            return 1
    _hydra_main()
    return 0
