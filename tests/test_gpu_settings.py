"""docs/gpu.md's command and benchmarks/gpu.py's overrides are the same settings."""

import re
from pathlib import Path

import yaml

from amt.config import Config
from amt.config.params import load_params
from amt.config.reader import Reader
from benchmarks.gpu import GPU_OVERRIDES, run_params


def documented_gpu_overrides() -> dict:
    command = Path("docs/gpu.md").read_text().split("```")[1]
    return {key: yaml.safe_load(value) for key, value in re.findall(r"-S (\S+)=(\S+)", command)}


def test_the_documented_command_sets_the_benchmarked_overrides():
    assert documented_gpu_overrides() == GPU_OVERRIDES


def test_every_override_names_an_existing_parameter(tmp_path):
    read = Reader(load_params())
    for key in GPU_OVERRIDES:
        read.value(key)
    run = Config.from_params(run_params("lstm", 7, "cpu", tmp_path))
    assert run.model == "lstm" and run.train.steps == 7
    assert run.train.batch_size == 16 and run.tracking.uri.endswith("mlflow.db")
