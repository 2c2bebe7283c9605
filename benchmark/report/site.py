"""The leaderboard as a static web site: ``leaderboard/site/``.

Rendered by ``python -m benchmark leaderboard`` from the same data as the
Markdown, CSV and JSON tables (``leaderboard.render`` adds these files to its
output, so ``check`` finds a stale page as it finds a stale table). The site is
a pure function of the published results: no timestamp of its own, a stable
order, fixed rounding, so its bytes only move when a result moves.

It is self-contained (a small stylesheet and sorting script written here, an
SVG plot drawn here; nothing is fetched at view time) and treats every string
of a results file or of submission metadata as data: the pages are Jinja2
templates (``benchmark/templates/site/``) rendered with autoescape on, every
value HTML-escaped (``esc``) and none marked safe; links only to http(s)
URLs, and a system gets a page of its own only when its name is a safe file
name. This module shapes the data; the templates hold every tag.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from benchmark import paths
from benchmark.scoring import registry

TEMPLATES = paths.TEMPLATES_DIR / "site"
SYSTEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ASSETS = ("site.css", "sort.js")
# The order of error classes in tables (contract 2: SemEval-2013 / nervaluate vocabulary, then ours).
ERROR_CLASSES = registry.REGISTRY.all_classes()  # column order of the error tables
SUBMISSION_FIELDS = ("name", "authors", "organisation", "description", "date", "url")


def esc(value: object) -> Markup:
    """Every value a template prints passes through here (the environment's
    ``finalize``): escaped with ``html.escape(..., quote=True)``, None shown as
    nothing. Markup (a macro's output) is already HTML and passes unchanged.
    html.escape rather than autoescape's own entities keeps the pages' bytes as
    they were (``&#x27;``, ``&quot;``)."""
    if hasattr(value, "__html__"):
        return Markup(value)  # Markup(x) is x.__html__(): the same HTML, typed
    return Markup(html.escape("" if value is None else str(value), quote=True))


def page_name(system: str) -> str | None:
    """``systems/NAME.html``, or None when NAME is not a safe file name (then no page, no link)."""
    return f"systems/{system}.html" if isinstance(system, str) and SYSTEM_NAME.fullmatch(system) else None


def safe_url(value: object) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (shown as text, never linked)."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _percent(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def _real(value) -> bool:
    """A number that is not a bool (JSON's true is not a score)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fixed(value) -> str:
    """Sort key and table cell of a number: 4 decimals, or empty when absent."""
    return f"{value:.4f}" if _real(value) else ""


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def _shown(value: object) -> object:
    """A cell's text: a list as JSON, anything else as itself."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value


def _header(title: str, *style: str) -> tuple[str, ...]:
    """A numeric column's header (``"code"`` shows the title as code)."""
    return (title, "number", *style)


def environment(folder: Path, **filters: object) -> jinja2.Environment:
    """Jinja2 over ``folder`` as every HTML page of the project is rendered (the site,
    ``explain --html``): autoescape on, an undefined name an error, every value through
    ``esc``, block tags taking their line with them; ``filters`` added by name."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder), autoescape=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, finalize=esc,
    )
    env.filters.update(filters)
    return env


@cache
def _site_environment() -> jinja2.Environment:
    env = environment(TEMPLATES, percent=_percent, fixed=_fixed, clamp=_clamp, shown=_shown, page_name=page_name,
                      number_header=_header, any_band=_any_band)
    env.tests["real"] = _real
    return env


def _render(template: str, **context: object) -> bytes:
    return _site_environment().get_template(template).render(**context).encode("utf-8")


# ---------------------------------------------------------------- index.html


def _any_band(rows: list[dict]) -> bool:
    """Whether these rows hold significance bands (a Band column)."""
    return any(row.get("band") is not None for row in rows)


def _bands(board: dict) -> dict | None:
    """The significance bands (``board["bands"]``, from ``compare``) as the index shows
    them, or None when the board has none."""
    bands = board.get("bands")
    if not isinstance(bands, dict) or not bands.get("systems"):
        return None
    titles = {c["metric"]: c["title"] for c in board["columns"]}
    return {
        "metric_title": titles.get(bands.get("metric"), bands.get("metric")),
        "test": bands.get("test"),
        "adjacent": [p for p in bands.get("adjacent") or [] if isinstance(p, dict)],
    }


def _submission(meta: dict | None) -> list[tuple[str, object, str | None]] | None:
    """(field, value, http(s) URL or None) of each filled submission field; None when
    there is no metadata at all (no block)."""
    if not isinstance(meta, dict) or not meta:
        return None
    return [(key, meta[key], safe_url(meta[key]) if key == "url" else None)
            for key in SUBMISSION_FIELDS if meta.get(key) not in (None, "")]


def _index(board: dict, card: dict, title: str = "newsbench leaderboard", tracks: Sequence[tuple[str, str]] = ()) -> bytes:
    current = [r for r in board["systems"] if r["status"] == "current"]
    return _render(
        "index.html", title=title, assets="", tracks=list(tracks), card=card, columns=board["columns"],
        current=current, stale=[r for r in board["systems"] if r["status"] != "current"],
        bands=_bands(board), submitted=[(r, _submission(r["submission"])) for r in current if r.get("submission")],
    )


# ---------------------------------------------------------------- plot.svg

PLOT_WIDTH, LABEL_WIDTH, ROW, TITLE = 760, 180, 16, 26


def plot_svg(board: dict) -> bytes:
    """Dot-and-whisker plot of every headline metric of the current systems (score, 95% interval)."""
    rows = [r for r in board["systems"] if r["status"] == "current"]
    scale = PLOT_WIDTH - LABEL_WIDTH - 20
    x = lambda v: LABEL_WIDTH + scale * _clamp(v)  # noqa: E731
    groups, y = [], 10
    for column in board["columns"]:
        metric = column["metric"]
        dots: list[dict] = []
        groups.append({"title": column["title"], "y": y, "rows": dots})
        y += TITLE
        for row in rows:
            value, interval = row["metrics"].get(metric), row["intervals"].get(metric)
            dots.append({"system": row["system"], "cy": y + ROW / 2, "value": value,
                         "cx": None if value is None else x(value),
                         "interval": (x(interval["low"]), x(interval["high"])) if interval else None})
            y += ROW
        y += 6
    axis = {"x0": x(0), "x1": x(1), "y": y, "ticks": [{"x": x(tick / 100), "label": tick} for tick in (0, 25, 50, 75, 100)]}
    return _render("plot.svg", width=PLOT_WIDTH, height=y + 22, label_width=LABEL_WIDTH, axis=axis, groups=groups)


# ---------------------------------------------------------------- systems/NAME.html


def _leaf_rows(table, path: tuple[str, ...] = ()):
    """(row path, {column: scalar}) for every dict of scalars in a nested per-label table."""
    if not isinstance(table, dict):
        return
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if scalars:
        yield path, scalars
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _leaf_rows(value, (*path, str(key)))


def _nested(table) -> tuple[list, list[str]]:
    """The rows of a nested per-label table and its columns (every scalar key, first seen first)."""
    rows = list(_leaf_rows(table))
    columns: list[str] = []
    for _, scalars in rows:
        columns += [c for c in scalars if c not in columns]
    return rows, columns


def _flat(value, path: str = ""):
    """(dotted key, scalar) pairs of a nested dict, in its own order."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(inner, f"{path}.{key}" if path else str(key))
    else:
        yield path, value


def _metrics(data: dict, headlines: list[str]) -> list[tuple[str, object, object]]:
    """(metric, value, interval), the headline metrics first."""
    metrics, intervals = data.get("metrics") or {}, data.get("intervals") or {}
    names = [m for m in headlines if m in metrics] + sorted(m for m in metrics if m not in headlines)
    return [(m, metrics[m], intervals.get(m)) for m in names]


def _documents(data: dict, headlines: list[str]) -> dict | None:
    """Per-document scores of the headline metrics a document has, or None (absent block)."""
    documents = data.get("documents")
    if not isinstance(documents, dict) or not documents:
        return None
    metrics = [m for m in headlines if any(isinstance(v, dict) and m in v for v in documents.values())]
    rows = [(doc, [float(v[m]) if isinstance(v.get(m), (int, float)) else v.get(m) for m in metrics])
            for doc, v in documents.items() if isinstance(v, dict)]
    return {"metrics": metrics, "rows": rows}


def _errors(data: dict) -> list[tuple[str, list[str], list]] | None:
    """(layer, error classes in table order, (label, counts) rows) of the errors block, or None."""
    errors = data.get("errors")
    if not isinstance(errors, dict) or not errors:
        return None
    layers = []
    for layer, block in errors.items():
        if not isinstance(block, dict):
            continue
        labels = block["labels"] if isinstance(block.get("labels"), dict) else {}
        rows = [("(all)", block.get("total") or {}), *sorted(labels.items())]
        seen = {c for _, counts in rows if isinstance(counts, dict) for c in counts}
        classes = [c for c in ERROR_CLASSES if c in seen] + sorted(seen - set(ERROR_CLASSES))
        layers.append((layer, classes, [(label, counts) for label, counts in rows if isinstance(counts, dict)]))
    return layers


def _system_page(row: dict, data: dict, board: dict) -> bytes:
    headlines = [c["metric"] for c in board["columns"]]
    provenance = data.get("provenance") or {}
    environment = provenance.get("environment") or {}
    code = provenance.get("code") or {}
    packages = environment.get("packages") or {}
    extractor = provenance.get("extractor") or {}
    tables = data.get("tables") or {}
    return _render(
        "system.html", name=row["system"], row=row, assets="../",
        scored=provenance.get("started_at") or "", commit=code.get("commit"), dirty=bool(code.get("dirty")),
        python=f"{environment.get('implementation', '')} {environment.get('python', '')} on {environment.get('platform', '')}",
        submission=_submission(row.get("submission")),
        extractor=list(_flat({k: v for k, v in extractor.items() if k != "submission"} if isinstance(extractor, dict) else {})),
        packages=list(_flat(packages if isinstance(packages, dict) else {})),
        metrics=_metrics(data, headlines),
        tables=[(key, *_nested(tables[key])) for key in sorted(tables)],
        documents=_documents(data, headlines), errors=_errors(data),
        alignment=_nested(data.get("alignment") or {}),
    )


# ---------------------------------------------------------------- the site


def render(site_dir: Path, board: dict, results: dict[str, dict], card: dict, title: str = "newsbench leaderboard",
           tracks: Sequence[tuple[str, str]] = ()) -> dict[Path, bytes]:
    """Every file of the site, in memory. ``board`` is the rendered leaderboard.json;
    ``results`` maps a system name to its published result (metrics, tables, provenance...)."""
    scored = {name: str((data.get("provenance") or {}).get("started_at") or "")[:10] for name, data in results.items()}
    bands = (board.get("bands") or {}).get("systems") or {}
    board = dict(board, systems=[dict(row, scored=scored.get(row["system"], ""), band=bands.get(row["system"])) for row in board["systems"]])
    files = {site_dir / "index.html": _index(board, card, title, tracks), site_dir / "plot.svg": plot_svg(board)}
    for asset in ASSETS:
        files[site_dir / asset] = (TEMPLATES / asset).read_bytes()
    for row in board["systems"]:
        target = page_name(row["system"])
        if target:
            files[site_dir / target] = _system_page(row, results.get(row["system"], {}), board)
    return files
