"""Shared fixtures: tiny generated pieces (additive piano-like tones + their MIDI)."""

from pathlib import Path

import numpy as np
import pytest

from amt.config import Config
from amt.config.data import DataConfig
from amt.config.params import load_params
from amt.config.reader import Reader
from amt.core.audio import save_flac, sha256
from amt.core.constants import SAMPLE_RATE
from amt.core.notes import make_notes, notes_to_midi, write_midi

NOBODY = 65534


REPO = Path(__file__).resolve().parents[1]


def config_of(params: dict) -> Config:
    """Partial test params made whole with the repository's params.yaml: each section they
    name is laid over the repository's."""
    base = load_params(REPO / "params.yaml")
    merged = {key: base[key] | value if isinstance(value, dict) else value for key, value in params.items()}
    return Config.from_params(base | merged)


def data_config(params: dict) -> DataConfig:
    """The ``data`` section of test params, as the download stage gets it (source ``synth`` unless named)."""
    return DataConfig.read(Reader({"data": {"source": "synth", **params["data"]}}))


def tone_audio(notes: np.ndarray, seconds: float, seed: int = 0) -> np.ndarray:
    """Decaying harmonic tones for each note, plus faint noise: a stand-in for a piano."""
    audio = np.random.default_rng(seed).normal(0, 1e-4, int(seconds * SAMPLE_RATE)).astype(np.float32)
    for onset, offset, pitch, velocity in notes:
        start, stop = int(onset * SAMPLE_RATE), min(len(audio), int(offset * SAMPLE_RATE))
        t = np.arange(stop - start) / SAMPLE_RATE
        freq = 440.0 * 2 ** ((pitch - 69) / 12)
        partials = sum(
            np.sin(2 * np.pi * k * freq * t) / k for k in range(1, 4) if k * freq < SAMPLE_RATE / 2
        )
        audio[start:stop] += 0.1 * (velocity / 127) * np.exp(-3 * t) * partials
    return audio


def write_piece(raw_dir: Path, split: str, piece_id: str, notes, seconds: float) -> dict:
    """Write one piece of the raw layout and return its metadata row."""
    notes = make_notes(notes)
    audio_file, midi_file = f"{split}/{piece_id}.flac", f"{split}/{piece_id}.mid"
    save_flac(raw_dir / audio_file, tone_audio(notes, seconds))
    write_midi(raw_dir / midi_file, notes_to_midi(notes))
    return {
        "id": piece_id,
        "split": split,
        "composer": "test",
        "title": piece_id,
        "source": "test",
        "soundfont": "",
        "preset": "",
        "duration": seconds,
        "audio_filename": audio_file,
        "midi_filename": midi_file,
        "audio_sha256": sha256(raw_dir / audio_file),
        "midi_sha256": sha256(raw_dir / midi_file),
    }


def scale_notes(first_pitch: int, count: int, step: float = 0.25) -> list[tuple]:
    """An ascending run of ``count`` notes, one every ``step`` seconds."""
    return [(i * step, i * step + step * 0.9, first_pitch + i, 40 + 5 * i) for i in range(count)]


@pytest.fixture
def raw_layout(tmp_path: Path) -> Path:
    """A raw directory with two train pieces and one validation and one test piece."""
    from amt.core.metadata import write_metadata

    raw = tmp_path / "raw"
    rows = [
        write_piece(raw, "train", "a", scale_notes(48, 8), 2.5),
        write_piece(raw, "train", "b", scale_notes(60, 12), 3.5),
        write_piece(raw, "validation", "c", scale_notes(55, 6), 2.0),
        write_piece(raw, "test", "d", scale_notes(40, 6), 2.0),
    ]
    write_metadata(raw, rows)
    return raw


def as_unprivileged(function, *args) -> str:
    """The AmtError message of ``function(*args)`` run as a user without privileges (nobody,
    when the tests run as root, who may read and write anything), or '' if it succeeds."""
    import multiprocessing
    import os

    from amt.core.errors import AmtError

    def child(pipe) -> None:
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        try:
            function(*args)
            pipe.send("")
        except AmtError as error:
            pipe.send(str(error))

    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=child, args=(sender,))
    process.start()
    message = receiver.recv()
    process.join()
    return message


@pytest.fixture
def small_disk(tmp_path: Path):
    """A factory of folders on a tmpfs of the given size in bytes (a full disk made real);
    the test is skipped where this process may not mount one."""
    import subprocess

    mounted: list[Path] = []

    def make(size: int, name: str = "disk") -> Path:
        where = tmp_path / name
        where.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", str(where)], check=True)
