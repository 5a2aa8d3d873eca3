import errno
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pretty_midi
import pytest
import soundfile as sf
import torch

from amt.cli import main
from amt.config.params import load_params
from amt.core.audio import audio_blocks, load_audio
from amt.core.device import placement
from amt.core.errors import AmtError
from amt.core.notes import make_notes
from amt.inference.chunks import predict
from amt.inference.decoding import Thresholds, notes_from
from amt.inference.velocity import band_power
from amt.models import build_model
from amt.models.checkpoint import save_checkpoint
from amt.transcription import resynth
from amt.transcription import transcriber as transcribe_module
from amt.transcription.outputs import check_out_dir
from amt.transcription.transcriber import Transcriber, read_thresholds
from tests.conftest import as_unprivileged, scale_notes, tone_audio

IN_RANGE = "must be a number between 0 and 1"
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
    for name in ("take.wav", "mono.ogg"):
        midi = pretty_midi.PrettyMIDI(str(out / f"{name}.mid"))
        with np.load(out / f"{name}.npz") as data:
            assert data["onset"].shape == data["frame"].shape == (2.5 * 16000 // 512 + 1, 88)
            assert len(data["notes"]) == len(midi.instruments[0].notes)
        audio, rate = sf.read(out / f"{name}.resynth.wav")
        assert rate == 16000 and len(audio) > 0 and np.abs(audio).max() > 0.01
    velocities = {note.velocity for note in midi.instruments[0].notes}
    assert velocities and velocities <= set(range(1, 128))
    assert "take.wav: wrote" in capsys.readouterr().err


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
    assert (out / "good.flac.mid").exists() and not list(out.glob("notes*"))


def test_a_model_file_from_another_program_is_refused(tmp_path, capsys):
    foreign = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, foreign)
    assert main(["transcribe", str(foreign), str(recording(tmp_path, "x.wav"))]) == 1
    assert "other.pt: not an amt checkpoint" in capsys.readouterr().err


def _note_count(out, name: str) -> int:
    with np.load(out / f"{name}.npz") as data:
        return len(data["notes"])


def test_thresholds_come_from_a_json_file_unless_given_on_the_command_line(model_file, tmp_path):
    wav = recording(tmp_path, "take.wav")
    strict = tmp_path / "eval.json"
    strict.write_text(json.dumps({"note_f1": 0.5, "onset_threshold": 0.999, "frame_threshold": 0.999}))
    command = ["transcribe", str(model_file), str(wav), "--thresholds", str(strict)]
    assert main([*command, "--out", str(tmp_path / "strict")]) == 0
    assert _note_count(tmp_path / "strict", "take.wav") == 0
    assert main([*command, "--onset-threshold", "0.01", "--out", str(tmp_path / "loose")]) == 0
    assert _note_count(tmp_path / "loose", "take.wav") > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read thresholds"),
        ("{not json", "not valid JSON"),
        ('{"onset_threshold": 0.3}', "needs numeric onset_threshold and frame_threshold"),
        (
            '{"onset_threshold": "high", "frame_threshold": 0.3}',
            "onset_threshold must be a number between 0 and 1",
        ),
        (
            '{"onset_threshold": 0.3, "frame_threshold": 1.0}',
            "frame_threshold must be a number between 0 and 1",
        ),
        (
            '{"onset_threshold": NaN, "frame_threshold": 0.3}',
            "onset_threshold must be a number between 0 and 1",
        ),
        ("[0.3, 0.3]", "needs numeric onset_threshold"),
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


def transcribe(model_file, *args) -> int:
    return main(["transcribe", str(model_file), *map(str, args)])


def test_an_input_is_never_written_over(model_file, tmp_path, capsys):
    take = recording(tmp_path, "take1.wav")
    before = take.read_bytes()
    assert transcribe(model_file, take, "--out", tmp_path) == 0
    assert take.read_bytes() == before
    assert {p.name for p in tmp_path.iterdir()} >= {"take1.wav", "take1.wav.mid", "take1.wav.resynth.wav"}
    # An input named like another input's output is refused before any work.
    shadow = recording(tmp_path, "a.wav.resynth.wav")
    first = recording(tmp_path, "a.wav")
    shadow_bytes = shadow.read_bytes()
    assert transcribe(model_file, first, shadow, "--out", tmp_path) == 1
    assert "is an input; amt never writes over an input" in capsys.readouterr().err
    assert shadow.read_bytes() == shadow_bytes and not (tmp_path / "a.wav.mid").exists()


def test_two_inputs_of_one_name_into_one_folder_are_refused_before_any_work(model_file, tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = recording(tmp_path / "a", "take.wav"), recording(tmp_path / "b", "take.wav")
    out = tmp_path / "out"
    assert transcribe(model_file, one, two, "--out", out) == 1
    assert "would both write" in capsys.readouterr().err
    assert not out.exists()  # nothing is made for a run that is refused


def test_outputs_of_an_earlier_run_are_refused_skipped_or_overwritten(model_file, tmp_path, capsys):
    take, other = recording(tmp_path, "take.wav"), recording(tmp_path, "other.wav")
    out = tmp_path / "out"
    assert transcribe(model_file, take, "--out", out, "--no-wav") == 0
    midi = out / "take.wav.mid"
    midi.write_bytes(b"marker")
    capsys.readouterr()

    assert transcribe(model_file, take, other, "--out", out, "--no-wav") == 1
    assert f"{midi} exists" in capsys.readouterr().err
    assert midi.read_bytes() == b"marker" and not (out / "other.wav.mid").exists()

    assert transcribe(model_file, take, other, "--out", out, "--no-wav", "--skip-existing") == 0
    assert "skipping 1 inputs" in capsys.readouterr().err
    assert midi.read_bytes() == b"marker" and (out / "other.wav.mid").exists()

    assert transcribe(model_file, take, "--out", out, "--no-wav", "--overwrite") == 0
    assert pretty_midi.PrettyMIDI(str(midi)).instruments


def test_without_fluidsynth_midi_and_npz_are_written_and_the_wav_skipped_once(
    model_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(resynth.shutil, "which", lambda name: None)
    files = [recording(tmp_path, "one.wav"), recording(tmp_path, "two.wav")]
    out = tmp_path / "out"
    assert transcribe(model_file, *files, "--out", out) == 0
    err = capsys.readouterr().err
    assert err.count("writing no .resynth.wav files: the fluidsynth program is not installed") == 1
    assert sorted(p.name for p in out.iterdir()) == [
        "one.wav.mid",
        "one.wav.npz",
        "two.wav.mid",
        "two.wav.npz",
    ]


def test_no_wav_writes_no_wav_and_says_nothing_of_it(model_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert transcribe(model_file, recording(tmp_path, "one.wav"), "--out", out, "--no-wav") == 0
    assert "resynth" not in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["one.wav.mid", "one.wav.npz"]


def test_an_out_that_is_a_file_is_one_line_before_any_work(model_file, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("a user's file")
    assert transcribe(model_file, recording(tmp_path, "x.wav"), "--out", taken) == 1
    assert capsys.readouterr().err.strip() == f"amt transcribe: error: --out {taken}: is a file, not a folder"
    assert taken.read_text() == "a user's file"


def test_an_out_folder_without_write_permission_and_an_unreadable_input_are_named():
    shared = Path(tempfile.mkdtemp())
    try:
        shared.chmod(0o755)
        locked, secret = shared / "locked", shared / "secret.wav"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        sf.write(str(secret), np.zeros(1000), 16000)
        secret.chmod(0o000)
        assert (
            as_unprivileged(check_out_dir, locked)
            == f"--out {locked}: cannot write there (Permission denied)"
        )
        assert as_unprivileged(load_audio, secret) == f"{secret}: cannot open audio file (Permission denied)"
    finally:
        shutil.rmtree(shared)


@pytest.mark.parametrize("value", ["1.5", "0", "nan", "high", "-0.1"])
def test_threshold_flags_outside_0_1_are_refused(model_file, tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        transcribe(model_file, recording(tmp_path, "x.wav"), "--onset-threshold", value)
    assert exit_info.value.code == 2
    assert "--onset-threshold" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_device_cuda_without_a_gpu_names_the_flag(model_file, tmp_path, capsys):
    assert transcribe(model_file, recording(tmp_path, "x.wav"), "--device", "cuda", "--out", tmp_path) == 1
    err = capsys.readouterr().err
    assert "--device is cuda but no CUDA GPU is available" in err and "params.yaml" not in err


def test_transcribing_block_by_block_equals_transcribing_the_whole_recording(
    model_file, tmp_path, monkeypatch
):
    checkpoint = torch.load(model_file, weights_only=True)
    checkpoint["params"]["evaluate"] |= {"chunk_seconds": 1.0, "overlap_seconds": 0.5}
    torch.save(checkpoint, model_file)
    path = recording(tmp_path, "take.flac", rate=44100, channels=2)
    monkeypatch.setattr(transcribe_module, "audio_blocks", lambda p: audio_blocks(p, block_seconds=0.37))
    transcriber = Transcriber.load(model_file, placement("cpu", "fp32"))
    notes = transcriber.transcribe(path, tmp_path / "rolls.npz")
    audio = load_audio(path)
    whole = predict(transcriber.model, audio, 1.0, 0.5)
    with np.load(tmp_path / "rolls.npz") as data:
        for head in ("onset", "frame"):
            np.testing.assert_allclose(data[head], whole[head], atol=1e-5)
        np.testing.assert_array_equal(data["notes"], notes)
    assert len(notes) > 5
    np.testing.assert_array_equal(notes, notes_from(whole, band_power(audio), transcriber.thresholds))


def test_a_disk_that_fills_during_the_wav_keeps_no_wav_and_skip_existing_makes_it(
    model_file, tmp_path, capsys, small_disk
):
    take = tmp_path / "take.wav"
    sf.write(str(take), tone_audio(make_notes(scale_notes(40, 36)), 10.0), 16000)
    room = tmp_path / "room"
    assert transcribe(model_file, take, "--out", room, "--onset-threshold", "0.01") == 0
    pages = {path.name: -(-path.stat().st_size // 4096) * 4096 for path in room.iterdir()}
    assert sf.info(str(room / "take.wav.resynth.wav")).duration > 8
    kept = pages["take.wav.mid"] + pages["take.wav.npz"]
    out = small_disk(max(kept + pages["take.wav.resynth.wav"] // 2, 3 * pages["take.wav.npz"]))
    capsys.readouterr()

    assert transcribe(model_file, take, "--out", out, "--onset-threshold", "0.01") == 1
    err = capsys.readouterr().err
    assert f"{out / 'take.wav.resynth.wav'}: no space left on the device" in err and "wrote" not in err
    assert sorted(p.name for p in out.iterdir()) == ["take.wav.mid", "take.wav.npz"]

    subprocess.run(["mount", "-o", "remount,size=4m", str(out)], check=True)
    midi = (out / "take.wav.mid").read_bytes()
    assert transcribe(model_file, take, "--out", out, "--skip-existing") == 0
    err = capsys.readouterr().err
    assert "take.wav.resynth.wav missing (an interrupted run?); making it from take.wav.mid" in err
    assert (out / "take.wav.mid").read_bytes() == midi
    assert (
        sf.info(str(out / "take.wav.resynth.wav")).duration
        == sf.info(str(room / "take.wav.resynth.wav")).duration
    )


def test_skip_existing_transcribes_again_an_input_whose_npz_is_missing(model_file, tmp_path, capsys):
    take, done = recording(tmp_path, "take.wav"), recording(tmp_path, "done.wav")
    out = tmp_path / "out"
    assert transcribe(model_file, take, done, "--out", out, "--no-wav") == 0
    (out / "take.wav.npz").unlink()
    capsys.readouterr()
    assert transcribe(model_file, take, done, "--out", out, "--no-wav", "--skip-existing") == 0
    err = capsys.readouterr().err
    assert "take.wav.npz missing (an interrupted run?); transcribing it again" in err
    assert "skipping 1 inputs" in err and "done.wav: wrote" not in err
    assert (out / "take.wav.npz").exists()


def test_a_disk_full_while_streaming_the_npz_is_one_line_and_the_batch_goes_on(
    model_file, tmp_path, capsys, monkeypatch
):
    from amt.transcription import npz_stream

    class FullDisk:
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    real, calls = npz_stream.tempfile.TemporaryFile, []

    def temporary_file(dir):  # the first input's two streamed rolls meet a full disk
        calls.append(dir)
        return FullDisk() if len(calls) <= 2 else real(dir=dir)

    monkeypatch.setattr(npz_stream, "tempfile", SimpleNamespace(TemporaryFile=temporary_file))
    full, fine = recording(tmp_path, "full.wav"), recording(tmp_path, "fine.wav")
    out = tmp_path / "out"
    assert transcribe(model_file, full, fine, "--out", out, "--no-wav") == 1
    err = capsys.readouterr().err
    assert f"{out / 'full.wav.npz'}: no space left on the device" in err
    assert "1 of 2 files failed" in err
    assert sorted(p.name for p in out.iterdir()) == ["fine.wav.mid", "fine.wav.npz"]


def test_the_progress_bar_ends_at_its_total_exactly(model_file, tmp_path, monkeypatch):
    ends = []

    class Recorded(transcribe_module.tqdm):
        def close(self):
            ends.append((self.n, self.total))
            super().close()

    monkeypatch.setattr(transcribe_module, "tqdm", Recorded)
    path = tmp_path / "take.wav"
    sf.write(str(path), tone_audio(make_notes(scale_notes(40, 30)), 37.3), 44100)
    Transcriber.load(model_file, placement("cpu", "fp32")).transcribe(path, tmp_path / "rolls.npz")
    with np.load(tmp_path / "rolls.npz") as data:
        assert set(ends) == {(len(data["frame"]), len(data["frame"]))}


def test_a_recording_silent_from_its_start_is_given_up_on_early(model_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(transcribe_module, "SILENT_START_SECONDS", 30.0)
    path = tmp_path / "silence.flac"
    sf.write(str(path), np.zeros(16000 * 120, np.float32), 16000)
    blocks = []
    real_blocks = transcribe_module.audio_blocks
    monkeypatch.setattr(
        transcribe_module, "audio_blocks", lambda p: (blocks.append(b) or b for b in real_blocks(p))
    )
    assert transcribe(model_file, path, "--out", tmp_path / "out") == 1
    assert f"{path}: audio is silent for its first 30 s (peak below -80 dBFS)" in capsys.readouterr().err
    assert sum(map(len, blocks)) < 16000 * 60


def test_ctrl_c_stops_a_long_transcription_in_one_line_keeping_nothing_half_made(model_file, tmp_path):
    path = tmp_path / "long.flac"
    sf.write(str(path), tone_audio(make_notes(scale_notes(40, 60, step=5.0)), 600.0), 16000)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "amt.cli", "transcribe", str(model_file), str(path), "--out", str(out)]
    stage = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = ""
    while "%|" not in seen:  # the progress bar: the transcription is under way
        seen += stage.stderr.read(1)
        assert seen or stage.poll() is None
    started = time.monotonic()
    stage.send_signal(signal.SIGINT)
    rest = stage.stderr.read()
    stage.wait(timeout=30)
    assert time.monotonic() - started < 10
    assert stage.returncode == 130 and "Traceback" not in rest
    assert "amt transcribe: warning: interrupted; every file written is complete" in rest
    assert not out.exists() or not list(out.iterdir())
