"""The command line's rough edges: a mistyped name gets the closest one and the list of
names, a bad value names its key and the reason, a closed pipe ends quietly, every
subcommand's ``--help`` has a description, ``--version`` answers, tables fit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmark import __version__, paths
from benchmark.cli.main import SUBCOMMANDS, main
from benchmark.report import terminal


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's --help and --version
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, expected", [
    (["run", "rules"], "'rules' is not KEY=VALUE: did you mean model=rules?"),
    (["run", "rulez"], "did you mean 'rules'?"),
    (["run", "model=rulez"], "model=rulez: no such option; did you mean 'rules'? available: "),
    (["run", "-m", "model=rules,spacy_sn"], "model=spacy_sn: no such option; did you mean 'spacy_sm'?"),
    (["run", "model=spacy_sm", "model.batch_size=abc"], "model.batch_size=abc: Value 'abc' of type 'str' could not be converted to Integer"),
    (["run", "model=rules", "scoring.bootstrap.level=abc"], "scoring.bootstrap.level=abc: Value 'abc' of type 'str' could not be converted to Float"),
])
def test_run_names_the_mistake_and_the_way_out(capsys, argv, expected):
    code, out, err = run_cli(capsys, *argv)
    assert code == 1
    assert expected in err
    assert "Config search path" not in err and "Traceback" not in err
    assert "nothing was run" in err


def test_a_mistyped_subcommand_gets_the_closest_one(capsys):
    code, _, err = run_cli(capsys, "compar", "rules")
    assert code == 2
    assert "no subcommand 'compar'; did you mean 'compare'?" in err
    assert all(name in err for name in SUBCOMMANDS)


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.strip() == f"newsbench {__version__}"


@pytest.mark.parametrize("name", [s for s in SUBCOMMANDS if s != "run"])
def test_every_subcommand_help_has_a_description(capsys, name):
    code, out, _ = run_cli(capsys, name, "--help")
    assert code == 0
    usage, _, rest = out.partition("\n\n")
    description = rest.split("\n\n")[0].strip()
    assert usage.startswith(f"usage: python -m benchmark {name}")
    assert description and description[0].isupper() and description.endswith(".") and "arguments" not in description


def test_a_closed_pipe_ends_quietly():
    """``compare --json ... | head -1``: no BrokenPipeError traceback, exit 141 like a shell tool."""
    command = [sys.executable, "-m", "benchmark", "compare", "--json", "rules", "spacy_sm", "spacy_md"]
    process = subprocess.Popen(command, cwd=paths.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first write: that write fails
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_tables_fit_the_terminal_or_take_a_fixed_width_when_piped(monkeypatch):
    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

        def write(self, text):
            return len(text)

        def flush(self):
            pass

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "stdout", Stream(False))
    assert terminal.console().width == terminal.PIPED_WIDTH  # piped: no terminal to fit
    monkeypatch.setattr(sys, "stdout", Stream(True))
    assert terminal.console().width == 80  # a terminal of 80 columns
