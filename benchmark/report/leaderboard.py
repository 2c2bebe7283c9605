"""The published leaderboard: results in, table out, nothing else.

``leaderboard/results/*.json`` are the only input, so anyone can rebuild the
table from the repository, and the table is a pure function of them: no
timestamps of its own, a stable order, fixed rounding. A result scored on
another dataset fingerprint than the packaged one is listed apart as stale,
never ranked beside current ones.

A results file is data written by whoever submits it: every string from one
is escaped for the format it lands in (Markdown: no line breaks, pipes, HTML
or link syntax; CSV: no formula; JSON: plain JSON strings), and a URL is
shown only if it is http(s).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from filelock import FileLock

from benchmark import paths
from benchmark.data import tracks
from benchmark.data.dataset import card_metadata
from benchmark.data.submission import URL, name_problem
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_bytes, atomic_write_text, canonical_json
from benchmark.report import site
from benchmark.report.compare import (
    Settings,
    Units,
    load_settings,
    read_units,
)
from benchmark.report.results import (
    PUBLISHED_KEYS,
    PublishedResults,
    parse_results,
    read_results,
)
from benchmark.report.results import is_number as _is_number
from benchmark.scoring import registry
from benchmark.scoring.significance import holm, randomization_p, smallest_p

DIGITS = 4  # rounding of every published number


def columns() -> tuple[tuple[str, str], ...]:
    """(metric, column title) of every headline metric of the registry; the first ranks the systems."""
    return registry.active().columns()


HEADLINE = columns()[0][0]


@dataclass(frozen=True)
class Entry:
    name: str
    version: str
    command: str
    fingerprint: str
    dataset_version: str
    metrics: dict
    intervals: dict
    submission: dict | None
    # The whole published result, for the per-system pages of the site.
    data: dict = field(default_factory=dict, compare=False, repr=False)
    units: dict | None = None  # per-unit counts of the headline metrics, for the rank bands



@dataclass(frozen=True)
class Adjacent:
    """One adjacent pair of a ranking: is the higher-ranked system distinguishable?"""

    a: str
    b: str
    difference: float | None
    p_value: float | None  # None: not tested (no units, or units that do not pair)
    p_holm: float | None
    significant: bool
    note: str | None


@dataclass(frozen=True)
class Ranking:
    bands: list[int]  # per system, in rank order, from 1
    pairs: list[Adjacent]  # the adjacent pairs, in rank order
    n_units: int | None  # units of the metric's test set (None when no system has them)
    floor: float | None  # smallest Holm-adjusted p any adjacent pair could get on these units


def rank_bands(ranked: list[tuple[str, str, dict]], metric: str, settings: Settings) -> Ranking:
    """Bands of a ranking: a new band starts below an adjacent pair whose difference in
    ``metric`` is significant (paired randomization, Holm over the tested adjacent pairs).

    ``ranked`` is (name, file, {"metrics": ..., "units": ...}) in rank order. A pair that
    cannot be tested (a system without units for the metric) stays in one band: no
    evidence of a difference is not a difference. Bands follow adjacent pairs only, so
    two systems several bands apart are not claimed to differ beyond what the
    adjacent tests say. Malformed units are refused like any malformed result.
    """
    units: list[Units | None] = []
    errors: list[DataError] = []
    for _, file, data in ranked:
        if not isinstance(data.get("units"), dict):
            units.append(None)
            continue
        parsed, problems = read_units(data, file)
        errors += problems
        units.append(parsed.get(metric))
    if errors:
        raise DataErrors(errors)
    tests: list[tuple[float | None, float | None, str | None]] = []
    for ((_, _, data_a), (_, _, data_b)), (a, b) in zip(pairwise(ranked), pairwise(units), strict=True):
        difference = None
        value_a, value_b = (data_a.get("metrics") or {}).get(metric), (data_b.get("metrics") or {}).get(metric)
        if _is_number(value_a) and _is_number(value_b):
            difference = value_a - value_b
        if a is None or b is None:
            tests.append((difference, None, "not tested: no per-unit counts for this metric"))
        elif (a.kind, a.unit, a.ids) != (b.kind, b.unit, b.ids):
            tests.append((difference, None, "not tested: the units do not pair"))
        else:
            p_value, _, _ = randomization_p(a.kind, a.counts, b.counts, n_permutations=settings.permutations, seed=settings.seed)
            tests.append((difference, p_value, None))
    tested = [p for _, p, _ in tests if p is not None]
    adjusted = iter(holm(tested))
    pairs, bands = [], [1] if ranked else []
    for ((name_a, _, _), (name_b, _, _)), (difference, p, note) in zip(pairwise(ranked), tests, strict=True):
        p_holm = next(adjusted) if p is not None else None
        significant = p_holm is not None and p_holm <= settings.alpha
        pairs.append(Adjacent(name_a, name_b, difference, p, p_holm, significant, note))
        bands.append(bands[-1] + 1 if significant else bands[-1])
    known = next((u for u in units if u is not None), None)
    n_units = len(known.ids) if known else None
    floor = smallest_p(len(known.ids), settings.permutations, family=max(1, len(tested))) if known else None
    return Ranking(bands, pairs, n_units, floor)


def read_result(path: Path) -> PublishedResults:
    """A published results file, through the one loader."""
    return read_results(path, PublishedResults)


def read_entry(path: Path) -> Entry:
    return entry_from_results(read_result(path), path)


def entry_from_data(data: dict, path: Path) -> Entry:
    """An entry from a results object in memory (a publish), checked as a file would be."""
    return entry_from_results(parse_results(data, str(path), PublishedResults), path)


def entry_from_results(results: PublishedResults, path: Path) -> Entry:
    """The leaderboard's view of a checked result; its name must be its file's."""
    if results.system.name != path.stem:
        raise DataErrors([DataError(str(path), path.stem, "system.name", f"{results.system.name!r} differs from the file name")])
    data = results.as_dict()
    return Entry(
        name=results.system.name,
        version=results.system.version,
        command=results.system.command,
        fingerprint=results.dataset.fingerprint,
        dataset_version=results.dataset.version,
        metrics=data["metrics"],
        intervals=data["intervals"],
        submission=_submission(results.provenance.extractor.get("submission")),
        data=data,
        units=data.get("units"),
    )


def _submission(value) -> dict | None:
    """The submission metadata as strings only (the file is data, whatever it holds)."""
    if not isinstance(value, dict):
        return None
    return {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in value.items()}


# -- escaping ---------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_MARKDOWN = {"\\": "\\\\", "|": "\\|", "*": "\\*", "`": "\\`", "[": "\\[", "]": "\\]", "~": "\\~",
             "<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MARKDOWN_SPECIAL = re.compile(r"[\\|*`\[\]~<>&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(value: object) -> str:
    """Plain text in a Markdown table cell or list item: one line, no HTML, no link,
    no emphasis, no pipe that would add a column. An intra-word ``_`` (spacy_sm)
    is no emphasis in GFM, so the usual names render unchanged."""
    text = _CONTROL.sub(" ", str(value))
    return _MARKDOWN_SPECIAL.sub(lambda m: _MARKDOWN.get(m.group(), "\\_"), text)


def md_code(value: object) -> str:
    """A Markdown code span that holds ``value`` verbatim, whatever backticks it contains."""
    text = _CONTROL.sub(" ", str(value))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_url(value: object) -> str:
    """An http(s) URL as an autolink; anything else is not shown."""
    return f"<{value}>" if isinstance(value, str) and URL.fullmatch(value) else ""


def csv_cell(value: object) -> object:
    """A CSV cell no spreadsheet evaluates: a leading = + - @ (or tab, CR) gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def results_dir(track: str) -> Path:
    return tracks.published_dir(track)


def other_tracks() -> dict[str, dict]:
    """The registry's tracks other than the default one, by config name."""
    return {key: cfg for key, cfg in tracks.track_configs().items() if key != tracks.DEFAULT_TRACK}


def read_entries(track: str = tracks.DEFAULT_TRACK) -> list[Entry]:
    """A track's published results; one filed under another track's folder is refused."""
    entries, errors = [], []
    expected = tracks.track_configs()[track]["name"]
    for path in sorted(results_dir(track).glob("*.json")):
        try:
            entry = read_entry(path)
        except DataErrors as exc:
            errors += exc.errors
            continue
        scored_on = entry.data["dataset"].get("name", expected)
        if scored_on != expected:
            errors.append(DataError(str(path), entry.name, "dataset.name", f"scored on {scored_on!r}, filed under the {expected} track"))
        entries.append(entry)
    if errors:
        raise DataErrors(errors)
    return entries


def _number(value) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def _rank_key(entry: Entry):
    headline = entry.metrics.get(HEADLINE)
    return (headline is None, -(headline or 0.0), entry.name)


def _percent(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def _cell(entry: Entry, metric: str) -> str:
    value = entry.metrics.get(metric)
    interval = entry.intervals.get(metric)
    if value is None:
        return "—"
    if not interval:
        return _percent(value)
    return f"{_percent(value)} [{_percent(interval['low'])}, {_percent(interval['high'])}]"


def _row_json(rank: int | None, entry: Entry, cols: tuple[tuple[str, str], ...] | None = None) -> dict:
    cols = columns() if cols is None else cols
    return {
        "rank": rank,
        "system": entry.name,
        "version": entry.version,
        "dataset_version": entry.dataset_version,
        "fingerprint": entry.fingerprint,
        "metrics": {m: _number(entry.metrics.get(m)) for m, _ in cols},
        "intervals": {
            m: ({"low": _number(entry.intervals[m]["low"]), "high": _number(entry.intervals[m]["high"])} if entry.intervals.get(m) else None)
            for m, _ in cols
        },
        "command": entry.command,
        "submission": entry.submission,
    }


def _csv(rows: list[dict], cols: tuple[tuple[str, str], ...] | None = None) -> str:
    cols = columns() if cols is None else cols
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["rank", "system", "version", "status"]
    for metric, _ in cols:
        header += [metric, f"{metric}.low", f"{metric}.high"]
    writer.writerow([*header, "fingerprint", "command"])
    for row in rows:
        line = [row["rank"] if row["rank"] is not None else "", row["system"], row["version"], row["status"]]
        for metric, _ in cols:
            interval = row["intervals"][metric] or {}
            line += [_blank(row["metrics"][metric]), _blank(interval.get("low")), _blank(interval.get("high"))]
        writer.writerow([csv_cell(cell) for cell in [*line, row["fingerprint"], row["command"]]])
    return buffer.getvalue()


def _blank(value) -> str:
    return "" if value is None else f"{value:.{DIGITS}f}"


def _ranks(ranked: list[Entry]) -> list[int]:
    """Competition ranking ("1, 1, 3"): equal headline scores share a rank, so a
    tie is never presented as an order (the table lists tied systems by name)."""
    ranks: list[int] = []
    for position, entry in enumerate(ranked, start=1):
        tied = ranks and entry.metrics.get(HEADLINE) == ranked[position - 2].metrics.get(HEADLINE)
        ranks.append(ranks[-1] if tied else position)
    return ranks


def _ranking(current: list[Entry], track: str = tracks.DEFAULT_TRACK):
    """Rank bands on the ranking metric (``rank_bands``)."""
    ranked = [(e.name, str(results_dir(track) / f"{e.name}.json"), {"metrics": e.metrics, "units": e.units}) for e in current]
    return rank_bands(ranked, HEADLINE, load_settings())


def resampling_unit(entries: list[Entry]) -> str:
    """The unit the headline's intervals and tests resampled (the units block says it)."""
    for entry in entries:
        block = (entry.units or {}).get(HEADLINE)
        if isinstance(block, dict) and isinstance(block.get("unit"), str):
            return block["unit"]
    return "sentence"


def unit_line(entries: list[Entry]) -> str:
    """The sentence naming the resampling unit of a table (with the warning for sentences)."""
    unit = resampling_unit(entries)
    if unit == "document":
        return ("Intervals and rank bands resample whole documents (the split has at least 30): "
                "one article's sentences are not independent draws.")
    return (f"Intervals and rank bands resample {unit}s. Warning: the split has fewer than 30 documents, and "
            f"{unit}s of one article are not independent draws, so the intervals are too narrow and the p-values too small.")


def _bands_markdown(current: list[Entry], ranking, heading: str = "## Rank bands: which differences are significant") -> list[str]:
    settings = load_settings()
    title = dict(columns())[HEADLINE]
    unit = resampling_unit(current)
    lines = [
        "",
        heading,
        "",
        f"Systems in one band are not distinguishable on {title}: a band ends only where the difference "
        "between two adjacent systems is significant by a two-sided paired approximate randomization test over the "
        f"test set's {unit}s (all 2^m swaps of the m {unit}s where the two differ when 2^m ≤ {settings.permutations}, "
        f"else {settings.permutations} random swaps, seed {settings.seed}), at α = {settings.alpha} after Holm's "
        "correction over the adjacent pairs. `python -m benchmark compare A B` tests every headline metric.",
        "",
    ]
    if ranking.floor is not None and ranking.floor > settings.alpha:
        lines += [f"With {ranking.n_units} {unit}s, no adjacent difference can be significant here: the smallest "
                  f"attainable p-value after Holm is {ranking.floor:.3g}.", ""]
    lines += [f"| Band | System | {title} | Next system | Difference (points) | p | p (Holm) |",
              "| ---: | --- | ---: | --- | ---: | ---: | ---: |"]
    for entry, band, pair in zip(current, ranking.bands, [*ranking.pairs, None], strict=True):
        tail = "| | | |"
        if pair is not None and pair.p_value is None:
            tail = f"| {_signed(pair.difference)} | {pair.note} | |"
        elif pair is not None:
            tail = f"| {_signed(pair.difference)} | {pair.p_value:.4f} | {pair.p_holm:.4f}{' *' if pair.significant else ''} |"
        following = pair.b if pair is not None else ""
        lines.append(f"| {band} | {md_text(entry.name)} | {_percent(entry.metrics.get(HEADLINE))} | {md_text(following)} {tail}")
    return lines


def _signed(value) -> str:
    return "—" if value is None else f"{100 * value:+.1f}"


def _markdown(current: list[Entry], ranks: list[int], stale: list[Entry], card: dict, ranking=None, sections: Sequence[str] = ()) -> str:
    lines = [
        "# newsbench leaderboard",
        "",
        "Generated by `python -m benchmark leaderboard` from `leaderboard/results/`; do not edit by hand.",
        "",
        f"Scored on dataset **{card['name']} {card['version']}** "
        f"(fingerprint `{card['fingerprint']}`). Scores are percentages with their 95% bootstrap "
        "confidence interval in brackets; systems are ranked by entity strict micro F1.",
        "",
        unit_line(current),
        "",
        "| Rank | System | Version | " + " | ".join(title for _, title in columns()) + " |",
        "| ---: | --- | --- | " + " | ".join("---:" for _ in columns()) + " |",
    ]
    for rank, entry in zip(ranks, current, strict=True):
        cells = " | ".join(_cell(entry, metric) for metric, _ in columns())
        lines.append(f"| {rank} | {md_text(entry.name)} | {md_text(entry.version)} | {cells} |")
    if ranking is not None and current:
        lines += _bands_markdown(current, ranking)
    lines += ["", "## Reproducing a row", "", "From the repository root, after the README's setup:", ""]
    lines += [f"- **{md_text(e.name)}**: {md_code(e.command + ' publish=replace')}" for e in current]
    submissions = [e for e in current if e.submission]
    if submissions:
        lines += ["", "## Submitted systems", ""]
        for e in submissions:
            meta = e.submission or {}  # not None: submissions are the entries that have one
            who = meta.get("authors") or meta.get("organisation") or ""
            lines.append(f"- **{md_text(e.name)}** ({md_text(who)}, {md_text(meta.get('date', ''))}): "
                         f"{md_text(meta.get('description', ''))} {md_url(meta.get('url'))}".rstrip())
    if stale:
        lines += ["", "## Stale results (scored on another dataset fingerprint, not ranked)", ""]
        lines += [f"- **{md_text(e.name)}** {md_text(e.version)}: dataset {md_text(e.dataset_version)}, fingerprint {md_code(e.fingerprint)}" for e in stale]
    size = card["size"]
    lines += [
        "",
        "## Test set",
        "",
        f"{size['documents']} document(s), {size['sentences']} sentences, {size['tokens']} tokens; "
        f"{size['entity_mentions']} entity mentions, {size['quotations']} quotations, "
        f"{size['event_mentions']} event mentions with {size['event_arguments']} arguments. "
        "Read the intervals and the rank bands before the ranks: a difference counts only where the paired test calls it significant.",
    ]
    for section in sections:
        lines += ["", section]
    lines += ["", (paths.LEADERBOARD_DIR / "METRICS.md").read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines)


def _board(current: list[Entry], stale: list[Entry], ranks: list[int], ranking, dataset: dict,
           cols: tuple[tuple[str, str], ...] | None = None) -> dict:
    """leaderboard.json of one track."""
    cols = columns() if cols is None else cols
    rows = [dict(_row_json(rank, e, cols), status="current", band=band) for rank, e, band in zip(ranks, current, ranking.bands, strict=True)]
    rows += [dict(_row_json(None, e, cols), status="stale") for e in stale]
    return {
        "dataset": dataset,
        "headline": HEADLINE,
        "unit": resampling_unit(current),
        "columns": [{"metric": m, "title": t} for m, t in cols],
        "systems": rows,
        "bands": {
            "metric": HEADLINE,
            "test": "paired approximate randomization, Holm over the adjacent pairs",
            "systems": {e.name: band for e, band in zip(current, ranking.bands, strict=True)},
            "adjacent": [
                {"a": p.a, "b": p.b, "difference": _number(p.difference), "p_value": _number(p.p_value),
                 "p_holm": _number(p.p_holm), "significant": p.significant, "note": p.note}
                for p in ranking.pairs
            ],
        },
    }


def _split_current(entries: list[Entry], fingerprint: str) -> tuple[list[Entry], list[Entry]]:
    current = sorted((e for e in entries if e.fingerprint == fingerprint), key=_rank_key)
    stale = sorted((e for e in entries if e.fingerprint != fingerprint), key=lambda e: e.name)
    return current, stale


def track_columns(cfg: dict) -> tuple[tuple[str, str], ...]:
    """The headline columns of the layers a track annotates (entities only: two)."""
    prefixes = {"entities": "ner.", "quotes": "quotes.", "events": "events."}
    wanted = tuple(prefixes[layer] for layer in cfg.get("layers", prefixes) if layer in prefixes)
    return tuple((m, t) for m, t in columns() if m.startswith(wanted))


def track_card(key: str, cfg: dict, current: list[Entry]) -> dict:
    """What the leaderboard says of a track's test split: from its config, the fingerprint
    a current result must carry, and the size recorded in the current results."""
    first = current[0].data if current else {}
    recorded = first.get("dataset") or {}
    headline = (first.get("units") or {}).get(HEADLINE) or {}
    mentions = sum(row[2] for row in headline.get("counts", [])) if headline.get("kind") == "f1" else None
    return {
        "name": cfg["name"], "version": tracks.expected_version(cfg), "split": "test", "licence": cfg.get("licence", ""),
        "fingerprint": tracks.expected_fingerprint(cfg), "card": cfg.get("card", ""), "unit": resampling_unit(current),
        "size": {"documents": recorded.get("documents"), "sentences": recorded.get("sentences"), "entity_mentions": mentions},
    }


def _track_markdown(key: str, card: dict, current: list[Entry], ranks: list[int], stale: list[Entry], ranking,
                    columns: tuple[tuple[str, str], ...]) -> str:
    size = card["size"]
    lines = [
        f"# Track {key}: {card['name']} {card['version']}, {card['split']} split",
        "",
        f"Fingerprint `{card['fingerprint']}`; {size['documents']} documents, {size['sentences']} sentences, "
        f"{size['entity_mentions']} entity mentions; entities only, so only entity scores. "
        f"Licence: {md_text(card['licence'])}. Conversion, splits and convention differences: `{md_text(card['card'])}`.",
        "",
        unit_line(current),
        "",
        "| Rank | System | Version | " + " | ".join(title for _, title in columns) + " |",
        "| ---: | --- | --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for rank, entry in zip(ranks, current, strict=True):
        lines.append(f"| {rank} | {md_text(entry.name)} | {md_text(entry.version)} | " + " | ".join(_cell(entry, m) for m, _ in columns) + " |")
    if not current:
        lines.append("| | (no current result) | | " + " | ".join("" for _ in columns) + " |")
    if current:
        lines += _bands_markdown(current, ranking, heading=f"## Rank bands on {key}")
    lines += ["", f"## Reproducing a row of {key}", "", f"After `python -m benchmark fetch {key}`:", ""]
    lines += [f"- **{md_text(e.name)}**: {md_code(e.command + ' publish=replace')}" for e in current]
    if stale:
        lines += ["", f"## Stale results on {key} (another fingerprint, not ranked)", ""]
        lines += [f"- **{md_text(e.name)}** {md_text(e.version)}: fingerprint {md_code(e.fingerprint)}" for e in stale]
    return "\n".join(lines)


def render_track(key: str, cfg: dict, entries: list[Entry]) -> tuple[str, dict[Path, bytes]]:
    """One other track: its README section, its CSV and JSON (``leaderboard/tracks/``) and
    its part of the site (``site/TRACK/``)."""
    columns = track_columns(cfg)
    fingerprint = tracks.expected_fingerprint(cfg)
    current, stale = _split_current(entries, fingerprint)
    ranks, ranking = _ranks(current), _ranking(current, key)
    card = track_card(key, cfg, current)
    dataset = {"name": card["name"], "version": card["version"], "split": card["split"], "fingerprint": fingerprint}
    board = _board(current, stale, ranks, ranking, dataset, columns)
    files = {
        tracks_dir() / f"{key}.csv": _csv(board["systems"], columns).encode(),
        tracks_dir() / f"{key}.json": canonical_json(board).encode(),
    }
    files.update(site.render(site_dir() / key, board, {e.name: e.data for e in current + stale}, card,
                             title=f"newsbench leaderboard: {key} track"))
    return _track_markdown(key, card, current, ranks, stale, ranking, columns), files


def render(entries: list[Entry] | None = None, others: dict[str, list[Entry]] | None = None) -> dict[Path, bytes]:
    """Every leaderboard file, rendered in memory: the default track's table, CSV, JSON and
    site, then each other track's section, files and site folder."""
    entries = read_entries() if entries is None else entries
    configs = other_tracks()
    others = {key: read_entries(key) for key in configs} if others is None else others
    card = card_metadata()
    current, stale = _split_current(entries, card["fingerprint"])
    ranks = _ranks(current)
    ranking = _ranking(current)
    board = _board(current, stale, ranks, ranking, {"name": card["name"], "version": card["version"], "fingerprint": card["fingerprint"]})
    sections, files = [], {}
    for key, cfg in configs.items():
        section, track_files = render_track(key, cfg, others.get(key, []))
        sections.append(section)
        files.update(track_files)
    files.update({
        paths.TABLE_FILE: _markdown(current, ranks, stale, card, ranking, sections).encode(),
        paths.CSV_FILE: _csv(board["systems"]).encode(),
        paths.JSON_FILE: canonical_json(board).encode(),
    })
    links = [(f"{key}: {cfg['name']} (entities)", f"{key}/index.html") for key, cfg in configs.items()]
    files.update(site.render(site_dir(), board, {e.name: e.data for e in current + stale}, dict(card, unit=resampling_unit(current)), tracks=links))
    return files


def tracks_dir() -> Path:
    """``leaderboard/tracks/``: each other track's hand-written card and generated CSV/JSON
    (a function, like ``site_dir``, so a test that moves paths.LEADERBOARD_DIR moves it too)."""
    return paths.LEADERBOARD_DIR / "tracks"


def site_dir() -> Path:
    """``leaderboard/site/`` (a function, so a test that moves paths.LEADERBOARD_DIR moves the site too)."""
    return paths.LEADERBOARD_DIR / "site"


def stale_files(rendered: dict[Path, bytes] | None = None) -> list[Path]:
    """Files that differ from their rendering, and site files no rendering writes any more
    (the page of a removed system)."""
    rendered = render() if rendered is None else rendered
    changed = [p for p, data in rendered.items() if not p.exists() or p.read_bytes() != data]
    directory = site_dir()
    # (a ".NAME.*.tmp" is a concurrent atomic write in progress, not an orphan)
    orphans = sorted(
        p for p in directory.rglob("*") if p.is_file() and p not in rendered and not (p.name.startswith(".") and p.name.endswith(".tmp"))
    ) if directory.is_dir() else []
    return changed + orphans


def _apply(rendered: dict[Path, bytes], targets: list[Path]) -> None:
    for path in targets:
        if path in rendered:
            atomic_write_bytes(path, rendered[path])
        else:
            path.unlink()


@contextmanager
def _locked():
    """One writer of leaderboard/ at a time (concurrent runs of ``-m`` with publish=true):
    an exclusive lock on ``leaderboard/.lock``, waited for without a timeout."""
    paths.LEADERBOARD_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(paths.LOCK_FILE):
        yield


def write() -> list[Path]:
    with _locked():
        rendered = render()
        changed = stale_files(rendered)
        _apply(rendered, changed)
    return changed


def published_view(results: dict) -> dict:
    """What a published entry keeps of a run's results."""
    return {key: results[key] for key in PUBLISHED_KEYS if key in results}


def publish(results: dict, replace: bool = False) -> tuple[Path, bool]:
    """Add (or, with ``replace``, replace) one system's entry atomically, then
    rebuild the table. Returns the entry's path and whether it replaced one."""
    name = results["system"]["name"]
    if (problem := name_problem(name)) is not None:
        raise DataErrors([DataError("results", None, "system.name", problem)])
    published = published_view(results)
    track = tracks.track_of(results["dataset"]["name"])
    if track is None or results["dataset"].get("split", "test") != "test":
        raise DataErrors([DataError("results", None, "dataset", f"{results['dataset']['name']} {results['dataset'].get('split')}: "
                                    "only the test split of a registered track is published (dev is for tuning)")])
    path = results_dir(track) / f"{name}.json"
    with _locked():
        existed = path.exists()
        if existed and not replace:
            raise DataErrors([DataError(str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path), None, None,
                                        f"{name!r} is already on the leaderboard: publish=replace replaces its entry")])
        # Render the new table before touching anything: a malformed entry of
        # another system stops the publish with every file as it was.
        entries = {key: read_entries(key) for key in tracks.track_configs()}
        entries[track] = [e for e in entries[track] if e.name != name] + [entry_from_data(published, path)]
        rendered = render(entries.pop(tracks.DEFAULT_TRACK), entries)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, canonical_json(published))
        _apply(rendered, stale_files(rendered))
    return path, existed
