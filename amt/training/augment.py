"""Waveform augmentation of training segments, batched in torch on the training device.

Each segment draws its own: a pitch shift by resampling (labels unchanged: 0.3 semitone
moves the last frame of a 1.28 s segment by 22 ms, under one 32 ms frame), then one
frequency-domain pass for gain, three EQ bands, a low-pass, a high-pass and a room (exponentially
decaying noise after the direct sound, so onsets keep their times), then compression and
coloured noise. Each segment draws from a generator seeded by (seed, step, its place in
the step's batch): a resumed run draws what an uninterrupted one did, and a batch shared
among processes draws what it would in one. Validation, test and evaluate never see it.
"""

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from amt.config.augment import AugmentConfig, Draw
from amt.core.constants import SAMPLE_RATE

EQ_BANDS = 3
EQ_OCTAVES = 1.0  # width (standard deviation) of a band, in octaves
EQ_HZ = (80.0, 6000.0)
EQ_LOG_HZ = (math.log(EQ_HZ[0]), math.log(EQ_HZ[1]))
REVERB_SECONDS = 0.5  # longest room tail kept (the decay is cut off after it)
REVERB_WET_DB = (-12.0, 0.0)  # tail energy against the direct sound
FILTER_ORDER = 4
COMPRESS_THRESHOLD_DB = (-30.0, -10.0)  # below the segment's peak
COMPRESS_WINDOW = 256  # samples of the level detector (16 ms)
NOISE_SLOPE = (0.0, 2.0)  # noise power ~ 1 / f**slope: white .. brown
EPS = 1e-8


class Augmenter:
    """Applies ``config``'s augmentations to batches of segments [B, N]."""

    def __init__(self, config: AugmentConfig, seed: int) -> None:
        self.config, self.seed = config, seed

    def __call__(self, audio: torch.Tensor, step: int, first: int = 0) -> torch.Tensor:
        """The batch of ``step``, augmented (the input itself when every augmentation is off).
        Its rows are the segments ``first``, ``first + 1``, ... of the step's whole batch,
        which one process of several holds a share of: each segment draws from its own
        generator, so sharing a batch among processes changes no draw."""
        if not self.config.active:
            return audio
        draw = Draws(self.config, self.seed, step, range(first, first + len(audio)))
        audio = pitch_shift(audio, draw.amount("pitch"))
        audio = filtered(audio, draw)
        audio = compress(audio, draw.amount("compress"), draw.uniform(COMPRESS_THRESHOLD_DB))
        return add_noise(audio, draw.amount("noise"), draw.uniform(NOISE_SLOPE), draw)


class Draws:
    """Per-segment draws of one batch: whether each augmentation applies and by how much,
    and the noise it needs, each segment from a generator seeded by (seed, step, segment)."""

    def __init__(self, config: AugmentConfig, seed: int, step: int, segments: Sequence[int]) -> None:
        self.config = config
        self.generators = [torch.Generator().manual_seed(_seed(seed, step, segment)) for segment in segments]

    def __len__(self) -> int:
        return len(self.generators)

    def uniform(self, bounds: tuple[float, float], shape: tuple[int, ...] = ()) -> torch.Tensor:
        low, high = bounds
        unit = torch.stack([torch.rand(shape, generator=g, dtype=torch.float64) for g in self.generators])
        return low + (high - low) * unit

    def amount(self, name: str, shape: tuple[int, ...] = ()) -> torch.Tensor:
        """Each segment's amount of ``name``, NaN where it does not apply."""
        draw = self.config.draws.get(name, Draw(0.0, 0.0, 0.0))
        applies = self.uniform((0.0, 1.0)) < draw.p
        value = self.uniform((draw.low, draw.high), shape)
        mask = applies.reshape(-1, *([1] * len(shape)))
        return torch.where(mask, value, torch.full_like(value, math.nan))

    def randn(self, rows: torch.Tensor, length: int) -> torch.Tensor:
        """Standard normal noise [len(rows), length], each row from its segment's generator."""
        return torch.stack([torch.randn(length, generator=self.generators[row]) for row in rows.tolist()])


def _seed(*values: int) -> int:
    return int(np.random.SeedSequence(list(values)).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _on_rows(
    audio: torch.Tensor, chosen: torch.Tensor, apply: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """``apply(segments, rows)`` on the ``chosen`` rows only; the others pass untouched."""
    rows = torch.nonzero(chosen).flatten()
    if not len(rows):
        return audio
    out = audio.clone()
    out[rows.to(audio.device)] = apply(audio[rows.to(audio.device)], rows)
    return out


def pitch_shift(audio: torch.Tensor, semitones: torch.Tensor) -> torch.Tensor:
    """Resample each segment by 2 ** (semitones / 12) (NaN: untouched), linearly; the end
    runs out of samples when raised, and is padded with silence."""

    def shift(segments: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        length = segments.shape[-1]
        ratio = (2 ** (semitones[rows] / 12)).to(segments.device, torch.float32)
        positions = torch.arange(length, device=segments.device) * ratio[:, None]
        left = positions.floor().long().clamp(max=length - 1)
        frac = (positions - left).to(segments.dtype)
        right = (left + 1).clamp(max=length - 1)
        shifted = torch.gather(segments, 1, left) * (1 - frac) + torch.gather(segments, 1, right) * frac
        return torch.where(positions <= length - 1, shifted, torch.zeros_like(shifted))

    return _on_rows(audio, ~semitones.isnan(), shift)


def filtered(audio: torch.Tensor, draw: Draws) -> torch.Tensor:
    """Gain, then EQ bands, low-pass, high-pass and room as one multiplication of the
    spectrum of the segments that draw any of them."""
    gain_db = torch.nan_to_num(draw.amount("gain"))
    eq_db, centres = draw.amount("eq", (EQ_BANDS,)), torch.exp(draw.uniform(EQ_LOG_HZ, (EQ_BANDS,)))
    cutoff, highpass = draw.amount("lowpass"), draw.amount("highpass")
    rt60, wet_db = draw.amount("reverb"), draw.uniform(REVERB_WET_DB)
    audio = audio * (10 ** (gain_db / 20)).to(audio.device, audio.dtype)[:, None]
    length, tail = audio.shape[-1], round(REVERB_SECONDS * SAMPLE_RATE)
    size = 2 ** math.ceil(math.log2(length + tail))
    hz = torch.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    room = _rooms(rt60, wet_db, tail, draw)

    def colour(segments: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        response = (
            _eq(hz, eq_db[rows], centres[rows]) * _lowpass(hz, cutoff[rows]) * _highpass(hz, highpass[rows])
        )
        spectrum = torch.fft.rfft(segments.float(), size) * response.to(segments.device)
        spectrum *= torch.fft.rfft(room[rows], size).to(segments.device)
        return torch.fft.irfft(spectrum, size)[:, :length].to(segments.dtype)

    chosen = ~eq_db.isnan().all(1) | ~cutoff.isnan() | ~highpass.isnan() | ~rt60.isnan()
    return _on_rows(audio, chosen, colour)


def _eq(hz: torch.Tensor, gains_db: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Magnitude responses of EQ bands of Gaussian shape in octaves (NaN gains: flat)."""
    octaves = torch.log2(hz.clamp(min=1.0))[None, None, :] - torch.log2(centres.float())[:, :, None]
    bands = torch.nan_to_num(gains_db).float()[:, :, None] * torch.exp(-0.5 * (octaves / EQ_OCTAVES) ** 2)
    return 10 ** (bands.sum(1) / 20)


def _butterworth(ratio: torch.Tensor) -> torch.Tensor:
    """Butterworth magnitude response (zero phase); ``ratio``: f / cut-off, or cut-off / f for a high-pass."""
    return 1 / torch.sqrt(1 + ratio ** (2 * FILTER_ORDER))


def _lowpass(hz: torch.Tensor, cutoff: torch.Tensor) -> torch.Tensor:
    """Low-pass responses; a NaN cut-off passes everything."""
    return _butterworth(hz[None, :] / torch.nan_to_num(cutoff, nan=math.inf).float()[:, None])


def _highpass(hz: torch.Tensor, cutoff: torch.Tensor) -> torch.Tensor:
    """High-pass responses; a NaN cut-off passes everything.
    Small loudspeakers, laptop microphones and upright pianos give little of a bass note's
    fundamental: the model has to hear it from the partials above."""
    return _butterworth(torch.nan_to_num(cutoff, nan=0.0).float()[:, None] / hz.clamp(min=1.0)[None, :])


def _rooms(rt60: torch.Tensor, wet_db: torch.Tensor, tail: int, draw: Draws) -> torch.Tensor:
    """Impulse responses: the direct sound, then (where ``rt60`` is drawn) decaying noise
    ``wet_db`` under it in energy."""
    rooms = torch.zeros((len(rt60), tail))
    rooms[:, 0] = 1.0
    rows = torch.nonzero(~rt60.isnan()).flatten()
    t = torch.arange(1, tail) / SAMPLE_RATE
    noise = draw.randn(rows, tail - 1) if len(rows) else torch.zeros((0, tail - 1))
    decaying = noise * torch.exp(-6.9 * t[None, :] / rt60[rows].float()[:, None])
    level = 10 ** (wet_db[rows].float()[:, None] / 20) / decaying.norm(dim=1, keepdim=True)
    rooms[rows, 1:] = decaying * level
    return rooms


def compress(audio: torch.Tensor, ratio: torch.Tensor, threshold_db: torch.Tensor) -> torch.Tensor:
    """A feed-forward compressor: above a threshold under each segment's peak, the level
    grows 1 / ratio as fast; the result is scaled back to the segment's peak (NaN: untouched)."""

    def squeeze(segments: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        slope = (1 - 1 / ratio[rows]).to(segments.device, torch.float32)[:, None]
        level_db = 10 * torch.log10(_moving_mean(segments**2, COMPRESS_WINDOW) + EPS)
        peak = segments.abs().amax(dim=1, keepdim=True)
        threshold = (
            20 * torch.log10(peak + EPS) + threshold_db[rows].to(segments.device, torch.float32)[:, None]
        )
        squeezed = segments * 10 ** (-(level_db - threshold).clamp(min=0) * slope / 20)
        return squeezed * peak / (squeezed.abs().amax(dim=1, keepdim=True) + EPS)

    return _on_rows(audio, ~ratio.isnan(), squeeze)


def _moving_mean(values: torch.Tensor, window: int) -> torch.Tensor:
    """Centred moving mean over ``window`` samples (fewer at the edges), from a cumulative sum."""
    total = F.pad(values.double().cumsum(1), (1, 0))
    index = torch.arange(values.shape[-1], device=values.device)
    low, high = (index - window // 2).clamp(min=0), (index + window // 2 + 1).clamp(max=values.shape[-1])
    return ((total[:, high] - total[:, low]) / (high - low)).to(values.dtype)


def add_noise(audio: torch.Tensor, snr_db: torch.Tensor, slope: torch.Tensor, draw: Draws) -> torch.Tensor:
    """Noise of power ~ 1 / f ** slope at each segment's signal-to-noise ratio (NaN: none)."""
    size = audio.shape[-1]
    hz = torch.fft.rfftfreq(size, 1 / SAMPLE_RATE).clamp(min=20.0)

    def noisy(segments: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        white = torch.fft.rfft(draw.randn(rows, size))
        noise = torch.fft.irfft(white * hz[None, :] ** (-slope[rows].float()[:, None] / 2), size)
        signal_power = segments.double().pow(2).mean(1).cpu()
        scale = torch.sqrt(signal_power / (noise.double().pow(2).mean(1) + EPS) * 10 ** (-snr_db[rows] / 10))
        return segments + (noise * scale.float()[:, None]).to(segments.device, segments.dtype)

    return _on_rows(audio, ~snr_db.isnan(), noisy)
