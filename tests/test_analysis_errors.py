import numpy as np
import pytest

from amt.analysis.errors import (
    analyse,
    error_counts,
    false_positive_types,
    miss_types,
    note_tables,
    per_piece,
    per_pitch,
    per_register,
    polyphony,
    rate_by,
    register_name,
)
from amt.core.notes import make_notes

CHORD = [(1.0, 2.0, 60, 80), (1.0, 2.0, 64, 80), (1.0, 2.0, 67, 80)]


def test_false_positives_are_named_by_their_relation_to_sounding_reference_notes():
    ref = make_notes([(0.0, 3.0, 48, 80)])
    expected = {
        48: "repeated-note split",  # same key again while the reference still sounds
        60: "octave",
        67: "fifth/twelfth",  # 3rd partial
        55: "fifth/twelfth",
        76: "other harmonic",  # 5th partial
        49: "semitone",
        50: "other",  # a whole tone is no relation
    }
    est = make_notes([(0.5, 1.0, pitch, 70) for pitch in expected] + [(4.0, 5.0, 60, 70)])
    types = false_positive_types(ref, est)
    assert dict(zip(est[:-1, 2].astype(int), types[:-1], strict=True)) == expected
    assert types[-1] == "other"  # an octave above, but nothing sounds then


def test_a_harmonic_relation_wins_over_a_semitone_neighbour():
    ref = make_notes([(0.0, 1.0, 48, 80), (0.0, 1.0, 59, 80)])
    est = make_notes([(0.2, 0.5, 60, 70)])
    assert list(false_positive_types(ref, est)) == ["octave"]


def test_misses_are_named_by_what_made_them_hard():
    ref = make_notes(
        [
            (0.0, 0.4, 40, 80),
            (0.5, 1.0, 40, 80),  # re-struck while the estimate of the first strike still sounds
            (2.0, 2.05, 50, 80),  # short
            (3.0, 4.0, 52, 20),  # quiet
            *[(5.0, 6.0, 60 + 2 * k, 80) for k in range(5)],  # five-note chord
            (8.0, 9.0, 70, 80),  # nothing special
        ]
    )
    est = make_notes([(0.0, 1.0, 40, 80)])
    types = list(miss_types(ref, est))
    assert types[1:4] == ["re-struck merged", "short note", "quiet note"]
    assert types[4:9] == ["dense chord"] * 5
    assert types[9] == "other"


def test_polyphony_counts_notes_sounding_at_each_onset():
    notes = make_notes([*CHORD, (1.5, 2.5, 72, 80), (3.0, 4.0, 72, 80)])
    assert list(polyphony(notes)) == [3, 3, 3, 4, 1]


def test_note_tables_flag_hits_and_timing_errors():
    ref = make_notes(CHORD)
    est = make_notes([(1.02, 2.1, 60, 80), (1.0, 1.9, 64, 80), (1.0, 2.0, 73, 80)])
    ref_table, est_table = note_tables("p", ref, est)
    assert list(ref_table["hit"]) == [True, True, False]
    assert ref_table["onset_error"].iloc[0] == pytest.approx(0.02)
    assert ref_table["offset_error"].iloc[1] == pytest.approx(-0.1)
    assert dict(zip(est_table["pitch"], est_table["error"], strict=True)) == {60: "", 64: "", 73: "other"}
    assert list(ref_table["error"]) == ["", "", "other"]


def test_an_empty_estimate_misses_everything():
    ref_table, est_table = note_tables("p", make_notes(CHORD), np.zeros((0, 4)))
    assert not ref_table["hit"].any() and est_table.empty


def test_aggregates_score_pitches_pieces_and_bins():
    analysis = analyse(
        [
            ("a", make_notes(CHORD), make_notes(CHORD[:2])),
            ("b", make_notes([(0.0, 0.05, 60, 20)]), make_notes([(0.0, 0.05, 61, 20)])),
        ]
    )
    pitches = per_pitch(analysis)
    assert len(pitches) == 88
    assert pitches.loc[60, "f1"] == pytest.approx(2 / 3)
    assert pitches.loc[67, "recall"] == 0.0 and pitches.loc[64, "f1"] == 1.0
    registers = per_register(analysis)
    assert list(registers.index[:3]) == ["A0-G#1", "A1-G#2", "A2-G#3"] and registers.index[-1] == "A7-C8"
    assert registers.loc["A3-G#4", ["references", "estimates"]].tolist() == [4, 3]  # A3 is 57, G#4 68
    assert registers.loc["A3-G#4", "recall"] == 0.5 and registers["references"].sum() == 4
    assert register_name(21) == "A0-G#1" and register_name(108) == "A7-C8"
    pieces = per_piece(analysis)
    assert list(pieces.index) == ["b", "a"]
    assert pieces.loc["a", "f1"] == pytest.approx(0.8)
    by_duration = rate_by(analysis.ref, "duration", (0.0, 0.1, 0.5, np.inf))
    assert list(by_duration["notes"]) == [1, 0, 3]
    assert by_duration["rate"].tolist() == pytest.approx([0.0, np.nan, 2 / 3], nan_ok=True)
    misses = error_counts(analysis.ref, ("short note", "other"))
    assert misses.to_dict() == {"short note": 1, "other": 1}
    assert error_counts(analysis.est, ("semitone", "other")).to_dict() == {"semitone": 1, "other": 0}


def test_long_pieces_are_typed_block_by_block_with_the_same_answers():
    ref = make_notes([(0.1 * i, 0.1 * i + 0.3, 40 + i % 30, 80) for i in range(1500)])
    est = ref.copy()
    est[:, 2] += 12
    assert set(false_positive_types(ref, est)) == {"octave"}
    late, early = ref.copy(), ref.copy()
    late[:, 0] += 0.06  # struck again 60 ms into each sounding reference note
    early[:, 0] -= 0.06  # already sounding when each reference note is struck
    assert set(false_positive_types(ref, make_notes(late))) == {"repeated-note split"}
    assert set(miss_types(ref, make_notes(early))) == {"re-struck merged"}
