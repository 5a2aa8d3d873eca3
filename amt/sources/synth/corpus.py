"""Real compositions from music21's bundled corpus, as excerpts played on a piano.

A *work* is one composition: a Bach chorale (with its variant versions), a quartet or
sonata (with all its movements), a mass movement, a song. Splits take whole works, so no
composition is heard in two splits. Multi-part scores become piano reductions (every
part's notes on one keyboard, folded into MIDI 21-108).

Only an excerpt of a few bars is converted (music21's MIDI export of a whole quartet
movement takes tens of seconds), read straight through: repeat signs are dropped, which
is also what makes badly formed repeats harmless. Files that still fail are skipped with
a warning.
"""

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi
from music21 import bar, common, converter, repeat, spanner, stream, tempo
from music21.midi import translate

from amt.core.notes import ONSET, PITCH, VELOCITY, midi_notes
from amt.sources.synth.score import Score, fold_into_piano, playable

log = logging.getLogger(__name__)

# corpus folder -> composer, for the folders that hold polyphonic music worth playing on a piano
COMPOSERS = {
    "bach": "Johann Sebastian Bach",
    "beach": "Amy Beach",
    "beethoven": "Ludwig van Beethoven",
    "chopin": "Frederic Chopin",
    "ciconia": "Johannes Ciconia",
    "corelli": "Arcangelo Corelli",
    "cpebach": "Carl Philipp Emanuel Bach",
    "handel": "George Frideric Handel",
    "haydn": "Joseph Haydn",
    "johnson_j_r": "J. Rosamond Johnson",
    "joplin": "Scott Joplin",
    "liliuokalani": "Liliuokalani",
    "luca": "Luca Marenzio",
    "lusitano": "Vicente Lusitano",
    "monteverdi": "Claudio Monteverdi",
    "mozart": "Wolfgang Amadeus Mozart",
    "palestrina": "Giovanni Pierluigi da Palestrina",
    "schoenberg": "Arnold Schoenberg",
    "schubert": "Franz Schubert",
    "schumann_clara": "Clara Schumann",
    "schumann_robert": "Robert Schumann",
    "trecento": "Trecento composers",
    "verdi": "Giuseppe Verdi",
    "weber": "Carl Maria von Weber",
    "webern": "Anton Webern",
}
SUFFIXES = (".mxl", ".musicxml", ".xml", ".krn")  # in order of preference for one movement
VARIANT = re.compile(r"-\w{1,4}$")  # bwv248.23-2, bwv69.6-a: versions of one chorale
SAME_AS = {"schumann_robert/dichterliebe_no2": "schumann_robert/opus48no2"}  # one song, two files
DEFAULT_QPM = 120.0  # music21's tempo where a score names none
LEAD_IN = (0.1, 0.6)  # seconds of silence before the first note
TRANSPOSE = (-6, 6)  # semitones
FROM_START = 0.3  # chance of an excerpt starting at the first bar
PHRASE_BARS = (2, 4)


@dataclass(frozen=True)
class Work:
    """One composition: its id (``composer_folder/name``), composer and files (one per movement)."""

    key: str
    composer: str
    files: tuple[str, ...]


def corpus_root() -> Path:
    """The folder of music21's bundled corpus."""
    return Path(common.getCorpusFilePath())


def _work_key(relative: Path) -> str:
    """The work a file belongs to.

    ``bach/bwv248.23-2`` -> ``bach/bwv248.23``; ``beethoven/opus18no1/movement2`` -> ``beethoven/opus18no1``.
    """
    parts = relative.with_suffix("").parts
    key = parts[0] + "/" + VARIANT.sub("", parts[1])
    return SAME_AS.get(key, key)


def catalogue() -> list[Work]:
    """Every usable work of the corpus, sorted by key (one file per movement)."""
    root = corpus_root()
    movements: dict[str, dict[Path, Path]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix not in SUFFIXES or relative.parts[0] not in COMPOSERS or len(relative.parts) < 2:
            continue
        chosen = movements.setdefault(_work_key(relative), {})
        stem = relative.with_suffix("")
        if stem not in chosen or SUFFIXES.index(path.suffix) < SUFFIXES.index(chosen[stem].suffix):
            chosen[stem] = relative
    return [
        Work(key, COMPOSERS[key.split("/")[0]], tuple(str(p) for p in sorted(files.values())))
        for key, files in sorted(movements.items())
    ]


def excerpt(work: Work, rng: np.random.Generator, seconds: float) -> Score | None:
    """A piano reduction of about ``seconds`` of one movement of ``work``, or None (with a warning)."""
    relative = work.files[int(rng.integers(len(work.files)))]
    try:
        score = converter.parse(corpus_root() / relative, forceSource=True)
        midi = _excerpt_midi(score, rng, seconds)
    except Exception as error:  # music21 raises many types on malformed scores
        log.warning(f"music21 corpus {relative}: skipped ({type(error).__name__}: {error})")
        return None
    notes = midi_notes(midi)
    if len(notes) < 8:
        log.warning(f"music21 corpus {relative}: skipped (excerpt holds {len(notes)} notes)")
        return None
    return _as_score(midi, notes, rng, seconds, relative.rsplit(".", 1)[0])


def _excerpt_midi(score: stream.Score, rng: np.random.Generator, seconds: float) -> pretty_midi.PrettyMIDI:
    """MIDI of enough bars from a random bar (often the first) to last ``seconds`` at the written tempo."""
    if isinstance(score, stream.Opus):
        raise ValueError("file holds several pieces")
    parts = score.parts or [score]
    numbers = [measure.number for measure in parts[0].getElementsByClass(stream.Measure)]
    if not numbers:
        raise ValueError("score has no bars")
    mark = score.recurse().getElementsByClass(tempo.MetronomeMark).first()
    qpm = mark.getQuarterBPM() if mark is not None and mark.number else DEFAULT_QPM
    bar_length = (
        parts[0].getElementsByClass(stream.Measure)[min(1, len(numbers) - 1)].barDuration.quarterLength
    )
    count = int(np.ceil(seconds / (max(bar_length, 1.0) * 60.0 / qpm))) + 1
    first = 0 if rng.random() < FROM_START else int(rng.integers(max(1, len(numbers) - count + 1)))
    last = min(first + count, len(numbers)) - 1
    section = score.measures(
        numbers[first],
        numbers[last],
        collect=("Clef", "TimeSignature", "Instrument", "KeySignature", "MetronomeMark"),
    )
    _straight_through(section)
    return pretty_midi.PrettyMIDI(io.BytesIO(translate.music21ObjectToMidiFile(section).writestr()))


def _straight_through(section: stream.Score) -> None:
    """Drop repeat signs, voltas and D.C./D.S. marks: the excerpt is read as printed, once."""
    for measure in section.recurse().getElementsByClass(stream.Measure):
        if isinstance(measure.leftBarline, bar.Repeat):
            measure.leftBarline = None
        if isinstance(measure.rightBarline, bar.Repeat):
            measure.rightBarline = None
    for element in list(
        section.recurse().getElementsByClass((repeat.RepeatExpression, spanner.RepeatBracket))
    ):
        element.activeSite.remove(element)


def _as_score(
    midi: pretty_midi.PrettyMIDI, notes: np.ndarray, rng: np.random.Generator, seconds: float, title: str
) -> Score:
    """The excerpt transposed, folded, given a short lead-in and cut to ``seconds``.

    Harmony changes and phrases (every few bars) come from the MIDI's beats and downbeats.
    """
    notes = notes.copy()
    notes[:, PITCH] = fold_into_piano(notes[:, PITCH] + rng.integers(TRANSPOSE[0], TRANSPOSE[1] + 1))
    notes[:, VELOCITY] = 0.0  # the performer decides the dynamics; written accents are not in the MIDI
    shift = rng.uniform(*LEAD_IN) - notes[:, ONSET].min()
    notes[:, :2] += shift
    notes = playable(notes[notes[:, ONSET] < seconds])
    beats = midi.get_beats() + shift
    downbeats = midi.get_downbeats() + shift
    phrases = downbeats[:: int(rng.integers(PHRASE_BARS[0], PHRASE_BARS[1] + 1))]
    return Score(notes, harmony_changes(notes, beats), phrases[phrases >= 0], title)


def harmony_changes(notes: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Beats where the harmony changes: a new bass pitch class or a mostly new set of pitch classes."""
    changes, previous = [], (None, frozenset())
    for start, stop in zip(beats, np.append(beats[1:], np.inf), strict=True):
        struck = notes[(notes[:, ONSET] >= start - 0.02) & (notes[:, ONSET] < stop - 0.02)]
        if not len(struck):
            continue
        bass = int(struck[np.argmin(struck[:, PITCH]), PITCH]) % 12
        classes = frozenset(struck[:, PITCH].astype(int) % 12)
        if bass != previous[0] or len(classes & previous[1]) < len(classes | previous[1]) / 2:
            changes.append(max(start, 0.0))
        previous = (bass, classes)
    return np.array(changes)
