"""The MLflow run a model file came from: where its tuned thresholds are read and where the
scores on a labelled set are logged, as ``real/<set>/<metric>`` beside the synthetic test."""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Metric, Run
from mlflow.exceptions import MlflowException

from amt.config import TrackingConfig
from amt.config.reader import Reader
from amt.core import tracking
from amt.core.errors import AmtError
from amt.core.store import check_store
from amt.inference.decoding import Thresholds
from amt.models.checkpoint import ModelFile

log = logging.getLogger(__name__)

PREFIX = "real"
TUNED = ("onset_threshold", "frame_threshold")  # logged by the evaluate stage, tuned on validation


@dataclass(frozen=True)
class ModelRun:
    """A model file's MLflow run, with a client of the store that holds it."""

    client: MlflowClient
    run: Run


def metric_name(set_name: str, metric: str) -> str:
    return f"{PREFIX}/{set_name}/{metric}"


def model_run(loaded: ModelFile) -> ModelRun | None:
    """The run of the model file in the store its params name, if that store exists and holds
    it; never makes a store (an sqlite database that is not there stays not there)."""
    if not loaded.run_id:
        return None
    try:
        config = TrackingConfig.read(Reader(loaded.params, str(loaded.path)))
    except AmtError as error:
        log.info("%s: no usable tracking settings (%s); nothing is logged", loaded.path, error)
        return None
    uri = tracking.tracking_uri(config)
    database = Path(uri.removeprefix(tracking.SQLITE_PREFIX))
    if uri.startswith(tracking.SQLITE_PREFIX) and not database.is_file():
        log.info("%s: its MLflow store %s is not here; nothing is logged", loaded.path, database)
        return None
    try:
        check_store(config)
    except AmtError as error:
        raise AmtError(f"{error} (the store {loaded.path}'s params name)") from None
    client = MlflowClient(tracking_uri=uri)
    try:
        return ModelRun(client, client.get_run(loaded.run_id))
    except MlflowException:
        log.info("%s: its MLflow run %s is not in %s; nothing is logged", loaded.path, loaded.run_id, uri)
        return None


def tuned_thresholds(found: ModelRun | None) -> Thresholds | None:
    """The thresholds the evaluate stage tuned on validation for this run, if it did."""
    if found is None or not all(name in found.run.data.metrics for name in TUNED):
        return None
    return Thresholds(*(found.run.data.metrics[name] for name in TUNED))


def log_scores(found: ModelRun, set_name: str, means: dict[str, float], files: list[str]) -> None:
    """The mean metrics as ``real/<set>/<metric>`` and the result files as artifacts of the run."""
    run_id, now = found.run.info.run_id, int(time.time() * 1000)
    metrics = [Metric(metric_name(set_name, name), value, now, 0) for name, value in means.items()]
    found.client.log_batch(run_id, metrics=metrics)
    for file in files:
        found.client.log_artifact(run_id, file, f"{PREFIX}/{set_name}")
