import json
import math
from pathlib import Path

import pytest
import torch

from amt.config import Config, load_config
from amt.core.errors import AmtError
from amt.data.cache import build_cache
from amt.models import build_model
from amt.training import sizing
from amt.training.batches import batches, training_segments
from amt.training.settings import TrainSettings
from amt.training.sizing import (
    BUDGET_SECONDS,
    MARGIN_SECONDS,
    SIZED_OTHER_SECONDS,
    SIZED_TRAINING_SECONDS,
    Sizing,
    full_steps,
    load_or_size,
    scale_for,
    scaled,
    seconds_per_step,
    size,
    step_loop,
)

MAIN_JOB = full_steps(load_config())


def job_seconds(speed: float, scale: float, elapsed: float) -> float:
    """What the job takes in all at ``speed`` and ``scale``, by the sizing's own model."""
    return elapsed + (SIZED_OTHER_SECONDS + SIZED_TRAINING_SECONDS * scale) / speed


def test_a_machine_as_fast_as_the_sizing_one_keeps_the_full_steps():
    assert scale_for(1.0, 270) == 1.0
    assert scale_for(3.0, 270) == 1.0  # a GPU is never asked for more than the full steps


@pytest.mark.parametrize("speed", [0.9, 0.8, 0.6, 0.4, 0.3])
def test_a_slower_machine_gets_the_largest_scale_that_fits(speed):
    scale = scale_for(speed, 480)
    assert scale < 1.0
    assert job_seconds(speed, scale, 480) <= BUDGET_SECONDS - MARGIN_SECONDS
    assert job_seconds(speed, scale + sizing.SCALE_STEP, 480) > BUDGET_SECONDS - MARGIN_SECONDS
    assert math.isclose(scale / sizing.SCALE_STEP, round(scale / sizing.SCALE_STEP))


def test_time_already_spent_lowers_the_scale_and_the_floor_holds():
    assert scale_for(0.5, 900) < scale_for(0.5, 300)
    assert scale_for(0.01, 300) == sizing.SCALE_STEP


def test_work_beyond_the_sized_job_lowers_the_scale_as_much_as_it_costs():
    speed, extra = 0.6, 300.0
    scale = scale_for(speed, 480, extra)
    assert scale < scale_for(speed, 480)
    assert job_seconds(speed, scale, 480) + extra / speed <= BUDGET_SECONDS - MARGIN_SECONDS
    assert size(sizing.SIZED_SECONDS_PER_STEP / speed, 480, MAIN_JOB, extra).scale == scale


def test_scaled_steps_keep_hundreds_and_the_schedule_shape():
    assert scaled(MAIN_JOB, 1.0) == MAIN_JOB
    part = scaled(MAIN_JOB, 0.6)
    assert part["onf"] == (3900, 698) and part["baseline"] == (300, 199)
    for scale in (0.05, 0.25, 0.35, 0.5):
        for steps, decay in scaled(MAIN_JOB, scale).values():
            assert type(steps) is int and type(decay) is int  # params must stay whole numbers
            assert steps % 100 == 0 and steps >= sizing.MIN_STEPS
    assert list(part) == ["baseline", "lstm", "crnn", "onf"]  # onf last: the workspace ends on it


def test_size_compares_with_the_sizing_machine():
    assert size(sizing.SIZED_SECONDS_PER_STEP, 270, MAIN_JOB).steps == MAIN_JOB
    slow = size(sizing.SIZED_SECONDS_PER_STEP * 2.5, 480, MAIN_JOB)
    assert math.isclose(slow.speed, 0.4) and slow.scale == scale_for(0.4, 480)


def test_the_sizing_is_measured_once_and_kept(tmp_path):
    calls = []

    def measure():
        calls.append(1)
        return sizing.SIZED_SECONDS_PER_STEP * 2

    path = tmp_path / "runs" / "main_job.json"
    first, reused = load_or_size(path, 300, MAIN_JOB, measure)
    assert not reused and first.scale < 1 and json.loads(path.read_text())["scale"] == first.scale
    again, reused = load_or_size(path, 900, MAIN_JOB, measure)
    assert reused and again == first and calls == [1]


def test_a_damaged_sizing_file_names_itself(tmp_path):
    path = tmp_path / "main_job.json"
    path.write_text('{"speed": 1')
    with pytest.raises(AmtError, match="main_job.json.*delete it"):
        load_or_size(path, 0, MAIN_JOB, lambda: 1.0)


def test_full_steps_are_the_schedules_in_params_whatever_train_steps_says():
    assert MAIN_JOB == {"baseline": (500, 332), "lstm": (1400, 712), "crnn": (500, 332), "onf": (6500, 1163)}
    assert (
        full_steps(load_config().with_overrides({"train.steps": 30, "train.lr_decay_steps": 10})) == MAIN_JOB
    )
    full = Sizing(1.0, 1.0, MAIN_JOB)
    assert Sizing.from_json(json.loads(json.dumps(full.to_json()))) == full


@pytest.fixture
def cache(raw_layout, tmp_path) -> Path:
    build_cache(raw_layout, tmp_path / "cache", workers=1)
    return tmp_path / "cache"


def small_config(**top) -> Config:
    small = {"train.sequence_length": 10240, "train.batch_size": 2, "train.device": "cpu"}
    return load_config().with_overrides(small | top)


def test_step_loop_gives_a_new_trainer_and_the_runs_first_batches(cache):
    config = small_config(model="crnn")
    trainer, loader = step_loop(config, cache, 3)
    settings = TrainSettings.from_config(config)
    run = batches(training_segments(cache, settings), settings, 0)
    assert (trainer.settings.model, trainer.settings.steps) == ("crnn", 3)
    assert trainer.model.state_dict().keys() == build_model("crnn", settings.sizes).state_dict().keys()
    assert [batch["audio"].shape for batch in loader] == [torch.Size([2, 10240])] * 3
    for own, theirs in zip(loader, run, strict=False):
        assert torch.equal(own["audio"], theirs["audio"])
    assert math.isfinite(trainer.step(next(iter(loader)))["loss"])


def test_seconds_per_step_times_real_onf_steps(cache):
    seconds = seconds_per_step(small_config(), cache, steps=2)
    assert 0 < seconds < 60
