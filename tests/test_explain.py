"""python -m benchmark explain: the error records of a run, in a table and on an HTML page."""

import json
import shutil
from collections import Counter
from html.parser import HTMLParser

import pytest
from conftest import SEED_ID, run_cli

from benchmark.cli.main import main
from benchmark.data import dataset
from benchmark.report import terminal
from benchmark.report.explain import (
    DocText,
    documents_from_rows,
    marked_context,
    parse_record,
    render_html,
    select,
)


@pytest.fixture(scope="module")
def documents():
    return documents_from_rows(dataset.load_test_split())


def span(doc, start, end, label, segments=None):
    out = {"start": start, "end": end, "text": doc.text[start:end], "label": label}
    if segments:
        out["segments"] = segments
    return out


def sentence_of(doc, char):
    return max(i for i, first in enumerate(doc.sentence_starts) if doc.tokens[first][0] <= char)


def record(doc, layer, cls, label, gold=None, predicted=None):
    first = gold or predicted
    return {"layer": layer, "doc": doc.id, "sentence": sentence_of(doc, first["start"]), "class": cls, "label": label,
            "gold": gold, "predicted": predicted}


@pytest.fixture(scope="module")
def records(documents):
    """Hand-made records on the seed, in the format of contract 2, one of most classes."""
    doc = documents[SEED_ID]
    pompeo, lavrov, venezuela = (31, 42), (94, 108), (142, 151)
    return [
        record(doc, "entities", "correct", "PER", span(doc, *pompeo, "PER"), span(doc, *pompeo, "PER")),
        record(doc, "entities", "boundary", "PER", span(doc, *lavrov, "PER"), span(doc, 102, 108, "PER")),
        record(doc, "entities", "type", "LOC", span(doc, *venezuela, "LOC"), span(doc, *venezuela, "ORG")),
        record(doc, "entities", "spurious", "ORG", None, span(doc, 0, 2, "ORG")),
        record(doc, "entities", "missed", "PER", span(doc, 215, 231, "PER"), None),
        record(doc, "quotes.content", "wrong_speaker", "CONTENT",
               span(doc, 0, 294, "CONTENT", [[0, 151], [232, 294]]), span(doc, 0, 294, "CONTENT", [[0, 151], [232, 294]])),
        record(doc, "quotes.cue", "missed", "CUE", span(doc, 155, 162, "CUE"), None),
        record(doc, "events.trigger", "correct", "Contact.Phone-Write", span(doc, 45, 51, "Contact.Phone-Write"),
               span(doc, 45, 51, "Contact.Phone-Write")),
        record(doc, "events.argument", "wrong_role", "Entity", span(doc, *pompeo, "Entity"), span(doc, *pompeo, "Time")),
    ]


def errors_block(rows):
    block = {}
    for row in rows:
        layer = block.setdefault(row["layer"], {"total": {}, "labels": {}})
        layer["total"][row["class"]] = layer["total"].get(row["class"], 0) + 1
        layer["labels"].setdefault(row["label"], {}).setdefault(row["class"], 0)
        layer["labels"][row["label"]][row["class"]] += 1
    return block


def write_run(directory, rows, *, block=True, fingerprint=None):
    directory.mkdir(parents=True, exist_ok=True)
    results = {"system": {"name": "handmade", "version": "1", "command": "python -m benchmark run model=handmade"},
               "dataset": {"version": "0.1.0", "fingerprint": fingerprint or dataset.card_metadata()["fingerprint"]},
               "metrics": {}, "intervals": {}, "provenance": {"scoring_version": "2.0"}}  # the fields the results model requires
    if block:
        results["errors"] = errors_block(rows)
    (directory / "results.json").write_text(json.dumps(results), encoding="utf-8")
    (directory / "errors.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return directory


@pytest.fixture
def cli(capsys):
    def call(*args):
        code = main(["explain", *map(str, args)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_lists_every_error_and_nothing_else(tmp_path, records, cli, monkeypatch):
    monkeypatch.setattr(terminal, "PIPED_WIDTH", 600)  # one line per row: the marked contexts are not folded
    run = write_run(tmp_path / "run", records)
    code, out, err = cli(run)
    assert code == 0, err
    errors = [r for r in records if r["class"] != "correct"]
    by_class = Counter(r["class"] for r in errors)
    assert out.rstrip().endswith(f"{len(errors)} record(s): " + ", ".join(
        f"{c} {by_class[c]}" for c in ("missed", "spurious", "boundary", "type", "wrong_speaker", "wrong_role")))
    assert "⟦Sergueï Lavrov⟧" not in out  # the boundary error's spans overlap: marks interleave
    assert "Serguei" not in out and "⟦Sergueï ⟨Lavrov⟧⟩" in out
    assert "⟦Robert Palladino⟧" in out and "⟨Le⟩" in out
    code, out, _ = cli(run, "--all")
    assert out.rstrip().splitlines()[-1].startswith(f"{len(records)} record(s)")


def test_filters(tmp_path, records, cli):
    run = write_run(tmp_path / "run", records)
    _, out, _ = cli(run, "--layer", "ner", "--class", "missed")
    assert out.rstrip().splitlines()[-1] == "1 record(s): missed 1"
    _, out, _ = cli(run, "--layer", "quotes", "--class", "missed", "--class", "wrong_speaker")
    assert out.rstrip().splitlines()[-1] == "2 record(s): missed 1, wrong_speaker 1"
    _, out, _ = cli(run, "--doc", "no_such_doc")
    assert out.rstrip().splitlines()[-1] == "0 record(s)"
    code, _, err = cli(run, "--class", "wrong")
    assert code == 1 and "--class" in err
    code, _, err = cli(run, "--layer", "coref")
    assert code == 1 and "--layer" in err


def test_select_counts_match_the_errors_block(records, documents):
    parsed = [parse_record(i, r, documents)[0] for i, r in enumerate(records, 1)]
    block = errors_block(records)
    for layer, value in block.items():
        for cls, n in value["total"].items():
            assert len(select(parsed, [layer], [cls])) == n


def test_marked_context_of_a_two_segment_quotation(records, documents):
    (quote,) = [parse_record(1, r, documents)[0] for r in records if r["layer"] == "quotes.content"]
    plain, ranges = marked_context(documents[SEED_ID], quote)
    assert plain.startswith("⟦⟨Le secrétaire")
    unmarked = str.maketrans("", "", "⟦⟧⟨⟩")
    assert [plain[a:b].translate(unmarked) for a, b, kind in ranges if kind == "gold"] == [
        documents[SEED_ID].text[0:151], documents[SEED_ID].text[232:294]]


class Marks(HTMLParser):
    """Tokens displaCy marks (inside a span slice) and span labels, per table cell class."""

    def __init__(self):
        super().__init__()
        self.cell, self.stack, self.tags = None, [], Counter()
        self.marked, self.labels, self.data = {}, {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] += 1
        if tag == "td":
            self.cell = attrs.get("class")
        style = attrs.get("style") or ""
        kind = "token" if style.startswith("font-weight: bold; display: inline-block") else "label" if "z-index: 10" in style else None
        if tag == "span":
            self.stack.append([kind, ""])

    def handle_endtag(self, tag):
        if tag == "span" and self.stack:
            kind, text = self.stack.pop()
            if kind == "token":
                self.marked.setdefault(self.cell, []).append(text.strip())
            elif kind == "label":
                self.labels.setdefault(self.cell, []).append(text.strip())
        if tag == "td":
            self.cell = None

    def handle_data(self, data):
        self.data.append(data)
        if self.stack:
            self.stack[-1][1] += data


def test_html_marks_the_spans(tmp_path, records, documents, cli):
    run = write_run(tmp_path / "run", records)
    page = tmp_path / "errors.html"
    code, out, err = cli(run, "--layer", "entities", "--html", page)
    assert code == 0, err
    parser = Marks()
    parser.feed(page.read_text(encoding="utf-8"))
    doc = documents[SEED_ID]
    errors = [r for r in records if r["layer"] == "entities" and r["class"] != "correct"]
    for side in ("gold", "predicted"):
        spans = [(r[side], r["class"]) for r in errors if r[side]]
        expected = sorted(doc.text[s:e] for sp, _ in spans for i0, i1 in [doc.token_range(sp["start"], sp["end"])]
                          for s, e in doc.tokens[i0:i1])
        assert sorted(parser.marked[side]) == expected
        assert sorted(parser.labels[side]) == sorted(f"{sp['label']} · {cls}" for sp, cls in spans)
    assert parser.tags["script"] == 0 and parser.tags["link"] == 0
    first = page.read_bytes()
    cli(run, "--layer", "entities", "--html", page)
    assert page.read_bytes() == first


def test_html_escapes_everything_from_records():
    text = 'Il a dit <script>alert("x")</script> & <img src=x onerror=alert(1)> hier.'
    tokens, position = [], 0
    for piece in text.split(" "):
        tokens.append((position, position + len(piece)))
        position += len(piece) + 1
    doc = DocText('<b id="d">doc</b>', text, tuple(tokens), (0,))
    start = text.index("<script>")
    raw = {"layer": "entities", "doc": doc.id, "sentence": 0, "class": "spurious", "label": "<img src=y onerror=alert(2)>",
           "gold": None, "predicted": {"start": start, "end": start + len('<script>alert("x")</script>'),
                                       "text": "</td><script>alert(3)</script>", "label": "<i>ORG</i>"}}
    parsed, problems = parse_record(1, raw, {doc.id: doc})
    assert not problems
    page = render_html([parsed], {doc.id: doc}, "<title>system</title>")
    parser = Marks()
    parser.feed(page)
    assert parser.tags["script"] == 0 and parser.tags["img"] == 0 and parser.tags["b"] == 0 and parser.tags["i"] == 0
    data = "".join(parser.data)
    for literal in ('<script>alert("x")</script>', "<img src=y onerror=alert(2)>", '<b id="d">doc</b>', "alert(3)", "<i>ORG</i> · spurious"):
        assert literal in data
    assert parser.marked["predicted"] == ['<script>alert("x")</script>']


def refused(cli, run, message):
    code, out, err = cli(run)
    assert code == 1 and out == "" and message in err, err
    return err


def test_refusals(tmp_path, records, cli):
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "results.json").write_text(json.dumps({"system": {"command": "python -m benchmark run model=x"}}), encoding="utf-8")
    assert "run the system with the current version (`python -m benchmark run model=x`)" in refused(cli, bare, "errors.jsonl")
    refused(cli, tmp_path / "nowhere", "not a run directory")
    # A published system by name (the site points there): its results keep counts only.
    assert "published results keep the counts" in refused(cli, "rules", "python -m benchmark run model=rules")
    other = write_run(tmp_path / "other", records, fingerprint="0" * 64)
    refused(cli, other, "dataset.fingerprint")
    mismatch = write_run(tmp_path / "mismatch", records)
    (mismatch / "errors.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[1:]), encoding="utf-8")
    refused(cli, mismatch, "not from the same run")
    for change, message in [
        ({"class": "exploded"}, "field class"),
        ({"doc": "unknown"}, "field doc"),
        ({"sentence": 99}, "field sentence"),
        ({"layer": "coref"}, "field layer"),
        ({"gold": {"start": 0, "end": 10**7, "text": "x", "label": "PER"}}, "beyond the end"),
        ({"predicted": None}, "predicted exactly for missed"),
    ]:
        bad = [dict(records[1], **change)] + records[2:]
        run = write_run(tmp_path / f"bad{len(message)}", bad, block=False)
        err = refused(cli, run, message)
        assert "line 1" in err
    run = write_run(tmp_path / "notjson", records, block=False)
    (run / "errors.jsonl").write_text("{oops\n", encoding="utf-8")
    refused(cli, run, "line 1: not JSON")


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """The rules system run as a user runs it, into a temporary run directory."""
    directory = tmp_path_factory.mktemp("run") / "rules"
    out = run_cli("run", "model=rules", f"hydra.run.dir={directory}")
    assert out.returncode == 0, out.stderr
    return directory


def test_a_run_without_errors_file_is_refused_with_the_way_out(real_run, tmp_path):
    """A run directory from before scoring v2 has no errors.jsonl: refused, with how to fix it."""
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.json").write_bytes((real_run / "results.json").read_bytes())
    out = run_cli("explain", str(old))
    assert out.returncode == 1 and "run the system with the current version" in out.stderr and "Traceback" not in out.stderr


def test_explain_a_real_run(real_run, documents, tmp_path):
    """On a real run: every class count of the results is what explain lists, and the
    layers' records add up to the metrics' units."""
    assert (real_run / "errors.jsonl").is_file()
    results = json.loads((real_run / "results.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (real_run / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    parsed = [parse_record(i, r, documents)[0] for i, r in enumerate(rows, 1)]
    assert None not in parsed
    for layer, value in results["errors"].items():
        for cls, n in value["total"].items():
            assert len(select(parsed, [layer], [cls])) == n
    correct = {"quotes.content": ("correct", "wrong_speaker", "wrong_cue")}
    for layer, metric in (("entities", "ner.strict.micro.f1"), ("quotes.content", "quotes.content.f1"),
                          ("events.trigger", "events.trigger.f1"), ("events.argument", "events.argument.f1")):
        mine = [r for r in parsed if r.layer == layer]
        counts = [sum(r.cls in correct.get(layer, ("correct",)) for r in mine), sum(r.predicted is not None for r in mine),
                  sum(r.gold is not None for r in mine)]
        assert counts == [sum(column) for column in zip(*results["units"][metric]["counts"])], layer
    out = run_cli("explain", str(real_run), "--html", str(tmp_path / "page.html"))
    assert out.returncode == 0, out.stderr
    n_errors = sum(r.cls != "correct" for r in parsed)
    assert f"{n_errors} record(s)" in out.stdout
    shutil.copy(tmp_path / "page.html", tmp_path / "first.html")
    run_cli("explain", str(real_run), "--html", str(tmp_path / "page.html"))
    assert (tmp_path / "page.html").read_bytes() == (tmp_path / "first.html").read_bytes()
