import numpy as np
from conftest import tone_audio
from scipy.stats import spearmanr

from amt.constants import SAMPLE_RATE
from amt.notes import VELOCITY, make_notes, notes_to_midi
from amt.velocity import estimate_velocities


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
