import importlib.util
import json
import subprocess
import sys

import mlflow
import numpy as np
import pandas as pd
import pretty_midi
import pytest
import yaml

from amt.cli import main
from amt.config import load_config
from amt.config.params import load_params
from amt.core.audio import save_flac
from amt.core.constants import SAMPLE_RATE, SUSTAIN_CC
from amt.core.errors import AmtError
from amt.core.metadata import write_metadata
from amt.core.notes import make_notes, notes_to_midi, write_midi
from amt.data.cache import build_cache
from amt.labelled.pairs import open_set
from amt.labelled.scoring import score_pair
from amt.references import systems
from amt.references.estimate import reference_estimator
from amt.references.systems import Reference, reference
from amt.report.build import build_report
from amt.sources.synth.performance import Performance
from amt.sources.synth.render import snap_performance, synthesize
from amt.sources.synth.soundfonts import piano_presets
from tests.conftest import config_of, scale_notes, write_piece

EXTRA = "the references extra is not installed (bash scripts/setup.sh --references)"
needs_basic_pitch = pytest.mark.skipif(importlib.util.find_spec("basic_pitch") is None, reason=EXTRA)
needs_transkun = pytest.mark.skipif(importlib.util.find_spec("transkun") is None, reason=EXTRA)


@pytest.fixture(scope="module")
def grand_takes(tmp_path_factory):
    """A scale and a chord played on FluidR3's grand, with the MIDI of what was played."""
    folder = tmp_path_factory.mktemp("grand")
    notes = make_notes([*scale_notes(60, 8, step=0.3), *[(2.7, 3.6, pitch, 90) for pitch in (48, 55, 64)]])
    performance = snap_performance(Performance(notes, []))
    save_flac(folder / "take.flac", synthesize(performance, piano_presets("FluidR3_GM")[0], 4 * SAMPLE_RATE))
    write_midi(folder / "take.mid", notes_to_midi(performance.notes))
    return open_set(folder)


@needs_basic_pitch
def test_basic_pitch_leaves_the_root_logger_as_it_was():
    """Its import warnings would give the root logger a handler that prints amt's messages twice."""
    load = (
        "import logging; from amt.references.systems import reference; reference('basic-pitch', 't').load()"
    )
    check = "; assert not logging.getLogger().handlers, logging.getLogger().handlers"
    done = subprocess.run([sys.executable, "-c", load + check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]


def scored_take(name: str, takes, out) -> dict:
    system = reference(name, "test").load()
    return score_pair(reference_estimator(system), takes, takes.pairs[0], out / "take.mid").scores


@needs_basic_pitch
def test_basic_pitch_runs_its_onnx_model_from_the_wheel_and_hears_a_grand(grand_takes, tmp_path):
    system = reference("basic-pitch", "test").load()
    assert system.model.model_type.name == "ONNX"
    assert type(system.model.model).__module__.startswith("onnxruntime")
    scores = scored_take("basic-pitch", grand_takes, tmp_path)
    assert scores["note_f1"] > 0.6, scores
    assert pretty_midi.PrettyMIDI(str(tmp_path / "take.mid")).instruments[0].notes


@pytest.mark.slow
@needs_transkun
def test_transkun_loads_every_weight_of_its_wheel_and_hears_a_grand(grand_takes, tmp_path):
    scores = scored_take("transkun", grand_takes, tmp_path)  # load_state_dict is strict: every key
    assert scores["note_f1"] > 0.8, scores


class Pedalling:
    """A system that hears two short notes and holds the sustain pedal to 2 s."""

    def transcribe(self, audio):
        return notes_to_midi(make_notes([(0.1, 0.3, 60, 80), (0.5, 0.6, 64, 80)]), pedal=[(0.2, 2.0)])


def test_a_systems_sustain_pedal_extends_its_notes_as_the_references_are(tmp_path):
    save_flac(tmp_path / "a.flac", np.zeros(3 * SAMPLE_RATE, np.float32))
    estimate = reference_estimator(Pedalling())(tmp_path / "a.flac", tmp_path)
    assert estimate.notes[:, 1].tolist() == [2.0, 2.0]  # both held by the pedal, as references are
    assert [cc.number for cc in estimate.midi.instruments[0].control_changes] == [SUSTAIN_CC] * 2
    assert estimate.frames.shape == (94, 88) and estimate.frames[:, 60 - 21].sum() > 50


def test_bad_references_are_one_line(tmp_path, capsys):
    folder = tmp_path / "takes"
    save_flac(folder / "a.flac", np.zeros(SAMPLE_RATE, np.float32))
    write_midi(folder / "a.mid", notes_to_midi(make_notes([(0.1, 0.3, 60, 80)])))
    assert main(["evaluate", "--reference", "nope", str(folder)]) == 1
    assert (
        "--reference: unknown reference system 'nope'; use one of transkun, basic-pitch"
        in capsys.readouterr().err
    )
    assert main(["evaluate", "--reference", "transkun", "--onset-threshold", "0.3", str(folder)]) == 1
    assert "--reference takes no thresholds" in capsys.readouterr().err
    with pytest.raises(
        AmtError, match="reference ghost: amt.references.ghost is not installed; bash scripts/setup"
    ):
        Reference("ghost", "ghost", "amt.references.ghost:load").load()
    with pytest.raises(AmtError, match="reference ghost: ghost-package is not installed; bash scripts/setup"):
        Reference("ghost", "ghost-package", "amt.references.ghost:load").installed()
    with pytest.raises(AmtError, match="params.yaml: references: unknown reference system 'nope'"):
        config_of(load_params() | {"references": ["nope"]})
    with pytest.raises(AmtError, match="references must be a list of different reference systems"):
        config_of(load_params() | {"references": ["transkun", "transkun"]})


def test_a_reference_whose_extra_is_missing_is_one_line_before_any_work(tmp_path, capsys, monkeypatch):
    def not_found(package):
        raise importlib.metadata.PackageNotFoundError(package)

    monkeypatch.setattr(systems.importlib.metadata, "version", not_found)
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "--reference", "basic-pitch", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip() == (
        "amt evaluate: error: reference basic-pitch: basic-pitch is not installed; "
        "bash scripts/setup.sh --references installs them"
    )
    assert list(tmp_path.iterdir()) == []


@needs_basic_pitch
def test_the_stage_scores_the_test_split_logs_a_reference_run_and_the_report_keeps_it_apart(
    tmp_path, monkeypatch, capsys
):
    rows = [
        write_piece(tmp_path / "data" / "raw", split, name, scale_notes(pitch, 6), 2.0)
        for split, name, pitch in (
            ("train", "a", 48),
            ("validation", "b", 52),
            ("test", "c", 55),
            ("test", "d", 60),
        )
    ]
    write_metadata(tmp_path / "data" / "raw", rows)
    build_cache(tmp_path / "data" / "raw", tmp_path / "data" / "cache", workers=1)
    params = load_params() | {
        "references": ["basic-pitch"],
        "tracking": {"uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "experiment": "amt"},
    }
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.chdir(tmp_path)
    from stages.references import main as stage

    stage(load_config())
    scores = json.loads((tmp_path / "metrics" / "references.json").read_text())
    assert scores["basic-pitch"]["version"] == "0.4.0" and 0 <= scores["basic-pitch"]["note_f1"] <= 1
    table = pd.read_csv(tmp_path / "runs" / "references" / "basic-pitch" / "scores.csv")
    assert table["id"].tolist() == ["c", "d"]  # the test split only

    folder = tmp_path / "takes"
    write_piece(folder, "x", "e", scale_notes(50, 4), 1.5)
    assert (
        main(["evaluate", "--reference", "basic-pitch", str(folder / "x"), "--out", str(tmp_path / "ev")])
        == 0
    )
    mlflow.set_tracking_uri(params["tracking"]["uri"])
    (run,) = mlflow.search_runs(search_all_experiments=True, output_format="list")
    assert run.data.tags["reference"] == "basic-pitch" and run.data.tags["reference_version"] == "0.4.0"
    assert "note_f1" in run.data.metrics and "real/x/note_f1" in run.data.metrics

    build_report(load_config().tracking, tmp_path / "data" / "cache", tmp_path / "reports")
    leaderboard = (tmp_path / "reports" / "leaderboard.md").read_text()
    assert "No evaluated runs yet." in leaderboard  # a reference is not a trained model
    assert "## Reference systems" in leaderboard and "| basic-pitch | 0.4.0 |" in leaderboard
