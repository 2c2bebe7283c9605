"""python -m benchmark compare: paired tests from the units blocks, refusals of unpairable input."""

import json

import pytest
from conftest import run_cli
from results_fixtures import results, write

from benchmark import paths
from benchmark.cli.main import main
from benchmark.report import compare as compare_module
from benchmark.scoring.scorer import HEADLINES, SENTENCE_UNIT_WARNING
from benchmark.scoring.significance import holm, paired_test

F1 = "ner.strict.micro.f1"
ACC = "quotes.attribution.accuracy"


def strong_and_weak(n):
    """A finds the one mention of every sentence, B none; A attributes every quotation, B none."""
    strong = {F1: [[1, 1, 1]] * n, ACC: [[1, 1]] * n}
    weak = {F1: [[0, 0, 1]] * n, ACC: [[0, 1]] * n}
    return strong, weak


class Out:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    """The command in this process (the subprocess import of the scorer costs seconds per call)."""

    def call(*args):
        code = main(["compare", *map(str, args)])
        captured = capsys.readouterr()
        return Out(code, captured.out, captured.err)

    return call


@pytest.fixture
def compare_json(cli):
    def call(*files):
        out = cli(*files, "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    return call


def metric(report, name):
    (entry,) = [m for m in report["metrics"] if m["metric"] == name]
    return entry


def test_identical_systems_have_p_one(tmp_path, compare_json):
    counts = {F1: [[1, 2, 1], [0, 1, 2], [3, 3, 3]], ACC: [[1, 1], [0, 1]]}
    a = write(tmp_path / "a.json", results("a", counts))
    b = write(tmp_path / "b.json", results("b", counts))
    report = compare_json(a, b)
    for name in (F1, ACC):
        (pair,) = metric(report, name)["pairs"]
        assert (pair["a"], pair["b"], pair["difference"], pair["p_value"]) == ("a", "b", 0.0, 1.0)
        assert pair["note"] == "identical on every unit"
    assert metric(report, "events.trigger.f1")["pairs"] == []  # null for both: not compared


def test_right_everywhere_against_wrong_everywhere(tmp_path, compare_json):
    strong, weak = strong_and_weak(30)
    report = compare_json(write(tmp_path / "a.json", results("a", strong)), write(tmp_path / "b.json", results("b", weak)))
    for name in (F1, ACC):
        (pair,) = metric(report, name)["pairs"]
        assert pair["difference"] == 1.0 and pair["p_value"] < 0.01 and pair["significant"]
        assert pair["interval"] == {"low": 1.0, "high": 1.0}
        assert not pair["exact"] and pair["permutations"] == 10_000
        # Sentences (or quotations) of few documents: the warning is beside every p-value (issue 15).
        assert metric(report, name)["note"] == f"warning: {SENTENCE_UNIT_WARNING}"


def test_matches_the_significance_module_and_holm(tmp_path, compare_json):
    counts = [
        {F1: [[1, 1, 1], [2, 3, 2], [0, 1, 1], [1, 1, 2], [2, 2, 2], [0, 0, 1], [1, 1, 1]]},
        {F1: [[1, 1, 1], [1, 2, 2], [0, 0, 1], [1, 1, 2], [1, 2, 2], [1, 1, 1], [0, 1, 1]]},
        {F1: [[0, 1, 1], [2, 2, 2], [1, 1, 1], [2, 2, 2], [2, 2, 2], [1, 1, 1], [0, 0, 1]]},
    ]
    files = [write(tmp_path / f"{n}.json", results(n, c)) for n, c in zip("xyz", counts)]
    entry = metric(compare_json(*files), F1)
    settings = compare_module.load_settings()
    expected = [
        paired_test("f1", counts[i][F1], counts[j][F1], n_permutations=settings.permutations,
                    n_resamples=settings.resamples, seed=settings.seed, level=settings.level)
        for i, j in ((0, 1), (0, 2), (1, 2))
    ]
    assert [(p["a"], p["b"]) for p in entry["pairs"]] == [("x", "y"), ("x", "z"), ("y", "z")]
    assert [p["p_value"] for p in entry["pairs"]] == [t.p_value for t in expected]
    assert [p["p_holm"] for p in entry["pairs"]] == holm([t.p_value for t in expected])
    assert [p["interval"]["low"] for p in entry["pairs"]] == [t.low for t in expected]
    # Seven units, three pairs: 3 * 2/2^7 < 0.05, so significance is possible here.
    assert entry["note"] == f"warning: {SENTENCE_UNIT_WARNING}" and entry["smallest_attainable_p"] == pytest.approx(3 * 2 / 2**7)


def test_small_test_set_is_flagged(tmp_path, compare_json):
    strong, weak = strong_and_weak(4)
    report = compare_json(write(tmp_path / "a.json", results("a", strong)), write(tmp_path / "b.json", results("b", weak)))
    entry = metric(report, F1)
    assert entry["smallest_attainable_p"] == 2 / 2**4
    assert "too few units (4 sentences)" in entry["note"]
    assert entry["pairs"][0]["p_value"] == 0.125 and not entry["pairs"][0]["significant"]


def test_table_output_names_tests_and_metrics(tmp_path, cli):
    strong, weak = strong_and_weak(8)
    files = [write(tmp_path / f"{n}.json", results(n, c)) for n, c in (("a", strong), ("b", weak), ("c", weak))]
    out = cli(*files)
    assert out.returncode == 0, out.stderr
    for text in (F1, ACC, "Holm", "paired bootstrap", "randomization", "+100.0", "p (Holm)", "row − column"):
        assert text in out.stdout
    assert "events.trigger.f1" in out.stdout and "fewer than two systems" in out.stdout


def test_run_directory_and_published_names(tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    write(run_dir / "results.json", results("a", {F1: [[1, 1, 1]]}))
    assert compare_module.resolve(str(run_dir)) == run_dir / "results.json"
    board = tmp_path / "board"
    write(board / "sysname.json", results("sysname", {F1: [[1, 1, 1]]}))
    monkeypatch.setattr(paths, "RESULTS_DIR", board)
    assert compare_module.resolve("sysname") == board / "sysname.json"
    with pytest.raises(compare_module.DataErrors, match="neither a results file"):
        compare_module.resolve("unknown_system")


def refusal(cli, tmp_path, mutate, *, other=None):
    a = write(tmp_path / "a.json", results("a", {F1: [[1, 1, 1], [0, 1, 1]]}))
    data = other or results("b", {F1: [[1, 1, 1], [1, 1, 1]]})
    mutate(data)
    b = tmp_path / "b.json"
    b.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = cli(a, b)
    assert out.returncode == 1 and "Traceback" not in out.stderr and out.stdout == ""
    assert str(b) in out.stderr
    return out.stderr


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["dataset"].update(fingerprint="0" * 64), "dataset.fingerprint"),
        (lambda d: d["provenance"].update(scoring_version="3"), "scoring version 3"),
        (lambda d: d["provenance"].pop("scoring_version"), "scoring version 1"),
        (lambda d: d.pop("units"), "re-run it with the current version (`python -m benchmark run model=b`)"),
        (lambda d: d["units"][F1]["counts"].append([1, 1, 1]), "2 ids but 3 rows"),
        (lambda d: d["units"][F1]["counts"].__setitem__(0, ["1", 1, 1]), "counts[0]"),
        (lambda d: d["units"][F1]["counts"].__setitem__(0, [1, 1]), "3 finite non-negative counts"),
        (lambda d: d["units"][F1]["counts"].__setitem__(0, [2, 1, 1]), "more correct than"),
        (lambda d: d["units"][F1]["counts"].__setitem__(0, [0, 1, 1]), "counts add up to"),
        (lambda d: d["units"][F1]["ids"].__setitem__(0, "doc#9"), "do not pair"),
        (lambda d: d["units"][F1].update(kind="bleu"), "units.ner.strict.micro.f1.kind"),
        (lambda d: d["units"].pop(F1), "missing for a metric that has a value"),
        (lambda d: d["system"].update(name="<b>x</b>"), "system.name"),
        (lambda d: d["metrics"].update({F1: "high"}), "metrics.ner.strict.micro.f1"),
    ],
)
def test_refusals(cli, tmp_path, mutate, message):
    assert message in refusal(cli, tmp_path, mutate)


def test_unreadable_files_are_refused(cli, tmp_path):
    assert "unreadable results" in refusal(cli, tmp_path, lambda d: None, other="{not json")
    assert "must be a JSON object" in refusal(cli, tmp_path, lambda d: None, other="[1, 2]")
    out = run_cli("compare", str(tmp_path / "missing.json"), str(tmp_path / "absent.json"))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "missing.json" in out.stderr and "absent.json" in out.stderr
    out = cli(tmp_path / "missing.json")
    assert out.returncode == 1 and "at least two systems" in out.stderr


def test_a_result_without_units_is_refused_with_the_way_out(tmp_path):
    """A results file from before scoring 2.0 (no units block) cannot be paired: refused, with how to fix it."""
    published = json.loads((paths.RESULTS_DIR / "rules.json").read_text(encoding="utf-8"))
    published.pop("units")
    old = write(tmp_path / "old.json", published)
    out = run_cli("compare", str(old), "spacy_sm", "--json")
    assert out.returncode == 1 and "re-run it with the current version" in out.stderr and "Traceback" not in out.stderr


def test_published_systems():
    """The published results, by name, as a user types it (a subprocess: no traceback, exit code)."""
    out = run_cli("compare", "rules", "spacy_sm", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [m["metric"] for m in report["metrics"]] == list(HEADLINES)
    for entry in report["metrics"]:
        if entry["scores"]["rules"] is not None and entry["scores"]["spacy_sm"] is not None:
            (pair,) = entry["pairs"]
            assert pair["difference"] == pytest.approx(entry["scores"]["rules"] - entry["scores"]["spacy_sm"])
            assert 0 < pair["p_value"] <= 1 and pair["interval"]["low"] <= pair["difference"] <= pair["interval"]["high"] + 1e-12


def test_multirun_summary_tables(tmp_path, capsys):
    from omegaconf import OmegaConf

    from benchmark.run.callbacks import MultirunSummary

    strong, weak = strong_and_weak(20)
    write(tmp_path / "0_strong" / "results.json", results("strong", strong))
    write(tmp_path / "1_weak" / "results.json", results("weak", weak))
    (tmp_path / "2_broken").mkdir()
    write(tmp_path / "10_again" / "results.json", results("strong", strong))
    MultirunSummary().on_multirun_end(OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}}))
    out = capsys.readouterr().out
    assert out.index("0_strong") < out.index("1_weak") < out.index("2_broken") < out.index("10_again")
    assert "no results.json" in out
    assert "0_strong − 1_weak" in out and "1_weak − 10_again" in out
    rows = [line for line in out.splitlines() if "0_strong − 1_weak" in line]
    assert "+100.0 (p=1.0e-04*)" in rows[0]
    assert "-100.0 (p=1.0e-04*)" in [line for line in out.splitlines() if "1_weak − 10_again" in line][0]


def test_multirun_ends_with_the_summary(tmp_path):
    """The callback is configured in configs/run.yaml: a real multirun prints it at the end."""
    out = run_cli("run", "-m", "model=rules,rules", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert out.returncode == 0, out.stderr
    tail = out.stdout[out.stdout.rindex("headline metrics (%)"):]
    assert "0_rules" in tail and "1_rules" in tail and "0_rules − 1_rules" in tail
    assert "+0.0 (p=1.0000)" in tail  # a fresh run carries units: the same system twice differs by nothing
