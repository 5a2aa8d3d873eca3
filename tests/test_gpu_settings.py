"""The GPU profile: what benchmarks/gpu.py measures is what the main job trains on a GPU."""

from pathlib import Path

from amt.config import Config
from amt.config.params import flatten, load_params
from amt.config.reader import Reader
from amt.profiles import load_profile
from benchmarks.gpu import GPU_OVERRIDES, run_params


def test_the_benchmark_trains_the_gpu_profile_and_the_docs_name_it(tmp_path):
    params = flatten(run_params("onf", 7, "cuda", tmp_path))
    assert {key: params[key] for key in GPU_OVERRIDES} == GPU_OVERRIDES == load_profile("gpu")
    assert GPU_OVERRIDES["models.cnn_unit"] == 48 and GPU_OVERRIDES["train.batch_size"] == 16
    assert "dvc exp run $(amt profile gpu)" in Path("docs/gpu.md").read_text()
    assert "amt.cli profile gpu" in Path("scripts/main.sh").read_text()


def test_every_override_names_an_existing_parameter(tmp_path):
    read = Reader(load_params())
    for key in GPU_OVERRIDES:
        read.value(key)
    run = Config.from_params(run_params("lstm", 7, "cpu", tmp_path))
    assert run.model == "lstm" and run.train.steps == 7
    assert run.train.batch_size == 16 and run.tracking.uri.endswith("mlflow.db")
