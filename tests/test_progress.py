"""Progress bars: drawn on a terminal, silent otherwise or with quiet=true, never a change in results."""

import os
import pty
import subprocess
import sys

import pytest

from benchmark import paths
from benchmark.data import dataset
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import Document
from benchmark.run import runner
from benchmark.scoring import scorer as scoring
from benchmark.systems.base import Extractor


class Counted(Extractor):
    """A per-document extractor that records how it was called."""

    per_document = True

    def __init__(self):
        super().__init__(name="counted", version="0")
        self.calls: list[int] = []

    def predict(self, documents):
        self.calls.append(len(documents))
        return [Document(id=d.id, date=d.date, text=d.text, entities=[]) for d in documents]

    def provenance(self):
        return {}


class Recorder(runner.Steps):
    def __init__(self):
        super().__init__()
        self.totals, self.done = {}, {}

    def start(self, step, description, total):
        self.totals[step] = total

    def advance(self, step, amount=1):
        self.done[step] = self.done.get(step, 0) + amount


def test_documents_go_through_in_chunks_and_are_counted():
    inputs = [SeedDocument(f"d{i}", None, f"Texte {i}.") for i in range(2 * runner.CHUNK + 3)]
    extractor, steps = Counted(), Recorder()
    predicted = runner._predict(extractor, inputs, steps)
    assert [d.id for d in predicted] == [d.id for d in inputs]
    assert extractor.calls == [runner.CHUNK, runner.CHUNK, 3]
    assert steps.totals["documents"] == steps.done["documents"] == len(inputs)


def test_an_extractor_that_is_not_per_document_gets_one_call():
    inputs = [SeedDocument(f"d{i}", None, "x") for i in range(runner.CHUNK + 1)]
    extractor = Counted()
    extractor.per_document = False
    runner._predict(extractor, inputs, runner.Steps())
    assert extractor.calls == [runner.CHUNK + 1]


def test_scoring_reports_each_layer_and_interval_and_changes_nothing():
    rows = dataset.load_test_split()
    gold = dataset.documents(rows)
    config = {"bootstrap": {"resamples": 50, "seed": 1, "level": 0.95}}
    steps = Recorder()
    counted = scoring.score(rows, gold, gold, config, steps.advance)
    assert steps.done == {"layers": len(scoring.LAYERS), "bootstrap": len(scoring.HEADLINES)}
    assert counted == scoring.score(rows, gold, gold, config)


@pytest.mark.parametrize(("quiet", "tty", "drawn"), [(False, True, True), (True, True, False), (False, False, False)])
def test_bars_only_on_a_terminal_and_not_quiet(monkeypatch, quiet, tty, drawn):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    with runner.progress_steps(quiet) as steps:
        assert (steps._progress is not None) == drawn


def _run_on_a_terminal(*overrides, tmp_path):
    """The CLI with stderr (and stdout) on a pseudo-terminal; returns all it wrote."""
    main, secondary = pty.openpty()
    command = [sys.executable, "-m", "benchmark", "run", "model=rules", f"hydra.run.dir={tmp_path}", *overrides]
    process = subprocess.Popen(command, cwd=paths.ROOT, stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary, env=dict(os.environ, COLUMNS="120"))
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    assert process.wait(timeout=600) == 0, output.decode(errors="replace")[-2000:]
    return output.decode(errors="replace")


def test_a_run_on_a_terminal_draws_bars(tmp_path):
    drawn = _run_on_a_terminal(tmp_path=tmp_path)
    assert "rules: documents" in drawn and "layers scored" in drawn and "bootstrap intervals" in drawn and "6/6" in drawn
    assert "results:" in drawn


def test_quiet_is_a_run_option_and_not_part_of_the_command(monkeypatch):
    from hydra import compose, initialize_config_dir

    seen, original = [], runner.progress_steps
    monkeypatch.setattr(runner, "progress_steps", lambda quiet: seen.append(quiet) or original(quiet))
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=["model=rules", "quiet=true", "scoring.bootstrap.resamples=10"])
    output = runner.run_system(cfg, ["model=rules", "quiet=true"])
    assert seen == [True]
    assert output.results["system"]["command"] == "python -m benchmark run model=rules"
