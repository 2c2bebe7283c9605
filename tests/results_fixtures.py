"""Hand-made results files in the format of scoring v2 (the brief's contract 2).

Only what compare, explain and the leaderboard read: system, dataset,
metrics (computed here from the counts, as the scorer must), the ``units``
block, provenance with the scoring version.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmark.scoring.scorer import HEADLINES

FINGERPRINT = "f" * 64
KINDS = {metric: ("accuracy" if metric.endswith("accuracy") else "f1") for metric in HEADLINES}


def micro(kind: str, rows: list[list[float]]) -> float:
    sums = [sum(column) for column in zip(*rows)] if rows else [0, 0, 0]
    if kind == "f1":
        return 2 * sums[0] / (sums[1] + sums[2]) if sums[1] + sums[2] else 0.0
    return sums[0] / sums[1] if sums[1] else 0.0


def results(name: str, counts: dict[str, list[list[float]]], *, fingerprint: str = FINGERPRINT,
            scoring_version: str | None = "2", doc: str = "doc") -> dict:
    """A results dict: ``counts`` maps a headline metric to its rows; the others are null."""
    units, metrics = {}, {}
    for metric in HEADLINES:
        rows = counts.get(metric)
        if rows is None:
            metrics[metric] = None
            continue
        kind = KINDS[metric]
        unit = "quotation" if kind == "accuracy" else "sentence"
        prefix = "q" if kind == "accuracy" else ""
        units[metric] = {"kind": kind, "unit": unit, "ids": [f"{doc}#{prefix}{i}" for i in range(len(rows))], "counts": rows}
        metrics[metric] = micro(kind, rows)
    data = {
        "system": {"name": name, "version": "1.0", "command": f"python -m benchmark run model={name}"},
        "dataset": {"name": "newsbench-fr", "version": "0.1.0", "fingerprint": fingerprint},
        "metrics": metrics,
        "intervals": {},
        "units": units,
        "provenance": {},
    }
    if scoring_version is not None:
        data["provenance"]["scoring_version"] = scoring_version
    return data


def write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
