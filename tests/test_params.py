import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from amt.core.errors import AmtError
from amt.core.params import (
    DEFAULT_DATA_WORKERS,
    KNOWN_KEYS,
    data_workers,
    flatten,
    get,
    is_whole,
    load_params,
)


def test_repository_params_load():
    params = load_params()
    assert get(params, "data.source") == "synth"
    assert get(params, "model") in {"baseline", "lstm", "crnn", "onf"}


def test_missing_key_names_it():
    with pytest.raises(AmtError, match="'data.nope'"):
        get({"data": {}}, "data.nope")
    assert get({"data": {}}, "data.nope", 3) == 3


def test_whole_numbers_are_ints_but_not_bools():
    assert is_whole(0) and is_whole(3)
    assert not any(is_whole(value) for value in (True, False, 2.0, "2", None))


def test_data_workers_defaults_and_rejects_bools_and_zero():
    assert data_workers({"data": {"workers": 3}}) == 3
    assert data_workers({"data": {}}) == DEFAULT_DATA_WORKERS
    for bad in (True, 0, 1.5, "two"):
        with pytest.raises(AmtError, match=f"data.workers must be a whole number >= 1, got {bad!r}"):
            data_workers({"data": {"workers": bad}})


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
        ("zzz: 1\n", "unknown parameter 'zzz'; known here: model, data, models, train, evaluate, tracking"),
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
