from pathlib import Path

import mlflow
import pytest

from amt.config import DEFAULT_URI, Config, TrackingConfig
from amt.config.params import flatten
from amt.core import tracking
from amt.core.tracking import artifact_location, main_root, open_run, run_tags, tracking_uri
from tests.conftest import config_of

PARAMS = {"model": "crnn", "tracking": {"experiment": "amt-test"}}


def store_config(uri: str, experiment: str = "amt-test") -> Config:
    return config_of(PARAMS | {"tracking": {"uri": uri, "experiment": experiment}})


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch):
    for name in ("MLFLOW_TRACKING_URI", "DVC_ROOT", "DVC_EXP_NAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Config:
    """A config pointing at one sqlite store for the module (creating one takes seconds)."""
    return store_config(f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}")


def test_dvc_temporary_copies_map_to_the_repository_that_owns_them(tmp_path, monkeypatch):
    copy = tmp_path / "repo" / ".dvc" / "tmp" / "exps" / "tmpk2j9x_a"
    assert main_root(copy) == tmp_path / "repo"
    assert main_root(copy / "sub") == tmp_path / "repo"
    assert main_root(tmp_path / "repo") == tmp_path / "repo"
    copy.mkdir(parents=True)
    monkeypatch.chdir(copy)
    assert main_root() == tmp_path / "repo"
    monkeypatch.setenv("DVC_ROOT", "/elsewhere/project")
    assert main_root() == Path("/elsewhere/project")


def test_relative_sqlite_paths_resolve_at_the_main_root(tmp_path, monkeypatch):
    copy = tmp_path / "repo" / ".dvc" / "tmp" / "exps" / "tmpabc"
    copy.mkdir(parents=True)
    monkeypatch.chdir(copy)
    ours = TrackingConfig("sqlite:///store/mlflow.db", "amt")
    assert tracking_uri(ours) == f"sqlite:///{tmp_path}/repo/store/mlflow.db"
    assert tracking_uri(TrackingConfig(DEFAULT_URI, "amt")) == f"sqlite:///{tmp_path}/repo/mlflow.db"
    assert tracking_uri(TrackingConfig("sqlite:////data/mlflow.db", "amt")) == "sqlite:////data/mlflow.db"
    assert tracking_uri(TrackingConfig("http://mlflow:5000", "amt")) == "http://mlflow:5000"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///team.db")
    assert tracking_uri(ours) == f"sqlite:///{tmp_path}/repo/team.db"


def test_artifacts_go_beside_a_sqlite_database():
    assert artifact_location("sqlite:////srv/amt/mlflow.db") == "file:///srv/amt/mlartifacts"
    assert artifact_location("http://mlflow:5000") is None


def test_run_tags_name_the_model_commit_experiment_and_data(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_EXP_NAME", "tawny-oaks")
    tags = run_tags("crnn", "f1e2d3")
    assert tags["model"] == "crnn" and tags["dvc_experiment"] == "tawny-oaks"
    assert tags["data_fingerprint"] == "f1e2d3"
    assert len(tags["git_commit"]) == 40
    monkeypatch.delenv("DVC_EXP_NAME")
    monkeypatch.chdir(tmp_path)
    assert run_tags("crnn", "f1e2d3")["dvc_experiment"] == "workspace"


def test_a_new_run_is_named_tagged_and_holds_the_flattened_params(store, tmp_path):
    with open_run(store, tags={"model": "crnn"}) as run:
        mlflow.log_metric("loss", 0.5, step=1)
    logged = mlflow.get_run(run.info.run_id)
    assert logged.info.run_name == f"crnn-{run.info.run_id[:8]}"
    assert logged.info.status == "FINISHED"
    assert logged.data.tags["model"] == "crnn"
    assert logged.data.params == {key: str(value) for key, value in flatten(store.raw).items()}
    assert logged.data.params["model"] == "crnn" and logged.data.params["train.clip_grad_norm"] == "3.0"
    database = Path(store.tracking.uri.removeprefix("sqlite:///"))
    assert logged.info.artifact_uri.startswith((database.parent / "mlartifacts").as_uri())


def test_a_run_reopens_by_id_and_an_unknown_id_starts_a_new_run(store):
    with open_run(store) as first:
        mlflow.log_metric("loss", 0.5, step=1)
    with open_run(store, run_id=first.info.run_id) as again:
        mlflow.log_metric("note_f1", 0.7)
    assert again.info.run_id == first.info.run_id
    assert mlflow.get_run(first.info.run_id).data.metrics == {"loss": 0.5, "note_f1": 0.7}
    with open_run(store, run_id="0" * 32) as other:
        pass
    assert other.info.run_id != "0" * 32


def test_interrupted_and_failed_runs_are_marked(store):
    with pytest.raises(KeyboardInterrupt), open_run(store) as interrupted:
        raise KeyboardInterrupt
    with pytest.raises(ValueError), open_run(store) as failed:
        raise ValueError("boom")
    assert mlflow.get_run(interrupted.info.run_id).info.status == "KILLED"
    assert mlflow.get_run(failed.info.run_id).info.status == "FAILED"
    assert mlflow.active_run() is None


def test_a_relative_store_lands_in_the_repository_not_in_a_dvc_copy(tmp_path, monkeypatch):
    copy = tmp_path / "repo" / ".dvc" / "tmp" / "exps" / "tmpq1"
    copy.mkdir(parents=True)
    monkeypatch.chdir(copy)
    with open_run(store_config("sqlite:///mlflow.db", "e")) as run:
        mlflow.log_text("hello", "note.txt")
    assert (tmp_path / "repo" / "mlflow.db").exists() and not (copy / "mlflow.db").exists()
    assert (tmp_path / "repo" / "mlartifacts" / run.info.run_id / "artifacts" / "note.txt").exists()


def test_pointing_at_a_store_does_not_pin_later_choices(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first = TrackingConfig(f"sqlite:///{tmp_path}/one.db", "amt")
    second = TrackingConfig(f"sqlite:///{tmp_path}/two.db", "amt")
    tracking.use_store(first)
    assert tracking.tracking_uri(second) == f"sqlite:///{tmp_path}/two.db"
    tracking.use_store(second)
    assert mlflow.get_tracking_uri() == f"sqlite:///{tmp_path}/two.db"
