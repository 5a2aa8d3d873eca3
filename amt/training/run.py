"""The training loop: params.yaml's ``train`` section in, a model file and its curves out.

Every input is checked before any work. Segments come from ``SegmentDataset`` in index
order (item ``i`` is fixed by the seed), the global torch RNG is saved in checkpoints,
and the DataLoader has its own generator, so a run that is killed and resumed takes
exactly the steps an uninterrupted run takes (bit for bit on the CPU).

Ctrl-C or SIGTERM stop at the end of the current step with a checkpoint; a second one
stops at once. ``kill -9`` loses the steps since the last checkpoint, no more.
"""

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import torch
from tqdm import tqdm

from amt.config import Config
from amt.config.evaluate import EvaluateConfig
from amt.core import tracking
from amt.core.constants import CACHE_DIR, CHECKPOINT_FILE, MODEL_FILE, SAMPLE_RATE
from amt.core.device import Placement
from amt.data.cache import fingerprint
from amt.inference.evaluation import evaluate_split
from amt.models import TranscriptionModel, build_model, count_parameters, init_output_biases
from amt.models.checkpoint import save_checkpoint
from amt.training import parallel
from amt.training.batches import batches, label_rates, training_segments
from amt.training.resume import (
    TrainingInterrupted,
    died_at_checkpoint,
    find_resumable,
    stop_requests,
    stopped,
    stopped_at_checkpoint,
)
from amt.training.settings import TrainSettings
from amt.training.trainer import Trainer

log = logging.getLogger(__name__)

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


def _due(step: int, interval: int | None) -> bool:
    """Whether something done every ``interval`` steps (None: never) is due after ``step``."""
    return interval is not None and step % interval == 0


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


def _validate(
    model: TranscriptionModel, cache_dir: str | Path, evaluate: EvaluateConfig, where: Placement
) -> dict[str, float]:
    """Mean validation metrics at params' thresholds, named ``validation_<metric>``."""
    try:
        with torch.no_grad(), where.autocast():
            metrics, _, _ = evaluate_split(model, cache_dir, "validation", evaluate, where.device)
    finally:
        model.train()
    return {f"validation_{name}": value for name, value in metrics.items()}


class Run:
    """One training session: the trainer, its progress and where it reports."""

    def __init__(
        self,
        config: Config,
        settings: TrainSettings,
        cache_dir: str | Path,
        group: parallel.Group = parallel.SINGLE,
    ) -> None:
        self.config, self.settings, self.cache_dir, self.group = config, settings, Path(cache_dir), group
        self.dataset = training_segments(cache_dir, settings)
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
            "params": self.config.raw,
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
                metrics = _validate(
                    self.trainer.final_model, self.cache_dir, self.config.evaluate, settings.placement
                )
            self.progress.validation.append({"step": step, **metrics})
            mlflow.log_metrics(metrics, step=step)
            shown = ", ".join(f"{k.removeprefix('validation_')} {metrics[k]:.3f}" for k in SHOWN_METRICS)
            log.info("step %d validation: %s", step, shown)

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
                if signal_name and group.leader:  # rank 0 says it for every process
                    raise stopped(signal_name, progress.step, settings.steps, checkpoint_path)
                if signal_name:
                    raise TrainingInterrupted()
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
    config: Config,
    cache_dir: str | Path = CACHE_DIR,
    model_path: str | Path = MODEL_FILE,
    checkpoint_path: str | Path = CHECKPOINT_FILE,
) -> TrainResult | None:
    """Train params.yaml's model on the cache's training split; write the model file.

    Resumes from ``checkpoint_path`` when it holds an unfinished run of the same params
    and data. Raises AmtError (before any work) for bad params or data, and
    TrainingInterrupted after a clean stop on SIGINT / SIGTERM. Started by torchrun, it
    trains as one process of the launcher's group and returns None on ranks other than 0;
    else with ``train.processes`` above 1 it starts that many through torch's launcher
    (amt.training.parallel).
    """
    settings = TrainSettings.from_config(config)
    device = settings.placement.device.type
    paths = (cache_dir, model_path, checkpoint_path)
    if settings.processes == 1 and not parallel.launched():
        return _train(parallel.SINGLE, config, settings, *paths)
    try:
        if parallel.launched():
            with parallel.joined(device) as group:
                return _train(group, config, settings.launched_as(group.size), *paths)
        return parallel.launch(settings.processes, device, _train, config, settings, *paths)
    except parallel.Stopped as stop:
        raise stopped_at_checkpoint(str(stop), checkpoint_path, settings.steps) from None
    except parallel.Died as died:
        raise died_at_checkpoint(str(died), checkpoint_path) from None


def _train(
    group: parallel.Group,
    config: Config,
    settings: TrainSettings,
    cache_dir: str | Path,
    model_path: str | Path,
    checkpoint_path: str | Path,
) -> TrainResult | None:
    """``train`` in one process of ``group``: rank 0 reports and saves, the others only step.

    ``settings`` come checked from the parent, so each warning about params is given once.
    """
    run = Run(config, settings, cache_dir, group)
    checkpoint = find_resumable(checkpoint_path, config.raw, run.fingerprint, settings.steps, group.leader)
    if checkpoint is not None:
        run.resume(checkpoint)
        if group.leader:
            log.info("resuming from step %d of %d (%s)", run.progress.step, settings.steps, checkpoint_path)
    if not group.leader:
        with stop_requests() as stop_requested:
            run.loop(Path(checkpoint_path), stop_requested)
        return None
    where = settings.placement
    tags = tracking.run_tags(config.model, run.fingerprint) | {
        "device": where.device.type,
        "precision": where.precision,
        "processes": str(group.size),
    }
    with stop_requests() as stop_requested, tracking.open_run(config, run.run_id, tags) as active:
        run.run_id = active.info.run_id
        run.loop(Path(checkpoint_path), stop_requested)
        run.save(checkpoint_path)
        save_checkpoint(model_path, run.model_state())
        summary = run.summary()
        mlflow.log_metrics({k: summary[k] for k in RUN_METRICS}, step=run.progress.step)
        mlflow.log_artifact(str(model_path))
    processes = f", {group.size} processes" if group.size > 1 else ""
    log.info("%s on %s%s, %.2f steps/s", settings.model, where, processes, summary["steps_per_second"])
    return TrainResult(summary, run.curve(), run.run_id)
