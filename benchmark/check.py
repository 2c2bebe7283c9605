"""``python -m benchmark check``: fail the build when a published score moves.

A change to the code, the gold or the environment that moves any published
metric must be a visible decision (re-publish, review the diff of
``leaderboard/``), never a silent drift. The check re-runs every published
system through the same ``run_system`` as ``run``, compares every metric with
its published value (exactly unless ``configs/check.yaml`` allows a
tolerance), and verifies that the packaged dataset and the leaderboard files
are what the code would write now.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from benchmark import dataset, leaderboard
from benchmark.corpus import ROOT
from benchmark.errors import DataErrors
from benchmark.runner import CONFIG_DIR, run_system


@dataclass(frozen=True)
class Difference:
    system: str
    metric: str
    published: object
    now: object


def tolerance_for(metric: str, tolerances: dict) -> float:
    """The most specific rule wins: an exact name, then the longest ``prefix*``."""
    rules = tolerances.get("metrics") or {}
    if metric in rules:
        return float(rules[metric])
    prefixes = [p for p in rules if p.endswith("*") and metric.startswith(p[:-1])]
    return float(rules[max(prefixes, key=len)]) if prefixes else float(tolerances.get("default", 0.0))


def compare_metrics(system: str, published: dict, now: dict, tolerances: dict) -> list[Difference]:
    differences = []
    for metric in sorted(set(published) | set(now)):
        old, new = published.get(metric, "absent"), now.get(metric, "absent")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
        if (numbers and abs(old - new) <= tolerance_for(metric, tolerances)) or old == new:
            continue
        differences.append(Difference(system, metric, old, new))
    return differences


def _rerun(system: str, overrides: list[str]) -> dict:
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=overrides)
    return run_system(cfg, overrides).results


def check_systems(tolerances: dict, extra_overrides: list[str]) -> list[Difference]:
    fingerprint = dataset.current_fingerprint()
    differences: list[Difference] = []
    for path in sorted(leaderboard.RESULTS_DIR.glob("*.json")):
        published = json.loads(path.read_text(encoding="utf-8"))
        system = published["system"]["name"]
        if published["dataset"]["fingerprint"] != fingerprint:
            # Scored on other data: re-running on the packaged split would compare nothing.
            differences.append(Difference(system, "dataset.fingerprint", published["dataset"]["fingerprint"], fingerprint))
            continue
        try:
            now = _rerun(system, list(published["system"]["overrides"]) + extra_overrides)
        except DataErrors as exc:
            differences.append(Difference(system, "run", "published", f"fails: {exc}"))
            continue
        except Exception as exc:  # a system that no longer runs is a regression too
            differences.append(Difference(system, "run", "published", f"fails: {type(exc).__name__}: {exc}"))
            continue
        differences += compare_metrics(system, published["metrics"], now["metrics"], tolerances)
        print(f"re-ran {system}: {len(published['metrics'])} metrics compared", file=sys.stderr)
    return differences


def check_files() -> list[Difference]:
    differences = [Difference("dataset", str(p.relative_to(ROOT)), "committed", "stale: run `python -m benchmark build`") for p in dataset.stale_files()]
    differences += [
        Difference("leaderboard", str(p.relative_to(ROOT)), "committed", "stale: run `python -m benchmark leaderboard`")
        for p in leaderboard.stale_files()
    ]
    return differences


def format_differences(differences: list[Difference]) -> str:
    rows = [("system", "metric", "published", "now")] + [(d.system, d.metric, str(d.published), str(d.now)) for d in differences]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def main(overrides: list[str]) -> int:
    tolerances = OmegaConf.to_container(OmegaConf.load(Path(CONFIG_DIR) / "check.yaml"), resolve=True)["tolerance"]
    if not list(leaderboard.RESULTS_DIR.glob("*.json")):
        print("check: no published results in leaderboard/results/", file=sys.stderr)
        return 1
    differences = check_files() + check_systems(tolerances, overrides)
    if differences:
        print(format_differences(differences))
        print(f"check failed: {len(differences)} difference(s). Fix the cause, or re-publish deliberately "
              "(python -m benchmark run model=NAME publish=true) and review the diff of leaderboard/.")
        return 1
    print("check passed: every published metric reproduced, dataset and leaderboard fresh")
    return 0
