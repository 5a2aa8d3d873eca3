import numpy as np
from conftest import tone_audio
from scipy.stats import spearmanr

from amt.core.constants import N_KEYS, SAMPLE_RATE
from amt.core.notes import VELOCITY, make_notes, notes_to_midi
from amt.inference.velocity import OnsetStrengths, estimate_velocities, onset_strengths


def check_range(velocities: np.ndarray) -> None:
    assert np.all((velocities >= 1) & (velocities <= 127)) and np.all(velocities == np.rint(velocities))
    assert len(np.unique(velocities)) > 1


def test_louder_generated_notes_get_higher_velocities():
    rng = np.random.default_rng(0)
    true = rng.permutation(np.linspace(10, 127, 12))
    onsets = 0.02 + 0.3 * np.arange(12)
    notes = make_notes(np.column_stack([onsets, onsets + 0.25, rng.integers(30, 100, 12), true]))
    estimated = estimate_velocities(notes, tone_audio(notes, 4.0))
    check_range(estimated)
    assert spearmanr(estimated, notes[:, VELOCITY]).statistic == 1.0


def test_chords_and_restrikes_keep_their_order():
    notes = make_notes(
        [(0.0, 1.0, 60, 40), (0.0, 1.0, 64, 90), (0.0, 1.0, 67, 120)]  # a chord at time 0
        + [(1.0, 1.5, 60, 100), (1.5, 2.0, 60, 30)]  # re-strikes while the key still rings
    )
    estimated = estimate_velocities(notes, tone_audio(notes, 2.5))
    check_range(estimated)
    assert spearmanr(estimated, notes[:, VELOCITY]).statistic > 0.8
    assert estimated[np.argmax(notes[:, VELOCITY])] == 127


def test_louder_rendered_piano_notes_get_higher_velocities():
    notes = make_notes([(0.1 + 0.4 * i, 0.4 * i + 0.45, 48 + 3 * i, 20 + 10 * i) for i in range(11)])
    audio = notes_to_midi(notes).fluidsynth(fs=SAMPLE_RATE)  # pretty_midi's own TimGM6mb
    estimated = estimate_velocities(notes, audio.astype(np.float32))
    check_range(estimated)
    assert spearmanr(estimated, notes[:, VELOCITY]).statistic > 0.8


def test_no_notes_or_very_short_audio():
    assert estimate_velocities(np.zeros((0, 4)), np.zeros(100, np.float32)).shape == (0,)
    velocities = estimate_velocities(make_notes([(0.0, 0.01, 60, 64)]), np.ones(100, np.float32))
    assert velocities.tolist() == [127.0]


def test_strengths_block_by_block_equal_those_of_the_whole_band_power():
    rng = np.random.default_rng(0)
    bands = rng.gamma(1.0, 1.0, (N_KEYS, 200)).astype(np.float32)
    frames = np.array([0, 1, 2, 5, 60, 61, 61, 119, 120, 121, 197, 198, 199])
    keys = rng.integers(0, N_KEYS, len(frames))
    stream = OnsetStrengths()
    bounds = [0, 1, 7, 60, 61, 120, 122, 150, 199, 200]
    for start, end in zip(bounds, bounds[1:], strict=False):
        inside = (frames >= start) & (frames < end)
        stream.push(bands[:, start:end], frames[inside], keys[inside])
        assert stream.bands.shape[1] <= end - start + 12  # only a few frames are held
    got_frames, got_keys, strengths = stream.finish()
    order = np.lexsort((keys, frames))
    np.testing.assert_array_equal(got_frames, frames[order])
    np.testing.assert_array_equal(got_keys, keys[order])
    np.testing.assert_allclose(strengths, onset_strengths(bands, keys, frames)[order])
