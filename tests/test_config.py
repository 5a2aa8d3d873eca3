import re
from pathlib import Path

import pytest

from amt.config import Config, load_config
from amt.config.data import DataConfig
from amt.config.evaluate import EvaluateConfig
from amt.config.models import MODEL_NAMES
from amt.config.reader import Reader, threshold, threshold_grid
from amt.config.train import AUTO
from amt.core.errors import AmtError
from amt.models import MODELS
from tests.conftest import config_of, data_config


def test_the_repository_params_are_a_valid_config():
    config = load_config()
    assert config.model in MODEL_NAMES and config.data.source == "synth"
    assert config.train.steps == config.raw["train"]["schedules"][config.model]["steps"]
    assert config.data.synth.pieces == config.raw["data"]["synth"]["pieces"]
    assert config.evaluate.threshold_grid == config.raw["evaluate"]["threshold_grid"]


def test_every_architecture_has_a_name_in_the_config():
    assert tuple(MODELS) == MODEL_NAMES


def test_auto_steps_are_each_models_own_and_a_number_overrides_them():
    config = load_config()
    for model in MODEL_NAMES:
        own = config.with_overrides({"model": model, "train.steps": AUTO, "train.lr_decay_steps": AUTO}).train
        schedule = config.raw["train"]["schedules"][model]
        assert (own.steps, own.lr_decay_steps) == (schedule["steps"], schedule["lr_decay_steps"])
    assert config.with_overrides({"model": "crnn", "train.steps": 7}).train.steps == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "transformer"}, "unknown model 'transformer'; choose one of baseline, lstm, crnn, onf"),
        ({"data.source": "youtube"}, "unknown data.source 'youtube'; use one of synth, maestro, local"),
        ({"data.seed": -1}, "data.seed must be an integer >= 0, got -1"),
        ({"data.workers": True}, "data.workers must be an integer >= 1, got True"),
        ({"data.synth.max_seconds": 1}, "data.synth.max_seconds must be a number of seconds >= 2, got 1"),
        ({"data.synth.pedal_share": 1.5}, "data.synth.pedal_share must be a number between 0 and 1, got 1.5"),
        ({"data.synth.pieces": {"train": -2}}, "data.synth.pieces.train must be an integer >= 0, got -2"),
        ({"data.synth.soundfonts": []}, "data.synth.soundfonts names no SoundFont; name at least one"),
        ({"data.synth.heldout_soundfonts": "TimGM6mb"}, "data.synth.heldout_soundfonts must be a list of"),
        (
            {"data.synth.sample_shift_max": 13},
            "data.synth.sample_shift_max must be a whole number of semitones",
        ),
        ({"data.synth.acoustics": "yes"}, "data.synth.acoustics must be true or false, got 'yes'"),
        (
            {"data.local.test_share": 0.95},
            "data.local.validation_share and test_share must be in [0, 1)",
        ),
        ({"data.source": "local"}, "data.local.path is not set; point it at a directory or zip"),
        ({"models.cnn_unit": 0}, "models.cnn_unit must be a positive integer, got 0"),
        ({"models.conv_dropout": 0.1}, "models.conv_dropout must be a multiple of 1/256 in [0, 1)"),
        ({"train.learning_rate": float("nan")}, "train.learning_rate must be a number > 0, got nan"),
        ({"train.device": "tpu"}, "train.device must be one of auto, cpu, cuda, got 'tpu'"),
        ({"train.precision": "fp8"}, "train.precision must be one of auto, fp32, bf16, fp16, got 'fp8'"),
        (
            {"train.schedules.onf.steps": "long"},
            "train.schedules.onf.steps must be an integer >= 0",
        ),
        ({"evaluate.onset_threshold": 1}, "evaluate.onset_threshold must be a number between 0 and 1"),
        ({"evaluate.threshold_grid": []}, "evaluate.threshold_grid must be a non-empty list"),
        (
            {"evaluate.overlap_seconds": 30},
            "evaluate.overlap_seconds must be a number of seconds >= 0",
        ),
        ({"evaluate.tune_thresholds": "no"}, "evaluate.tune_thresholds must be true or false, got 'no'"),
        ({"tracking.experiment": ""}, "tracking.experiment must be a non-empty string, got ''"),
    ],
)
def test_each_bad_value_is_one_line_naming_the_file_key_and_rule(change, message):
    with pytest.raises(AmtError, match=f"^params.yaml: {re.escape(message)}") as error:
        load_config().with_overrides(change)
    assert "\n" not in str(error.value)


def test_a_missing_key_is_named():
    raw = load_config().raw
    del raw["train"]["learning_rate"]
    with pytest.raises(AmtError, match="^params.yaml: missing parameter 'train.learning_rate'$"):
        Config.from_params(raw)


def test_errors_name_the_file_they_came_from(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(Path("params.yaml").read_text().replace("batch_size: 8", "batch_size: eight"))
    with pytest.raises(AmtError, match=f"^{re.escape(str(path))}: train.batch_size must be an integer >= 1"):
        load_config(path)


def test_sections_of_sources_not_chosen_are_optional_but_checked_when_present():
    synth_only = data_config(
        {"data": {"seed": 0, "synth": {"pieces": {}, "corpus_share": 0, "pedal_share": 0, "max_seconds": 5}}}
    )
    assert isinstance(synth_only, DataConfig) and synth_only.maestro is None and synth_only.local is None
    assert synth_only.section is synth_only.synth
    with pytest.raises(AmtError, match="data.maestro.url must be a non-empty string"):
        config_of({"data": {"maestro": {"url": None}}})


def test_thresholds_and_grids_name_where_they_came_from():
    assert threshold(0.3, "--onset-threshold") == 0.3
    for bad in (0, 1, 1.5, float("nan"), "0.3", None, True):
        with pytest.raises(AmtError, match="^--frame-threshold must be a number between 0 and 1"):
            threshold(bad, "--frame-threshold")
    assert threshold_grid([0.1, 0.5], "grid") == [0.1, 0.5]
    for bad in ([], None, [0.1, 1.0], [0.2, "x"], 0.3):
        with pytest.raises(AmtError, match="^grid"):
            threshold_grid(bad, "grid")


def test_evaluate_settings_of_a_model_file_are_read_with_its_name():
    settings = {"onset_threshold": 0.4, "frame_threshold": 0.3, "chunk_seconds": 10, "overlap_seconds": 1}
    evaluate = EvaluateConfig.read(Reader({"evaluate": settings}, "runs/model.pt"))
    assert (evaluate.onset_threshold, evaluate.chunk_seconds, evaluate.tune_thresholds) == (0.4, 10.0, False)
    with pytest.raises(AmtError, match="^runs/model.pt: evaluate.frame_threshold"):
        EvaluateConfig.read(Reader({"evaluate": settings | {"frame_threshold": 2}}, "runs/model.pt"))
