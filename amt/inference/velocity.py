"""MIDI velocities for transcribed notes, from the audio's energy rise at each onset.

For models without a velocity head. A note's strength is the power its onset adds to
the note's harmonic band (its first partials, a quarter tone either side): the peak over
the first frames of the note minus the level just before it, so energy still ringing
from earlier notes is not counted, but never less than MIN_RISE of the peak (a key
re-struck while its band rings, or a neighbour's partial, would otherwise read as
silence). Strengths are taken in dB below the piece's loudest note (a recording's gain
is unknown), which gets LOUDEST_VELOCITY, and the others DB_PER_VELOCITY dB per step
lower. Calibration: in FluidSynth renders of random notes and chords (velocities
15-127) through the piano of FluidR3_GM, TimGM6mb and MuseScore_General, regressing this
strength on velocity gives 0.18-0.23 dB per step (flattened by noise); 0.27 leaves the
least bias. The estimates then correlate 0.80-0.89 with the true velocities, mean
error 12-15 steps (`.venv/bin/python -m benchmarks.velocity`). Real pianos are not
calibrated here.
"""

import numpy as np
import pretty_midi
import torch
import torchaudio

from amt.core.constants import HOP_LENGTH, MIN_MIDI, N_FFT, N_KEYS, SAMPLE_RATE, time_to_frame
from amt.core.notes import ONSET, PITCH

N_PARTIALS = 4
BAND_CENTS = 50.0
BAND_BINS = 1.5
ATTACK_FRAMES = 3  # the onset frame and the two after it: where the attack peaks
BEFORE_FRAMES = (-3, -2)  # windows that end before the onset: the level it rises from
MIN_RISE = 0.25
DB_PER_VELOCITY = 0.27
LOUDEST_VELOCITY = 127
FLOOR_POWER = 1e-12


def estimate_velocities(notes: np.ndarray, audio: np.ndarray) -> np.ndarray:
    """MIDI velocity (1..127, float64, whole numbers) for each row of ``notes`` (N, 4).

    ``audio`` is the 16 kHz mono signal the notes were transcribed from. The loudest
    note gets LOUDEST_VELOCITY; the others are placed below it by their onset strength.
    """
    return velocities_from_bands(notes, band_power(audio) if len(notes) else np.zeros((N_KEYS, 0)))


def velocities_from_bands(notes: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """``estimate_velocities`` from the audio's ``band_power``."""
    if not len(notes):
        return np.zeros(0)
    keys = notes[:, PITCH].astype(int) - MIN_MIDI
    onsets = np.array([time_to_frame(onset) for onset in notes[:, ONSET]])
    return velocities_from_strengths(onset_strengths(bands, keys, onsets))


def onset_strengths(bands: np.ndarray, keys: np.ndarray, onsets: np.ndarray, first: int = 0) -> np.ndarray:
    """Strength in dB of each onset (frame ``onsets``, key index ``keys``) in ``bands``, whose
    column 0 is frame ``first``; frames before 0 hold silence, frames past its end repeat it."""
    attack = _frames_at(bands, keys, onsets[:, None] + np.arange(ATTACK_FRAMES) - first, first).max(axis=1)
    before = _frames_at(bands, keys, onsets[:, None] + np.array(BEFORE_FRAMES) - first, first).min(axis=1)
    return 10 * np.log10(np.maximum(np.maximum(attack - before, MIN_RISE * attack), FLOOR_POWER))


def velocities_from_strengths(strength_db: np.ndarray) -> np.ndarray:
    """MIDI velocities: the strongest onset gets LOUDEST_VELOCITY, the others DB_PER_VELOCITY
    dB per step below it."""
    if not len(strength_db):
        return np.zeros(0)
    velocity = LOUDEST_VELOCITY + (strength_db - strength_db.max()) / DB_PER_VELOCITY
    return np.clip(np.rint(velocity), 1, LOUDEST_VELOCITY)


class OnsetStrengths:
    """``onset_strengths`` of onsets found while the band power arrives block by block; it
    holds only the frames that onsets still waiting for their attack need."""

    def __init__(self) -> None:
        self.bands = np.zeros((N_KEYS, 0), np.float32)
        self.first = 0  # frame of self.bands' first column
        self.waiting = (np.zeros(0, int), np.zeros(0, int))  # frames and keys
        self.found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def push(self, bands: np.ndarray, frames: np.ndarray, keys: np.ndarray) -> None:
        """The next block of band power, and the onsets found in it (or before)."""
        self.bands = np.hstack([self.bands, bands])
        self.waiting = (np.concatenate([self.waiting[0], frames]), np.concatenate([self.waiting[1], keys]))
        self._settle(final=False)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Frames, keys and strengths of every onset, ordered by frame then key."""
        self._settle(final=True)
        frames, keys, strengths = (np.concatenate(part) for part in zip(*self.found, strict=True))
        order = np.lexsort((keys, frames))
        return frames[order], keys[order], strengths[order]

    def _settle(self, final: bool) -> None:
        """Score the onsets whose attack frames have all arrived (every one when ``final``),
        then drop the frames no waiting onset can need."""
        end = self.first + self.bands.shape[1]
        frames, keys = self.waiting
        ready = np.ones(len(frames), bool) if final else frames + ATTACK_FRAMES <= end
        strengths = onset_strengths(self.bands, keys[ready], frames[ready], self.first)
        self.found.append((frames[ready], keys[ready], strengths))
        self.waiting = (frames[~ready], keys[~ready])
        keep_from = min([end - ATTACK_FRAMES, *frames[~ready]]) + min(BEFORE_FRAMES)
        if keep_from > self.first:
            self.bands, self.first = self.bands[:, keep_from - self.first :], keep_from


def band_power(audio: np.ndarray) -> np.ndarray:
    """Power [88, T] (float32) in each key's harmonic band, one column per frame
    (amt.core.constants): frame t is the window centred on sample t * HOP_LENGTH."""
    spectrogram = torchaudio.transforms.Spectrogram(
        n_fft=N_FFT, hop_length=HOP_LENGTH, power=2.0, center=True, pad_mode="constant"
    )
    power = spectrogram(torch.from_numpy(np.asarray(audio, np.float32))).numpy()
    return _harmonic_comb() @ power


def _harmonic_comb() -> np.ndarray:
    """Weights [88, n_fft // 2 + 1]: 1 on the bins of each key's first N_PARTIALS partials.

    A partial covers the bins within BAND_CENTS of it, and at least those within
    BAND_BINS bins (the Hann window's main lobe), so that low partials, whose semitones
    are narrower than a bin, still count with their whole power.
    """
    bin_hz = SAMPLE_RATE / N_FFT
    hz = np.arange(N_FFT // 2 + 1) * bin_hz
    fundamentals = pretty_midi.note_number_to_hz(np.arange(N_KEYS) + MIN_MIDI)
    partials = fundamentals[:, None] * np.arange(1, N_PARTIALS + 1)  # [88, P]
    half_width = np.maximum(partials * (2 ** (BAND_CENTS / 1200) - 1), BAND_BINS * bin_hz)
    in_band = np.abs(hz - partials[..., None]) <= half_width[..., None]  # [88, P, bins]
    audible = (partials < SAMPLE_RATE / 2)[..., None]
    return (in_band & audible).any(axis=1).astype(np.float32)


def _frames_at(bands: np.ndarray, keys: np.ndarray, columns: np.ndarray, first: int = 0) -> np.ndarray:
    """``bands[key, column]`` for each note's key and columns [N, F]; 0 for the frames before
    frame 0 (column ``-first``), the last column for those past the end."""
    values = bands[keys[:, None], np.clip(columns, 0, bands.shape[1] - 1)].astype(np.float64)
    return np.where(columns + first < 0, 0.0, values)
