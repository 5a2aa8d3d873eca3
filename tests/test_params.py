import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from amt.config.params import KNOWN_KEYS, flatten, load_params, with_overrides
from amt.core.errors import AmtError


def test_repository_params_load():
    params = load_params()
    assert params["data"]["source"] == "synth"
    assert params["model"] in {"baseline", "lstm", "crnn", "onf"}


def test_overrides_set_dotted_keys_in_a_copy():
    params = {"train": {"steps": 1, "seed": 0}}
    assert with_overrides(params, {"train.steps": 5}) == {"train": {"steps": 5, "seed": 0}}
    assert params["train"]["steps"] == 1


def test_flatten_uses_dotted_keys():
    assert flatten({"a": {"b": 1, "c": {"d": [2]}}, "e": "x"}) == {"a.b": 1, "a.c.d": [2], "e": "x"}


def test_bad_files_are_one_line_errors(tmp_path):
    with pytest.raises(AmtError, match="not found"):
        load_params(tmp_path / "params.yaml")
    (tmp_path / "p.yaml").write_text("a: [")
    with pytest.raises(AmtError, match="not valid YAML"):
        load_params(tmp_path / "p.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("trian:\n  steps: 3\n", "unknown parameter 'trian'; did you mean 'train'?"),
        ("train:\n  stpes: 3\n", "unknown parameter 'train.stpes'; did you mean 'train.steps'?"),
        (
            "data:\n  synth:\n    pieces: {tran: 1}\n",
            "unknown parameter 'data.synth.pieces.tran'; did you mean 'data.synth.pieces.train'?",
        ),
        (
            "zzz: 1\n",
            "unknown parameter 'zzz'; known here: model, references, data, models, train, evaluate, tracking",
        ),
    ],
)
def test_unknown_keys_are_refused_with_the_nearest_known_one(tmp_path, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(AmtError, match=f"^{re.escape(f'{path}: {message}')}$"):
        load_params(path)


def test_every_key_of_the_repository_params_is_known():
    assert load_params() == yaml.safe_load(Path("params.yaml").read_text())
    patterns = list(flatten(KNOWN_KEYS))
    assert all(any(fnmatch(key, pattern) for pattern in patterns) for key in flatten(load_params()))


def test_any_model_may_have_a_schedule_but_only_of_known_keys(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train:\n  schedules:\n    my_model: {steps: 3, lr_decay_steps: 1}\n")
    assert load_params(path)["train"]["schedules"]["my_model"]["steps"] == 3
    path.write_text("train:\n  schedules:\n    onf: {steps: 3, decay: 1}\n")
    with pytest.raises(AmtError, match="unknown parameter 'train.schedules.onf.decay'"):
        load_params(path)
