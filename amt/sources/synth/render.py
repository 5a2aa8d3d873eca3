"""FluidSynth rendering of performed notes and pedal, sample-accurate, 16 kHz mono.

FluidSynth applies MIDI events only at the start of its 64-sample blocks. Every event
time is therefore snapped to that grid *before* the MIDI file is written, and audio is
pulled in whole blocks between events: a note labelled at ``t`` starts sounding at
sample ``t * SAMPLE_RATE`` exactly (what remains is the SoundFont's own attack).

Each piece gets a fresh synthesizer (voice state carried over from an earlier piece
changes the output) that borrows the SoundFont loaded once per process, so rendering is
deterministic without reloading a 100 MB file per piece.

A piece may be rendered with its samples *shifted*: every key is bent to sound
``shift`` semitones away from its own pitch, so the note labelled ``p`` is played on
key ``p - shift`` and heard through the sample that key would use, resampled by
``shift`` semitones. Sample-based pianos with few samples (TimGM6mb stretches one
sample over 18 bass keys) sound like that; shifted training pieces teach the model to
hear it. A note whose key would leave the piano's range is played unshifted.
"""

import ctypes
import functools

import fluidsynth
import numpy as np

from amt.core.constants import MAX_MIDI, MIN_MIDI, SAMPLE_RATE, SUSTAIN_CC
from amt.core.notes import OFFSET, ONSET
from amt.sources.synth import sampler
from amt.sources.synth.performance import Performance
from amt.sources.synth.soundfonts import Preset, load, pianos

BLOCK = 64  # FluidSynth's FLUID_BUFSIZE: the granularity at which it applies events
SETTINGS = {
    "synth.sample-rate": float(SAMPLE_RATE),
    "synth.reverb.active": 0,  # room acoustics are added afterwards, varied per piece
    "synth.chorus.active": 0,
    "synth.polyphony": 4096,  # never steal voices: a stolen voice is a labelled note gone silent
    "synth.gain": 0.5,
    "synth.midi-channels": 16,  # the fewest FluidSynth allows; two are used
}
MASTER_CHANNELS = 64
SHIFTED, PLAIN = 0, 1  # channels: bent by the piece's shift, and as the SoundFont has it
BEND_SHARE = 4096 / 8192  # of the bend range: exact in both directions, unlike the full 8191 up
# Order of events that share a sample: a key released as the pedal goes down stays held
# (the amt.core.notes pedal convention), and a re-struck key is released before it sounds again.
PEDAL_DOWN, NOTE_OFF, PEDAL_UP, NOTE_ON = range(4)

# pyfluidsynth wraps only 16-bit dithered output and no SoundFont sharing: bind the C calls.
_SYNTH = ("synth", ctypes.c_void_p, 1)
_SFONT = ("sfont", ctypes.c_void_p, 1)
_write_float = fluidsynth.cfunc(
    "fluid_synth_write_float",
    ctypes.c_int,
    _SYNTH,
    ("len", ctypes.c_int, 1),
    ("lout", ctypes.c_void_p, 1),
    ("loff", ctypes.c_int, 1),
    ("lincr", ctypes.c_int, 1),
    ("rout", ctypes.c_void_p, 1),
    ("roff", ctypes.c_int, 1),
    ("rincr", ctypes.c_int, 1),
)
_get_sfont = fluidsynth.cfunc("fluid_synth_get_sfont_by_id", ctypes.c_void_p, _SYNTH, ("id", ctypes.c_int, 1))
_add_sfont = fluidsynth.cfunc("fluid_synth_add_sfont", ctypes.c_int, _SYNTH, _SFONT)
_remove_sfont = fluidsynth.cfunc("fluid_synth_remove_sfont", ctypes.c_int, _SYNTH, _SFONT)
_pitch_wheel_sens = fluidsynth.cfunc(
    "fluid_synth_pitch_wheel_sens", ctypes.c_int, _SYNTH, ("chan", ctypes.c_int, 1), ("val", ctypes.c_int, 1)
)
_set_log_function = fluidsynth.cfunc(
    "fluid_set_log_function",
    ctypes.c_void_p,
    ("level", ctypes.c_int, 1),
    ("fun", ctypes.c_void_p, 1),
    ("data", ctypes.c_void_p, 1),
)
FLUID_WARN = 2
# A synth made before its SoundFont is attached warns once per MIDI channel: not news.
_set_log_function(FLUID_WARN, None, None)


def snap(times: np.ndarray) -> np.ndarray:
    """Times in seconds moved to the nearest FluidSynth block boundary."""
    return np.round(np.asarray(times, dtype=np.float64) * SAMPLE_RATE / BLOCK) * BLOCK / SAMPLE_RATE


def snap_performance(performance: Performance) -> Performance:
    """The performance with every note and pedal time on the render grid."""
    notes = performance.notes.copy()
    notes[:, [ONSET, OFFSET]] = snap(notes[:, [ONSET, OFFSET]])
    notes[:, OFFSET] = np.maximum(notes[:, OFFSET], notes[:, ONSET] + BLOCK / SAMPLE_RATE)
    pedal = [
        (float(start), float(end))
        for start, end in snap(np.reshape(performance.pedal, (-1, 2)))
        if end > start
    ]
    return Performance(notes, pedal)


@functools.cache
def _master(path: str) -> tuple[fluidsynth.Synth, int]:
    """A silent synth that owns SoundFont ``path`` for the life of the process.

    Each of its channels holds one piano preset, so that the samples of every piano stay
    decoded (dynamic sample loading frees samples no channel uses).
    """
    synth, sfid = load(path, **{**SETTINGS, "synth.midi-channels": MASTER_CHANNELS})
    for channel, (bank, program, _) in enumerate(pianos(synth, sfid)[:MASTER_CHANNELS]):
        synth.program_select(channel, sfid, bank, program)
    return synth, _get_sfont(synth.synth, sfid)


def _events(performance: Performance, shift: int) -> list[tuple[int, int, int, int, int]]:
    """(sample, kind, channel, key, velocity) for every note and pedal change, in playing order."""
    events = []
    for onset, offset, pitch, velocity in performance.notes:
        channel, key = _key(int(pitch), shift)
        events.append((_sample(onset), NOTE_ON, channel, key, int(np.clip(round(velocity), 1, 127))))
        events.append((_sample(offset), NOTE_OFF, channel, key, 0))
    for start, end in performance.pedal:
        for channel in (SHIFTED, PLAIN):
            events.append((_sample(start), PEDAL_DOWN, channel, 0, 127))
            events.append((_sample(end), PEDAL_UP, channel, 0, 0))
    return sorted(events)


def _sampler_events(performance: Performance) -> list[tuple[int, str, int, int]]:
    """The events of ``_events`` (unshifted) as ``amt.sources.synth.sampler.render`` takes them."""
    kinds = {NOTE_ON: sampler.NOTE_ON, NOTE_OFF: sampler.NOTE_OFF, PEDAL_DOWN: "pedal", PEDAL_UP: "pedal"}
    return [
        (sample, kinds[kind], key, value)
        for sample, kind, channel, key, value in _events(performance, 0)
        if channel == PLAIN
    ]


def _key(pitch: int, shift: int) -> tuple[int, int]:
    """(channel, key) that sounds ``pitch``: its key shifted, unless that leaves the piano."""
    if shift and MIN_MIDI <= pitch - shift <= MAX_MIDI:
        return SHIFTED, pitch - shift
    return PLAIN, pitch


def _sample(seconds: float) -> int:
    return int(round(seconds * SAMPLE_RATE / BLOCK)) * BLOCK


def _pull(synth: fluidsynth.Synth, samples: int) -> np.ndarray:
    stereo = np.zeros((samples, 2), np.float32)
    _write_float(synth.synth, samples, stereo.ctypes.data, 0, 2, stereo.ctypes.data, 1, 2)
    return stereo.mean(axis=1)


def synthesize(performance: Performance, preset: Preset, n_samples: int, shift: int = 0) -> np.ndarray:
    """Render ``performance`` (already snapped) with ``preset``: float32 mono, ``n_samples`` long.

    ``shift``: semitones between each key and the sample it sounds through (module docstring);
    an SFZ instrument (``amt.sources.synth.sampler``) plays unshifted.
    """
    if preset.is_sfz:
        if shift:
            raise ValueError(f"{preset.soundfont}: an SFZ instrument plays unshifted, asked for {shift}")
        return sampler.render(_sampler_events(performance), preset.path, n_samples)
    _, sfont = _master(preset.path)
    synth = fluidsynth.Synth(**{**SETTINGS, "synth.dynamic-sample-loading": 1})
    sfid = _add_sfont(synth.synth, sfont)
    try:
        for channel in (SHIFTED, PLAIN):
            synth.program_select(channel, sfid, preset.bank, preset.program)
        _bend(synth, SHIFTED, shift)
        chunks, position = [], 0
        for sample, kind, channel, key, value in _events(performance, shift):
            if sample >= n_samples:
                break
            if sample > position:
                chunks.append(_pull(synth, sample - position))
                position = sample
            _apply(synth, kind, channel, key, value)
        chunks.append(_pull(synth, -(-(n_samples - position) // BLOCK) * BLOCK))
    finally:
        _remove_sfont(synth.synth, sfont)  # the master synth owns it: deleting ours must not free it
        synth.delete()
    return np.concatenate(chunks)[:n_samples]


def _bend(synth: fluidsynth.Synth, channel: int, shift: int) -> None:
    """Bend every key of ``channel`` by ``shift`` semitones.

    A pitch bend, not a key tuning: FluidSynth picks the sample of a tuned key by the
    pitch it is tuned to, so a tuning would sound the note's own sample.
    """
    if shift:
        _pitch_wheel_sens(synth.synth, channel, round(abs(shift) / BEND_SHARE))
        synth.pitch_bend(channel, int(np.sign(shift) * BEND_SHARE * 8192))


def _apply(synth: fluidsynth.Synth, kind: int, channel: int, key: int, value: int) -> None:
    if kind == NOTE_ON:
        synth.noteon(channel, key, value)
    elif kind == NOTE_OFF:
        synth.noteoff(channel, key)
    else:
        synth.cc(channel, SUSTAIN_CC, value)
