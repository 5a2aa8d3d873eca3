import json

import numpy as np
import pretty_midi
import pytest
import soundfile as sf
import torch

from amt.checkpoint import save_checkpoint
from amt.cli import main
from amt.errors import AmtError
from amt.evaluation import Thresholds
from amt.models import build_model
from amt.notes import make_notes
from amt.params import load_params
from amt.transcribe import read_thresholds
from tests.conftest import scale_notes, tone_audio

TINY = {"cnn_unit": 4, "fc_unit": 16, "lstm_units": 8, "lstm_layers": 1}


@pytest.fixture
def model_file(tmp_path):
    torch.manual_seed(0)
    model = build_model("onf", TINY)
    params = load_params() | {"model": "onf"}
    params["evaluate"] = params["evaluate"] | {"onset_threshold": 0.5, "frame_threshold": 0.5}
    path = tmp_path / "model.pt"
    state = {"model_config": model.config, "model": model.state_dict(), "step": 0, "params": params}
    save_checkpoint(path, state | {"run_id": None})
    return path


def recording(tmp_path, name: str, rate: int = 44100, channels: int = 2):
    audio = tone_audio(make_notes(scale_notes(50, 8)), 2.5)
    audio = np.interp(np.arange(int(2.5 * rate)) * 16000 / rate, np.arange(len(audio)), audio)
    path = tmp_path / name
    sf.write(str(path), np.repeat(audio[:, None], channels, axis=1), rate)
    return path


def test_transcribe_writes_midi_probabilities_and_audio(model_file, tmp_path, capsys):
    wav = recording(tmp_path, "take.wav")
    ogg = recording(tmp_path, "mono.ogg", rate=22050, channels=1)
    out = tmp_path / "out"
    assert (
        main(
            [
                "transcribe",
                str(model_file),
                str(wav),
                str(ogg),
                "--out",
                str(out),
                "--onset-threshold",
                "0.01",
            ]
        )
        == 0
    )
    for stem in ("take", "mono"):
        midi = pretty_midi.PrettyMIDI(str(out / f"{stem}.mid"))
        with np.load(out / f"{stem}.npz") as data:
            assert data["onset"].shape == data["frame"].shape == (2.5 * 16000 // 512 + 1, 88)
            assert len(data["notes"]) == len(midi.instruments[0].notes)
        audio, rate = sf.read(out / f"{stem}.wav")
        assert rate == 16000 and len(audio) > 0
    velocities = {note.velocity for note in midi.instruments[0].notes}
    assert velocities and velocities <= set(range(1, 128))
    assert "take.wav: wrote" in capsys.readouterr().out


def test_bad_files_fail_alone_with_one_line_each(model_file, tmp_path, capsys):
    good = recording(tmp_path, "good.flac", rate=16000, channels=1)
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all")
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000), 16000)
    missing = tmp_path / "missing.wav"
    out = tmp_path / "out"
    assert (
        main(
            [
                "transcribe",
                str(model_file),
                str(text),
                str(silent),
                str(missing),
                str(good),
                "--out",
                str(out),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err.splitlines()
    assert any("notes.mp3: cannot read audio" in line for line in err)
    assert any("silent.wav: audio is silent" in line for line in err)
    assert any("missing.wav: audio file not found" in line for line in err)
    assert "3 of 4 files failed" in err[-1]
    assert (out / "good.mid").exists() and not (out / "notes.mid").exists()


def test_a_model_file_from_another_program_is_refused(tmp_path, capsys):
    foreign = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, foreign)
    assert main(["transcribe", str(foreign), str(recording(tmp_path, "x.wav"))]) == 1
    assert "other.pt: not an amt checkpoint" in capsys.readouterr().err


def _note_count(out, stem: str) -> int:
    with np.load(out / f"{stem}.npz") as data:
        return len(data["notes"])


def test_thresholds_come_from_a_json_file_unless_given_on_the_command_line(model_file, tmp_path):
    wav = recording(tmp_path, "take.wav")
    strict = tmp_path / "eval.json"
    strict.write_text(json.dumps({"note_f1": 0.5, "onset_threshold": 1.0, "frame_threshold": 1.0}))
    command = ["transcribe", str(model_file), str(wav), "--thresholds", str(strict)]
    assert main([*command, "--out", str(tmp_path / "strict")]) == 0
    assert _note_count(tmp_path / "strict", "take") == 0
    assert main([*command, "--onset-threshold", "0.01", "--out", str(tmp_path / "loose")]) == 0
    assert _note_count(tmp_path / "loose", "take") > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read thresholds"),
        ("{not json", "not valid JSON"),
        ('{"onset_threshold": 0.3}', "needs numeric onset_threshold and frame_threshold"),
        ('{"onset_threshold": "high", "frame_threshold": 0.3}', "needs numeric"),
    ],
)
def test_a_bad_thresholds_file_is_named(tmp_path, content, message):
    path = tmp_path / "thresholds.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AmtError, match=f"{path}: {message}"):
        read_thresholds(path)


def test_the_evaluate_stage_output_is_a_thresholds_file(tmp_path):
    path = tmp_path / "eval.json"
    path.write_text(json.dumps({"note_f1": 0.8, "onset_threshold": 0.2, "frame_threshold": 0.3}))
    assert read_thresholds(path) == Thresholds(0.2, 0.3)
