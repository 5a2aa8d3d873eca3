"""scripts/queue_gpus.sh: one DVC queue worker per GPU, each experiment seeing its worker's GPU.

No GPU is needed: the stage records the CUDA_VISIBLE_DEVICES it was given."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "queue_gpus.sh"
STAGE = """\
stages:
  show:
    cmd: python -c "import os,time;time.sleep(5);open('out.txt','w').write(os.getenv('CUDA_VISIBLE_DEVICES'))"
    params: [n]
    outs: [out.txt]
"""


def run(*command: str, cwd: Path) -> str:
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_each_worker_runs_its_experiments_on_its_own_gpu(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    run("git", "init", "-q", cwd=tmp_path)
    (tmp_path / "dvc.yaml").write_text(STAGE)
    (tmp_path / "params.yaml").write_text("n: 0\n")
    run("dvc", "init", "-q", cwd=tmp_path)
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init", cwd=tmp_path)
    for n in (1, 2, 3):
        run("dvc", "exp", "run", "--queue", "-S", f"n={n}", cwd=tmp_path)
    said = run("bash", str(SCRIPT), "2", cwd=tmp_path)
    assert "worker 1 runs experiments on GPU 0" in said and "worker 2 runs experiments on GPU 1" in said
    deadline = time.monotonic() + 120
    while "Queued" in run("dvc", "queue", "status", cwd=tmp_path) or "Running" in run(
        "dvc", "queue", "status", cwd=tmp_path
    ):
        assert time.monotonic() < deadline, "the queue did not finish"
        time.sleep(1)
    seen = set()
    for name in run("dvc", "exp", "ls", "--name-only", cwd=tmp_path).split():
        run("dvc", "exp", "apply", "-q", name, cwd=tmp_path)
        run("dvc", "checkout", "-q", cwd=tmp_path)
        seen.add((tmp_path / "out.txt").read_text())
    assert seen == {"0", "1"}
    shutil.rmtree(tmp_path / ".dvc" / "tmp", ignore_errors=True)
