import socket
import threading
import time

import mlflow
import pytest

from amt.config import TrackingConfig
from amt.core import store
from amt.core.errors import AmtError
from amt.core.store import check_store


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch):
    for name in ("MLFLOW_TRACKING_URI", "DVC_ROOT"):
        monkeypatch.delenv(name, raising=False)


def refused(uri: str) -> str:
    started = time.monotonic()
    with pytest.raises(AmtError) as error:
        check_store(TrackingConfig(uri, "amt-test"))
    assert time.monotonic() - started < 10
    return str(error.value)


def test_a_usable_sqlite_store_is_made_with_its_experiment(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    experiment = check_store(TrackingConfig(uri, "amt-test"))
    assert mlflow.get_tracking_uri() == uri and mlflow.get_experiment(experiment).name == "amt-test"
    assert (tmp_path / "mlflow.db").read_bytes().startswith(store.SQLITE_HEADER)


def test_a_missing_folder_is_named_and_not_made(tmp_path):
    uri = f"sqlite:///{tmp_path / 'nowhere' / 'mlflow.db'}"
    assert refused(uri) == (
        f"tracking.uri {uri}: the folder {tmp_path / 'nowhere'} does not exist; "
        "create it or point the URI elsewhere"
    )
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_that_takes_no_files_is_named(tmp_path):
    uri = "sqlite:////proc/mlflow.db"
    assert refused(uri).startswith(f"tracking.uri {uri}: cannot write in /proc (")


def test_a_database_holding_garbage_is_named_and_kept(tmp_path):
    database = tmp_path / "mlflow.db"
    database.write_bytes(b"not a database at all" * 50)
    assert refused(f"sqlite:///{database}").endswith(
        f"{database} is not an SQLite database; move it away or point the URI elsewhere"
    )
    assert database.read_bytes().startswith(b"not a database")


@pytest.mark.parametrize("uri", ["file:///tmp/mlruns", "junk://somewhere", "not a uri"])
def test_uris_mlflow_cannot_use_are_one_line_saying_what_can(uri):
    message = refused(uri)
    assert message.startswith(f"tracking.uri {uri}: MLflow cannot use this store (")
    assert (
        message.endswith("use sqlite:///PATH/mlflow.db or an http(s):// MLflow server")
        and "\n" not in message
    )


def test_the_environment_variable_is_named_when_it_chose_the_store(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "junk://x")
    assert refused("sqlite:///mlflow.db").startswith("MLFLOW_TRACKING_URI=junk://x: ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_is_down_is_waited_for_briefly_and_named(monkeypatch, caplog):
    monkeypatch.setattr(store, "SERVER_WAIT_SECONDS", 2.0)
    uri = f"http://127.0.0.1:{free_port()}"
    message = refused(uri)
    assert message.startswith(f"tracking.uri {uri}: no MLflow server answers there (ConnectionError for 2 s)")
    assert f"waiting up to 2 s for the MLflow server at {uri}" in caplog.text


def test_a_server_that_accepts_and_never_answers_is_given_up_on(monkeypatch):
    monkeypatch.setattr(store, "SERVER_WAIT_SECONDS", 2.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        keep = []
        threading.Thread(target=lambda: keep.append(silent.accept()), daemon=True).start()
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        assert "no MLflow server answers there (ReadTimeout for 2 s)" in refused(uri)
