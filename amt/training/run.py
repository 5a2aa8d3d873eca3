"""The training loop: params.yaml's ``train`` section in, a model file and its curves out.

Every input is checked before any work. Segments come from ``SegmentDataset`` in index
order (item ``i`` is fixed by the seed), the global torch RNG is saved in checkpoints,
and the DataLoader has its own generator, so a run that is killed and resumed takes
exactly the steps an uninterrupted run takes (bit for bit on the CPU).

Ctrl-C or SIGTERM stop at the end of the current step with a checkpoint; a second one
stops at once. ``kill -9`` loses the steps since the last checkpoint, no more.
"""

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader
from tqdm import tqdm

from amt.core import tracking
from amt.core.constants import CACHE_DIR, CHECKPOINT_FILE, MODEL_FILE, SAMPLE_RATE
from amt.core.device import Placement
from amt.core.errors import AmtError
from amt.core.params import flatten, get
from amt.data.cache import fingerprint, pieces, read_piece
from amt.data.dataset import SegmentDataset
from amt.inference.evaluation import evaluate_split
from amt.models import TranscriptionModel, build_model, count_parameters, init_output_biases
from amt.models.checkpoint import load_checkpoint, save_checkpoint
from amt.training import parallel
from amt.training.settings import TrainSettings

log = logging.getLogger(__name__)

OUTPUTS = ("onset", "frame")
SHOWN_METRICS = ("validation_note_f1", "validation_note_offset_f1", "validation_frame_f1")
# Logged once per run, at its end (the losses have been logged all along).
RUN_METRICS = (
    "steps",
    "parameters",
    "steps_per_second",
    "audio_seconds_per_second",
    "train_seconds",
    "wall_seconds",
)
# Keys that do not change the weights a run produces: changing them keeps a checkpoint resumable.
RESUME_IGNORES = ("train.workers", "train.validation_interval", "train.checkpoint_interval")


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped training after saving a checkpoint; the message says where."""


def _due(step: int, interval: int | None) -> bool:
    """Whether something done every ``interval`` steps (None: never) is due after ``step``."""
    return interval is not None and step % interval == 0


def label_rates(cache_dir: str | Path) -> dict[str, float]:
    """Share of (frame, key) cells holding an onset / a sounding note in the training split."""
    totals, cells = dict.fromkeys(OUTPUTS, 0), 0
    for file in pieces(cache_dir, "train")["file"]:
        data = read_piece(Path(cache_dir) / file, OUTPUTS)
        for name in OUTPUTS:
            totals[name] += int(np.count_nonzero(data[name]))
        cells += data["frame"].size
    return {f"{name}_rate": totals[name] / cells for name in OUTPUTS}


def warmed_up_ema(decay: float) -> Callable[[list[torch.Tensor], list[torch.Tensor], torch.Tensor], None]:
    """An ``AveragedModel`` update: an exponential moving average whose decay warms up.

    Update ``n`` (the first one copies the weights) uses ``min(decay, (1 + n) / (10 + n))``,
    as TensorFlow's ExponentialMovingAverage does with ``num_updates``: a plain 0.999 would
    still give the random initial weights a share of 0.999 ** 1000 = 37% after 1000 steps.
    Integer buffers (batch norm's step counter) take the current value.
    """

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], updates: torch.Tensor) -> None:
        if not averaged[0].is_floating_point():
            torch._foreach_copy_(averaged, current)
            return
        count = int(updates)
        torch._foreach_lerp_(averaged, current, 1.0 - min(decay, (1 + count) / (10 + count)))

    return update


class Trainer:
    """A model with its optimiser, learning-rate schedule and loss scaler: one step at a time.

    AdamW with ``weight_decay`` 0 is the homework's Adam. Gradients are clipped after
    unscaling and before the optimiser step (clipping after the step does nothing). With
    ``ema_decay`` it also keeps an exponential moving average of the weights (and of the
    batch-norm statistics), which is what gets validated and saved: it smooths out the
    step-to-step noise of small batches.
    """

    def __init__(
        self, model: TranscriptionModel, settings: TrainSettings, group: parallel.Group = parallel.SINGLE
    ) -> None:
        self.settings = settings
        self.where = settings.placement
        self.model = model.to(self.where.device).train()
        self.network = model if group.size == 1 else DistributedDataParallel(model)
        self.optimizer = torch.optim.AdamW(
            model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, step_size=settings.lr_decay_steps, gamma=settings.lr_decay_rate
        )
        self.scaler = self.where.grad_scaler()
        self.average = (
            None
            if settings.ema_decay is None
            else AveragedModel(model, multi_avg_fn=warmed_up_ema(settings.ema_decay), use_buffers=True)
        )

    @property
    def final_model(self) -> TranscriptionModel:
        """The weights to validate and save: the moving average if there is one."""
        return self.model if self.average is None else self.average.module

    def step(self, batch: Mapping[str, torch.Tensor]) -> dict[str, float]:
        """One optimiser step on ``batch``; return its losses and learning rate."""
        device = self.where.device
        with self.where.autocast():
            logits = self.network(batch["audio"].to(device, non_blocking=True))
        losses = {
            f"{name}_loss": F.binary_cross_entropy_with_logits(logits[name].float(), batch[name].to(device))
            for name in OUTPUTS
        }
        loss = sum(losses.values())
        learning_rate = self.optimizer.param_groups[0]["lr"]
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.settings.clip_grad_norm is not None:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings.clip_grad_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        if self.average is not None:
            self.average.update_parameters(self.model)
        return {"loss": loss.item(), **{k: v.item() for k, v in losses.items()}, "lr": learning_rate}

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs: the weights in training (not their average), optimiser and all."""
        rng = {"torch": torch.get_rng_state()}
        if self.where.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state_all()
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng": rng,
        }
        if self.average is not None:
            state["average"] = self.average.state_dict()
        return state

    def load_state_dict(self, checkpoint: Mapping[str, Any]) -> None:
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        self.scaler.load_state_dict(checkpoint["scaler"])
        if self.average is not None:
            self.average.load_state_dict(checkpoint["average"])
        torch.set_rng_state(checkpoint["rng"]["torch"])
        if "cuda" in checkpoint["rng"] and self.where.device.type == "cuda":
            torch.cuda.set_rng_state_all(checkpoint["rng"]["cuda"])


@dataclass
class Progress:
    """What a run has done so far; saved in checkpoints so curves survive a resume."""

    step: int = 0
    curve: list[dict[str, float]] = field(default_factory=list)  # one row per logged step
    validation: list[dict[str, float]] = field(default_factory=list)  # one row per validation
    window: list[dict[str, float]] = field(default_factory=list)  # step losses since the last row
    train_seconds: float = 0.0  # time in steps (data loading included), all sessions
    wall_seconds: float = 0.0  # time in training sessions, validation and checkpoints included

    def add(self, losses: dict[str, float]) -> None:
        self.step += 1
        self.window.append(losses)

    def close_window(self) -> dict[str, float]:
        """The mean of the losses since the last row, as a new curve row."""
        row = {"step": self.step, **pd.DataFrame(self.window).mean().to_dict()}
        self.curve.append(row)
        self.window = []
        return row


@dataclass
class TrainResult:
    """A finished run: summary (metrics/train.json), curve (metrics/train_curve.csv), run id."""

    summary: dict[str, float]
    curve: pd.DataFrame
    run_id: str


def resume_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """The params a checkpoint must share with the current run to be resumed."""
    sections = {name: params.get(name) for name in ("model", "models", "train")}
    return {key: value for key, value in flatten(sections).items() if key not in RESUME_IGNORES}


def find_resumable(
    path: str | Path, params: Mapping[str, Any], data_fingerprint: str, steps: int
) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if this run can continue it; otherwise None, saying why."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        checkpoint = load_checkpoint(path)
    except AmtError as error:
        log.warning("%s; starting fresh", error)
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
    log.warning("%s: not resuming, %s; starting fresh", path, reason)
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


def _ignore_sigint(_worker: int) -> None:
    """DataLoader workers leave Ctrl-C to the main process, which stops cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def batches(
    dataset: SegmentDataset, settings: TrainSettings, start: int, group: parallel.Group = parallel.SINGLE
) -> DataLoader:
    """Batches from step ``start`` on: items ``start * batch_size`` onwards, in order; each
    process of ``group`` takes its share of every batch."""
    size, share = settings.batch_size, settings.batch_size // group.size
    items = (
        step * size + group.rank * share + i for step in range(start, settings.steps) for i in range(share)
    )
    return DataLoader(
        dataset,
        batch_size=share,
        sampler=list(items),
        num_workers=settings.workers,
        worker_init_fn=_ignore_sigint if settings.workers else None,
        generator=torch.Generator().manual_seed(settings.seed),
        pin_memory=settings.placement.device.type == "cuda",
    )


def _validate(
    model: TranscriptionModel, cache_dir: str | Path, params: Mapping[str, Any], where: Placement
) -> dict[str, float]:
    """Mean validation metrics at params' thresholds, named ``validation_<metric>``."""
    try:
        with torch.no_grad(), where.autocast():
            metrics, _, _ = evaluate_split(
                model, cache_dir, "validation", get(params, "evaluate"), where.device
            )
    finally:
        model.train()
    return {f"validation_{name}": value for name, value in metrics.items()}


class Run:
    """One training session: the trainer, its progress and where it reports."""

    def __init__(
        self,
        params: Mapping[str, Any],
        settings: TrainSettings,
        cache_dir: str | Path,
        group: parallel.Group = parallel.SINGLE,
    ) -> None:
        self.params, self.settings, self.cache_dir, self.group = params, settings, Path(cache_dir), group
        self.dataset = SegmentDataset(
            cache_dir, "train", settings.sequence_length, settings.seed, settings.steps * settings.batch_size
        )
        self.fingerprint = fingerprint(cache_dir)
        torch.manual_seed(settings.seed)
        model = build_model(settings.model, settings.sizes)
        init_output_biases(model, **label_rates(cache_dir))
        self.trainer = Trainer(model, settings, group)
        self.progress = Progress()
        self.run_id: str | None = None

    def resume(self, checkpoint: Mapping[str, Any]) -> None:
        self.trainer.load_state_dict(checkpoint)
        self.progress = Progress(**checkpoint["progress"])
        self.run_id = checkpoint["run_id"]

    def model_state(self) -> dict[str, Any]:
        """What the model file holds: enough to rebuild the model and find its run."""
        model = self.trainer.final_model
        return {
            "model_config": model.config,
            "model": model.state_dict(),
            "step": self.progress.step,
            "params": dict(self.params),
            "run_id": self.run_id,
            "data_fingerprint": self.fingerprint,
        }

    def save(self, path: str | Path) -> None:
        """A resumable checkpoint: the model file's contents, its ``model`` the weights in training."""
        state = self.model_state() | self.trainer.state_dict() | {"progress": asdict(self.progress)}
        save_checkpoint(path, state)

    def after_step(self, losses: dict[str, float], bar: tqdm) -> None:
        """Log the loss curve and run validation when they are due (rank 0's work)."""
        self.progress.add(losses)
        if not self.group.leader:
            return
        step, settings = self.progress.step, self.settings
        bar.set_postfix(loss=f"{losses['loss']:.4f}", refresh=False)
        if _due(step, settings.log_every) or step == settings.steps:
            row = self.progress.close_window()
            mlflow.log_metrics({k: v for k, v in row.items() if k != "step"}, step=step)
        if _due(step, settings.validation_interval):
            with self.group.all_threads():
                metrics = _validate(self.trainer.final_model, self.cache_dir, self.params, settings.placement)
            self.progress.validation.append({"step": step, **metrics})
            mlflow.log_metrics(metrics, step=step)
            shown = ", ".join(f"{k.removeprefix('validation_')} {metrics[k]:.3f}" for k in SHOWN_METRICS)
            bar.write(f"step {step} validation: {shown}")

    def loop(self, checkpoint_path: Path, stop_requested: Callable[[], str | None]) -> None:
        """Train to ``steps``, checkpointing when due; stop cleanly when asked."""
        settings, progress, group = self.settings, self.progress, self.group
        started = time.perf_counter()
        bar = tqdm(
            total=settings.steps,
            initial=progress.step,
            unit="step",
            desc=f"train {settings.model}",
            disable=not group.leader,
        )
        with bar:
            tick = time.perf_counter()
            for batch in batches(self.dataset, settings, progress.step, group):
                group.reseed(settings.seed, progress.step)
                losses, signal_name = group.agree(self.trainer.step(batch), stop_requested())
                progress.train_seconds += time.perf_counter() - tick
                bar.update()
                self.after_step(losses, bar)
                due = _due(progress.step, settings.checkpoint_interval) and progress.step < settings.steps
                if group.leader and (due or signal_name):
                    progress.wall_seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    self.save(checkpoint_path)
                if signal_name:
                    raise TrainingInterrupted(
                        f"stopped by {signal_name} at step {progress.step} of {settings.steps}; "
                        f"checkpoint saved to {checkpoint_path}; run again to resume"
                    )
                tick = time.perf_counter()
        progress.wall_seconds += time.perf_counter() - started

    def summary(self) -> dict[str, float]:
        """Final losses, speed and size, plus the last validation metrics."""
        progress, settings = self.progress, self.settings
        last = progress.curve[-1] if progress.curve else {}
        latest_validation = progress.validation[-1] if progress.validation else {}
        steps_per_second = progress.step / progress.train_seconds if progress.train_seconds else 0.0
        audio_seconds = settings.batch_size * settings.sequence_length / SAMPLE_RATE
        summary = {
            **last,
            **latest_validation,
            "steps": progress.step,
            "steps_per_second": steps_per_second,
            "audio_seconds_per_second": steps_per_second * audio_seconds,
            "train_seconds": progress.train_seconds,
            "wall_seconds": progress.wall_seconds,
            "parameters": count_parameters(self.trainer.model),
        }
        summary.pop("step", None)
        return summary

    def curve(self) -> pd.DataFrame:
        """Loss rows and validation rows, merged on the step."""
        curve = pd.DataFrame(self.progress.curve, columns=["step", "loss", "onset_loss", "frame_loss", "lr"])
        if self.progress.validation:
            curve = curve.merge(pd.DataFrame(self.progress.validation), on="step", how="outer")
        return curve.astype({"step": int})


def train(
    params: Mapping[str, Any],
    cache_dir: str | Path = CACHE_DIR,
    model_path: str | Path = MODEL_FILE,
    checkpoint_path: str | Path = CHECKPOINT_FILE,
) -> TrainResult:
    """Train params.yaml's model on the cache's training split; write the model file.

    Resumes from ``checkpoint_path`` when it holds an unfinished run of the same params
    and data. Raises AmtError (before any work) for bad params or data, and
    TrainingInterrupted after a clean stop on SIGINT / SIGTERM. With ``train.processes``
    above 1 the work is shared by that many processes (amt.training.parallel).
    """
    settings = TrainSettings.from_params(params)
    if settings.validation_interval is not None:
        get(params, "evaluate")
    paths = (cache_dir, model_path, checkpoint_path)
    if settings.processes > 1:
        return parallel.launch(settings.processes, _train, params, settings, *paths)
    return _train(parallel.SINGLE, params, settings, *paths)


def _train(
    group: parallel.Group,
    params: Mapping[str, Any],
    settings: TrainSettings,
    cache_dir: str | Path,
    model_path: str | Path,
    checkpoint_path: str | Path,
) -> TrainResult | None:
    """``train`` in one process of ``group``: rank 0 reports and saves, the others only step.

    ``settings`` come checked from the parent, so each warning about params is given once.
    """
    run = Run(params, settings, cache_dir, group)
    checkpoint = find_resumable(checkpoint_path, params, run.fingerprint, settings.steps)
    if checkpoint is not None:
        run.resume(checkpoint)
        if group.leader:
            print(f"train: resuming from step {run.progress.step} of {settings.steps} ({checkpoint_path})")
    if not group.leader:
        with stop_requests() as stop_requested:
            run.loop(Path(checkpoint_path), stop_requested)
        return None
    where = settings.placement
    tags = tracking.run_tags(params, run.fingerprint) | {
        "device": where.device.type,
        "precision": where.precision,
        "processes": str(group.size),
    }
    with stop_requests() as stop_requested, tracking.open_run(params, run.run_id, tags) as active:
        run.run_id = active.info.run_id
        run.loop(Path(checkpoint_path), stop_requested)
        run.save(checkpoint_path)
        save_checkpoint(model_path, run.model_state())
        summary = run.summary()
        mlflow.log_metrics({k: summary[k] for k in RUN_METRICS}, step=run.progress.step)
        mlflow.log_artifact(str(model_path))
    processes = f", {group.size} processes" if group.size > 1 else ""
    print(f"train: {settings.model} on {where}{processes}, {summary['steps_per_second']:.2f} steps/s")
    return TrainResult(summary, run.curve(), run.run_id)
