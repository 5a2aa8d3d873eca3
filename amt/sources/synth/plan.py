"""Which pieces to make: ids, splits, kinds, corpus works, bands, pianos and pedalling.

The plan is a pure function of the params: it parses no scores and renders nothing, so
it is cheap and every worker can make its piece from its ``PieceSpec`` alone.
"""

import zlib
from dataclasses import dataclass
from itertools import cycle, islice

import numpy as np

from amt.config.data import DataConfig, SynthConfig
from amt.core.constants import SPLITS
from amt.core.errors import AmtError
from amt.sources.synth import corpus, procedural
from amt.sources.synth.soundfonts import Preset, piano_presets, soundfont_name

CORPUS, PROCEDURAL = "music21 corpus", "procedural"
CANDIDATES = 3  # works a corpus piece may try, in order, if a score fails to parse


@dataclass(frozen=True)
class PieceSpec:
    """Everything needed to make one piece, independent of every other piece."""

    id: str
    split: str
    kind: str  # CORPUS or PROCEDURAL
    works: tuple[corpus.Work, ...]  # corpus candidates, first usable wins
    band: tuple[int, int]  # keys a procedural piece runs through
    preset: Preset
    pedal: bool
    seed: int
    shift: int = 0  # semitones between each key and its sample (amt.sources.synth.render)

    def rng(self, purpose: str) -> np.random.Generator:
        """An independent generator per purpose ('score', 'performance', 'acoustics')."""
        return np.random.default_rng([self.seed, zlib.crc32(self.id.encode()), zlib.crc32(purpose.encode())])


def _presets(synth: SynthConfig) -> tuple[list[Preset], list[Preset], list[Preset]]:
    """(training presets, held-out presets, training-only presets) of the configured SoundFonts."""
    names, heldout, training_only = synth.soundfonts, synth.heldout_soundfonts, synth.training_only_soundfonts
    unknown = [name for name in heldout if name not in map(soundfont_name, names)]
    if unknown:
        raise AmtError(
            f"params.yaml: data.synth.heldout_soundfonts names {unknown[0]!r}, which is not in "
            f"data.synth.soundfonts ({', '.join(names)})"
        )
    twice = [name for name in training_only if soundfont_name(name) in map(soundfont_name, names)]
    if twice:
        raise AmtError(
            f"params.yaml: data.synth.training_only_soundfonts names {twice[0]!r}, which is also in "
            "data.synth.soundfonts; name it in one of the two"
        )
    presets = [preset for name in names for preset in piano_presets(name)]
    training = [preset for preset in presets if preset.soundfont not in heldout]
    if not training:
        raise AmtError(
            "params.yaml: every SoundFont is in data.synth.heldout_soundfonts; leave one for training"
        )
    extra = [preset for name in training_only for preset in piano_presets(name)]
    named = set(map(soundfont_name, names + training_only))
    strangers = [name for name in synth.turns if name not in named]
    if strangers:
        raise AmtError(
            f"params.yaml: data.synth.turns names {strangers[0]!r}, which is neither in "
            "data.synth.soundfonts nor in data.synth.training_only_soundfonts"
        )
    return training, [preset for preset in presets if preset.soundfont in heldout], extra


def _with_turns(presets: list[Preset], turns: dict[str, int]) -> list[Preset]:
    """Each preset as many times as its SoundFont's turns (1 unless named), the repeats spread out."""
    count = {id(preset): turns.get(preset.soundfont, 1) for preset in presets}
    rounds = max(count.values(), default=1)
    return [preset for round_ in range(rounds) for preset in presets if count[id(preset)] > round_]


def _pianos(
    split: str,
    count: int,
    training: list[Preset],
    heldout: list[Preset],
    share: float,
    rng: np.random.Generator,
) -> list[Preset]:
    """Presets for ``count`` pieces: every training preset in turn; test also the held-out ones."""
    unheard = 0
    if split == "test" and heldout and count:
        unheard = min(count, max(1, round(count * share)))
    pianos = _turns(heldout, unheard, rng) + _turns(training, count - unheard, rng)
    return [pianos[i] for i in rng.permutation(count)]


def _turns(presets: list[Preset], count: int, rng: np.random.Generator) -> list[Preset]:
    """``count`` presets taking turns, from a random starting point."""
    if not count:
        return []
    start = int(rng.integers(len(presets)))
    return list(islice(cycle(presets[start:] + presets[:start]), count))


def _shifts(synth: SynthConfig, count: int, seed: int) -> list[int]:
    """Sample shifts of ``count`` training pieces: a share of them shifted by 1..max semitones, up or down.

    Drawn from their own generator, so the shifts leave every other choice of the plan as it was.
    """
    share, most = synth.sample_shift_share, synth.sample_shift_max
    rng = np.random.default_rng([seed, zlib.crc32(b"shift")])
    shifts = np.zeros(count, int)
    chosen = rng.permutation(count)[: round(count * share)]
    shifts[chosen] = rng.integers(1, most + 1, len(chosen)) * rng.choice([-1, 1], len(chosen))
    return shifts.tolist()


def _deal_works(counts: dict[str, int], rng: np.random.Generator) -> dict[str, list[tuple[corpus.Work, ...]]]:
    """Candidate works per corpus piece of each split; no work is dealt to two pieces.

    Works are queued composer by composer in turn (a few composers own most of the
    corpus), and each split takes the next work whenever it is furthest behind its share.
    """
    by_composer: dict[str, list[corpus.Work]] = {}
    for work in corpus.catalogue():
        by_composer.setdefault(work.key.split("/")[0], []).append(work)
    queues = [[group[i] for i in rng.permutation(len(group))] for group in by_composer.values()]
    queues = [queues[i] for i in rng.permutation(len(queues))]
    queue = [q[depth] for depth in range(max(map(len, queues), default=0)) for q in queues if depth < len(q)]
    wanted = {split: count * CANDIDATES for split, count in counts.items()}
    dealt: dict[str, list[corpus.Work]] = {split: [] for split in counts}
    for work in queue:
        open_splits = [split for split in counts if len(dealt[split]) < wanted[split]]
        if not open_splits:
            break
        split = min(open_splits, key=lambda s: (len(dealt[s]) / wanted[s], SPLITS.index(s)))
        dealt[split].append(work)
    if any(len(dealt[split]) < counts[split] for split in counts):
        raise AmtError(
            "params.yaml: data.synth.pieces asks for more corpus pieces than music21's corpus holds works"
        )
    return {
        split: [tuple(dealt[split][i :: counts[split]]) for i in range(counts[split])] for split in counts
    }


def plan_pieces(data: DataConfig) -> list[PieceSpec]:
    """Every piece to make, in a fixed order (split, then id)."""
    synth, seed, counts = data.synth, data.seed, data.synth.pieces
    corpus_share, pedal_share, heldout_share = synth.corpus_share, synth.pedal_share, synth.heldout_share
    training, heldout, training_only = _presets(synth)
    rng = np.random.default_rng([seed, zlib.crc32(b"plan")])
    corpus_counts = {split: round(count * corpus_share) for split, count in counts.items()}
    works = _deal_works(corpus_counts, rng)
    specs = []
    for split, count in counts.items():
        heard = _with_turns(training + training_only if split == "train" else training, synth.turns)
        pianos = _pianos(split, count, heard, _with_turns(heldout, synth.turns), heldout_share, rng)
        pedalled = set(rng.permutation(count)[: round(count * pedal_share)].tolist())
        bands = procedural.bands(max(1, count - corpus_counts[split]))
        shifts = _shifts(synth, count, seed) if split == "train" else [0] * count
        for index in range(count):
            is_corpus = index < corpus_counts[split]
            specs.append(
                PieceSpec(
                    id=f"{split}-{index:03d}",
                    split=split,
                    kind=CORPUS if is_corpus else PROCEDURAL,
                    works=works[split][index] if is_corpus else (),
                    band=bands[0 if is_corpus else index - corpus_counts[split]],
                    preset=pianos[index],
                    pedal=index in pedalled,
                    seed=seed,
                    shift=0 if pianos[index].is_sfz else shifts[index],  # sfizz plays unshifted
                )
            )
    return specs
