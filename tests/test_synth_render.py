import numpy as np
import pytest

from amt.core.constants import HOP_LENGTH, SAMPLE_RATE, time_to_frame
from amt.sources.synth.acoustics import record
from amt.sources.synth.performance import Performance
from amt.sources.synth.render import BLOCK, snap, snap_performance, synthesize
from amt.sources.synth.soundfonts import piano_presets


@pytest.fixture(scope="module")
def grand():
    return piano_presets("FluidR3_GM")[0]


def single_note(pitch, velocity, onset=0.3):
    onset = float(snap([onset])[0])
    return Performance(np.array([[onset, onset + 0.8, pitch, velocity]]), []), onset


def energy_rise(audio):
    """Sample where the 1 ms-smoothed envelope first reaches 10% of its peak."""
    envelope = np.convolve(np.abs(audio), np.ones(16) / 16, "same")
    return int(np.argmax(envelope > 0.1 * envelope.max()))


@pytest.mark.parametrize(("pitch", "velocity"), [(21, 30), (60, 100), (108, 60)])
def test_rendered_onset_matches_label(grand, pitch, velocity):
    performance, onset = single_note(pitch, velocity)
    audio = synthesize(performance, grand, SAMPLE_RATE)
    first_sound = int(np.argmax(np.abs(audio) > 0))
    assert first_sound >= round(onset * SAMPLE_RATE)  # nothing before the label
    rise = energy_rise(audio)
    assert abs(rise - onset * SAMPLE_RATE) < HOP_LENGTH
    assert abs(time_to_frame(rise / SAMPLE_RATE) - time_to_frame(onset)) <= 1


def test_room_and_microphone_keep_onsets(grand):
    performance, onset = single_note(60, 90)
    heard = record(synthesize(performance, grand, SAMPLE_RATE), np.random.default_rng(4))
    assert abs(energy_rise(heard) - onset * SAMPLE_RATE) < HOP_LENGTH


def test_release_and_pedal_are_heard(grand):
    short = Performance(np.array([[0.1, 0.3, 60, 90]]), [])
    pedalled = Performance(np.array([[0.1, 0.3, 60, 90]]), [(0.05, 1.5)])
    tail = slice(int(0.8 * SAMPLE_RATE), int(1.2 * SAMPLE_RATE))
    dry = np.abs(synthesize(short, grand, 2 * SAMPLE_RATE)[tail]).max()
    held = np.abs(synthesize(pedalled, grand, 2 * SAMPLE_RATE)[tail]).max()
    assert held > 10 * dry


def test_rendering_is_deterministic_and_exact_length(grand):
    notes = np.array([[0.0, 0.5, 48, 60], [0.1, 0.4, 64, 90], [0.2, 0.9, 67, 40]])
    performance = snap_performance(Performance(notes, [(0.05, 0.6)]))
    first = synthesize(performance, grand, 20000)
    assert first.shape == (20000,) and first.dtype == np.float32
    assert np.array_equal(first, synthesize(performance, grand, 20000))


def test_snap_puts_every_event_on_the_block_grid():
    performance = snap_performance(Performance(np.array([[0.1234, 0.1240, 60, 64]]), [(0.0101, 0.5003)]))
    times = np.concatenate([performance.notes[:, :2].ravel(), np.ravel(performance.pedal)])
    assert np.allclose(times * SAMPLE_RATE / BLOCK, np.round(times * SAMPLE_RATE / BLOCK))
    assert performance.notes[0, 1] > performance.notes[0, 0]


def strongest(audio):
    """Strongest frequency below 1 kHz in the first second, in Hz (0.5 Hz resolution)."""
    window = audio[:SAMPLE_RATE] * np.hanning(SAMPLE_RATE)
    spectrum = np.abs(np.fft.rfft(window, 2 * SAMPLE_RATE))[:2000]
    return np.argmax(spectrum) / 2


@pytest.mark.parametrize("shift", [-12, -5, 7])
def test_a_shifted_note_keeps_its_pitch_but_sounds_another_sample(grand, shift):
    performance = Performance(np.array([[0.0, 0.9, 57, 80]]), [])
    plain = synthesize(performance, grand, SAMPLE_RATE)
    shifted = synthesize(performance, grand, SAMPLE_RATE, shift)
    harmonic = strongest(shifted) / 220.0  # the note's fundamental or one of its partials
    assert round(harmonic) >= 1
    assert abs(1200 * np.log2(harmonic / round(harmonic))) < 30  # a sample's own tuning may be a little off
    assert np.abs(shifted - plain).max() > 0.1 * np.abs(plain).max()


def test_a_note_whose_shifted_key_leaves_the_piano_is_played_unshifted(grand):
    performance = Performance(np.array([[0.0, 0.5, 104, 80]]), [(0.0, 0.8)])
    plain = synthesize(performance, grand, SAMPLE_RATE)
    assert np.array_equal(synthesize(performance, grand, SAMPLE_RATE, -6), plain)
    assert not np.array_equal(synthesize(performance, grand, SAMPLE_RATE, 6), plain)
