"""Data-parallel training through torch's own launcher: processes that each take a share of every batch.

Under ``torchrun`` (one machine or several) every process finds its place in the variables
the launcher sets (RANK, WORLD_SIZE, LOCAL_RANK) and joins the group there: NCCL on CUDA,
one GPU per process, gloo on the CPU. ``train.processes: N`` on one machine starts the same
code through torch's launcher API (``elastic_launch``, what torchrun runs). On 2 cores two
one-thread processes, each stepping on half the batch, do more steps per second than one
two-thread process (docs/benchmarks.md). DistributedDataParallel averages the gradients, so
every process holds the same weights; rank 0 does what a single process does besides
stepping (validation, checkpoints, MLflow); the others only step.

What torch's launcher does not do, and this module adds:

- a clean stop: the launcher forwards SIGINT or SIGTERM to every process once (each launched
  process sits in a process group of its own, as torchrun's do, so a terminal's Ctrl-C does
  not reach it twice); the processes agree to stop after the same step and rank 0 checkpoints;
- processes that die with their launcher: killed outright (kill -9), it runs no clean-up, and
  its processes would train on alone (the kernel's parent-death signal ends them);
- errors that come back as the exceptions they were (one line for a user's mistake), not
  as the launcher's report of failed processes; a process that dies (kill -9, out of
  memory) as ``Died``, naming it, and the group's loss of it, in the others, as ``Died`` too;
- a quick exit after a stop: torch's launched process waits for its launcher to read its
  result, which a launcher shutting down on a signal never does (30 s, then SIGKILL), so a
  process that stopped leaves at once; the launcher reads its checkpoint instead.
"""

import contextlib
import gc
import logging
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.distributed.elastic.multiprocessing import DefaultLogsSpecs, SignalException
from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
from torch.distributed.launcher.api import LaunchConfig, elastic_launch
from tqdm import tqdm

from amt.core.log import configure, inherit
from amt.core.processes import die_with

STOP_SIGNALS = ("SIGINT", "SIGTERM")
PLACE = ("RANK", "WORLD_SIZE", "LOCAL_RANK")  # set by torchrun and by elastic_launch


STOPPED_EXIT = 130  # a launched process that stopped on the launcher's signal
QUIET_LOGGERS = ("torch.distributed.elastic", "torch.multiprocessing.spawn")  # their notes are ours to say


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM reached the launcher; its processes stopped (the message: the signal)."""


class Died(Exception):
    """A training process died, or the group lost one; the message says which, in words."""


@dataclass(frozen=True)
class Group:
    """This process's place among the training processes."""

    rank: int = 0
    size: int = 1
    device: str = "cpu"  # where the group's collectives run: cpu (gloo) or cuda (NCCL)

    @property
    def leader(self) -> bool:
        return self.rank == 0

    def agree(self, losses: dict[str, float], stop: str | None) -> tuple[dict[str, float], str | None]:
        """Every process's mean losses of the step, and the stop signal any of them received."""
        if self.size == 1:
            return losses, stop
        names = [name for name in losses if name != "lr"]
        values = [losses[name] for name in names] + [float(stop == name) for name in STOP_SIGNALS]
        total = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(total)
        total = total.cpu()
        means = dict(zip(names, (total[: len(names)] / self.size).tolist(), strict=True))
        received = [name for name, count in zip(STOP_SIGNALS, total[len(names) :], strict=True) if count > 0]
        return means | {"lr": losses["lr"]}, received[0] if received else None

    @contextlib.contextmanager
    def all_threads(self) -> Iterator[None]:
        """Run the leader's solo work (validation) on every process's threads: the others wait
        in the next collective, which blocks without using a core (onf's validation pass on 2
        cores: 8 s instead of 13)."""
        threads = torch.get_num_threads()
        torch.set_num_threads(threads * self.size)
        try:
            yield
        finally:
            torch.set_num_threads(threads)

    def reseed(self, seed: int, step: int) -> None:
        """Rank > 0: dropout draws of its own, fixed by (seed, rank, step) so a resumed run repeats them.

        Rank 0 keeps the global generator (saved in checkpoints), as a single process does.
        """
        if not self.leader:
            torch.manual_seed(int(np.random.SeedSequence([seed, self.rank, step]).generate_state(1)[0]))


SINGLE = Group()


def launched() -> bool:
    """Whether a launcher (torchrun, elastic_launch) started this process as one of a group."""
    return all(name in os.environ for name in PLACE)


@contextlib.contextmanager
def joined(device: str) -> Iterator[Group]:
    """This process's place in the group a launcher started it in, joined while in the block.

    On CUDA each process takes the GPU of its local rank. The process dies with its launcher.
    """
    rank, size, local_rank = (int(os.environ[name]) for name in PLACE)
    die_with(os.getppid())
    if device == "cuda":
        torch.cuda.set_device(local_rank)
    dist.init_process_group("nccl" if device == "cuda" else "gloo")
    try:
        yield Group(rank, size, device)
    except RuntimeError as error:
        if not _lost_peer(error):
            raise
        for sig in (signal.SIGINT, signal.SIGTERM):  # the launcher's stop would cut short the line
            signal.signal(sig, signal.SIG_IGN)
        reason = str(error).split("] ")[-1].split(". ")[0]
        raise Died(
            f"training process {rank} of {size} lost the others ({reason}): one of them died"
        ) from None
    finally:
        dist.destroy_process_group()


def _lost_peer(error: RuntimeError) -> bool:
    """Whether ``error`` is a collective's failure to reach another process of the group."""
    return isinstance(error, dist.DistError) or any(name in str(error) for name in ("gloo", "NCCL"))


def launch(size: int, device: str, target: Callable[..., Any], *args: Any) -> Any:
    """``target(group, *args)`` in ``size`` processes on this machine, started by torch's
    launcher; rank 0's return value, or the error that ended the group.

    Raises Stopped when SIGINT or SIGTERM reached the launcher (it passes the signal on and
    waits for the processes to stop).
    """
    config = LaunchConfig(
        min_nodes=1,
        max_nodes=1,
        nproc_per_node=size,
        run_id=f"amt-{uuid.uuid4().hex[:8]}",
        rdzv_backend="c10d",
        rdzv_endpoint="127.0.0.1:0",
        max_restarts=0,
        monitor_interval=0.1,
        start_method="spawn",
        logs_specs=DefaultLogsSpecs(log_dir=os.devnull),  # else an empty folder in /tmp per run
    )
    threads = max(1, torch.get_num_threads() // size)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    ending: BaseException | None = None
    try:
        outcomes = elastic_launch(config, _launched)(threads, inherit(), device, target, args)
    except SignalException as stop:
        ending = Stopped(signal.Signals(stop.sigval).name)
    except ChildFailedError as error:
        ending = _died(error, size)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if ending is not None:  # raised here, so that the launcher's frames (and its semaphores) can go
        gc.collect()
        raise ending
    return _result(outcomes)


def _died(error: ChildFailedError, size: int) -> BaseException:
    """The launcher's report of failed processes in words: the one killed by a signal first
    (the others' failures are its echoes); a stop that reached the processes alone, as Stopped."""
    failures = sorted(error.failures.items(), key=lambda item: (item[1].exitcode >= 0, item[0]))
    rank, failure = failures[0]
    if all(found.exitcode == STOPPED_EXIT for _, found in failures):
        return Stopped("a signal to a training process")
    if failure.exitcode < 0:
        return Died(
            f"training process {rank} of {size} died (killed by {signal.Signals(-failure.exitcode).name})"
        )
    return Died(f"training process {rank} of {size} died (exit code {failure.exitcode})")


def _result(outcomes: dict[int, tuple[bool, Any, float]]) -> Any:
    """Rank 0's result; else the first error raised (the others' are its echoes in the collectives)."""
    errors = [(when, outcome) for ok, outcome, when in outcomes.values() if not ok]
    if errors:
        raise min(errors, key=lambda error: error[0])[1]
    return outcomes[0][1]


def _launched(
    threads: int, log_settings: tuple[str, int] | None, device: str, target: Callable[..., Any], args: tuple
) -> tuple[bool, Any, float]:
    """One launched training process: (True, what ``target`` returned) or (False, its error),
    and when it ended."""
    os.setpgid(0, 0)  # signals reach it through the launcher only, and so only once
    tqdm.set_lock(threading.RLock())  # not tqdm's default, a semaphore that a quick exit would leak
    if log_settings is not None:
        configure(*log_settings)
    torch.set_num_threads(threads)
    with joined(device) as group:
        try:
            return True, target(group, *args), time.time()
        except KeyboardInterrupt:  # the launcher's signal, passed on: it reads no result now
            pass
        except BaseException as error:  # noqa: BLE001 - every ending is reported to the launcher
            return False, _picklable(error), time.time()  # before the group is left
    sys.stderr.flush()
    os._exit(STOPPED_EXIT)


def _picklable(error: BaseException) -> BaseException:
    """``error`` if it survives the trip to the launcher, else a RuntimeError holding its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to pickle
        return RuntimeError("".join(traceback.format_exception(error)))
    return error
