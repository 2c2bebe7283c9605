"""The leaderboard as a static web site: ``leaderboard/site/``.

Rendered by ``python -m benchmark leaderboard`` from the same data as the
Markdown, CSV and JSON tables (``leaderboard.render`` adds these files to its
output, so ``check`` finds a stale page as it finds a stale table). The site is
a pure function of the published results: no timestamp of its own, a stable
order, fixed rounding, so its bytes only move when a result moves.

It is self-contained (a small stylesheet and sorting script written here, an
SVG plot drawn here; nothing is fetched at view time) and treats every string
of a results file or of submission metadata as data: HTML-escaped
(``html.escape(..., quote=True)``), links only to http(s) URLs, and a system
gets a page of its own only when its name is a safe file name.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from benchmark import paths
from benchmark.scoring import registry

TEMPLATES = paths.TEMPLATES_DIR / "site"
SYSTEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ASSETS = ("site.css", "sort.js")
# The order of error classes in tables (contract 2: SemEval-2013 / nervaluate vocabulary, then ours).
ERROR_CLASSES = registry.REGISTRY.all_classes()  # column order of the error tables
SUBMISSION_FIELDS = ("name", "authors", "organisation", "description", "date", "url")


def esc(value: object) -> str:
    """Every string that comes from a results file passes through here before HTML."""
    return html.escape("" if value is None else str(value), quote=True)


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


def _fixed(value) -> str:
    """Sort key and table cell of a number: 4 decimals, or empty when absent."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return f"{value:.4f}"


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def _metric_cell(value, interval) -> str:
    """A score with its 95% interval drawn as a bar (the dark tick is the score)."""
    if value is None:
        return '<td class="num metric" data-value=""><span class="absent">—</span></td>'
    parts = [f'<span class="v">{_percent(value)}</span>']
    if interval:
        low, high = _clamp(interval["low"]), _clamp(interval["high"])
        label = f"95% interval [{_percent(low)}, {_percent(high)}]"
        parts.append(
            f'<span class="bar" role="img" aria-label="{label}" title="{label}">'
            f'<span class="ci" style="left:{100 * low:.2f}%;width:{100 * (high - low):.2f}%"></span>'
            f'<span class="pt" style="left:{100 * _clamp(value):.2f}%"></span></span>'
            f'<span class="ci-text">[{_percent(low)}, {_percent(high)}]</span>'
        )
    return f'<td class="num metric" data-value="{_fixed(value)}">{"".join(parts)}</td>'


def _system_link(name: str, root: str) -> str:
    target = page_name(name)
    return f'<a href="{root}{target}">{esc(name)}</a>' if target else f"{esc(name)} <span class=\"absent\">(no page: unsafe name)</span>"


def _page(title: str, heading: str, body: str, root: str, crumbs: str) -> bytes:
    template = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    return template.substitute(title=esc(title), heading=heading, body=body, root=root, crumbs=crumbs).encode("utf-8")


_KIND_CLASS = {"number": "num", "text": "txt"}


def _table(headers: list[tuple[str, str]], rows: list[str], sortable: bool = True, caption: str = "") -> str:
    """headers: (escaped title, "number"|"text")."""
    head = "".join(f'<th data-type="{kind}" class="{_KIND_CLASS[kind]}" scope="col">{title}</th>' for title, kind in headers)
    cls = ' class="sortable"' if sortable else ""
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


# ---------------------------------------------------------------- index.html


def _bands(rows: list[dict]) -> bool:
    """Whether the board holds significance bands (``board["bands"]``, from ``compare``)."""
    return any(row.get("band") is not None for row in rows)


def _points_cell(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return '<td class="num" data-value=""><span class="absent">—</span></td>'
    return f'<td class="num" data-value="{_fixed(value)}">{100 * value:+.1f}</td>'


def _band_section(board: dict) -> str:
    """What the bands mean and the adjacent tests behind them, or the bands shown as absent."""
    bands = board.get("bands")
    if not isinstance(bands, dict) or not bands.get("systems"):
        return '<p class="absent">Significance bands: absent from the published data.</p>'
    titles = {c["metric"]: c["title"] for c in board["columns"]}
    lines = [
        f"<tr><td>{esc(p.get('a'))}</td><td>{esc(p.get('b'))}</td>"
        + _points_cell(p.get("difference"))
        + "".join(_scalar_cell(p.get(k)) for k in ("p_value", "p_holm"))
        + f"<td>{'yes' if p.get('significant') else 'no'}</td><td>{esc(p.get('note') or '')}</td></tr>"
        for p in bands.get("adjacent") or []
        if isinstance(p, dict)
    ]
    table = _table(
        [("System", "text"), ("Next system", "text"), ("Difference (points)", "number"), ("p", "number"), ("p (Holm)", "number"),
         ("Significant", "text"), ("Note", "text")],
        lines, sortable=False,
    ) if lines else ""
    return (
        f"<p>Band: systems in one band are not distinguishable on {esc(titles.get(bands.get('metric'), bands.get('metric')))} "
        f"({esc(bands.get('test'))}); <code>python -m benchmark compare A B</code> tests every headline metric.</p>" + table
    )


def _board_rows(rows: list[dict], columns: list[dict], root: str, ranked: bool) -> str:
    band = _bands(rows)
    headers = ([("Rank", "number")] if ranked else []) + [("System", "text"), ("Version", "text")]
    if band:
        headers.append(("Band", "number"))
    headers += [(esc(c["title"]), "number") for c in columns]
    headers += [("Scored", "text")]
    lines = []
    for row in rows:
        cells = [f'<td class="num" data-value="{row["rank"]}">{row["rank"]}</td>'] if ranked else []
        cells.append(f'<td class="system" data-value="{esc(row["system"])}">{_system_link(row["system"], root)}</td>')
        cells.append(f"<td>{esc(row['version'])}</td>")
        if band:
            cells.append(_scalar_cell(row.get("band")))
        cells += [_metric_cell(row["metrics"].get(c["metric"]), row["intervals"].get(c["metric"])) for c in columns]
        cells.append(f"<td class=\"nowrap\">{esc(row.get('scored') or '')}</td>")
        lines.append(f'<tr data-system="{esc(row["system"])}">' + "".join(cells) + "</tr>")
    return _table(headers, lines)


def _dataset_block(card: dict) -> str:
    size = card.get("size", {})
    if "quotations" not in size:  # an entity-only track (WiNER-fr)
        return (
            '<dl class="meta">'
            f"<dt>Dataset</dt><dd>{esc(card['name'])} {esc(card['version'])}, split {esc(card.get('split'))}</dd>"
            f"<dt>Fingerprint</dt><dd><code>{esc(card['fingerprint'])}</code></dd>"
            f"<dt>Size</dt><dd>{esc(size.get('documents'))} documents, {esc(size.get('sentences'))} sentences; "
            f"{esc(size.get('entity_mentions'))} entity mentions; entities only (no quotations, events or entity ids)</dd>"
            f"<dt>Licence</dt><dd>{esc(card.get('licence'))}</dd>"
            f"<dt>Resampling unit</dt><dd>{esc(card.get('unit'))}</dd>"
            "</dl>"
        )
    return (
        '<dl class="meta">'
        f"<dt>Dataset</dt><dd>{esc(card['name'])} {esc(card['version'])}</dd>"
        f"<dt>Fingerprint</dt><dd><code>{esc(card['fingerprint'])}</code></dd>"
        f"<dt>Size</dt><dd>{esc(size.get('documents'))} document(s), {esc(size.get('sentences'))} sentences, "
        f"{esc(size.get('tokens'))} tokens; {esc(size.get('entity_mentions'))} entity mentions, "
        f"{esc(size.get('quotations'))} quotations, {esc(size.get('event_mentions'))} event mentions with "
        f"{esc(size.get('event_arguments'))} arguments</dd>"
        f"<dt>Tokenizer</dt><dd><code>{esc(card.get('tokenizer'))}</code></dd>"
        "</dl>"
    )


def _submission_block(meta: dict | None) -> str:
    if not isinstance(meta, dict) or not meta:
        return ""
    items = []
    for key in SUBMISSION_FIELDS:
        if meta.get(key) in (None, ""):
            continue
        url = safe_url(meta[key]) if key == "url" else None
        value = f'<a href="{esc(url)}" rel="nofollow noopener noreferrer">{esc(url)}</a>' if url else esc(meta[key])
        items.append(f"<dt>{esc(key)}</dt><dd>{value}</dd>")
    return '<dl class="meta">' + "".join(items) + "</dl>"


def _tracks_section(tracks: list[tuple[str, str]]) -> str:
    """Links to the other tracks' sections of the site (one folder each)."""
    if not tracks:
        return ""
    items = "".join(f'<li><a href="{esc(href)}">{esc(title)}</a></li>' for title, href in tracks)
    return f"<section><h2>Other tracks</h2><ul>{items}</ul></section>"


def _index(board: dict, card: dict, title: str = "newsbench leaderboard", tracks: Sequence[tuple[str, str]] = ()) -> bytes:
    columns = board["columns"]
    current = [r for r in board["systems"] if r["status"] == "current"]
    stale = [r for r in board["systems"] if r["status"] != "current"]
    body = [
        _tracks_section(list(tracks)),
        "<section><h2>Test set</h2>",
        _dataset_block(card),
        "<p>Scores are percentages; the bar under each score spans its 95% bootstrap confidence interval and the "
        "dark tick marks the score. Systems are ranked by entity strict micro F1; tied scores share a rank. "
        "One missed mention moves a score by several points: read the intervals before the ranks. "
        "Click a column header to sort. Metric definitions: <a href=\"../README.md\">leaderboard/README.md</a>.</p>",
        "</section>",
        "<section><h2>Systems</h2>",
        _board_rows(current, columns, "", ranked=True) if current else '<p class="absent">No current result.</p>',
    ]
    body.append(_band_section(board))
    body += [
        "</section>",
        '<section><h2>Headline scores</h2><p><img class="plot" src="plot.svg" '
        'alt="Headline scores of the current systems with their 95% intervals"></p></section>',
        "<section><h2>Reproducing a row</h2><p>From the repository root, after the README's setup:</p><ul>",
        *[f"<li>{_system_link(r['system'], '')}: <code>{esc(r['command'])} publish=replace</code></li>" for r in current],
        "</ul></section>",
    ]
    submitted = [r for r in current if r.get("submission")]
    if submitted:
        body.append("<section><h2>Submitted systems</h2>")
        for row in submitted:
            body += [f"<h3>{_system_link(row['system'], '')}</h3>", _submission_block(row["submission"])]
        body.append("</section>")
    body.append('<section class="stale"><h2>Stale results</h2>')
    if stale:
        body += [
            "<p>Scored on another dataset fingerprint than the current one: not ranked, shown apart.</p>",
            _board_rows(stale, columns, "", ranked=False),
            "<ul>",
            *[f"<li>{esc(r['system'])}: dataset {esc(r['dataset_version'])}, fingerprint <code>{esc(r['fingerprint'])}</code></li>" for r in stale],
            "</ul>",
        ]
    else:
        body.append('<p class="absent">None: every result was scored on the current dataset.</p>')
    body.append("</section>")
    return _page(title, esc(title), "\n".join(b for b in body if b), "", "")


# ---------------------------------------------------------------- plot.svg

PLOT_WIDTH, LABEL_WIDTH, ROW, TITLE = 760, 180, 16, 26


def plot_svg(board: dict) -> bytes:
    """Dot-and-whisker plot of every headline metric of the current systems (score, 95% interval)."""
    rows = [r for r in board["systems"] if r["status"] == "current"]
    scale = PLOT_WIDTH - LABEL_WIDTH - 20
    x = lambda v: LABEL_WIDTH + scale * _clamp(v)  # noqa: E731
    out, y = [], 10
    for column in board["columns"]:
        metric = column["metric"]
        out.append(f'<text x="4" y="{y + 16}" class="t">{esc(column["title"])}</text>')
        y += TITLE
        for row in rows:
            cy = y + ROW / 2
            out.append(f'<text x="{LABEL_WIDTH - 6}" y="{cy + 4:.1f}" class="s">{esc(row["system"])}</text>')
            value, interval = row["metrics"].get(metric), row["intervals"].get(metric)
            if value is None:
                out.append(f'<text x="{LABEL_WIDTH}" y="{cy + 4:.1f}" class="n">not predicted</text>')
            else:
                if interval:
                    out.append(f'<line x1="{x(interval["low"]):.1f}" x2="{x(interval["high"]):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" class="ci"/>')
                out.append(f'<circle cx="{x(value):.1f}" cy="{cy:.1f}" r="3.5" class="pt"><title>{esc(row["system"])}: {_percent(value)}</title></circle>')
            y += ROW
        y += 6
    axis = [f'<line x1="{x(0)}" x2="{x(1)}" y1="{y}" y2="{y}" class="ax"/>']
    for tick in (0, 25, 50, 75, 100):
        tx = x(tick / 100)
        axis.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="10" y2="{y}" class="g"/>')
        axis.append(f'<text x="{tx:.1f}" y="{y + 14}" class="k">{tick}</text>')
    height = y + 22
    style = (
        "text{font:12px sans-serif;fill:#1b1b1b}.t{font-weight:bold}.s{text-anchor:end}.n{fill:#888;font-style:italic}"
        ".k{text-anchor:middle;fill:#666}.ci{stroke:#5b8cc0;stroke-width:3}.pt{fill:#0b3d73}.ax{stroke:#666}.g{stroke:#eee}"
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PLOT_WIDTH}" height="{height}" viewBox="0 0 {PLOT_WIDTH} {height}" '
        'role="img" aria-label="Headline scores (percent) with 95% intervals">\n'
        f"<style>{style}</style>\n" + "\n".join(axis + out) + "\n</svg>\n"
    )
    return svg.encode("utf-8")


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


def _scalar_cell(value) -> str:
    if isinstance(value, float):
        return f'<td class="num" data-value="{_fixed(value)}">{value:.4f}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num" data-value="{value}">{value}</td>'
    if value is None:
        return '<td class="num" data-value=""><span class="absent">—</span></td>'
    return f"<td>{esc(json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value)}</td>"


def _nested_table(table: dict) -> str:
    rows = list(_leaf_rows(table))
    if not rows:
        return '<p class="absent">Empty.</p>'
    columns: list[str] = []
    for _, scalars in rows:
        columns += [c for c in scalars if c not in columns]
    headers = [("Label", "text")] + [(esc(c), "number") for c in columns]
    lines = [
        "<tr>" + f"<td>{esc(' / '.join(path))}</td>" + "".join(_scalar_cell(scalars.get(c)) for c in columns) + "</tr>" for path, scalars in rows
    ]
    return _table(headers, lines)


def _flat(value, path: str = ""):
    """(dotted key, scalar) pairs of a nested dict, in its own order."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(inner, f"{path}.{key}" if path else str(key))
    else:
        yield path, value


def _key_values(value: dict) -> str:
    """A vertical key/value table: provenance blocks have many keys and one value each."""
    rows = [
        f"<tr><td><code>{esc(key)}</code></td><td>{esc(json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v)}</td></tr>"
        for key, v in _flat(value)
    ]
    return _table([("Key", "text"), ("Value", "text")], rows) if rows else '<p class="absent">Absent.</p>'


def _metrics_table(data: dict, headlines: list[str]) -> str:
    metrics, intervals = data.get("metrics") or {}, data.get("intervals") or {}
    names = [m for m in headlines if m in metrics] + sorted(m for m in metrics if m not in headlines)
    lines = [
        f"<tr><td><code>{esc(m)}</code></td>"
        + (_metric_cell(metrics[m], intervals.get(m)) if metrics[m] is None or isinstance(metrics[m], (int, float)) else f"<td>{esc(metrics[m])}</td>")
        + "</tr>"
        for m in names
    ]
    return _table([("Metric", "text"), ("Score (95% interval)", "number")], lines)


def _documents_section(data: dict, headlines: list[str]) -> str:
    documents = data.get("documents")
    if not isinstance(documents, dict) or not documents:
        return '<p class="absent">Absent: this result has no <code>documents</code> block (per-document scores).</p>'
    metrics = [m for m in headlines if any(isinstance(v, dict) and m in v for v in documents.values())]
    lines = [
        f"<tr><td>{esc(doc)}</td>" + "".join(_scalar_cell(float(v[m]) if isinstance(v.get(m), (int, float)) else v.get(m)) for m in metrics) + "</tr>"
        for doc, v in documents.items()
        if isinstance(v, dict)
    ]
    return _table([("Document", "text")] + [(f"<code>{esc(m)}</code>", "number") for m in metrics], lines)


def _errors_section(data: dict, system: str) -> str:
    errors = data.get("errors")
    explain = (
        "<p>To see each error in its sentence (displaCy views), run the system (the command above) and then "
        "<code>python -m benchmark explain</code> on the run directory it prints: the published results keep the counts, "
        "not the error records.</p>"
    )
    if not isinstance(errors, dict) or not errors:
        return '<p class="absent">Absent: this result has no <code>errors</code> block (error analysis).</p>' + explain
    parts = []
    for layer, block in errors.items():
        if not isinstance(block, dict):
            continue
        labels = block["labels"] if isinstance(block.get("labels"), dict) else {}
        rows = [("(all)", block.get("total") or {}), *sorted(labels.items())]
        seen = {c for _, counts in rows if isinstance(counts, dict) for c in counts}
        classes = [c for c in ERROR_CLASSES if c in seen] + sorted(seen - set(ERROR_CLASSES))
        lines = [
            f"<tr><td>{esc(label)}</td>" + "".join(_scalar_cell(counts.get(c, 0)) for c in classes) + "</tr>"
            for label, counts in rows
            if isinstance(counts, dict)
        ]
        parts += [f"<h3><code>{esc(layer)}</code></h3>", _table([("Label", "text")] + [(esc(c), "number") for c in classes], lines)]
    return "\n".join(parts) + explain


def _system_page(row: dict, data: dict, board: dict) -> bytes:
    name = row["system"]
    headlines = [c["metric"] for c in board["columns"]]
    provenance = data.get("provenance") or {}
    environment = provenance.get("environment") or {}
    code = provenance.get("code") or {}
    status = f"rank {row['rank']}" if row["status"] == "current" else "stale: scored on another dataset fingerprint, not ranked"
    meta = [
        ("Version", esc(row["version"])),
        ("Status", esc(status)),
        ("Dataset", f"{esc(row['dataset_version'])}, fingerprint <code>{esc(row['fingerprint'])}</code>"),
        ("Reproduce", f"<code>{esc(row['command'])} publish=replace</code>"),
        ("Scored", esc(provenance.get("started_at") or "")),
        ("Code", f"commit <code>{esc(code.get('commit'))}</code>" + (" (dirty)" if code.get("dirty") else "")),
        ("Python", esc(f"{environment.get('implementation', '')} {environment.get('python', '')} on {environment.get('platform', '')}")),
    ]
    packages = environment.get("packages") or {}
    extractor = provenance.get("extractor") or {}
    body = [
        '<section><h2>Metadata</h2><dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta) + "</dl>",
    ]
    if row.get("submission"):
        body += ["<h3>Submission</h3>", _submission_block(row["submission"])]
    body += [
        "<h3>Extractor</h3>",
        _key_values({k: v for k, v in extractor.items() if k != "submission"} if isinstance(extractor, dict) else {}),
        "<h3>Package versions</h3>",
        _key_values(packages if isinstance(packages, dict) else {}),
        "</section>",
        "<section><h2>Metrics</h2>",
        _metrics_table(data, headlines),
        "</section>",
        "<section><h2>Per-label tables</h2>",
    ]
    tables = data.get("tables") or {}
    for key in sorted(tables):
        body += [f"<h3><code>{esc(key)}</code></h3>", _nested_table(tables[key])]
    if not tables:
        body.append('<p class="absent">Absent.</p>')
    body += [
        "</section>",
        "<section><h2>Per-document scores</h2>",
        _documents_section(data, headlines),
        "</section>",
        "<section><h2>Error analysis</h2>",
        _errors_section(data, name),
        "</section>",
        "<section><h2>Alignment</h2><p>Predicted spans widened to canonical token boundaries (projected) or dropped for overlapping an earlier span.</p>",
        _nested_table(data.get("alignment") or {}),
        "</section>",
    ]
    crumbs = '<a href="../index.html">&larr; newsbench leaderboard</a>'
    return _page(f"{name} · newsbench leaderboard", esc(name), "\n".join(body), "../", crumbs)


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
