"""Fake-but-real MLflow runs for the report tests: metrics, params, tags and MIDI artifacts."""

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pytest

from amt.config import Config
from amt.config.params import flatten
from amt.core import tracking
from amt.core.notes import notes_to_midi, write_midi
from amt.inference.metrics import METRIC_NAMES
from tests.conftest import config_of


@contextlib.contextmanager
def isolated_env() -> Iterator[None]:
    """No store or DVC settings from outside; ``mlflow.set_tracking_uri`` also sets
    ``MLFLOW_TRACKING_URI``, which amt.core.tracking prefers, so it is cleared for each store."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("MLFLOW_TRACKING_URI", "DVC_ROOT", "DVC_EXP_NAME"):
            patch.delenv(name, raising=False)
        yield


def store_params(directory: Path) -> Config:
    """A config pointing at a fresh sqlite store in ``directory``."""
    return config_of(
        {
            "model": "onf",
            "train": {
                "steps": 10,
                "sequence_length": 5120,
                "batch_size": 2,
                "precision": "auto",
                "device": "cpu",
            },
            "tracking": {"uri": f"sqlite:///{directory / 'mlflow.db'}", "experiment": "amt-report-test"},
        }
    )


def log_run(
    params: Config,
    model: str,
    note_f1: float,
    fingerprint: str,
    midi: dict[str, np.ndarray] | None = None,
    scored: bool = True,
) -> str:
    """One finished run like train + evaluate make; returns its id."""
    experiment = tracking.use_store(params.tracking)
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.set_tags(
            {
                "model": model,
                "data_fingerprint": fingerprint,
                "git_commit": "abc",
                "dvc_experiment": "workspace",
                "mlflow.runName": f"{model}-{run.info.run_id[:8]}",
            }
        )
        mlflow.log_params(flatten(params.raw | {"model": model}))
        mlflow.log_metrics({"parameters": 12345, "train_seconds": 90.0, "steps_per_second": 3.0})
        if scored:
            mlflow.log_metrics({name: note_f1 if name.endswith("f1") else 0.5 for name in METRIC_NAMES})
        with tempfile.TemporaryDirectory() as tmp:
            for piece_id, notes in (midi or {}).items():
                write_midi(Path(tmp) / f"{piece_id}.mid", notes_to_midi(notes))
            if midi:
                mlflow.log_artifacts(tmp, "eval/midi")
    return run.info.run_id
