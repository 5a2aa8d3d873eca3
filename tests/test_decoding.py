import numpy as np
import pytest

from amt.core.constants import MIN_MIDI, N_KEYS, frame_to_time, time_to_frame
from amt.core.notes import make_notes, notes_to_rolls
from amt.inference.decoding import DEFAULT_VELOCITY, NoteDecoder, decode_notes, frames_to_notes

FRAME = frame_to_time(1)


def reference_decode(onset_prob, frame_prob, onset_threshold, frame_threshold, velocity=None):
    """The plain per-pitch, per-frame loop that decode_notes must agree with."""
    frames = len(onset_prob)

    def is_start(t, key):
        return onset_prob[t, key] > onset_threshold and (t == 0 or onset_prob[t - 1, key] <= onset_threshold)

    rows = []
    for key in range(N_KEYS):
        t = 0
        while t < frames:
            if not is_start(t, key):
                t += 1
                continue
            start, t = t, t + 1
            while (
                t < frames
                and (onset_prob[t, key] > onset_threshold or frame_prob[t, key] > frame_threshold)
                and not is_start(t, key)
            ):
                t += 1
            vel = (
                DEFAULT_VELOCITY if velocity is None else min(max(round(velocity[start, key] * 127), 1), 127)
            )
            rows.append((frame_to_time(start), frame_to_time(t), key + MIN_MIDI, vel))
    return make_notes(rows)


def random_rolls(rng, frames, onset_density, frame_density):
    """Random probability rolls in which a share ``*_density`` of the cells is non-zero."""
    onset = (rng.random((frames, N_KEYS)) < onset_density) * rng.uniform(0.5, 1, (frames, N_KEYS))
    frame = (rng.random((frames, N_KEYS)) < frame_density) * rng.uniform(0.4, 1, (frames, N_KEYS))
    return onset.astype(np.float32), frame.astype(np.float32)


@pytest.mark.parametrize("seed", range(40))
def test_matches_reference_on_random_rolls(seed):
    rng = np.random.default_rng(seed)
    frames = int(rng.integers(1, 80))
    onset, frame = random_rolls(rng, frames, rng.uniform(0, 0.4), rng.uniform(0, 0.95))
    velocity = rng.random((frames, N_KEYS))
    thresholds = rng.uniform(0.3, 0.7, 2)
    expected = reference_decode(onset, frame, *thresholds, velocity)
    np.testing.assert_array_equal(decode_notes(onset, frame, *thresholds, velocity), expected)
    np.testing.assert_array_equal(
        decode_notes(onset, frame, *thresholds), reference_decode(onset, frame, *thresholds)
    )


def column(onset, frame):
    """Rolls with one key (MIDI 60) set from two short per-frame lists."""
    onset_roll, frame_roll = np.zeros((len(onset), N_KEYS)), np.zeros((len(onset), N_KEYS))
    onset_roll[:, 60 - MIN_MIDI], frame_roll[:, 60 - MIN_MIDI] = onset, frame
    return onset_roll, frame_roll


@pytest.mark.parametrize(
    ("onset", "frame", "frame_spans"),
    [
        ([1, 0, 0, 0], [1, 1, 0, 0], [(0, 2)]),  # onset at frame 0
        ([0, 1, 0, 0], [0, 0, 1, 1], [(1, 4)]),  # runs to the end
        ([0, 1, 1, 1, 0], [0, 0, 0, 0, 0], [(1, 4)]),  # consecutive onsets merge; onset keeps it alive
        ([1, 0, 1, 0, 0], [1, 1, 1, 1, 0], [(0, 2), (2, 4)]),  # re-strike ends the first note
        ([0, 0, 1, 0], [0, 0, 0, 0], [(2, 3)]),  # onset without frame activity
        ([0, 0, 0, 0], [1, 1, 1, 1], []),  # frames without onset are no note
        ([1, 1, 0, 1], [0, 0, 1, 0], [(0, 3), (3, 4)]),
    ],
)
def test_edge_cases(onset, frame, frame_spans):
    notes = decode_notes(*column(onset, frame), 0.5, 0.5)
    expected = [(frame_to_time(a), frame_to_time(b), 60, DEFAULT_VELOCITY) for a, b in frame_spans]
    np.testing.assert_allclose(notes, make_notes(expected))


def test_all_zero_and_single_frame_rolls():
    assert decode_notes(np.zeros((50, N_KEYS)), np.zeros((50, N_KEYS)), 0.5, 0.5).shape == (0, 4)
    one = np.ones((1, N_KEYS))
    notes = decode_notes(one, one, 0.5, 0.5)
    assert len(notes) == N_KEYS and np.allclose(notes[:, 1], FRAME)


def test_velocity_is_scaled_from_unit_range_and_never_a_constant_127():
    onset, frame = column([0, 1, 0, 1, 0], [0, 1, 0, 1, 0])
    velocity = np.zeros_like(onset)
    velocity[1, 60 - MIN_MIDI], velocity[3, 60 - MIN_MIDI] = 0.25, 0.0
    notes = decode_notes(onset, frame, 0.5, 0.5, velocity)
    np.testing.assert_array_equal(notes[:, 3], [32, 1])


def test_rejects_mismatched_rolls():
    with pytest.raises(ValueError, match="matching"):
        decode_notes(np.zeros((5, N_KEYS)), np.zeros((6, N_KEYS)), 0.5, 0.5)


def test_round_trip_through_label_rolls():
    rng = np.random.default_rng(7)
    rows = []
    for pitch in rng.choice(np.arange(21, 109), 30, replace=False):
        time = rng.uniform(0, 0.5)
        for _ in range(int(rng.integers(1, 5))):
            duration = rng.uniform(3 * FRAME, 1.0)
            gap = 0.0 if rng.random() < 0.3 else rng.uniform(2 * FRAME, 0.5)  # gap 0: a pedal re-strike
            rows.append((time, time + duration, pitch, rng.integers(1, 128)))
            time += duration + gap
    notes = make_notes(rows)
    frames = time_to_frame(notes[:, 1].max()) + 3
    rolls = notes_to_rolls(notes, frames)
    decoded = decode_notes(rolls["onset"], rolls["frame"], 0.5, 0.5, rolls["velocity"] / 127)
    assert decoded.shape == notes.shape
    decoded, notes = (array[np.lexsort((array[:, 0], array[:, 2]))] for array in (decoded, notes))
    np.testing.assert_allclose(decoded[:, 0], notes[:, 0], atol=FRAME / 2 + 1e-9)
    np.testing.assert_allclose(decoded[:, 1], notes[:, 1], atol=FRAME / 2 + 1e-9)
    np.testing.assert_array_equal(decoded[:, 2:], notes[:, 2:])


@pytest.mark.parametrize("seed", range(6))
def test_decoding_block_by_block_matches_the_reference(seed):
    rng = np.random.default_rng(seed)
    onset, frame = random_rolls(rng, 300, 0.05, 0.6)
    frame[:, 40] = 0.9  # a key held through every block boundary
    decoder = NoteDecoder(0.5, 0.5)
    bounds = np.sort(rng.choice(np.arange(1, 300), 12, replace=False))
    onsets = [
        decoder.push(o, f) for o, f in zip(np.split(onset, bounds), np.split(frame, bounds), strict=True)
    ]
    decoder.push(onset[:0], frame[:0])  # an empty block changes nothing
    starts, ends, keys = decoder.finish()
    notes = frames_to_notes(starts, ends, keys, np.full(len(keys), DEFAULT_VELOCITY))
    np.testing.assert_array_equal(notes, reference_decode(onset, frame, 0.5, 0.5))
    onset_frames, onset_keys = (np.concatenate(part) for part in zip(*onsets, strict=True))
    assert sorted(zip(onset_frames, onset_keys, strict=True)) == list(zip(starts, keys, strict=True))
