import numpy as np
import pretty_midi
import pytest

from amt.core.constants import HOP_LENGTH, N_KEYS, SAMPLE_RATE
from amt.core.errors import AmtError
from amt.core.notes import (
    apply_sustain,
    make_notes,
    notes_to_midi,
    notes_to_rolls,
    read_midi_notes,
    sustain_intervals,
    write_midi,
)

FRAME = HOP_LENGTH / SAMPLE_RATE


def test_sustain_extends_release_until_pedal_up():
    notes = apply_sustain(make_notes([(0.0, 0.5, 60, 80)]), [(0.2, 2.0)])
    assert notes[0, 1] == pytest.approx(2.0)


def test_sustain_leaves_notes_released_outside_the_pedal():
    notes = apply_sustain(make_notes([(0.0, 0.5, 60, 80), (1.0, 1.2, 62, 80)]), [(0.6, 0.9)])
    np.testing.assert_allclose(notes[:, 1], [0.5, 1.2])


def test_sustained_note_ends_when_the_same_key_is_struck_again():
    notes = apply_sustain(make_notes([(0.0, 0.3, 60, 80), (1.0, 1.2, 60, 70)]), [(0.1, 3.0)])
    np.testing.assert_allclose(notes[:, 1], [1.0, 3.0])
    assert len(notes) == 2


def test_sustain_never_shortens_a_note():
    notes = apply_sustain(make_notes([(0.0, 2.0, 60, 80), (0.5, 0.6, 60, 80)]), [(0.0, 0.4)])
    assert notes[0, 1] == pytest.approx(2.0)


def test_sustain_intervals_from_control_changes():
    ccs = [pretty_midi.ControlChange(64, v, t) for v, t in [(127, 1.0), (100, 1.5), (0, 2.0), (90, 3.0)]]
    assert sustain_intervals(ccs, end_time=4.0) == [(1.0, 2.0), (3.0, 4.0)]


def test_midi_round_trip_applies_the_pedal(tmp_path):
    notes = make_notes([(0.0, 0.25, 60, 100), (0.5, 1.0, 64, 50)])
    write_midi(tmp_path / "x.mid", notes_to_midi(notes, pedal=[(0.1, 0.8)]))
    read = read_midi_notes(tmp_path / "x.mid")
    np.testing.assert_allclose(read[:, [0, 2, 3]], notes[:, [0, 2, 3]], atol=1e-3)
    np.testing.assert_allclose(read[:, 1], [0.8, 1.0], atol=1e-3)


def test_midi_without_piano_notes_is_an_error(tmp_path):
    midi = pretty_midi.PrettyMIDI()
    drums = pretty_midi.Instrument(0, is_drum=True)
    drums.notes.append(pretty_midi.Note(100, 40, 0.0, 0.5))
    midi.instruments.append(drums)
    midi.write(str(tmp_path / "drums.mid"))
    with pytest.raises(AmtError, match="drums.mid: MIDI holds no piano notes"):
        read_midi_notes(tmp_path / "drums.mid")


def test_corrupt_midi_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "bad.mid").write_bytes(b"not a midi file")
    with pytest.raises(AmtError, match="bad.mid: cannot parse MIDI"):
        read_midi_notes(tmp_path / "bad.mid")


def test_rolls_follow_the_frame_convention():
    onset, offset = 10 * FRAME + 0.004, 20 * FRAME - 0.004
    rolls = notes_to_rolls(make_notes([(onset, offset, 21, 90)]), frames=30)
    assert rolls["frame"].shape == (30, N_KEYS)
    assert np.flatnonzero(rolls["onset"][:, 0]).tolist() == [10]
    assert np.flatnonzero(rolls["frame"][:, 0]).tolist() == list(range(10, 20))
    assert np.flatnonzero(rolls["offset"][:, 0]).tolist() == [20]
    assert set(rolls["velocity"][:, 0]) == {0, 90}


def test_rolls_keep_restruck_notes_apart_and_clip_at_the_end():
    notes = make_notes([(0.0, 5 * FRAME, 108, 60), (5 * FRAME, 50 * FRAME, 108, 70)])
    rolls = notes_to_rolls(notes, frames=12)
    assert np.flatnonzero(rolls["onset"][:, -1]).tolist() == [0, 5]
    assert rolls["frame"][:, -1].all()
    assert rolls["offset"][:, -1].tolist().count(1) == 1


def test_very_short_note_lasts_one_frame():
    rolls = notes_to_rolls(make_notes([(0.1, 0.101, 60, 60)]), frames=10)
    assert rolls["frame"][:, 60 - 21].sum() == 1
