"""Stopping cleanly and resuming: Ctrl-C / SIGTERM become a request to stop after the
current step, and a checkpoint is resumed only when it was made with the same params and data.
"""

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from amt.config.params import flatten
from amt.core.errors import AmtError
from amt.models.checkpoint import load_checkpoint

log = logging.getLogger(__name__)

# Keys that do not change the weights a run produces: changing them keeps a checkpoint resumable.
RESUME_IGNORES = ("train.workers", "train.validation_interval", "train.checkpoint_interval")


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped training after saving a checkpoint; the message says where."""


def stopped(signal_name: str, step: int, steps: int, checkpoint_path: str | Path) -> TrainingInterrupted:
    """The stop after ``step`` of ``steps``, its checkpoint saved."""
    return TrainingInterrupted(
        f"stopped by {signal_name} at step {step} of {steps}; "
        f"checkpoint saved to {checkpoint_path}; run again to resume"
    )


def stopped_at_checkpoint(signal_name: str, checkpoint_path: str | Path, steps: int) -> TrainingInterrupted:
    """The stop of processes whose launcher was signalled: the step is the one their checkpoint holds."""
    if not Path(checkpoint_path).exists():
        return TrainingInterrupted(f"stopped by {signal_name} before the first checkpoint")
    return stopped(signal_name, load_checkpoint(checkpoint_path)["step"], steps, checkpoint_path)


def died_at_checkpoint(died: str, checkpoint_path: str | Path) -> AmtError:
    """A training process's death in one line, with where a new run takes up."""
    if not Path(checkpoint_path).exists():
        return AmtError(f"{died}; no checkpoint was saved yet: run again to start over")
    step = load_checkpoint(checkpoint_path)["step"]
    return AmtError(f"{died}; run again to resume from the checkpoint at step {step} ({checkpoint_path})")


def resume_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """The params a checkpoint must share with the current run to be resumed."""
    sections = {name: params.get(name) for name in ("model", "models", "train")}
    return {key: value for key, value in flatten(sections).items() if key not in RESUME_IGNORES}


def find_resumable(
    path: str | Path, params: Mapping[str, Any], data_fingerprint: str, steps: int, explain: bool = True
) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if this run can continue it; otherwise None, saying why
    when ``explain`` (one process of several says it)."""
    say = log.warning if explain else log.debug
    path = Path(path)
    if not path.exists():
        return None
    try:
        checkpoint = load_checkpoint(path)
    except AmtError as error:
        say("%s; starting fresh", error)
        return None
    stored, wanted = resume_key(checkpoint["params"]), resume_key(params)
    changed = sorted(key for key in stored.keys() | wanted.keys() if stored.get(key) != wanted.get(key))
    if changed:
        reason = f"it was made with other params ({', '.join(changed)})"
    elif checkpoint.get("data_fingerprint") != data_fingerprint:
        reason = "it was made from another data cache"
    elif checkpoint["step"] >= steps:
        reason = "its run finished"
    else:
        return checkpoint
    say("%s: not resuming, %s; starting fresh", path, reason)
    return None


@contextlib.contextmanager
def stop_requests() -> Iterator[Callable[[], str | None]]:
    """Turn SIGINT and SIGTERM into a request to stop after the current step.

    Yields a function that names the signal once one arrived. A second signal raises
    KeyboardInterrupt at once. Outside the main thread no handler can be set.
    """
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return

    def request(signum: int, _frame: Any) -> None:
        if received:
            raise KeyboardInterrupt
        received.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: received[0] if received else None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
