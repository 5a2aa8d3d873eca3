import numpy as np

from amt.config import load_config
from amt.config.params import load_params
from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.core.notes import OFFSET, ONSET, PITCH
from amt.sources.synth.pieces import play
from amt.sources.synth.plan import PROCEDURAL, plan_pieces
from amt.sources.synth.procedural import bands, compose

DEFAULTS = load_params()
COUNTS = DEFAULTS["data"]["synth"]["pieces"]


def test_bands_hold_every_key_and_are_runs():
    for count in (1, 3, 50, 100, 300):
        found = bands(count)
        assert len(found) == count
        keys = {key for low, high in found for key in range(low, high + 1)}
        assert keys == set(range(MIN_MIDI, MAX_MIDI + 1))
        assert all(high - low + 1 >= 13 and low >= MIN_MIDI and high <= MAX_MIDI for low, high in found)


def test_training_split_plays_all_88_keys_without_rendering():
    """At default sizes the generated training pieces alone, as performed and cut, strike every key."""
    specs = [s for s in plan_pieces(load_config().data) if s.split == "train" and s.kind == PROCEDURAL]
    assert len(specs) == round(COUNTS["train"] * (1 - DEFAULTS["data"]["synth"]["corpus_share"]))
    played = {int(p) for spec in specs for p in play(spec, 30.0).performance.notes[:, PITCH]}
    assert played == set(range(MIN_MIDI, MAX_MIDI + 1))


def test_compose_is_seeded_and_stays_on_the_keyboard():
    first = compose(np.random.default_rng(5), 20.0, (40, 60))
    again = compose(np.random.default_rng(5), 20.0, (40, 60))
    other = compose(np.random.default_rng(6), 20.0, (40, 60))
    assert np.array_equal(first.notes, again.notes) and first.title == again.title
    assert not np.array_equal(first.notes[:50], other.notes[:50])
    assert first.end >= 20.0
    assert set(range(40, 61)) <= set(first.notes[:, PITCH].astype(int))
    assert first.notes[:, PITCH].min() >= MIN_MIDI and first.notes[:, PITCH].max() <= MAX_MIDI
    assert (first.notes[:, OFFSET] - first.notes[:, ONSET]).min() >= 0.029
    assert len(first.changes) and len(first.phrases)


def test_generated_pieces_differ_between_splits():
    last = {f"{split}-{count - 1:03d}" for split, count in COUNTS.items()}
    specs = [s for s in plan_pieces(load_config().data) if s.id in last and s.kind == PROCEDURAL]
    notes = [play(spec, 10.0).performance.notes for spec in specs]
    assert len(notes) == 3
    assert not any(np.array_equal(a[:20], b[:20]) for i, a in enumerate(notes) for b in notes[i + 1 :])
