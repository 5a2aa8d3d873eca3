"""docs/gpu.md's command and benchmarks/gpu.py's overrides are the same settings."""

import re
from pathlib import Path

import yaml

from amt.core.params import get, load_params, with_overrides
from benchmarks.gpu import GPU_OVERRIDES, run_params


def documented_gpu_overrides() -> dict:
    command = Path("docs/gpu.md").read_text().split("```")[1]
    return {key: yaml.safe_load(value) for key, value in re.findall(r"-S (\S+)=(\S+)", command)}


def test_the_documented_command_sets_the_benchmarked_overrides():
    assert documented_gpu_overrides() == GPU_OVERRIDES


def test_every_override_names_an_existing_parameter(tmp_path):
    params = load_params()
    for key in GPU_OVERRIDES:
        get(params, key)
    run = run_params("lstm", 7, "cpu", tmp_path)
    assert get(run, "model") == "lstm" and get(run, "train.steps") == 7
    assert get(run, "train.batch_size") == 16 and get(run, "tracking.uri").endswith("mlflow.db")


def test_overrides_set_dotted_keys_on_a_copy():
    params = {"model": "onf", "train": {"steps": 5, "device": "auto"}}
    changed = with_overrides(params, {"model": "lstm", "train.steps": 10})
    assert changed == {"model": "lstm", "train": {"steps": 10, "device": "auto"}}
    assert params["train"]["steps"] == 5
