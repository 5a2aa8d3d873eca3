"""A team's tracking server: `mlflow server` with its own sqlite backend and artifact store,
on 127.0.0.1, with a tiny training run, its evaluation and the report against it."""

import socket
import subprocess
import sys
import time
import urllib.request

import mlflow
import pytest

from amt.core import tracking
from amt.data.cache import build_cache
from amt.report.build import build_report
from amt.training.run import train
from tests.conftest import config_of

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A running `mlflow server`; its URL and its artifact store."""
    port, artifacts = free_port(), tmp_path / "server-artifacts"
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}"]
    command += ["--artifacts-destination", str(artifacts), "--workers", "1"]
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        yield url, artifacts
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_run_its_evaluation_and_the_report_go_through_a_tracking_server(
    server, raw_layout, tmp_path, monkeypatch
):
    url, artifacts = server
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    cache = tmp_path / "cache"
    build_cache(raw_layout, cache, workers=1)
    tiny = {"cnn_unit": 4, "fc_unit": 16, "lstm_units": 8, "lstm_layers": 1}
    steps = {"steps": 4, "sequence_length": 8192, "batch_size": 2, "device": "cpu", "processes": 1}
    config = config_of(
        {
            "model": "crnn",
            "models": tiny,
            "train": steps | {"validation_interval": None, "checkpoint_interval": 2},
            "tracking": {"uri": url, "experiment": "amt-team"},
        }
    )
    result = train(config, cache, tmp_path / "model.pt", tmp_path / "last.pt")
    with tracking.open_run(config, run_id=result.run_id):
        mlflow.log_metrics({name: 0.5 for name in ("note_f1", "note_precision", "note_recall")})
    assert mlflow.get_tracking_uri() == url
    assert mlflow.get_run(result.run_id).data.params["tracking.uri"] == url
    assert list(artifacts.rglob("model.pt")), "the model file went to the server's artifact store"
    report = build_report(config.tracking, cache, tmp_path / "reports", tmp_path / "no-stage-times")
    assert list(report.runs["run_id"]) == [result.run_id]
    assert "crnn" in (tmp_path / "reports" / "leaderboard.md").read_text()
