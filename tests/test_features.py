import numpy as np
import pytest
import torch

from amt.core.constants import HOP_LENGTH, N_MELS, SAMPLE_RATE, n_frames, time_to_frame
from amt.core.notes import make_notes, notes_to_rolls
from amt.models.features import LogMel

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def logmel() -> LogMel:
    return LogMel()


def magnitudes(logmel: LogMel, audio: np.ndarray) -> np.ndarray:
    """Linear mel magnitudes [T, N_MELS] of a mono signal."""
    return logmel(torch.from_numpy(audio.astype(np.float32))[None])[0].exp().numpy()


@pytest.mark.parametrize("n_samples", [1025, 16000, 40960, 40961, 41471])
def test_shape_and_frame_count(logmel, n_samples):
    mel = logmel(torch.randn(3, n_samples))
    assert mel.shape == (3, n_frames(n_samples), N_MELS)
    assert mel.dtype == torch.float32


def test_silence_is_the_log_floor(logmel):
    mel = logmel(torch.zeros(1, 4096))
    assert torch.allclose(mel, torch.full_like(mel, np.log(1e-5)))


@pytest.mark.parametrize("sample", [10 * HOP_LENGTH, 10 * HOP_LENGTH + 200, 17 * HOP_LENGTH - 200])
def test_impulse_peaks_in_the_frame_of_its_time(logmel, sample):
    audio = np.zeros(30 * HOP_LENGTH, np.float32)
    audio[sample] = 1.0
    expected = time_to_frame(sample / SAMPLE_RATE)
    assert np.argmax(magnitudes(logmel, audio).sum(axis=1)) == expected
    onset_roll = notes_to_rolls(make_notes([(sample / SAMPLE_RATE, 1.0, 60, 80)]), 30)["onset"]
    assert np.flatnonzero(onset_roll[:, 60 - 21]).tolist() == [expected]


def test_tone_burst_fills_about_half_of_the_frame_centred_on_its_start(logmel):
    start_frame = 12
    time = np.arange(40 * HOP_LENGTH) / SAMPLE_RATE
    audio = (0.5 * np.sin(2 * np.pi * 440.0 * time)).astype(np.float32)
    audio[: start_frame * HOP_LENGTH] = 0.0
    mel = magnitudes(logmel, audio)
    tone_bin = mel[-1].argmax()
    level = mel[:, tone_bin] / mel[start_frame + 5 :, tone_bin].mean()
    assert level[start_frame - 1] < 0.3
    assert 0.4 < level[start_frame] < 0.8
    assert level[start_frame + 1] > 0.9


def test_runs_in_float32_under_bf16_autocast(logmel):
    audio = torch.randn(2, 8192)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mel = logmel(audio)
    assert mel.dtype == torch.float32
    assert torch.allclose(mel, logmel(audio))
