"""End to end: the real DVC pipeline on a tiny profile, in a throwaway git clone."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from amt.config.params import with_overrides

REPO = Path(__file__).resolve().parents[1]
TINY = {
    "data.synth.pieces": {"train": 3, "validation": 1, "test": 1},
    "data.synth.max_seconds": 4.0,
    "models": {"cnn_unit": 4, "fc_unit": 16, "lstm_units": 8, "lstm_layers": 1},
    "train.steps": 6,
    "train.batch_size": 2,
    "train.sequence_length": 16384,
    "train.validation_interval": 3,
    "train.checkpoint_interval": 3,
    "evaluate.threshold_grid": [0.3, 0.5],
    "evaluate.chunk_seconds": 2.0,
    "evaluate.overlap_seconds": 0.5,
}

pytestmark = pytest.mark.slow


def _run(workdir: Path, *command: str) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository holding the project's files and the tiny profile, committed."""
    workdir = tmp_path_factory.mktemp("pipeline") / "amt"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, workdir / name)
    params = with_overrides(yaml.safe_load((workdir / "params.yaml").read_text()), TINY)
    params["model"] = "baseline"
    (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"],
    ):
        _run(workdir, *command)
    return workdir


def _runs(workdir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(workdir / "mlflow.db") as db:
        return db.execute("select name, status from runs order by start_time").fetchall()


def test_repro_builds_every_stage_then_has_nothing_to_do(repo):
    _run(repo, "dvc", "repro")
    assert json.loads((repo / "metrics" / "eval.json").read_text())["note_f1"] >= 0
    assert len(list((repo / "data" / "cache" / "train").glob("*.npz"))) == 3
    assert "up to date" in _run(repo, "dvc", "status", "--with-deps", "evaluate")
    # data.dvc is a --no-download import: DVC lists its archive as not fetched, nothing else.
    assert _run(repo, "dvc", "status", "data.dvc").split() == [
        "data.dvc:",
        "changed",
        "outs:",
        "deleted:",
        "data/maestro-v3.0.0.zip",
    ]
    second = _run(repo, "dvc", "repro")
    assert "Stage 'evaluate' didn't change, skipping" in second
    assert [line for line in second.splitlines() if line.startswith("Running stage")] == [
        "Running stage 'report':"
    ]
    assert "<table" in (repo / "reports" / "index.html").read_text()
    assert [name.split("-")[0] for name, _ in _runs(repo)] == ["baseline"]


def test_experiments_workspace_and_queued_land_in_one_store(repo):
    _run(repo, "dvc", "exp", "run", "evaluate", "-S", "model=lstm")  # as scripts/main.sh runs them
    diff = _run(repo, "dvc", "metrics", "diff", "--md")
    assert "note_f1" in diff
    _run(repo, "dvc", "exp", "run", "--queue", "-S", "model=onf")
    _run(repo, "dvc", "exp", "run", "--run-all")
    runs = _runs(repo)
    assert sorted(name.split("-")[0] for name, _ in runs) == ["baseline", "lstm", "onf"]
    assert {status for _, status in runs} == {"FINISHED"}
    assert "onf" in _run(repo, "dvc", "exp", "show", "--no-pager", "--md")
    _run(repo, "dvc", "repro", "report")
    leaderboard = (repo / "reports" / "leaderboard.md").read_text()
    assert all(model in leaderboard for model in ("baseline", "lstm", "onf"))


def test_cache_and_model_files_round_trip_through_a_dvc_remote(repo, tmp_path):
    remote, origin = tmp_path / "dvc-remote", tmp_path / "origin.git"
    _run(repo, "dvc", "remote", "add", "--local", "-f", "-d", "team", str(remote))
    _run(repo, "dvc", "push", "download", "cache", "train", "evaluate")
    model = (repo / "runs" / "model.pt").read_bytes()
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "data" / "cache")
    (repo / "runs" / "model.pt").unlink()
    _run(repo, "dvc", "pull", "download", "cache", "train", "evaluate")
    assert (repo / "runs" / "model.pt").read_bytes() == model
    assert len(list((repo / "data" / "cache" / "train").glob("*.npz"))) == 3
    assert "up to date" in _run(repo, "dvc", "status", "--with-deps", "evaluate")
    _run(repo, "git", "init", "-q", "--bare", str(origin))
    _run(repo, "git", "remote", "add", "origin", str(origin))
    _run(repo, "dvc", "exp", "run", "evaluate", "-S", "train.steps=3", "-n", "shared")
    _run(repo, "dvc", "exp", "push", "origin", "shared")
    assert "refs/exps/" in _run(repo, "git", "ls-remote", str(origin))
    assert "shared" in _run(repo, "dvc", "exp", "list", "origin")


def test_two_queued_experiments_run_at_once_into_one_store(repo):
    before = len(_runs(repo))
    for model, steps in (("crnn", 3), ("baseline", 4)):
        _run(
            repo,
            "dvc",
            "exp",
            "run",
            "--queue",
            "evaluate",
            "-S",
            f"model={model}",
            "-S",
            f"train.steps={steps}",
        )
    _run(repo, "dvc", "queue", "start", "-j", "2")
    deadline = time.monotonic() + 600
    while any(word in _run(repo, "dvc", "queue", "status") for word in ("Queued", "Running")):
        assert time.monotonic() < deadline, "the queue did not finish in 10 minutes"
        time.sleep(3)
    assert "Failed" not in _run(repo, "dvc", "queue", "status")
    runs = _runs(repo)[before:]
    assert sorted(name.split("-")[0] for name, _ in runs) == ["baseline", "crnn"]
    assert {status for _, status in runs} == {"FINISHED"}
    _run(repo, "dvc", "repro", "report")
    leaderboard = (repo / "reports" / "leaderboard.md").read_text()
    assert all(name in leaderboard for name, _ in runs)
