import json
import zipfile
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pretty_midi
import pytest
import torch

from amt.cli import main
from amt.config.params import load_params
from amt.core.audio import save_flac
from amt.core.constants import SUSTAIN_CC
from amt.core.notes import make_notes, notes_to_midi, notes_to_rolls, write_midi
from amt.inference.decoding import Thresholds
from amt.labelled.pairs import open_set
from amt.labelled.results import references_note
from amt.labelled.scoring import model_estimator, score_pair
from amt.models import build_model
from amt.models.checkpoint import save_checkpoint
from tests.conftest import scale_notes, tone_audio

TINY = {"cnn_unit": 4, "fc_unit": 16, "lstm_units": 8, "lstm_layers": 1}


def labelled_folder(folder: Path, names=("a", "b"), pedal: bool = False) -> Path:
    """Recordings of eight-note scales with their MIDI, one pair per name."""
    for index, name in enumerate(names):
        notes = make_notes(scale_notes(48 + 5 * index, 8))
        save_flac(folder / f"{name}.flac", tone_audio(notes, 2.5, seed=index))
        midi = notes_to_midi(notes)
        if pedal:
            midi.instruments[0].control_changes.append(pretty_midi.ControlChange(SUSTAIN_CC, 100, 0.1))
        write_midi(folder / "midi" / f"{name}.mid", midi)
    return folder


class Oracle:
    """A transcriber that 'hears' the reference notes minus the last one, as a perfect frame roll."""

    thresholds = Thresholds(0.5, 0.5)

    def __init__(self, notes: np.ndarray):
        self.notes = notes

    def transcribe(self, path: Path, rolls_path: Path) -> np.ndarray:
        heard = self.notes[:-1]
        np.savez(rolls_path, frame=notes_to_rolls(heard, 100)["frame"].astype(np.float32))
        return heard


def test_pairs_are_found_by_base_name_in_folders_and_zips_and_strays_are_named(tmp_path, caplog):
    folder = labelled_folder(tmp_path / "takes")
    (folder / "stray.mid").write_bytes((folder / "midi" / "a.mid").read_bytes())
    labelled = open_set(folder)
    assert labelled.name == "takes" and [p.id for p in labelled.pairs] == ["a", "b"]
    assert "stray.mid: skipped, no audio file of the same base name" in caplog.text
    with zipfile.ZipFile(tmp_path / "takes.zip", "w") as archive:
        for file in folder.rglob("*"):
            archive.write(file, file.relative_to(folder))
    zipped = open_set(tmp_path / "takes.zip")
    assert zipped.name == "takes" and zipped.pairs == labelled.pairs
    with zipped.files(zipped.pairs[0]) as (audio, midi):
        assert audio.suffix == ".flac" and midi.suffix == ".mid"


def test_known_notes_give_exact_scores(tmp_path):
    labelled = open_set(labelled_folder(tmp_path / "takes", names=("a",)))
    reference = make_notes(scale_notes(48, 8))
    scored = score_pair(
        model_estimator(Oracle(reference)), labelled, labelled.pairs[0], tmp_path / "out" / "a.mid"
    )
    assert scored.scores["note_precision"] == 1.0 and scored.scores["note_recall"] == 7 / 8
    assert scored.scores["note_f1"] == pytest.approx(2 * 7 / 8 / (1 + 7 / 8))
    assert scored.scores["frame_precision"] == 1.0 and scored.scores["frame_recall"] < 1.0
    assert (len(scored.reference), len(scored.estimated), scored.pedal_extended) == (8, 7, False)
    assert len(pretty_midi.PrettyMIDI(str(tmp_path / "out" / "a.mid")).instruments[0].notes) == 7


def test_the_output_says_whether_references_were_pedal_extended(tmp_path):
    plain = open_set(labelled_folder(tmp_path / "plain", names=("a",)))
    pedalled = open_set(labelled_folder(tmp_path / "pedalled", names=("a",), pedal=True))
    oracle = model_estimator(Oracle(make_notes(scale_notes(48, 8))))
    scored = [score_pair(oracle, s, s.pairs[0], tmp_path / f"{s.name}.mid") for s in (plain, pedalled)]
    assert [item.pedal_extended for item in scored] == [False, True]
    assert references_note(scored[:1]).startswith("key releases")
    assert references_note(scored).startswith("pedal-extended in 1 of 2")


def model_file(directory: Path, run_id: str | None = None, tracking: dict | None = None) -> Path:
    torch.manual_seed(0)
    model = build_model("onf", TINY)
    params = load_params() | {"model": "onf", "tracking": tracking or {"uri": "sqlite:///mlflow.db"}}
    path = directory / "model.pt"
    save_checkpoint(
        path,
        {
            "model_config": model.config,
            "model": model.state_dict(),
            "step": 0,
            "params": params,
            "run_id": run_id,
        },
    )
    return path


def test_evaluate_scores_every_pair_and_writes_csv_json_and_midi(tmp_path, capsys):
    folder = labelled_folder(tmp_path / "takes")
    out = tmp_path / "results"
    assert main(["evaluate", str(model_file(tmp_path)), str(folder), "--out", str(out), "--no-log"]) == 0
    result = out / "takes" / "model"
    table = pd.read_csv(result / "scores.csv")
    assert list(table["id"]) == ["a", "b"] and {"note_f1", "frame_f1", "note_offset_f1"} <= set(table)
    summary = json.loads((result / "scores.json").read_text())
    assert summary["files_scored"] == 2 and summary["references"].startswith("key releases")
    assert summary["means"]["note_f1"] == pytest.approx(table["note_f1"].mean(), abs=1e-4)
    assert summary["thresholds"]["from"] == "model file"
    assert sorted(p.name for p in (result / "midi").iterdir()) == ["a.mid", "b.mid"]
    registers = {row["register"]: row for row in summary["breakdown"]["by_register"]}
    assert sum(row["references"] for row in registers.values()) == 16  # two eight-note scales
    assert sum(row["notes"] for row in summary["breakdown"]["recall_by_velocity"]) == 16
    err = capsys.readouterr().err
    assert "amt evaluate: takes: 2 files, note f1" in err and "note recall by register: A2-G#3" in err
    assert main(["evaluate", str(model_file(tmp_path)), str(folder), "--out", str(out)]) == 1
    assert "scores.csv exists (an earlier evaluation?); pass --overwrite" in capsys.readouterr().err


def test_a_bad_file_is_one_line_and_the_others_are_scored(tmp_path, capsys):
    folder = labelled_folder(tmp_path / "takes")
    (folder / "broken.wav").write_bytes(b"not audio")
    (folder / "broken.mid").write_bytes((folder / "midi" / "a.mid").read_bytes())
    (folder / "empty.flac").write_bytes((folder / "a.flac").read_bytes())
    write_midi(folder / "empty.mid", notes_to_midi(make_notes([])))
    out = tmp_path / "results"
    assert main(["evaluate", str(model_file(tmp_path)), str(folder), "--out", str(out), "--no-log"]) == 0
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert (
        len(errors) == 2 and "broken.wav" in errors[0] and "empty.mid: MIDI holds no piano notes" in errors[1]
    )
    summary = json.loads((out / "takes" / "model" / "scores.json").read_text())
    assert summary["files_scored"] == 2 and sorted(summary["files_failed"]) == ["broken", "empty"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.mkdir(), "no audio/MIDI pairs"),
        (lambda path: None, "not found; set amt evaluate's PATH to a directory or a zip file"),
    ],
)
def test_an_empty_or_missing_path_is_one_line(tmp_path, capsys, make, message):
    make(tmp_path / "takes")
    assert main(["evaluate", str(model_file(tmp_path)), str(tmp_path / "takes"), "--no-log"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_scores_are_logged_to_the_models_run_with_its_tuned_thresholds(tmp_path):
    tracking = {"uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "experiment": "amt-labelled-test"}
    client = mlflow.MlflowClient(tracking["uri"])  # leaves the process's tracking URI alone
    run = client.create_run(client.create_experiment(tracking["experiment"]))
    client.log_metric(run.info.run_id, "onset_threshold", 0.4)
    client.log_metric(run.info.run_id, "frame_threshold", 0.2)
    client.set_terminated(run.info.run_id)
    path = model_file(tmp_path, run.info.run_id, tracking)
    out = tmp_path / "results"
    assert main(["evaluate", str(path), str(labelled_folder(tmp_path / "takes")), "--out", str(out)]) == 0
    summary = json.loads((out / "takes" / f"onf-{run.info.run_id[:8]}" / "scores.json").read_text())
    assert (summary["thresholds"]["onset"], summary["thresholds"]["frame"]) == (0.4, 0.2)
    assert summary["thresholds"]["from"].startswith("tuned on validation")
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics["real/takes/note_f1"] == pytest.approx(summary["means"]["note_f1"])
    artifacts = [item.path for item in client.list_artifacts(run.info.run_id, "real/takes")]
    assert artifacts == ["real/takes/scores.csv", "real/takes/scores.json"]


def test_two_paths_of_one_name_are_refused_before_any_work(tmp_path, capsys):
    one, two = labelled_folder(tmp_path / "x" / "takes"), labelled_folder(tmp_path / "y" / "takes")
    out = tmp_path / "results"
    assert (
        main(["evaluate", str(model_file(tmp_path)), str(one), str(two), "--out", str(out), "--no-log"]) == 1
    )
    assert "two PATHs share a name" in capsys.readouterr().err and not out.exists()


def test_a_model_whose_store_is_not_here_makes_no_store(tmp_path, monkeypatch):
    tracking = {"uri": f"sqlite:///{tmp_path / 'elsewhere' / 'mlflow.db'}", "experiment": "amt"}
    path = model_file(tmp_path, "0" * 32, tracking)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "results"
    assert main(["evaluate", str(path), str(labelled_folder(tmp_path / "takes")), "--out", str(out)]) == 0
    assert not (tmp_path / "elsewhere").exists() and not list(tmp_path.glob("mlflow.db"))
    summary = json.loads((out / "takes" / f"onf-{'0' * 8}" / "scores.json").read_text())
    assert summary["thresholds"]["from"] == "model file"


@pytest.mark.parametrize("inside", ["results", "."])
def test_an_out_inside_the_input_folder_is_refused_before_any_work(tmp_path, capsys, inside):
    folder = labelled_folder(tmp_path / "takes")
    before = sorted(folder.rglob("*"))
    out = folder / inside
    assert main(["evaluate", str(model_file(tmp_path)), str(folder), "--out", str(out), "--no-log"]) == 1
    assert f"--out {out} is inside the PATH {folder}: the next run would read" in capsys.readouterr().err
    assert sorted(folder.rglob("*")) == before


def test_a_store_holding_garbage_is_one_line_naming_it(tmp_path, capsys):
    database = tmp_path / "mlflow.db"
    database.write_bytes(b"garbage" * 100)
    path = model_file(tmp_path, "0" * 32, {"uri": f"sqlite:///{database}", "experiment": "amt"})
    folder = labelled_folder(tmp_path / "takes")
    assert main(["evaluate", str(path), str(folder), "--out", str(tmp_path / "results")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"amt evaluate: error: tracking.uri sqlite:///{database}: {database} is not an SQLite database; "
        f"move it away or point the URI elsewhere (the store {path}'s params name)"
    )


def test_a_full_disk_is_one_line_naming_the_file(tmp_path, capsys, small_disk):
    folder = labelled_folder(tmp_path / "takes")
    out = small_disk(4096)
    assert main(["evaluate", str(model_file(tmp_path)), str(folder), "--out", str(out), "--no-log"]) == 1
    err = capsys.readouterr().err
    assert ": no space left on the device (0 MiB free there)" in err and "Traceback" not in err
    assert not [path for path in out.rglob("*") if ".tmp-" in path.name]
