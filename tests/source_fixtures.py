"""Tiny recordings as users and MAESTRO ship them: 44.1 kHz stereo wav bytes and MIDI bytes."""

import io

import numpy as np
import soundfile as sf

from amt.core.notes import make_notes, notes_to_midi

RECORDING_RATE = 44100


def wav_bytes(seconds: float, seed: int = 0, rate: int = RECORDING_RATE) -> bytes:
    """Stereo 16-bit wav of a tone plus noise (noise keeps deflate from shrinking it much)."""
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.random.default_rng(seed).uniform(-1, 1, len(t))
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([mono, 0.5 * mono], axis=1), rate, subtype="PCM_16", format="WAV")
    return buffer.getvalue()


def midi_bytes(last_offset: float = 1.5, pitch: int = 60) -> bytes:
    """A MIDI file of three piano notes, the last one ending at ``last_offset`` seconds."""
    notes = make_notes([(0.1, 0.5, pitch, 80), (0.5, 1.0, pitch + 4, 70), (1.0, last_offset, pitch + 7, 60)])
    buffer = io.BytesIO()
    notes_to_midi(notes).write(buffer)
    return buffer.getvalue()
