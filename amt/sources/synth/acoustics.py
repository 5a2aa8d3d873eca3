"""The room, microphone and recording chain a synthesized piano is heard through.

Real recordings differ from a dry SoundFont in reverberation, in the colouring of
microphone and room, in level and in noise; each piece draws its own of each. The room
is an impulse response of exponentially decaying noise (treble dying faster than bass)
after an untouched direct sound at sample 0, so onsets keep their label times.
"""

import numpy as np
import torch
import torchaudio.functional as AF
from scipy.signal import butter, fftconvolve, sosfilt

from amt.core.constants import SAMPLE_RATE

RT60 = (0.15, 2.2)  # seconds, close-miked studio .. concert hall (log-uniform)
DIRECT_TO_REVERB_DB = (-4.0, 16.0)
PREDELAY = (0.004, 0.03)  # seconds before the first reflections
TREBLE_DECAY = (0.35, 0.85)  # treble RT60 as a share of the bass RT60
CROSSOVER_HZ = 1500.0
EQ_BANDS = 3  # gentle peaks and dips of microphone and room
EQ_GAIN_DB = 5.0
EQ_Q = (0.5, 2.0)
EQ_HZ = (80.0, 6000.0)
TREBLE_SHELF_DB = (-10.0, 3.0)  # distant or dark microphones lose treble
HIGHPASS_HZ = (20.0, 90.0)
NOISE_SNR_DB = (28.0, 65.0)
NOISE_SLOPE = (0.0, 2.0)  # noise power ~ 1 / f**slope: white .. brown
PEAK_DBFS = (-20.0, -1.0)


def room_response(rng: np.random.Generator) -> np.ndarray:
    """A random room-and-microphone impulse response (float64, direct sound at sample 0)."""
    rt60 = np.exp(rng.uniform(*np.log(RT60)))
    length = int(min(1.5 * rt60, 3.0) * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    noise = rng.standard_normal(length)
    bass = sosfilt(butter(2, CROSSOVER_HZ, fs=SAMPLE_RATE, output="sos"), noise)
    treble_rt60 = rt60 * rng.uniform(*TREBLE_DECAY)
    tail = bass * np.exp(-6.9 * t / rt60) + (noise - bass) * np.exp(-6.9 * t / treble_rt60)
    tail *= np.clip((t - rng.uniform(*PREDELAY)) / 0.01, 0.0, 1.0)  # reflections build up after the predelay
    tail *= 10 ** (-rng.uniform(*DIRECT_TO_REVERB_DB) / 20) / np.sqrt(np.sum(tail**2))
    tail[0] = 1.0
    return _microphone(tail, rng)


def _microphone(response: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour ``response`` with a random gentle EQ: peaks and dips, a treble shelf, a rumble filter.

    torchaudio's filters clamp to [-1, 1]: the response is filtered at a tenth of its scale.
    """
    audio = torch.from_numpy(response / 10)
    for _ in range(EQ_BANDS):
        centre = np.exp(rng.uniform(*np.log(EQ_HZ)))
        audio = AF.equalizer_biquad(
            audio, SAMPLE_RATE, centre, rng.uniform(-EQ_GAIN_DB, EQ_GAIN_DB), rng.uniform(*EQ_Q)
        )
    audio = AF.treble_biquad(audio, SAMPLE_RATE, rng.uniform(*TREBLE_SHELF_DB), central_freq=4000.0)
    audio = AF.highpass_biquad(audio, SAMPLE_RATE, rng.uniform(*HIGHPASS_HZ))
    return audio.numpy() * 10


def noise(n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS coloured noise (spectral slope between white and brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n_samples))
    freqs = np.fft.rfftfreq(n_samples, 1.0 / SAMPLE_RATE)
    spectrum *= np.maximum(freqs, 20.0) ** (-rng.uniform(*NOISE_SLOPE) / 2)
    coloured = np.fft.irfft(spectrum, n_samples)
    return coloured / max(np.sqrt(np.mean(coloured**2)), 1e-12)


def record(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``audio`` as heard in a random room through a random microphone, with noise, at a random level.

    The result is float32 peaking below 0 dBFS, the same length as ``audio``.
    """
    wet = fftconvolve(audio.astype(np.float64), room_response(rng))[: len(audio)]
    rms = np.sqrt(np.mean(wet**2))
    wet += noise(len(wet), rng) * rms * 10 ** (-rng.uniform(*NOISE_SNR_DB) / 20)
    return normalise(wet, rng.uniform(*PEAK_DBFS))


def normalise(audio: np.ndarray, peak_dbfs: float) -> np.ndarray:
    """Scale ``audio`` so its peak sits at ``peak_dbfs`` (silence stays silent)."""
    peak = np.max(np.abs(audio), initial=0.0)
    scale = 10 ** (peak_dbfs / 20) / peak if peak > 0 else 0.0
    return (audio * scale).astype(np.float32)
