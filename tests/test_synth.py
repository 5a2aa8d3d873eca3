"""End to end: the synth source builds the raw layout, deterministically, in a process pool."""

import numpy as np
import pytest

from amt.config.data import DataConfig
from amt.core.audio import load_audio, sha256
from amt.core.constants import SAMPLE_RATE
from amt.core.metadata import COLUMNS, write_metadata
from amt.core.notes import OFFSET, ONSET, load_midi, midi_notes
from amt.sources.synth import build
from amt.sources.synth.pieces import play
from amt.sources.synth.plan import plan_pieces
from tests.conftest import data_config


def by_onset(notes: np.ndarray) -> np.ndarray:
    return notes[np.lexsort((notes[:, 2], np.round(notes[:, ONSET], 2)))]


def tiny(workers: int) -> DataConfig:
    synth = {
        "pieces": {"train": 2, "validation": 1, "test": 1},
        "max_seconds": 3.0,
        "corpus_share": 0.5,
        "pedal_share": 0.5,
        "soundfonts": ["FluidR3_GM", "TimGM6mb"],
        "heldout_soundfonts": ["TimGM6mb"],
        "sample_shift_share": 0.5,
    }
    return data_config({"data": {"seed": 0, "workers": workers, "synth": synth}})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    serial, pooled = tmp_path_factory.mktemp("serial"), tmp_path_factory.mktemp("pooled")
    return (serial, build(tiny(1), serial)), (pooled, build(tiny(2), pooled))


def test_rows_files_and_metadata(built):
    (raw, rows), _ = built
    assert [row["id"] for row in rows] == ["train-000", "train-001", "validation-000", "test-000"]
    for row in rows:
        assert tuple(row) == COLUMNS
        assert row["audio_sha256"] == sha256(raw / row["audio_filename"])
        assert row["midi_sha256"] == sha256(raw / row["midi_filename"])
        audio = load_audio(raw / row["audio_filename"])
        assert len(audio) == round(row["duration"] * SAMPLE_RATE) and 0 < row["duration"] <= 3.0
        assert 0.05 < np.abs(audio).max() < 1.0
    assert rows[-1]["soundfont"] == "TimGM6mb" and {r["soundfont"] for r in rows[:-1]} == {"FluidR3_GM"}
    shifted = [spec.shift for spec in plan_pieces(tiny(1))]
    assert [("samples shifted" in row["preset"]) for row in rows] == [bool(shift) for shift in shifted]
    assert sum(map(bool, shifted)) == 1
    assert write_metadata(raw, rows).exists()


def test_same_params_same_pieces_whatever_the_pool(built):
    (_, serial), (_, pooled) = built
    assert serial == pooled


def test_midi_holds_the_performance(built):
    (raw, rows), _ = built
    specs = {spec.id: spec for spec in plan_pieces(tiny(1))}
    for row in rows:
        performance = play(specs[row["id"]], 3.0).performance
        midi = load_midi(raw / row["midi_filename"])
        written = by_onset(
            np.array([(n.start, n.end, n.pitch, n.velocity) for n in midi.instruments[0].notes])
        )
        played = by_onset(performance.notes)
        # pretty_midi stores times in ticks of 1/440 s: within 1.2 ms of the audio's times
        assert np.allclose(written[:, [ONSET, OFFSET]], played[:, [ONSET, OFFSET]], atol=1.2e-3)
        assert np.array_equal(written[:, 2:], played[:, 2:])
        assert bool(midi.instruments[0].control_changes) == bool(performance.pedal)
        assert len(midi_notes(midi)) == len(performance.notes)
