import numpy as np

from amt.core.notes import OFFSET, ONSET, PITCH, VELOCITY
from amt.sources.synth.performance import PEDAL_CATCH, PEDAL_LIFT, _pedalling, cut, perform
from amt.sources.synth.procedural import compose
from amt.sources.synth.score import playable


def performances(count=40, pedal=True, seconds=20.0):
    out = []
    for seed in range(count):
        score = compose(np.random.default_rng(seed), seconds * 1.5, (21, 108))
        out.append(perform(score, np.random.default_rng(1000 + seed), pedal, seconds))
    return out


def test_velocities_use_the_whole_range_over_pieces_and_vary_within_one():
    played = performances()
    velocities = np.concatenate([p.notes[:, VELOCITY] for p in played])
    assert velocities.min() >= 1 and velocities.max() <= 127
    assert velocities.min() <= 15 and velocities.max() >= 115
    assert 45 <= np.median(velocities) <= 85
    assert np.mean((velocities == 1) | (velocities == 127)) < 0.01  # dynamics, not clipping
    assert all(np.ptp(p.notes[:, VELOCITY]) >= 20 for p in played)


def test_pedal_only_when_asked_and_then_well_formed():
    assert all(p.pedal == [] for p in performances(5, pedal=False))
    pedalled = performances(10, pedal=True)
    assert all(p.pedal for p in pedalled)
    for p in pedalled:
        starts, ends = np.array(p.pedal).T
        assert np.all(ends > starts) and np.all(starts[1:] > ends[:-1])
        assert ends.max() <= 20.0


def test_pedal_changes_just_after_harmony_changes():
    changes = np.arange(0.0, 10.0, 1.0)
    intervals = _pedalling(changes, np.arange(0.0, 10.0, 2.0), 10.0, np.random.default_rng(3))
    assert len(intervals) >= 5
    for start, end in intervals:
        since_change = start - changes[changes <= start].max()
        assert PEDAL_LIFT[0] + PEDAL_CATCH[0] <= since_change <= PEDAL_LIFT[1] + PEDAL_CATCH[1]
        after = end - changes[changes < end].max() if end < 10.0 else end - 10.0
        assert PEDAL_LIFT[0] <= after <= PEDAL_LIFT[1]


def test_timing_is_humanised_but_keeps_the_notes():
    score = compose(np.random.default_rng(0), 15.0, (30, 90))
    played = perform(score, np.random.default_rng(1), False, 60.0)
    assert len(played.notes) == len(score.notes)
    assert 0.7 < played.notes[:, ONSET].max() / score.notes[:, ONSET].max() < 1.35
    gaps = np.diff(np.sort(played.notes[:, ONSET]))
    chord_spread = gaps[gaps < 0.05]  # notes written together
    assert len(chord_spread) and (chord_spread > 0).mean() > 0.9 and 0.001 < chord_spread.std() < 0.02
    again = perform(score, np.random.default_rng(1), False, 60.0)
    assert np.array_equal(played.notes, again.notes)


def test_playable_merges_unisons_and_releases_before_restrike():
    notes = np.array([[0.0, 1.0, 60, 50], [0.01, 0.8, 60, 70], [0.5, 2.0, 60, 40], [0.0, 0.001, 64, 30]])
    out = playable(notes)
    sixty = out[out[:, PITCH] == 60]
    assert sixty.tolist() == [[0.0, 0.5, 60, 70], [0.5, 2.0, 60, 40]]
    assert out[out[:, PITCH] == 64, OFFSET][0] >= 0.03


def test_cut_keeps_what_starts_in_time():
    played = performances(1, pedal=True, seconds=60.0)[0]
    short = cut(played, 5.0)
    assert short.notes[:, ONSET].max() < 5.0 and short.notes[:, OFFSET].max() <= 5.0
    assert all(end <= 5.0 for _, end in short.pedal)
