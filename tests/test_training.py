import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import psutil
import pytest
import torch
import yaml

from amt.config.params import load_params, with_overrides
from amt.core.device import Placement
from amt.core.errors import AmtError
from amt.core.metadata import write_metadata
from amt.data.cache import build_cache, fingerprint
from amt.data.dataset import SegmentDataset
from amt.models import build_model
from amt.models.checkpoint import load_checkpoint, load_model_file
from amt.training import parallel
from amt.training import settings as settings_module
from amt.training.batches import batches, label_rates
from amt.training.resume import TrainingInterrupted
from amt.training.run import train
from amt.training.settings import TrainSettings
from amt.training.trainer import Trainer, warmed_up_ema
from tests.conftest import config_of, scale_notes, write_piece

REPO = Path(__file__).resolve().parents[1]
TORCHRUN = ("torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m")
STEPS = 6


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One thread in this process and in the subprocesses: equal results, fair to shared CPUs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    rows = [
        write_piece(root / "raw", "train", "a", scale_notes(48, 8), 2.5),
        write_piece(root / "raw", "train", "b", scale_notes(60, 12), 3.5),
        write_piece(root / "raw", "validation", "c", scale_notes(55, 6), 2.0),
        write_piece(root / "raw", "test", "d", scale_notes(40, 6), 2.0),
    ]
    write_metadata(root / "raw", rows)
    build_cache(root / "raw", root / "cache", workers=1)
    return root / "cache"


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory) -> str:
    """One store for the module: creating an MLflow database takes seconds."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def tiny_params(tracking_uri: str, **train) -> dict:
    return {
        "model": "onf",
        "models": {"cnn_unit": 4, "fc_unit": 16, "lstm_units": 8, "lstm_layers": 1},
        "train": {
            "steps": STEPS,
            "sequence_length": 8192,
            "batch_size": 2,
            "learning_rate": 0.001,
            "lr_decay_steps": 2,
            "lr_decay_rate": 0.5,
            "weight_decay": 0.0,
            "clip_grad_norm": 3.0,
            "ema_decay": 0.5,
            "validation_interval": 3,
            "checkpoint_interval": 2,
            "seed": 0,
            "precision": "fp32",
            "device": "cpu",
            "workers": 0,
            "processes": 1,
            **train,
        },
        "evaluate": {
            "onset_threshold": 0.5,
            "frame_threshold": 0.5,
            "chunk_seconds": 2.0,
            "overlap_seconds": 0.5,
        },
        "tracking": {"uri": tracking_uri, "experiment": "amt-test"},
    }


def run_training(params: dict, cache_dir: Path, out: Path):
    return train(config_of(params), cache_dir, out / "model.pt", out / "checkpoints" / "last.pt")


@pytest.fixture(scope="module")
def reference(cache_dir, tracking_uri, tmp_path_factory):
    """An uninterrupted run that other tests compare with."""
    out = tmp_path_factory.mktemp("reference")
    return run_training(tiny_params(tracking_uri), cache_dir, out), out


def test_training_writes_a_loadable_model_and_its_curve(reference):
    result, out = reference
    model = load_model_file(out / "model.pt", expected_model="onf").model
    assert not model.training
    assert load_checkpoint(out / "model.pt")["step"] == STEPS
    assert "optimizer" not in load_checkpoint(out / "model.pt")
    assert result.curve["step"].tolist() == list(range(1, STEPS + 1))
    assert np.allclose(result.curve["loss"], result.curve["onset_loss"] + result.curve["frame_loss"])
    assert result.curve["lr"].tolist() == [0.001, 0.001, 0.0005, 0.0005, 0.00025, 0.00025]
    assert result.curve["validation_note_f1"].notna().tolist() == [False, False, True, False, False, True]
    assert result.summary["steps"] == STEPS and result.summary["steps_per_second"] > 0
    assert {"loss", "onset_loss", "frame_loss", "validation_note_f1", "parameters"} <= result.summary.keys()


def test_training_is_reproducible_on_the_cpu(reference, cache_dir, tracking_uri, tmp_path):
    again = run_training(tiny_params(tracking_uri), cache_dir, tmp_path)
    columns = ["loss", "onset_loss", "frame_loss"]
    assert again.curve[columns].equals(reference[0].curve[columns])
    other_seed = run_training(tiny_params(tracking_uri, seed=1, steps=2), cache_dir, tmp_path / "other")
    assert not np.allclose(other_seed.curve["loss"], again.curve["loss"][:2])


def test_output_biases_start_at_the_label_base_rates(cache_dir, tracking_uri, tmp_path):
    rates = label_rates(cache_dir)
    assert 0 < rates["onset_rate"] < rates["frame_rate"] < 1
    run_training(tiny_params(tracking_uri, steps=0), cache_dir, tmp_path)
    model = load_model_file(tmp_path / "model.pt").model
    onset_bias = model.output_layers()["onset"].bias
    assert torch.allclose(torch.sigmoid(onset_bias), torch.tensor(rates["onset_rate"]), rtol=1e-4)


def test_the_mlflow_run_holds_tags_params_metrics_and_the_model(reference, cache_dir, tracking_uri):
    result, _ = reference
    mlflow.set_tracking_uri(tracking_uri)
    run = mlflow.get_run(result.run_id)
    assert run.info.run_name == f"onf-{result.run_id[:8]}"
    assert run.info.status == "FINISHED"
    assert run.data.tags["model"] == "onf"
    assert run.data.tags["data_fingerprint"] == fingerprint(cache_dir)
    assert len(run.data.tags["git_commit"]) == 40
    assert (run.data.tags["device"], run.data.tags["precision"]) == ("cpu", "fp32")
    assert run.data.params["train.batch_size"] == "2" and run.data.params["models.cnn_unit"] == "4"
    history = mlflow.MlflowClient().get_metric_history(result.run_id, "loss")
    assert [m.step for m in history] == list(range(1, STEPS + 1))
    assert {"validation_note_f1", "steps_per_second", "parameters"} <= run.data.metrics.keys()
    artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(result.run_id)]
    assert artifacts == ["model.pt"]


def test_sigint_stops_after_the_step_and_a_rerun_resumes_to_the_same_result(
    reference, cache_dir, tracking_uri, tmp_path, monkeypatch
):
    step = Trainer.step
    handler = signal.getsignal(signal.SIGINT)  # SIG_IGN where the runner was started in the background

    def step_then_interrupt(self, batch):
        losses = step(self, batch)
        if self.scheduler.last_epoch == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return losses

    monkeypatch.setattr(Trainer, "step", step_then_interrupt)
    with pytest.raises(TrainingInterrupted, match="stopped by SIGINT at step 3 of 6; checkpoint saved to"):
        run_training(tiny_params(tracking_uri), cache_dir, tmp_path)
    checkpoint = load_checkpoint(tmp_path / "checkpoints" / "last.pt")
    assert checkpoint["step"] == 3 and not (tmp_path / "model.pt").exists()
    assert mlflow.get_run(checkpoint["run_id"]).info.status == "KILLED"
    assert signal.getsignal(signal.SIGINT) is handler

    monkeypatch.setattr(Trainer, "step", step)
    resumed = run_training(tiny_params(tracking_uri), cache_dir, tmp_path)
    assert resumed.run_id == checkpoint["run_id"]
    assert resumed.curve.drop(columns="validation_note_f1").equals(
        reference[0].curve.drop(columns="validation_note_f1")
    )
    assert load_checkpoint(tmp_path / "model.pt")["step"] == STEPS
    assert_same_weights(tmp_path / "model.pt", reference[1] / "model.pt")


def assert_same_weights(path: Path, other: Path) -> None:
    ours, theirs = load_checkpoint(path)["model"], load_checkpoint(other)["model"]
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[key], theirs[key]) for key in ours)


def test_the_moving_average_follows_each_step_and_is_what_gets_saved(cache_dir, tracking_uri, tmp_path):
    settings = TrainSettings.from_config(config_of(tiny_params(tracking_uri, ema_decay=0.75)))
    trainer = Trainer(build_model("onf", settings.sizes), settings)
    batch = next(iter(batches(SegmentDataset(cache_dir, "train", 8192, 0, 4), settings, 0)))
    after = []
    for _ in range(2):
        trainer.step(batch)
        after.append({name: p.detach().clone() for name, p in trainer.model.named_parameters()})
    averaged = dict(trainer.final_model.named_parameters())
    decay = 2 / 11  # update 1 (after the copy) of the warm-up: min(0.75, (1 + 1) / (10 + 1))
    for name, first in after[0].items():
        assert not torch.equal(first, after[1][name])
        assert torch.allclose(averaged[name], decay * first + (1 - decay) * after[1][name], atol=1e-7)

    run_training(tiny_params(tracking_uri, steps=2), cache_dir, tmp_path)
    saved, checkpoint = (
        load_checkpoint(tmp_path / "model.pt"),
        load_checkpoint(tmp_path / "checkpoints" / "last.pt"),
    )
    average = {key.removeprefix("module."): value for key, value in checkpoint["average"].items()}
    assert all(torch.equal(saved["model"][key], average[key]) for key in saved["model"])
    assert not all(torch.equal(saved["model"][key], checkpoint["model"][key]) for key in saved["model"])


def test_without_a_moving_average_the_last_weights_are_saved(cache_dir, tracking_uri, tmp_path):
    run_training(tiny_params(tracking_uri, steps=2, ema_decay=None), cache_dir, tmp_path)
    assert "average" not in load_checkpoint(tmp_path / "checkpoints" / "last.pt")
    assert_same_weights(tmp_path / "model.pt", tmp_path / "checkpoints" / "last.pt")


def test_a_checkpoint_of_other_params_or_a_finished_run_is_not_resumed(
    reference, cache_dir, tracking_uri, tmp_path, caplog
):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    (checkpoints / "last.pt").write_bytes((reference[1] / "checkpoints" / "last.pt").read_bytes())
    run_training(tiny_params(tracking_uri, steps=2), cache_dir, tmp_path)
    assert "not resuming, it was made with other params (train.steps); starting fresh" in caplog.text
    caplog.clear()
    result = run_training(tiny_params(tracking_uri, steps=2, workers=1), cache_dir, tmp_path)
    assert "not resuming, its run finished" in caplog.text
    assert result.summary["steps"] == 2


def test_sequence_length_is_rounded_down_to_the_hop(cache_dir, tracking_uri, tmp_path, caplog):
    result = run_training(tiny_params(tracking_uri, steps=1, sequence_length=8500), cache_dir, tmp_path)
    assert "train.sequence_length 8500 rounded down to 8192" in caplog.text
    assert result.summary["audio_seconds_per_second"] == pytest.approx(
        result.summary["steps_per_second"] * 2 * 8192 / 16000
    )


@pytest.mark.parametrize(
    ("model", "steps", "decay"), [("onf", 6500, 1163), ("crnn", 500, 332), ("lstm", 1400, 712)]
)
def test_each_model_trains_its_own_schedule_unless_steps_are_given(model, steps, decay):
    params = load_params() | {"model": model}
    settings = TrainSettings.from_config(config_of(params))
    assert (settings.steps, settings.lr_decay_steps) == (steps, decay)
    given = TrainSettings.from_config(config_of(with_overrides(params, {"train.steps": 30})))
    assert (given.steps, given.lr_decay_steps) == (30, decay)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "transformer"}, "unknown model 'transformer'; choose one of baseline, lstm, crnn, onf"),
        (
            {"train.sequence_length": 1000},
            r"train.sequence_length must be at least 1536 samples \(3 hops of 512\), got 1000",
        ),
        ({"train.sequence_length": 512 * 500}, "longer than every train piece"),
        ({"train.batch_size": 0}, "train.batch_size must be an integer >= 1, got 0"),
        ({"train.steps": -5}, "train.steps must be auto or an integer >= 0, got -5"),
        (
            {"train.lr_decay_steps": "soon"},
            "train.lr_decay_steps must be auto or an integer >= 1, got 'soon'",
        ),
        ({"train.steps": "auto", "train.schedules": {}}, "missing parameter 'train.schedules.onf.steps'"),
        ({"train.learning_rate": "fast"}, "train.learning_rate must be a number > 0, got 'fast'"),
        ({"train.clip_grad_norm": 0}, "train.clip_grad_norm must be a number > 0 or null, got 0"),
        ({"train.ema_decay": 1}, "train.ema_decay must be a number in \\(0, 1\\) or null, got 1"),
        ({"train.precision": "fp16"}, "train.precision fp16 needs a CUDA device"),
        ({"train.processes": 0}, "train.processes must be auto or an integer >= 1, got 0"),
        (
            {"train.processes": 2, "train.batch_size": 3},
            "train.batch_size 3 must be a multiple of train.processes 2",
        ),
        ({"train.processes": 2, "train.sequence_length": 512 * 500}, "longer than every train piece"),
    ],
)
def test_bad_params_fail_in_one_line_before_any_work(cache_dir, tracking_uri, tmp_path, change, message):
    params = tiny_params(tracking_uri)
    for key, value in change.items():
        section, _, name = key.rpartition(".")
        (params[section] if section else params)[name] = value
    assert_fails_before_any_work(params, cache_dir, tmp_path, message)


def test_a_cache_made_with_other_audio_settings_is_rejected(cache_dir, tracking_uri, tmp_path):
    manifest = json.loads((cache_dir / "manifest.json").read_text()) | {"hop_length": 256}
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "manifest.json").write_text(json.dumps(manifest))
    message = "cache made at 16000 Hz / hop 256"
    assert_fails_before_any_work(tiny_params(tracking_uri), tmp_path / "cache", tmp_path, message)


def assert_fails_before_any_work(params: dict, cache_dir: Path, out: Path, message: str) -> None:
    mlflow.set_tracking_uri(params["tracking"]["uri"])
    runs_before = len(mlflow.search_runs(search_all_experiments=True))
    with pytest.raises(AmtError, match=message) as error:
        run_training(params, cache_dir, out)
    assert "\n" not in str(error.value)
    assert not (out / "model.pt").exists() and not (out / "checkpoints").exists()
    assert len(mlflow.search_runs(search_all_experiments=True)) == runs_before


def stage_workdir(workdir: Path, params: dict, cache_dir: Path) -> None:
    """A folder the train stage runs in: a whole params.yaml, data/cache linked to ``cache_dir``."""
    (workdir / "params.yaml").write_text(yaml.safe_dump(config_of(params).raw))
    (workdir / "data").mkdir()
    (workdir / "data" / "cache").symlink_to(cache_dir)


def start_stage(workdir: Path, tracking_uri: str, launcher: tuple[str, ...] = ()) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(REPO), "MLFLOW_TRACKING_URI": tracking_uri, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", *launcher, "stages.train"]
    return subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_new_checkpoint(path: Path, process: subprocess.Popen, newer_than: float) -> None:
    deadline = time.monotonic() + 60
    while not (path.exists() and path.stat().st_mtime > newer_than):
        assert process.poll() is None and time.monotonic() < deadline, "no checkpoint came"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize(("processes", "launcher"), [(1, ()), (2, ()), (2, TORCHRUN)])
def test_the_stage_survives_sigterm_and_kill_9_and_finishes_like_an_uninterrupted_run(
    cache_dir, tracking_uri, tmp_path, processes, launcher
):
    """Alone, with train.processes 2 (torch's launcher API) and under torchrun (2 processes)."""
    params = tiny_params(
        tracking_uri, steps=60, checkpoint_interval=5, validation_interval=None, processes=processes
    )
    stage_workdir(tmp_path, params, cache_dir)
    checkpoint = tmp_path / "runs" / "checkpoints" / "last.pt"

    first = start_stage(tmp_path, tracking_uri, launcher)
    wait_for_new_checkpoint(checkpoint, first, 0)
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=20)  # torch's launcher alone would wait 30 s for its processes
    assert first.returncode == (1 if launcher else 130)  # torchrun's own code for its failed processes
    assert "leaked semaphore" not in stderr
    stopped_at = load_checkpoint(checkpoint)["step"]
    assert (
        f"amt train: warning: stopped by SIGTERM at step {stopped_at} of 60; "
        "checkpoint saved to runs/checkpoints/last.pt" in stderr
    )

    second = start_stage(tmp_path, tracking_uri, launcher)
    wait_for_new_checkpoint(checkpoint, second, checkpoint.stat().st_mtime)
    second.kill()
    _, stderr = second.communicate(timeout=60)
    assert f"amt train: resuming from step {stopped_at} of 60" in stderr
    killed_at = load_checkpoint(checkpoint)["step"]
    time.sleep(1.0)
    assert load_checkpoint(checkpoint)["step"] == killed_at, "a training process outlived kill -9"
    assert stopped_at < killed_at < 60

    third = start_stage(tmp_path, tracking_uri, launcher)
    _, stderr = third.communicate(timeout=120)
    assert third.returncode == 0, stderr
    assert f"amt train: resuming from step {killed_at} of 60" in stderr
    assert json.loads((tmp_path / "metrics" / "train.json").read_text())["steps"] == 60
    assert load_checkpoint(tmp_path / "runs" / "model.pt")["step"] == 60
    curve = pd.read_csv(tmp_path / "metrics" / "train_curve.csv")
    uninterrupted = run_training(params, cache_dir, tmp_path / "uninterrupted")
    assert np.allclose(curve["loss"], uninterrupted.curve["loss"], rtol=1e-12, atol=0)


@pytest.mark.slow
@pytest.mark.parametrize("launcher", [(), TORCHRUN], ids=["processes-2", "torchrun"])
def test_a_training_process_killed_ends_the_stage_in_one_line_saying_how_to_resume(
    cache_dir, tracking_uri, tmp_path, launcher
):
    params = tiny_params(
        tracking_uri, steps=10000, checkpoint_interval=5, validation_interval=None, processes=2
    )
    stage_workdir(tmp_path, params, cache_dir)
    checkpoint = tmp_path / "runs" / "checkpoints" / "last.pt"
    stage = start_stage(tmp_path, tracking_uri, launcher)
    wait_for_new_checkpoint(checkpoint, stage, 0)
    ranks = [
        child
        for child in psutil.Process(stage.pid).children(recursive=True)
        if "spawn_main" in " ".join(child.cmdline()) or child.cmdline()[-1] == "stages.train"
    ]
    assert len(ranks) == 2
    ranks[-1].kill()
    _, stderr = stage.communicate(timeout=60)  # seconds when the machine is idle
    assert stage.returncode == 1
    lines = [line for line in stderr.splitlines() if line.startswith("amt train: error:")]
    died = (
        "training process 1 of 2 died (killed by SIGKILL)"
        if not launcher
        else "training process 0 of 2 lost the others"
    )
    assert len(lines) == 1 and lines[0].startswith(f"amt train: error: {died}")
    step = load_checkpoint(checkpoint)["step"]
    assert lines[0].endswith(
        f"run again to resume from the checkpoint at step {step} (runs/checkpoints/last.pt)"
    )
    if not launcher:
        assert "Traceback" not in stderr and "leaked semaphore" not in stderr


@pytest.mark.slow
def test_the_stage_under_torchrun_trains_as_train_processes_2(cache_dir, tracking_uri, tmp_path):
    """torch's own launcher on the stage as it is (rank 0 writes, the others only step) and
    ``train.processes: 2`` (the same code through torch's launcher API) end alike."""
    params = tiny_params(tracking_uri, validation_interval=None)
    stage_workdir(tmp_path, params, cache_dir)
    stage = start_stage(tmp_path, tracking_uri, TORCHRUN)
    _, stderr = stage.communicate(timeout=120)
    assert stage.returncode == 0, stderr
    assert stderr.count("amt train: onf on cpu/fp32, 2 processes") == 1  # rank 0 only
    launched = run_training(
        params | {"train": params["train"] | {"processes": 2}}, cache_dir, tmp_path / "api"
    )
    curve = pd.read_csv(tmp_path / "metrics" / "train_curve.csv")
    assert np.array_equal(curve["loss"], launched.curve["loss"])
    summary = json.loads((tmp_path / "metrics" / "train.json").read_text())
    assert summary["loss"] == launched.summary["loss"] and summary["steps"] == STEPS
    mlflow.set_tracking_uri(tracking_uri)
    run_id = load_checkpoint(tmp_path / "runs" / "model.pt")["run_id"]
    assert mlflow.get_run(run_id).data.tags["processes"] == "2"


def test_two_processes_train_as_one_on_a_model_without_randomness(cache_dir, tracking_uri, tmp_path):
    """lstm has no dropout and no batch norm, and nothing is augmented: splitting each batch
    over two processes and averaging their gradients must give one process's losses and weights."""
    results = {}
    for processes in (1, 2):
        params = tiny_params(tracking_uri, processes=processes, ema_decay=None, augment=None) | {
            "model": "lstm"
        }
        results[processes] = run_training(params, cache_dir, tmp_path / str(processes))
    assert np.allclose(results[1].curve["loss"], results[2].curve["loss"], rtol=1e-5, atol=0)
    one, two = (load_checkpoint(tmp_path / str(n) / "model.pt")["model"] for n in (1, 2))
    assert all(torch.allclose(one[key], two[key], atol=1e-6) for key in one)
    mlflow.set_tracking_uri(tracking_uri)
    assert mlflow.get_run(results[2].run_id).data.tags["processes"] == "2"


@pytest.mark.parametrize(("value", "batch_size", "expected"), [("auto", 16, 4), ("auto", 6, 1), (2, 16, 2)])
def test_processes_on_cuda_are_one_per_gpu(monkeypatch, value, batch_size, expected):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    assert settings_module._processes(value, Placement(torch.device("cuda"), None), batch_size) == expected
    with pytest.raises(AmtError, match="train.processes 5 needs a GPU each; this machine has 4"):
        settings_module._processes(5, Placement(torch.device("cuda"), None), batch_size)


def test_each_process_takes_its_share_of_every_batch(cache_dir, tracking_uri):
    settings = TrainSettings.from_config(config_of(tiny_params(tracking_uri, batch_size=4, steps=3)))
    dataset = SegmentDataset(cache_dir, "train", 8192, 0, 12)
    whole = [batch["audio"] for batch in batches(dataset, settings, 1)]
    shares = [[b["audio"] for b in batches(dataset, settings, 1, parallel.Group(r, 2))] for r in (0, 1)]
    assert len(whole) == 2 and all(len(share) == 2 for share in shares)
    for step, batch in enumerate(whole):
        assert torch.equal(batch, torch.cat([shares[0][step], shares[1][step]]))


@pytest.mark.parametrize(("cores", "batch_size", "expected"), [(2, 8, 2), (16, 8, 2), (1, 8, 1), (2, 7, 1)])
def test_auto_processes_are_two_on_a_multicore_cpu_with_an_even_batch(
    tracking_uri, monkeypatch, cores, batch_size, expected
):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    params = tiny_params(tracking_uri, processes="auto", batch_size=batch_size)
    assert TrainSettings.from_config(config_of(params)).processes == expected


def test_the_moving_average_decay_warms_up_to_its_setting():
    update = warmed_up_ema(0.999)
    averaged, current = [torch.zeros(3)], [torch.ones(3)]
    update(averaged, current, torch.tensor(1))
    assert torch.allclose(averaged[0], torch.full((3,), 1 - 2 / 11))
    averaged = [torch.zeros(3)]
    update(averaged, current, torch.tensor(100_000))
    assert torch.allclose(averaged[0], torch.full((3,), 0.001))
    counters = [torch.tensor(5)]
    update(counters, [torch.tensor(9)], torch.tensor(3))
    assert counters[0].item() == 9
