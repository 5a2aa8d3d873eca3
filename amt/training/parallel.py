"""Data-parallel training on the CPU: processes that each take a share of every batch.

On 2 cores two one-thread processes, each stepping on half the batch, do more steps per
second than one two-thread process (docs/training.md; ``python -m benchmarks.processes``):
torch's CPU kernels leave the second thread idle for much of a small step. DistributedDataParallel
averages the gradients over gloo, so every process holds the same weights. Rank 0 does
what a single process does besides stepping (validation, checkpoints, MLflow); the others
only step. Each process learns of Ctrl-C or SIGTERM through the parent, which forwards
them once; the processes then agree to stop after the same step. Should the parent be
killed outright, the kernel kills its processes too (Linux), so nothing trains on alone.
"""

import contextlib
import os
import pickle
import queue
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from amt.core.log import configure, inherit
from amt.core.processes import die_with

STOP_SIGNALS = ("SIGINT", "SIGTERM")


@dataclass(frozen=True)
class Group:
    """This process's place among the training processes."""

    rank: int = 0
    size: int = 1

    @property
    def leader(self) -> bool:
        return self.rank == 0

    def agree(self, losses: dict[str, float], stop: str | None) -> tuple[dict[str, float], str | None]:
        """Every process's mean losses of the step, and the stop signal any of them received."""
        if self.size == 1:
            return losses, stop
        names = [name for name in losses if name != "lr"]
        values = [losses[name] for name in names] + [float(stop == name) for name in STOP_SIGNALS]
        total = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(total)
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


def launch(size: int, target: Callable[..., Any], *args: Any) -> Any:
    """``target(group, *args)`` in ``size`` processes; rank 0's return value, or the first error raised.

    The parent waits for every process, forwarding SIGINT and SIGTERM to them.
    """
    context = mp.get_context("spawn")
    outcomes = context.Queue()
    threads = max(1, torch.get_num_threads() // size)
    with tempfile.TemporaryDirectory(prefix="amt-train-") as scratch:
        store = str(Path(scratch) / "store")
        processes = [
            context.Process(
                target=_process,
                args=(Group(rank, size), os.getpid(), threads, store, outcomes, inherit(), target, args),
            )
            for rank in range(size)
        ]
        with _forwarding(processes):
            for process in processes:
                process.start()
            results = _collect(processes, outcomes)
    failures = [outcome for _, ok, outcome in results if not ok]
    if failures:
        raise failures[0]
    return next(outcome for rank, _, outcome in results if rank == 0)


@contextlib.contextmanager
def _forwarding(processes: list[mp.Process]) -> Iterator[None]:
    """Pass SIGINT and SIGTERM on to ``processes`` (which sit in a process group of their own)."""

    def forward(signum: int, _frame: Any) -> None:
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _collect(processes: list[mp.Process], outcomes: mp.Queue) -> list[tuple[int, bool, Any]]:
    """(rank, ok, result or exception) of every process, in the order they finished; one that
    died without a word comes first."""
    results: list[tuple[int, bool, Any]] = []
    while len(results) < len(processes):
        try:
            results.append(outcomes.get(timeout=1.0))
        except queue.Empty:
            reported = {rank for rank, _, _ in results}
            for rank, process in enumerate(processes):
                if rank not in reported and process.exitcode is not None:
                    error = RuntimeError(f"training process {rank} died (exit code {process.exitcode})")
                    results.insert(0, (rank, False, error))  # the cause of the others' errors
    for process in processes:
        process.join()
    return results


def _process(
    group: Group,
    parent: int,
    threads: int,
    store: str,
    outcomes: mp.Queue,
    log_settings: tuple[str, int] | None,
    target: Callable[..., Any],
    args: tuple,
) -> None:
    """One training process: join the group, run ``target``, report how it ended."""
    os.setpgid(0, 0)  # signals reach it through the parent only, and so only once
    die_with(parent)
    if log_settings is not None:
        configure(*log_settings)
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=group.rank, world_size=group.size)
    try:
        outcomes.put((group.rank, True, target(group, *args)))
    except BaseException as error:  # noqa: BLE001 - every ending is reported to the parent
        outcomes.put((group.rank, False, _picklable(error)))
    finally:
        dist.destroy_process_group()


def _picklable(error: BaseException) -> BaseException:
    """``error`` if it survives the trip to the parent, else a RuntimeError holding its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to pickle
        return RuntimeError("".join(traceback.format_exception(error)))
    return error
