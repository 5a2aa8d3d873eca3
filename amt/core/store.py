"""The tracking store, checked before any work: one line naming the URI and what is wrong,
within seconds, instead of MLflow's retries, hangs and tracebacks after the work is done.

An sqlite store must sit in a folder that exists and takes files, and be an SQLite file
when it is there; a server must answer its ``/health`` within SERVER_WAIT_SECONDS; any
other URI must be one MLflow opens (MLflow 3 refuses ``file://`` stores, for one).
"""

import logging
import os
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

from amt.config import TrackingConfig
from amt.core import tracking
from amt.core.disk import unwritable
from amt.core.errors import AmtError

log = logging.getLogger(__name__)

SERVER_WAIT_SECONDS = 10.0
SQLITE_HEADER = b"SQLite format 3\x00"


def check_store(config: TrackingConfig) -> str:
    """Point MLflow at the store once it is known to be usable; return the experiment's id
    (made when new). An AmtError naming the URI when the store is not usable."""
    uri = tracking.tracking_uri(config)
    name = (
        f"{tracking.URI_VARIABLE}={uri}" if os.environ.get(tracking.URI_VARIABLE) else f"tracking.uri {uri}"
    )
    scheme = urlparse(uri).scheme
    if uri.startswith(tracking.SQLITE_PREFIX):
        _check_database(Path(uri.removeprefix(tracking.SQLITE_PREFIX)), name)
    elif scheme in ("http", "https"):
        _wait_for_server(uri, name)
    try:
        return tracking.use_store(config)
    except Exception as error:  # noqa: BLE001 - MLflow's, sqlalchemy's: whatever a broken store raises
        raise AmtError(
            f"{name}: MLflow cannot use this store ({_first_line(error)}); "
            "use sqlite:///PATH/mlflow.db or an http(s):// MLflow server"
        ) from None


def _first_line(error: BaseException) -> str:
    """The error's first sentence (MLflow's and sqlalchemy's go on for lines)."""
    text = str(error).strip()
    return text.splitlines()[0].split(". ")[0] if text else type(error).__name__


def _check_database(database: Path, name: str) -> None:
    folder = database.parent
    if not folder.is_dir():
        raise AmtError(f"{name}: the folder {folder} does not exist; create it or point the URI elsewhere")
    reason = unwritable(folder)
    if reason:
        raise AmtError(f"{name}: cannot write in {folder} ({reason})")
    if not database.exists():
        return
    try:
        with open(database, "r+b") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise AmtError(f"{name}: cannot open {database} for writing ({error.strerror})") from None
    if header and header != SQLITE_HEADER:
        raise AmtError(
            f"{name}: {database} is not an SQLite database; move it away or point the URI elsewhere"
        )


def _wait_for_server(uri: str, name: str) -> None:
    """Wait, at most SERVER_WAIT_SECONDS and saying so, for the server's health check."""
    deadline = time.monotonic() + SERVER_WAIT_SECONDS
    said = False
    while True:
        try:
            answer = requests.get(f"{uri.rstrip('/')}/health", timeout=SERVER_WAIT_SECONDS / 2)
        except requests.RequestException as error:
            reason = type(error).__name__
        else:
            if answer.ok:
                return
            reason = f"HTTP {answer.status_code}"
        if time.monotonic() >= deadline:
            raise AmtError(
                f"{name}: no MLflow server answers there ({reason} for {SERVER_WAIT_SECONDS:.0f} s); "
                "start it (mlflow server ...) or point the URI elsewhere"
            )
        if not said:
            log.warning(
                "waiting up to %.0f s for the MLflow server at %s (%s)", SERVER_WAIT_SECONDS, uri, reason
            )
            said = True
        time.sleep(1.0)
