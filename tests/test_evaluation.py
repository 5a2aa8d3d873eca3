from itertools import product

import numpy as np
import pytest

from amt.core.notes import make_notes, notes_to_rolls
from amt.inference.decoding import Thresholds, decoded
from amt.inference.evaluation import Piece, tune_thresholds
from amt.inference.metrics import mean_metrics, score_piece

FRAMES = 150
GRID = [0.1, 0.3, 0.5, 0.7]


def noisy_piece(seed: int) -> Piece:
    """A piece whose probabilities are its reference rolls scaled by 0.6, plus uniform noise."""
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0.1, 3.5, 12)
    reference = make_notes(
        [(start, start + rng.uniform(0.1, 1.0), int(rng.integers(40, 80)), 64) for start in starts]
    )
    rolls = notes_to_rolls(reference, FRAMES)
    probs = {
        head: np.clip(0.6 * rolls[head] + rng.uniform(0.0, 0.6, rolls[head].shape), 0, 1).astype(np.float32)
        for head in ("onset", "frame")
    }
    return Piece(f"piece-{seed}", np.zeros(0), reference, probs)


def best_by_full_scoring(pieces: list[Piece], grid: list[float]) -> tuple[tuple[float, float], float]:
    """Every metric of every piece at every pair: what tune_thresholds must agree with."""
    scored = {}
    for onset, frame in product(grid, grid):
        thresholds = Thresholds(onset, frame)
        means = mean_metrics(
            [score_piece(p.reference, decoded(p.probs, thresholds), p.probs["frame"] > frame) for p in pieces]
        )
        scored[(onset, frame)] = (means["note_f1"], means["frame_f1"])
    best = max(scored, key=scored.get)
    return best, scored[best][0]


def test_tuned_thresholds_are_the_best_pair_of_the_grid():
    pieces = [noisy_piece(seed) for seed in range(3)]
    thresholds, note_f1 = tune_thresholds(pieces, GRID)
    (onset, frame), expected_f1 = best_by_full_scoring(pieces, GRID)
    assert (thresholds.onset, thresholds.frame) == (onset, frame)
    assert note_f1 == pytest.approx(expected_f1)
    assert 0.0 < note_f1 < 1.0  # the noise makes the choice matter


def test_frame_f1_breaks_ties_between_equal_note_f1():
    # Clean onsets: every onset threshold of the grid finds every note, so note F1 ties
    # at 1; of the frame thresholds only 0.5 separates the frame roll (0.6) from its noise (0.4).
    piece = noisy_piece(7)
    rolls = notes_to_rolls(piece.reference, FRAMES)
    piece.probs = {"onset": rolls["onset"] * 0.9, "frame": 0.6 * rolls["frame"] + 0.4 * (1 - rolls["frame"])}
    thresholds, note_f1 = tune_thresholds([piece], GRID)
    assert note_f1 == pytest.approx(1.0)
    assert thresholds.frame == 0.5
