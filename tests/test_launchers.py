"""Multiruns through Hydra's launchers give the scores of a sequential run.

``python -m benchmark run -m ... hydra/launcher=joblib`` (local processes) and
``hydra/launcher=submitit_local`` (submitit's local executor, the stand-in for
``submitit_slurm``) run the jobs at the same time. Each launcher here starts
from an empty Hugging Face cache, so the two jobs build the dataset cache and
copy the metric modules concurrently, and the joblib jobs publish at the same
time: the results must still be byte-identical to a sequential run, and the
leaderboard consistent. Works in a copy of the repository with two cheap
systems (the rules baseline and a predictions submission).
"""

import json
import os
import subprocess
import sys

import pytest
from conftest import copy_repository

from benchmark import paths

SYSTEMS = ("rules", "example")
EXAMPLE_CONFIG = """_target_: benchmark.systems.predictions.PredictionsExtractor
path: leaderboard/submissions/example.jsonl
name: example
version: submitted
metadata: null
"""
SCORES = ("metrics", "intervals", "tables", "alignment")


def _multirun(repo, sweep_dir, *overrides, hf_home=None):
    env = dict(os.environ, HF_HOME=str(hf_home)) if hf_home else None
    command = [sys.executable, "-m", "benchmark", "run", "-m", f"model={','.join(SYSTEMS)}", f"hydra.sweep.dir={sweep_dir}", *overrides]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {name: sweep_dir / f"{i}_{name}" for i, name in enumerate(SYSTEMS)}


@pytest.fixture(scope="module")
def repo(tmp_path_factory, gold_records_pristine):
    copy = copy_repository(tmp_path_factory.mktemp("repo") / "newsbench")
    for result in (copy / "leaderboard" / "results").rglob("*.json"):
        result.unlink()  # the parallel jobs publish new entries (every track's results go)
    (copy / "configs" / "model" / "example.yaml").write_text(EXAMPLE_CONFIG, encoding="utf-8")
    records = [dict(r, entities=r["entities"][1:]) for r in gold_records_pristine]  # every document, one mention short
    submission = copy / "leaderboard" / "submissions" / "example.jsonl"
    submission.parent.mkdir(parents=True, exist_ok=True)
    submission.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def sequential(repo, tmp_path_factory):
    return _multirun(repo, tmp_path_factory.mktemp("sequential") / "sweep")


def _scores(run_dir):
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    return {key: json.dumps(results[key], sort_keys=True) for key in SCORES}


def _assert_same_as_sequential(runs, sequential):
    for name in SYSTEMS:
        assert _scores(runs[name]) == _scores(sequential[name]), name
        assert (runs[name] / "predictions.jsonl").read_bytes() == (sequential[name] / "predictions.jsonl").read_bytes()


def test_joblib_multirun_matches_a_sequential_run(repo, sequential, tmp_path):
    runs = _multirun(repo, tmp_path / "sweep", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "publish=true", hf_home=tmp_path / "hf")
    _assert_same_as_sequential(runs, sequential)
    published = {name: json.loads((repo / "leaderboard" / "results" / f"{name}.json").read_text()) for name in SYSTEMS}
    for name in SYSTEMS:  # both concurrent publishes landed, whole
        assert json.dumps(published[name]["metrics"], sort_keys=True) == _scores(sequential[name])["metrics"]
    rebuilt = subprocess.run([sys.executable, "-m", "benchmark", "leaderboard"], cwd=repo, capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0 and "leaderboard: 0 file(s) changed" in rebuilt.stdout, rebuilt.stdout + rebuilt.stderr
    assert not list((repo / "leaderboard").rglob("*.tmp"))


def test_submitit_local_multirun_matches_a_sequential_run(repo, sequential, tmp_path):
    runs = _multirun(repo, tmp_path / "sweep", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=20", hf_home=tmp_path / "hf")
    _assert_same_as_sequential(runs, sequential)
    assert list((tmp_path / "sweep" / ".submitit").iterdir())  # the jobs really went through submitit


def test_slurm_preset_extends_the_plugin_launcher():
    from hydra import compose, initialize_config_dir


    overrides = ["model=rules", "hydra/launcher=slurm", "hydra.launcher.partition=cpu", "hydra.launcher.mem_gb=32"]
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=overrides, return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_ == "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    assert (launcher.partition, launcher.mem_gb, launcher.cpus_per_task, launcher.timeout_min) == ("cpu", 32, 2, 60)
    with pytest.raises(Exception, match="mem_gb"):  # typed by the plugin's schema
        with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
            compose(config_name="run", overrides=["model=rules", "hydra/launcher=slurm", "hydra.launcher.mem_gb=lots"], return_hydra_config=True)
