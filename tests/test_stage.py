"""The stages as DVC runs them (``python -m stages.NAME`` in a project folder): the tracking
store is checked before any work."""

import os
import shutil
import subprocess
import sys
import time

import mlflow
import pytest

from amt.config import TrackingConfig
from amt.config.params import load_params
from amt.core import tracking
from amt.models import build_model
from amt.models.checkpoint import save_checkpoint
from tests.conftest import REPO

TINY = {"cnn_unit": 4, "fc_unit": 16, "lstm_units": 8, "lstm_layers": 1}


def stage(name: str, project, uri: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO), "MLFLOW_TRACKING_URI": uri}
    env.pop("DVC_ROOT", None)
    command = [sys.executable, "-m", f"stages.{name}"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path):
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    return tmp_path


@pytest.mark.parametrize("name", ["train", "evaluate", "report"])
def test_an_unusable_store_stops_a_stage_before_any_work_in_one_line(project, name):
    uri = f"sqlite:///{project / 'gone' / 'mlflow.db'}"
    started = time.monotonic()
    result = stage(name, project, uri)
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"amt {name}: error: MLFLOW_TRACKING_URI={uri}: the folder {project / 'gone'} does not exist; "
        "create it or point the URI elsewhere"
    ]


def test_evaluate_refuses_a_model_whose_run_is_not_in_the_store(project, monkeypatch):
    params = load_params(project / "params.yaml")
    model = build_model(params["model"], TINY)
    state = {"model_config": model.config, "model": model.state_dict(), "step": 1, "params": params}
    save_checkpoint(project / "runs" / "model.pt", state | {"run_id": "0123456789abcdef"})
    uri = f"sqlite:///{project / 'mlflow.db'}"
    result = stage("evaluate", project, uri)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"amt evaluate: error: runs/model.pt: its MLflow run 0123456789abcdef is not in {uri} "
        "(was the store deleted or tracking.uri changed since training?); train again: dvc repro -f train"
    ]
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    tracking.use_store(TrackingConfig(uri, params["tracking"]["experiment"]))
    assert not mlflow.search_runs(search_all_experiments=True, output_format="list")
