"""Hydra callbacks of ``python -m benchmark run``.

``MultirunSummary`` ends a multirun (``run -m model=a,b,c``) with one table of
the headline metrics of every job, side by side, and the paired tests of
``compare`` between adjacent jobs (in the order they ran), instead of leaving
the reader to scroll through one long table per job. It reads each job's
``results.json`` from the sweep directory, so it runs wherever the launcher
returns (Hydra calls ``on_multirun_end`` on the launching machine), and a job
that wrote no results is listed as such.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from benchmark.errors import DataErrors
from benchmark.report import terminal
from benchmark.report.compare import (
    Scored,
    _p,
    check_comparable,
    compare_metric,
    load_settings,
    scored_from,
)
from benchmark.report.results import read_results
from benchmark.scoring.scorer import HEADLINES

_JOB_NUMBER = re.compile(r"(\d+)_")


def job_directories(sweep_dir: Path) -> list[Path]:
    """The job directories of a sweep (``NUM_NAME``), by job number."""
    if not sweep_dir.is_dir():
        return []
    jobs = [(int(m.group(1)), p.name, p) for p in sweep_dir.iterdir() if p.is_dir() and (m := _JOB_NUMBER.match(p.name))]
    return [p for _, _, p in sorted(jobs)]


def summary_tables(sweep_dir: Path) -> list:
    """Rich renderables: the metrics of every job, then the adjacent paired tests."""
    from rich.table import Table
    from rich.text import Text

    settings = load_settings()
    metrics = Table(title=Text(f"multirun {sweep_dir}: headline metrics (%)"), title_justify="left")
    metrics.add_column("job")
    metrics.add_column("system")
    for metric in HEADLINES:
        metrics.add_column(metric, justify="right")
    scored: list[Scored | None] = []
    labels: list[str] = []
    for job in job_directories(sweep_dir):
        path = job / "results.json"
        if not path.exists():
            metrics.add_row(Text(job.name), "no results.json (the job failed?)")
            continue
        try:
            checked = read_results(path)
        except DataErrors as exc:
            metrics.add_row(Text(job.name), Text(exc.errors[0].message))
            continue
        try:
            entry = scored_from(checked, str(path), label=job.name)
        except DataErrors:
            entry = None  # shown, but not tested (no units)
        values = checked.metrics
        metrics.add_row(Text(job.name), Text(checked.system.name), *(_percent(values.get(m)) for m in HEADLINES))
        scored.append(entry)
        labels.append(job.name)
    renderables = [metrics]
    pairs = Table(title=f"adjacent jobs: difference in points (p, paired randomization, alpha {settings.alpha}, "
                        "not corrected for the number of pairs)", title_justify="left")
    pairs.add_column("A − B")
    for metric in HEADLINES:
        pairs.add_column(metric, justify="right")
    notes: list[str] = []
    for (a, label_a), (b, label_b) in pairwise(zip(scored, labels, strict=True)):
        head = Text(f"{label_a} − {label_b}")
        if a is None or b is None:
            pairs.add_row(head, "no units: re-run with the current version")
            continue
        try:
            check_comparable([a, b])
        except DataErrors as exc:
            pairs.add_row(head, Text("not comparable: " + exc.errors[0].message))
            continue
        cells = []
        for metric in HEADLINES:
            result = compare_metric(metric, [a, b], settings)
            if result.note and result.pairs:
                notes.append(f"{metric}: {result.note}")
            if not result.pairs:
                cells.append("—")
                continue
            (pair,) = result.pairs
            cells.append(f"{100 * pair.test.difference:+.1f} (p={_p(pair.test.p_value)}{'*' if pair.significant else ''})")
        pairs.add_row(head, *cells)
    if len(labels) > 1:
        pairs.caption = Text("\n".join(sorted(set(notes))))
        pairs.caption_justify = "left"
        renderables.append(pairs)
    return renderables


def _percent(value) -> str:
    return "—" if not isinstance(value, (int, float)) or isinstance(value, bool) else f"{100 * value:.1f}"


class MultirunSummary(Callback):
    """Print the side-by-side table when every job of a multirun has returned."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        console = terminal.console()
        for renderable in summary_tables(Path(config.hydra.sweep.dir)):
            console.print(renderable)
