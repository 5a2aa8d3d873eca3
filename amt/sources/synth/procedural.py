"""Generated piano writing: chord progressions set in the textures pianists play.

A piece is a run of 2- or 4-bar phrases in one key; each phrase picks a right-hand
texture (melody, block chords, arpeggios, scales, octaves, fast repeated notes, wide
leaps, trills) and a left-hand one (Alberti bass, block chords, bass octaves, stride,
broken chords, held bass, walking bass) over a common progression, in registers drawn
across the keyboard. One phrase is a chromatic run over a given band of keys, so that
the generated pieces of a split, given adjoining bands, strike every one of the 88 keys.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.sources.synth.score import Score, playable

MAJOR = (0, 2, 4, 5, 7, 9, 11)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)
KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
PROGRESSIONS = (  # scale degrees, 0 = tonic
    (0, 3, 4, 0),
    (0, 5, 3, 4),
    (0, 5, 1, 4),
    (0, 3, 0, 4),
    (5, 3, 0, 4),
    (0, 4, 5, 2, 3, 0, 3, 4),
    (1, 4, 0, 0),
    (0, 6, 5, 4),
)
TEMPO_QPM = (60.0, 150.0)
MAX_NOTE_RATE = 14.0  # notes per second one hand can repeat or run
RUN_RATE = (6.0, 12.0)  # notes per second of the chromatic run
MIN_BAND = 13  # keys: a run shorter than an octave is no run
DOWNBEAT_ACCENT = 4.0
SEVENTH_CHANCE = 0.3


@dataclass(frozen=True)
class Bar:
    """What a texture needs to fill one bar of one hand."""

    start: float  # beats
    beats: int
    chord: tuple[int, ...]  # pitch classes, root first
    scale: tuple[int, ...]  # pitch classes of the key
    low: int
    high: int
    qpm: float

    def pitches(self, classes: tuple[int, ...], low: int | None = None, high: int | None = None) -> list[int]:
        """Pitches in [low, high] (the bar's register by default) whose pitch class is in ``classes``."""
        return [p for p in range(low or self.low, (high or self.high) + 1) if p % 12 in classes]

    def octave_from(self, classes: tuple[int, ...], low: int) -> list[int]:
        """Pitches of ``classes`` in the octave starting at ``low``, kept on the keyboard."""
        low = int(np.clip(low, MIN_MIDI, MAX_MIDI - 11))
        return self.pitches(classes, low, low + 11)

    def fastest(self, wanted: int) -> int:
        """Subdivisions per beat, at most ``wanted``, that keep a hand under MAX_NOTE_RATE."""
        return int(max(1, min(wanted, MAX_NOTE_RATE * 60.0 / self.qpm)))


Row = tuple[float, float, int, float]  # onset beat, length in beats, pitch, accent
Texture = Callable[[Bar, np.random.Generator], list[Row]]


def _even(bar: Bar, per_beat: int, pitches: list[int], accent: float = 0.0) -> list[Row]:
    """``pitches`` one after another, ``per_beat`` to a beat, from the start of the bar."""
    step = 1.0 / per_beat
    return [(bar.start + i * step, step, p, accent) for i, p in enumerate(pitches[: bar.beats * per_beat])]


def _cycle(sequence: list[int], count: int) -> list[int]:
    return [sequence[i % len(sequence)] for i in range(count)] if sequence else []


def _bounce(sequence: list[int], count: int, rng: np.random.Generator) -> list[int]:
    """Up and down ``sequence`` (or down and up) for ``count`` notes, starting anywhere."""
    path = sequence + sequence[-2:0:-1] if len(sequence) > 1 else sequence
    offset = int(rng.integers(len(path))) if path else 0
    return _cycle(path[offset:] + path[:offset], count)


def _melody(bar: Bar, rng: np.random.Generator) -> list[Row]:
    scale, chord = bar.pitches(bar.scale), bar.pitches(bar.chord)
    index, rows = int(rng.integers(len(scale))), []
    for beat in range(bar.beats):
        per_beat = bar.fastest(int(rng.choice([1, 2, 2, 3, 4])))
        for i in range(per_beat):
            index = int(np.clip(index + rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3]), 0, len(scale) - 1))
            pitch = min(chord, key=lambda p: abs(p - scale[index])) if i == 0 else scale[index]
            rows.append((bar.start + beat + i / per_beat, 1.0 / per_beat, pitch, 2.0))
    return rows


def _chords(bar: Bar, rng: np.random.Generator) -> list[Row]:
    hits = int(rng.choice([1, 2, bar.beats]))
    length = bar.beats / hits
    tones = bar.pitches(bar.chord)
    size = int(rng.integers(3, 5))
    rows = []
    for hit in range(hits):
        top = len(tones) - int(rng.integers(0, min(3, len(tones))))
        rows += [(bar.start + hit * length, length, p, 0.0) for p in tones[max(0, top - size) : top]]
    return rows


def _arpeggio(bar: Bar, rng: np.random.Generator) -> list[Row]:
    per_beat = bar.fastest(int(rng.choice([2, 3, 4])))
    return _even(bar, per_beat, _bounce(bar.pitches(bar.chord), bar.beats * per_beat, rng))


def _scale_run(bar: Bar, rng: np.random.Generator) -> list[Row]:
    per_beat = bar.fastest(int(rng.choice([4, 4, 3, 6])))
    return _even(bar, per_beat, _bounce(bar.pitches(bar.scale), bar.beats * per_beat, rng))


def _octaves(bar: Bar, rng: np.random.Generator) -> list[Row]:
    upper = _melody(Bar(bar.start, bar.beats, bar.chord, bar.scale, bar.low + 12, bar.high, bar.qpm), rng)
    coarse = [row for row in upper if float(row[0] * 2).is_integer()]
    return coarse + [(onset, length, pitch - 12, accent) for onset, length, pitch, accent in coarse]


def _repeated(bar: Bar, rng: np.random.Generator) -> list[Row]:
    per_beat = bar.fastest(int(rng.choice([3, 4, 6])))
    tones = bar.pitches(bar.chord)
    start = int(rng.integers(len(tones)))
    voiced = tones[start : start + int(rng.integers(1, 3))]
    return [row for pitch in voiced for row in _even(bar, per_beat, [pitch] * bar.beats * per_beat)]


def _leaps(bar: Bar, rng: np.random.Generator) -> list[Row]:
    low = bar.octave_from(bar.chord, bar.low - 12)
    high = bar.octave_from(bar.chord, bar.high + 1)
    count = bar.beats * 2
    return _even(
        bar,
        2,
        [
            (low if i % 2 == 0 else high)[int(rng.integers(len(low if i % 2 == 0 else high)))]
            for i in range(count)
        ],
    )


def _trill(bar: Bar, rng: np.random.Generator) -> list[Row]:
    scale = bar.pitches(bar.scale)
    index = int(rng.integers(len(scale) - 1))
    per_beat = bar.fastest(int(rng.choice([4, 6, 8])))
    rows = _even(bar, per_beat, _cycle([scale[index + 1], scale[index]], (bar.beats - 1) * per_beat))
    return rows + [(bar.start + bar.beats - 1, 1.0, scale[index], 0.0)]


def _alberti(bar: Bar, rng: np.random.Generator) -> list[Row]:
    root = bar.pitches(bar.chord[:1])[0]
    third, fifth = (min(bar.pitches((pc,), root + 1, root + 12)) for pc in bar.chord[1:3])
    per_beat = bar.fastest(int(rng.choice([2, 4])))
    return _even(bar, per_beat, _cycle([root, fifth, third, fifth], bar.beats * per_beat))


def _block(bar: Bar, rng: np.random.Generator) -> list[Row]:
    hits = int(rng.choice([1, 2, bar.beats]))
    length = bar.beats / hits
    tones = bar.pitches(bar.chord)[:3]
    return [(bar.start + hit * length, length, p, 0.0) for hit in range(hits) for p in tones]


def _bass_octaves(bar: Bar, rng: np.random.Generator) -> list[Row]:
    root = bar.pitches(bar.chord[:1])[0]
    per_beat = int(rng.choice([1, 2]))
    return [
        row for pitch in (root, root + 12) for row in _even(bar, per_beat, [pitch] * bar.beats * per_beat)
    ]


def _stride(bar: Bar, rng: np.random.Generator) -> list[Row]:
    bass = bar.octave_from(bar.chord[:1], bar.low - 5)[0]
    middle = bar.pitches(bar.chord, bass + 12, bass + 24)[:3]
    rows = []
    for beat in range(bar.beats):
        pitches = (
            [bass, bass + 12] if beat % 2 == 0 and rng.random() < 0.5 else [bass] if beat % 2 == 0 else middle
        )
        rows += [(bar.start + beat, 1.0, p, DOWNBEAT_ACCENT / 2 if beat % 2 == 0 else 0.0) for p in pitches]
    return rows


def _broken(bar: Bar, rng: np.random.Generator) -> list[Row]:
    tones = bar.pitches(bar.chord)
    return _even(bar, 2, _cycle(tones[: int(rng.integers(4, 7))], bar.beats * 2))


def _held(bar: Bar, rng: np.random.Generator) -> list[Row]:
    tones = bar.pitches(bar.chord)
    return [(bar.start, float(bar.beats), p, 0.0) for p in tones[: int(rng.integers(1, 4))]]


def _walking(bar: Bar, rng: np.random.Generator) -> list[Row]:
    scale = bar.pitches(bar.scale)
    index = scale.index(bar.pitches(bar.chord[:1])[0])
    step = int(rng.choice([-1, 1]))
    return _even(bar, 1, [scale[int(np.clip(index + step * i, 0, len(scale) - 1))] for i in range(bar.beats)])


RIGHT_HAND: dict[str, Texture] = {
    "melody": _melody,
    "chords": _chords,
    "arpeggios": _arpeggio,
    "scales": _scale_run,
    "octaves": _octaves,
    "repeated notes": _repeated,
    "leaps": _leaps,
    "trills": _trill,
}
LEFT_HAND: dict[str, Texture] = {
    "Alberti bass": _alberti,
    "block chords": _block,
    "bass octaves": _bass_octaves,
    "stride": _stride,
    "broken chords": _broken,
    "held bass": _held,
    "walking bass": _walking,
}


@dataclass(frozen=True)
class Key:
    tonic: int
    scale: tuple[int, ...]

    def chord(self, degree: int, seventh: bool) -> tuple[int, ...]:
        steps = (0, 2, 4, 6) if seventh else (0, 2, 4)
        return tuple((self.tonic + self.scale[(degree + step) % 7]) % 12 for step in steps)

    @property
    def name(self) -> str:
        return f"{KEY_NAMES[self.tonic]} {'major' if self.scale == MAJOR else 'minor'}"


def _register(rng: np.random.Generator, lowest: int, highest: int) -> tuple[int, int]:
    """A hand's compass: at least an octave and a half, within [lowest, highest]."""
    low = int(rng.integers(lowest, highest - 18))
    return low, min(highest, low + int(rng.integers(18, 31)))


def _phrase(
    key: Key, start: float, beats: int, qpm: float, rng: np.random.Generator
) -> tuple[list[Row], list[float], str]:
    """One phrase of 2 or 4 bars: (rows, bar starts where the harmony changes, texture names)."""
    right, left = rng.choice(list(RIGHT_HAND)), rng.choice(list(LEFT_HAND))
    right_register, left_register = _register(rng, 48, MAX_MIDI), _register(rng, MIN_MIDI, 72)
    progression = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    bars = int(rng.choice([2, 4]))
    rows, changes = [], []
    for index in range(bars):
        chord = key.chord(progression[index % len(progression)], bool(rng.random() < SEVENTH_CHANCE))
        bar_start = start + index * beats
        for texture, (low, high) in ((RIGHT_HAND[right], right_register), (LEFT_HAND[left], left_register)):
            rows += texture(
                Bar(bar_start, beats, chord, tuple((key.tonic + s) % 12 for s in key.scale), low, high, qpm),
                rng,
            )
        changes.append(bar_start)
        rows += [(bar_start, 0.0, -1, DOWNBEAT_ACCENT)]  # marker: accent whatever starts on the downbeat
    return rows, changes, f"{right} over {left}"


def _run(band: tuple[int, int], start: float, qpm: float, rng: np.random.Generator) -> list[Row]:
    """A chromatic run over every key of ``band``, up or down, in even fast notes."""
    keys = list(range(band[0], band[1] + 1))
    keys = keys if rng.random() < 0.5 else keys[::-1]
    per_beat = max(1, round(rng.uniform(*RUN_RATE) * 60.0 / qpm))
    return [(start + i / per_beat, 1.0 / per_beat, p, 0.0) for i, p in enumerate(keys)]


def compose(rng: np.random.Generator, seconds: float, band: tuple[int, int]) -> Score:
    """A piece of at least ``seconds`` (at its written tempo) that plays every key in ``band``."""
    key = Key(int(rng.integers(12)), MAJOR if rng.random() < 0.6 else HARMONIC_MINOR)
    qpm = rng.uniform(*TEMPO_QPM)
    beats = int(rng.choice([3, 4]))
    beat_seconds = 60.0 / qpm
    rows, changes, phrases, textures = [], [], [], []
    run_at, start = int(rng.integers(0, 2)), 0.0
    while start * beat_seconds < seconds or len(phrases) <= run_at:
        phrases.append(start)
        if len(phrases) == run_at + 1:
            run = _run(band, start, qpm, rng)
            length = np.ceil((run[-1][0] + run[-1][1] - start) / beats) * beats
            rows += run
            changes += list(np.arange(start, start + length))  # a run is pedalled, if at all, beat by beat
            start += length
            continue
        phrase_rows, phrase_changes, texture = _phrase(key, start, beats, qpm, rng)
        rows, changes, textures = rows + phrase_rows, changes + phrase_changes, textures + [texture]
        start = max(onset + length for onset, length, _, _ in phrase_rows)
        start = np.ceil(start / beats) * beats
    notes = _to_seconds(rows, beat_seconds)
    title = f"Study in {key.name}: " + ", ".join(dict.fromkeys(["chromatic run", *textures]))
    return Score(playable(notes), np.array(changes) * beat_seconds, np.array(phrases) * beat_seconds, title)


def bands(count: int) -> list[tuple[int, int]]:
    """``count`` key bands that together hold all 88 keys, each at least MIN_BAND keys wide."""
    edges = np.linspace(MIN_MIDI, MAX_MIDI + 1, count + 1).round().astype(int)
    result = []
    for low, stop in zip(edges[:-1], edges[1:], strict=True):
        grow = max(0, MIN_BAND - (stop - low))
        low = int(np.clip(low - grow // 2, MIN_MIDI, MAX_MIDI + 1 - MIN_BAND))
        result.append((low, max(int(stop) - 1, low + MIN_BAND - 1)))
    return result


def _to_seconds(rows: list[Row], beat_seconds: float) -> np.ndarray:
    """Note array (seconds, accent in the velocity column) from beat rows; downbeat markers become accents."""
    table = np.array(rows, dtype=np.float64).reshape(-1, 4)
    markers = table[:, 2] < 0
    notes = table[~markers].copy()
    notes[:, 1] = notes[:, 0] + notes[:, 1]
    accented = np.isin(np.round(notes[:, 0], 6), np.round(table[markers, 0], 6))
    notes[accented, 3] += DOWNBEAT_ACCENT
    notes[:, :2] *= beat_seconds
    return notes
