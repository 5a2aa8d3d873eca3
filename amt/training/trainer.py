"""The trainer: a model with its optimiser, learning-rate schedule, loss scaler and moving average."""

from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel

from amt.models import TranscriptionModel
from amt.training import parallel
from amt.training.augment import Augmenter
from amt.training.settings import TrainSettings

OUTPUTS = ("onset", "frame")


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
        self.augment = Augmenter(settings.augment, settings.seed)
        self.first_segment = group.rank * (settings.batch_size // group.size)  # of each step's batch
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
        step = self.scheduler.last_epoch
        audio = self.augment(batch["audio"].to(device, non_blocking=True), step, self.first_segment)
        with self.where.autocast():
            logits = self.network(audio)
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
