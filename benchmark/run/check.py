"""``python -m benchmark check``: fail the build when a published score moves.

A change to the code, the gold or the environment that moves any published
metric must be a visible decision (re-publish, review the diff of
``leaderboard/``), never a silent drift. The check re-runs every published
system through the same ``run_system`` as ``run``, compares every metric with
its published value (exactly unless ``configs/check.yaml`` allows a
tolerance), and verifies that the packaged dataset and the leaderboard files
are what the code would write now.

A results file is data, possibly written by a hostile submitter, and CI runs
this check on it. So the configuration of a re-run never comes from the file:
it is composed from the repository's own ``configs/`` (a built-in
``configs/model/NAME.yaml``, or ``model=predictions`` with a committed file
under ``leaderboard/submissions/``), and the file's recorded overrides are
only accepted if each is a plain ``key=value`` with a key from
``ALLOWED_OVERRIDES`` (derived from the typed configs) and a value from ``_PLAIN_VALUE`` (no ``_target_``, no
``${...}`` interpolation, no sweep, list, quote or function). Then every field
that reaches the table (name, version, command, dataset, metrics, intervals,
submission metadata) is compared with the re-run, not trusted.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from benchmark import paths
from benchmark.data import dataset, tracks
from benchmark.errors import DataError, DataErrors
from benchmark.report import leaderboard
from benchmark.report.results import PublishedResults, read_results
from benchmark.run.config import ScoringConfig
from benchmark.run.runner import PREDICTIONS_MODEL, builtin_models, inside, run_system
from benchmark.systems.config import FAMILIES

_PLAIN_TYPES = (str, int, float, bool)


def _plain_keys(node: type, prefix: str) -> set[str]:
    """Dotted keys of a typed config whose value is a plain scalar (optional or not),
    nested dataclasses followed; a private field (``_target_``) or a container is none."""
    keys: set[str] = set()
    recorded = {f.name: f.metadata.get("recorded", True) for f in dataclasses.fields(node)}
    for name, hint in typing.get_type_hints(node).items():
        if name.startswith("_") or not recorded.get(name, True):
            continue
        options = [a for a in typing.get_args(hint) if a is not type(None)] if typing.get_origin(hint) in (typing.Union, types.UnionType) else [hint]
        if len(options) == 1 and isinstance(options[0], type) and dataclasses.is_dataclass(options[0]):
            keys |= _plain_keys(options[0], f"{prefix}.{name}")
        elif options and all(option in _PLAIN_TYPES for option in options):
            keys.add(f"{prefix}.{name}")
    return keys


def allowed_overrides() -> frozenset[str]:
    """Keys a recorded override may set: ``model`` (the config's name), the plain fields of
    every model family (``benchmark.systems.config.FAMILIES``) and of the run's scoring
    (``benchmark.run.config.ScoringConfig``), read from the typed configs, so a new
    extractor's parameters need no second list. Nothing that names code (_target_,
    _args_, _partial_), no container, no field marked ``metadata={"recorded": False}``
    (an API key's variable, a server URL), no hydra.* key, no new key (+key), no deletion (~key)."""
    keys = {"model", "dataset"}  # the config names: a model of configs/model/, a track of configs/dataset/
    for family in FAMILIES.values():
        keys |= _plain_keys(family, "model")
    return frozenset(keys | _plain_keys(ScoringConfig, "scoring"))


ALLOWED_OVERRIDES = allowed_overrides()
_OVERRIDE = re.compile(r"(?P<key>[^=]*)=(?P<value>.*)", re.DOTALL)
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
# Fields of a run that differ between two runs of the same system.
VOLATILE_PROVENANCE = ("code", "environment", "started_at", "duration_seconds")
MAX_DIFFERENCES_SHOWN = 20


@dataclass(frozen=True)
class Difference:
    system: str
    metric: str
    published: object
    now: object


def _is_plain_number(value: object) -> typing.TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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


def safe_overrides(path: Path, overrides: object) -> list[str]:
    """The recorded overrides of a results file if every one is a plain, allowed
    value, else DataErrors naming the file and each refused override."""
    where = str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path)

    def refuse(i: int | None, message: str) -> DataError:
        return DataError(where, None, "system.overrides" + (f"[{i}]" if i is not None else ""), message)

    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise DataErrors([refuse(None, "must be a list of strings")])
    errors, keys = [], {}
    for i, override in enumerate(overrides):
        match = _OVERRIDE.fullmatch(override)
        key, value = (match["key"], match["value"]) if match else (override, "")
        if match is None or key not in ALLOWED_OVERRIDES:
            errors.append(refuse(i, f"{override[:80]!r}: not an allowed key=value override (allowed keys: {', '.join(sorted(ALLOWED_OVERRIDES))}); "
                                    "keys such as _target_, _args_, _partial_ or hydra.* are never taken from a results file"))
        elif not _PLAIN_VALUE.fullmatch(value):
            errors.append(refuse(i, f"{override[:80]!r}: not a plain value (interpolations ${{...}}, quotes, lists, sweeps and functions are refused)"))
        elif key in keys:
            errors.append(refuse(i, f"{key} is set twice"))
        else:
            keys[key] = value
    if not errors:
        errors += _source_problems(keys, refuse)
    if errors:
        raise DataErrors(errors)
    return list(overrides)


def _source_problems(keys: dict[str, str], refuse) -> list[DataError]:
    """A re-run's system comes from the repository: a built-in config, or a committed submission."""
    model = keys.get("model")
    if model is None:
        return [refuse(None, "no model=NAME override")]
    if model != PREDICTIONS_MODEL:
        if model not in builtin_models():
            return [refuse(None, f"model={model} is not a built-in system (configs/model/*.yaml)")]
        return []
    problems = []
    if "model.path" not in keys:
        problems.append(refuse(None, "model=predictions without model.path"))
    for key in ("model.path", "model.metadata"):
        value = keys.get(key)
        if value is None or (key == "model.metadata" and value == "null"):
            continue
        target = paths.ROOT / value
        if not inside(value, paths.SUBMISSIONS_DIR) or target.is_symlink() or not target.is_file():
            problems.append(refuse(None, f"{key}={value}: not a committed file under leaderboard/submissions/"))
    return problems


def _rerun(overrides: list[str], extra_overrides: list[str]) -> dict:
    """Composed from the repository's configs; the command recorded is the published one's."""
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=overrides + extra_overrides)
    return leaderboard.published_view(run_system(cfg, overrides).results)


def _flatten(value: object, prefix: str) -> dict[str, object]:
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for key, child in value.items():
            out.update(_flatten(child, f"{prefix}.{key}"))
        return out
    return {prefix: value}


def compare_results(system: str, published: dict, now: dict, tolerances: dict) -> list[Difference]:
    """Every published field against the re-run: metrics and intervals within the
    tolerances, everything else exactly (volatile provenance excepted)."""
    differences = compare_metrics(system, published.get("metrics", {}) if isinstance(published.get("metrics"), dict) else {}, now["metrics"], tolerances)
    old, new = dict(published), dict(now)
    for side in (old, new):
        side.pop("metrics", None)
        if isinstance(side.get("provenance"), dict):
            side["provenance"] = {k: v for k, v in side["provenance"].items() if k not in VOLATILE_PROVENANCE}
    flat_old, flat_new = _flatten(old, ""), _flatten(new, "")
    for field in sorted(set(flat_old) | set(flat_new)):
        a, b = flat_old.get(field, "absent"), flat_new.get(field, "absent")
        if a == b:
            continue
        metric = field[len(".intervals."):].rsplit(".", 1)[0]
        if _is_plain_number(a) and _is_plain_number(b) and field.startswith(".intervals.") and abs(a - b) <= tolerance_for(metric, tolerances):
            continue
        differences.append(Difference(system, field[1:], _short(a), _short(b)))
    return differences


def _short(value: object) -> object:
    text = repr(value) if not isinstance(value, (int, float, type(None))) else value
    return text if not isinstance(text, str) or len(text) <= 80 else text[:77] + "..."


def current_fingerprint(track: str, cfg: dict) -> str:
    """What a current result of the track is scored on: newsbench's sources as they are on
    disk, WiNER-fr's committed manifest and conversion rules."""
    return dataset.current_fingerprint() if track == tracks.DEFAULT_TRACK else tracks.expected_fingerprint(cfg)


def track_override_problem(track: str, overrides: list[str]) -> str | None:
    """A result re-runs on the track its folder says: ``dataset=TRACK`` recorded for
    another track than the default, none for the default."""
    recorded = [o.split("=", 1)[1] for o in overrides if o.startswith("dataset=")]
    expected = [] if track == tracks.DEFAULT_TRACK else [track]
    if recorded not in ([track], expected):
        return f"recorded dataset override {recorded or 'none'} does not match the {track} track it is published on"
    return None


def check_systems(tolerances: dict, extra_overrides: list[str]) -> list[Difference]:
    """Every published result of every track, re-run on its own track."""
    differences: list[Difference] = []
    for track, cfg in tracks.track_configs().items():
        differences += check_track(track, cfg, tolerances, extra_overrides)
    return differences


def check_track(track: str, cfg: dict, tolerances: dict, extra_overrides: list[str]) -> list[Difference]:
    fingerprint = current_fingerprint(track, cfg)
    differences: list[Difference] = []
    for path in sorted(tracks.published_dir(track).glob("*.json")):
        system = path.stem if track == tracks.DEFAULT_TRACK else f"{track}/{path.stem}"
        try:
            checked = read_results(path, PublishedResults)
            leaderboard.entry_from_results(checked, path)
            published = checked.as_dict()
            overrides = safe_overrides(path, published["system"].get("overrides"))
        except DataErrors as exc:
            differences += [Difference(system, "results file", "refused", str(e)) for e in exc.errors]
            continue
        if (problem := track_override_problem(track, overrides)) is not None:
            differences.append(Difference(system, "system.overrides", "refused", problem))
            continue
        if published["dataset"]["fingerprint"] != fingerprint:
            # Scored on other data: re-running on the packaged split would compare nothing.
            differences.append(Difference(system, "dataset.fingerprint", published["dataset"]["fingerprint"], fingerprint))
            continue
        try:
            now = _rerun(overrides, extra_overrides)
        except (DataError, DataErrors) as exc:
            differences.append(Difference(system, "run", "published", f"fails: {exc}"))
            continue
        except Exception as exc:  # a system that no longer runs is a regression too
            differences.append(Difference(system, "run", "published", f"fails: {type(exc).__name__}: {exc}"))
            continue
        found = compare_results(system, published, now, tolerances)
        differences += found[:MAX_DIFFERENCES_SHOWN]
        if len(found) > MAX_DIFFERENCES_SHOWN:
            differences.append(Difference(system, "...", "", f"and {len(found) - MAX_DIFFERENCES_SHOWN} more difference(s)"))
        print(f"re-ran {system}: {len(published['metrics'])} metrics and every published field compared", file=sys.stderr)
    return differences


# The README's statement of each split's size, near its top (flattened whitespace):
# **The test set today: 1 article, 9 sentences, 332 tokens** (dataset newsbench-fr 0.1.0; ...
# then "29 entity mentions, 7 quotations, 12 event mentions".
_SIZE_HEAD = re.compile(r"\*\*The (\w+) set today: (\d+) articles?, (\d+) sentences, (\d+) tokens\*\* \(dataset (\S+) (\S+);")
_SIZE_UNITS = re.compile(r"(\d+) entity mentions, (\d+) quotations, (\d+) event mentions")
_HEAD_FIELDS = ("documents", "sentences", "tokens", "name", "version")
_UNIT_FIELDS = ("entity_mentions", "quotations", "event_mentions")


def card_sizes(card: dict) -> dict[str, dict]:
    """Each split's size block in the card's ``newsbench`` block: ``split_sizes`` when
    the card has several splits, else ``size`` (the test split's)."""
    by_split = card.get("split_sizes")
    if isinstance(by_split, dict) and by_split:
        return {split: block for split, block in by_split.items() if isinstance(block, dict)}
    size = card.get("size")
    if not isinstance(size, dict):
        size = {}
    if "documents" in size:
        return {"test": size}
    return {split: block for split, block in size.items() if isinstance(block, dict)}


def readme_size_differences(readme: str, card: dict, where: str = "README.md") -> list[Difference]:
    """The README's size sentences against the built card: a release that changes
    the data must change them too, or the README states the old test set."""
    flat = " ".join(readme.split())
    stated = {m.group(1): m for m in _SIZE_HEAD.finditer(flat)}
    differences = []
    for split, size in card_sizes(card).items():
        head = stated.get(split)
        if head is None:
            differences.append(Difference(where, f"size.{split}", "not stated",
                                          f"add '**The {split} set today: N articles, N sentences, N tokens** (dataset NAME VERSION; ...'"))
            continue
        expected = {**size, "name": card.get("name"), "version": card.get("version")}
        found = dict(zip(_HEAD_FIELDS, head.groups()[1:], strict=True))
        units = _SIZE_UNITS.search(flat, head.end())
        found.update(zip(_UNIT_FIELDS, units.groups(), strict=True) if units else ((f, "not stated") for f in _UNIT_FIELDS))
        for key, value in found.items():
            if str(expected.get(key)) != value:
                differences.append(Difference(where, f"size.{split}.{key}", value, str(expected.get(key))))
    for split in sorted(set(stated) - set(card_sizes(card))):
        differences.append(Difference(where, f"size.{split}", "stated", "no such split in the dataset card"))
    return differences


def check_readme() -> list[Difference]:
    readme = paths.ROOT / "README.md"
    try:
        card = dataset.card_metadata()
    except DataError as exc:
        return [Difference("README.md", "size", "", f"cannot read the dataset card: {exc.message}")]
    return readme_size_differences(readme.read_text(encoding="utf-8"), card)


def check_files() -> list[Difference]:
    differences = [Difference("dataset", str(p.relative_to(paths.ROOT)), "committed", "stale: run `python -m benchmark build`") for p in dataset.stale_files()]
    differences += check_readme()
    differences += [
        Difference("leaderboard", str(p.relative_to(paths.ROOT)), "committed", "stale: run `python -m benchmark leaderboard`")
        for p in leaderboard.stale_files()
    ]
    return differences


def format_differences(differences: list[Difference]) -> str:
    rows = [("system", "metric", "published", "now")] + [(d.system, d.metric, str(d.published), str(d.now)) for d in differences]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def main(overrides: list[str]) -> int:
    tolerances = typing.cast(dict, OmegaConf.to_container(OmegaConf.load(Path(paths.CONFIG_DIR) / "check.yaml"), resolve=True))["tolerance"]
    if not list(paths.RESULTS_DIR.glob("*.json")):
        print("check: no published results in leaderboard/results/", file=sys.stderr)
        return 1
    differences = check_files() + check_systems(tolerances, overrides)
    if differences:
        print(format_differences(differences))
        print(f"check failed: {len(differences)} difference(s). Fix the cause, or re-publish deliberately "
              "(python -m benchmark run model=NAME publish=replace) and review the diff of leaderboard/.")
        return 1
    print("check passed: every published metric reproduced, dataset, leaderboard and the README's size fresh")
    return 0
