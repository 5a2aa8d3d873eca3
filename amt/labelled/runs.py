"""The MLflow run a model file came from: where its tuned thresholds are read and where the
scores on a labelled set are logged, as ``real/<set>/<metric>`` beside the synthetic test."""

import logging

import mlflow
from mlflow.entities import Run
from mlflow.exceptions import MlflowException

from amt.config import TrackingConfig
from amt.config.reader import Reader
from amt.core import tracking
from amt.core.errors import AmtError
from amt.inference.decoding import Thresholds
from amt.models.checkpoint import ModelFile

log = logging.getLogger(__name__)

PREFIX = "real"
TUNED = ("onset_threshold", "frame_threshold")  # logged by the evaluate stage, tuned on validation


def metric_name(set_name: str, metric: str) -> str:
    return f"{PREFIX}/{set_name}/{metric}"


def model_run(loaded: ModelFile) -> Run | None:
    """The run of the model file in the store its params name, if that store holds it."""
    if not loaded.run_id:
        return None
    try:
        tracking.use_store(TrackingConfig.read(Reader(loaded.params, str(loaded.path))))
        return mlflow.get_run(loaded.run_id)
    except (MlflowException, AmtError) as error:
        log.info("%s: its MLflow run %s is not in this store (%s)", loaded.path, loaded.run_id, error)
        return None


def tuned_thresholds(run: Run | None) -> Thresholds | None:
    """The thresholds the evaluate stage tuned on validation for this run, if it did."""
    if run is None or not all(name in run.data.metrics for name in TUNED):
        return None
    return Thresholds(*(run.data.metrics[name] for name in TUNED))


def log_scores(run: Run, set_name: str, means: dict[str, float], files: list[str]) -> None:
    """The mean metrics as ``real/<set>/<metric>`` and the result files as artifacts of the run."""
    with mlflow.start_run(run_id=run.info.run_id):
        mlflow.log_metrics({metric_name(set_name, name): value for name, value in means.items()})
        for file in files:
            mlflow.log_artifact(file, f"{PREFIX}/{set_name}")
