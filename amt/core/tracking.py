"""MLflow tracking: one store per repository, one experiment, one run per trained model.

The store is ``$MLFLOW_TRACKING_URI`` or params.yaml's ``tracking.uri``. A relative
sqlite path resolves at the main repository root, not at the working directory: DVC
runs queued experiments (``dvc exp run --queue`` + ``dvc queue start``) in temporary
copies under ``<root>/.dvc/tmp/exps/tmpXXXX`` and sets ``DVC_ROOT`` to ``<root>`` for
them (checked with DVC 3.67), so every run lands in the same database. Artifacts go to
``mlartifacts/`` beside that database, fixed when the experiment is created.
"""

import contextlib
import logging
import os
import subprocess
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import mlflow
from mlflow.entities import RunStatus
from mlflow.exceptions import MlflowException

from amt.config import Config, TrackingConfig
from amt.config.params import flatten

URI_VARIABLE = "MLFLOW_TRACKING_URI"
SQLITE_PREFIX = "sqlite:///"
ARTIFACT_DIR = "mlartifacts"
DVC_TEMP_COPIES = os.path.join(os.sep, ".dvc", "tmp", "exps", "")


def main_root(start: str | os.PathLike | None = None) -> Path:
    """The repository whose store this process writes to.

    ``start`` defaults to ``$DVC_ROOT`` (set by DVC for every stage) or the working
    directory; a path inside one of DVC's temporary experiment copies maps to the
    repository that owns the copies.
    """
    base = str(start or os.environ.get("DVC_ROOT") or os.getcwd())
    return Path(base.split(DVC_TEMP_COPIES)[0])


def tracking_uri(tracking: TrackingConfig, root: str | os.PathLike | None = None) -> str:
    """The tracking URI, with a relative sqlite path made absolute at ``main_root(root)``."""
    uri = os.environ.get(URI_VARIABLE) or tracking.uri
    if not uri.startswith(SQLITE_PREFIX):
        return uri
    database = Path(uri.removeprefix(SQLITE_PREFIX))
    if not database.is_absolute():
        database = main_root(root) / database
    return f"{SQLITE_PREFIX}{database}"


def artifact_location(uri: str) -> str | None:
    """``mlartifacts/`` beside a sqlite database; None lets other stores (servers) choose."""
    if not uri.startswith(SQLITE_PREFIX):
        return None
    return (Path(uri.removeprefix(SQLITE_PREFIX)).parent / ARTIFACT_DIR).as_uri()


def _quiet() -> None:
    """No INFO chatter (database migrations), no deprecation notes meant for MLflow's
    developers, no system-metrics thread."""
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"mlflow\.")
    mlflow.disable_system_metrics_logging()


def _set_uri_keeping_environment(uri: str) -> None:
    """``mlflow.set_tracking_uri`` also exports MLFLOW_TRACKING_URI, which tracking_uri()
    reads as the user's choice: put the user's value (or its absence) back."""
    users = os.environ.get(URI_VARIABLE)
    mlflow.set_tracking_uri(uri)
    if users is None:
        os.environ.pop(URI_VARIABLE, None)
    else:
        os.environ[URI_VARIABLE] = users


def use_store(tracking: TrackingConfig) -> str:
    """Point MLflow at the project's store and experiment; return the experiment id."""
    _quiet()
    uri = tracking_uri(tracking)
    _set_uri_keeping_environment(uri)
    name = tracking.experiment
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    try:
        return mlflow.create_experiment(name, artifact_location=artifact_location(uri))
    except MlflowException:
        made = mlflow.get_experiment_by_name(name)  # by a process started at the same time (dvc queue -j 2)
        if made is None:
            raise
        return made.experiment_id


def _git_commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def run_tags(model: str, data_fingerprint: str) -> dict[str, str]:
    """Tags of a training run: model, git commit, DVC experiment and the fingerprint of its data."""
    return {
        "model": model,
        "git_commit": _git_commit(),
        "dvc_experiment": os.environ.get("DVC_EXP_NAME", "workspace"),
        "data_fingerprint": data_fingerprint,
    }


def run_exists(run_id: str) -> bool:
    """Whether the store MLflow points at holds run ``run_id``."""
    try:
        mlflow.get_run(run_id)
    except MlflowException:
        return False
    return True


def _new_run(experiment_id: str, config: Config, tags: Mapping[str, str]) -> mlflow.ActiveRun:
    run = mlflow.start_run(experiment_id=experiment_id, tags=dict(tags))
    mlflow.set_tag("mlflow.runName", f"{config.model}-{run.info.run_id[:8]}")
    mlflow.log_params(flatten(config.raw))
    return run


@contextlib.contextmanager
def open_run(
    config: Config, run_id: str | None = None, tags: Mapping[str, str] | None = None
) -> Iterator[mlflow.ActiveRun]:
    """Reopen run ``run_id`` or start a new one named ``<model>-<id>`` with ``tags`` and params.

    A ``run_id`` that this store does not know (a model trained elsewhere) starts a new
    run. The run ends FINISHED, KILLED on Ctrl-C / SIGTERM, FAILED on an error.
    """
    experiment_id = use_store(config.tracking)
    if run_id is not None and run_exists(run_id):
        run = mlflow.start_run(run_id=run_id)
    else:
        run = _new_run(experiment_id, config, tags or {})
    try:
        yield run
    except KeyboardInterrupt:
        mlflow.end_run(RunStatus.to_string(RunStatus.KILLED))
        raise
    except BaseException:
        mlflow.end_run(RunStatus.to_string(RunStatus.FAILED))
        raise
    mlflow.end_run()
