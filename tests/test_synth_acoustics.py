import numpy as np

from amt.core.constants import SAMPLE_RATE
from amt.sources.synth.acoustics import PEAK_DBFS, noise, record, room_response


def test_room_response_is_direct_sound_first():
    for seed in range(5):
        response = room_response(np.random.default_rng(seed))
        assert np.argmax(np.abs(response)) < 8  # the filters smear the direct impulse by a few samples
        assert len(response) < 3.5 * SAMPLE_RATE


def test_record_keeps_length_and_stays_below_full_scale():
    audio = np.random.default_rng(0).normal(0, 0.1, SAMPLE_RATE).astype(np.float32)
    peaks = []
    for seed in range(6):
        heard = record(audio, np.random.default_rng(seed))
        assert heard.shape == audio.shape and heard.dtype == np.float32
        peaks.append(20 * np.log10(np.abs(heard).max()))
    assert min(peaks) >= PEAK_DBFS[0] - 0.01 and max(peaks) <= PEAK_DBFS[1] + 0.01
    assert max(peaks) - min(peaks) > 3  # levels vary


def test_record_is_seeded():
    audio = np.sin(np.arange(SAMPLE_RATE) * 0.05).astype(np.float32)
    assert np.array_equal(record(audio, np.random.default_rng(2)), record(audio, np.random.default_rng(2)))
    assert not np.array_equal(
        record(audio, np.random.default_rng(2)), record(audio, np.random.default_rng(3))
    )


def test_noise_is_unit_rms():
    assert abs(np.sqrt(np.mean(noise(8000, np.random.default_rng(0)) ** 2)) - 1) < 1e-6
