"""Making one planned piece: its score, its performance, its audio and its files."""

import logging
from dataclasses import dataclass
from pathlib import Path

from amt.core.audio import save_flac, sha256
from amt.core.constants import SAMPLE_RATE
from amt.core.notes import notes_to_midi, write_midi
from amt.sources.synth import corpus, procedural
from amt.sources.synth.acoustics import normalise, record
from amt.sources.synth.performance import Performance, duration, perform
from amt.sources.synth.plan import CORPUS, PROCEDURAL, PieceSpec
from amt.sources.synth.render import snap_performance, synthesize
from amt.sources.synth.score import Score

log = logging.getLogger(__name__)

SCORE_MARGIN = 1.5  # written seconds drawn per performed second: performers may play faster
DRY_PEAK_DBFS = -1.0
GENERATED = "generated"  # the composer of procedural pieces


@dataclass(frozen=True)
class Played:
    """A piece as it will be written: who and what, and the performance on the render grid."""

    composer: str
    title: str
    source: str
    performance: Performance


def _score(spec: PieceSpec, max_seconds: float) -> tuple[Score, str, str]:
    """(score, composer, source): the first corpus candidate that parses, else a generated piece."""
    rng = spec.rng("score")
    for work in spec.works:
        score = corpus.excerpt(work, rng, max_seconds * SCORE_MARGIN)
        if score is not None:
            return score, work.composer, CORPUS
    if spec.kind == CORPUS:
        log.warning(f"{spec.id}: no corpus candidate parsed; generating the piece instead")
    return procedural.compose(rng, max_seconds * SCORE_MARGIN, spec.band), GENERATED, PROCEDURAL


def play(spec: PieceSpec, max_seconds: float) -> Played:
    """The performed notes and pedal of ``spec`` (no audio): what the MIDI file will hold."""
    score, composer, source = _score(spec, max_seconds)
    performance = perform(score, spec.rng("performance"), spec.pedal, max_seconds)
    return Played(composer, score.title, source, snap_performance(performance))


def make(spec: PieceSpec, raw_dir: Path, max_seconds: float, acoustics: bool = True) -> dict:
    """Render ``spec`` into ``raw_dir/<split>/<id>.flac`` and ``.mid``; return its metadata row."""
    played = play(spec, max_seconds)
    n_samples = int(round(duration(played.performance, max_seconds) * SAMPLE_RATE))
    dry = synthesize(played.performance, spec.preset, n_samples, spec.shift)
    audio = record(dry, spec.rng("acoustics")) if acoustics else normalise(dry, DRY_PEAK_DBFS)
    audio_name, midi_name = f"{spec.split}/{spec.id}.flac", f"{spec.split}/{spec.id}.mid"
    save_flac(raw_dir / audio_name, audio)
    write_midi(raw_dir / midi_name, notes_to_midi(played.performance.notes, played.performance.pedal))
    return {
        "id": spec.id,
        "split": spec.split,
        "composer": played.composer,
        "title": played.title,
        "source": played.source,
        "soundfont": spec.preset.soundfont,
        "preset": spec.preset.label + (f" (samples shifted {spec.shift:+d})" if spec.shift else ""),
        "duration": round(n_samples / SAMPLE_RATE, 6),
        "audio_filename": audio_name,
        "midi_filename": midi_name,
        "audio_sha256": sha256(raw_dir / audio_name),
        "midi_sha256": sha256(raw_dir / midi_name),
    }
