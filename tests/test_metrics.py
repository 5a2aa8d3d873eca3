import warnings

import numpy as np
import pytest

from amt.core.constants import N_KEYS
from amt.core.notes import make_notes, notes_to_rolls
from amt.inference.metrics import METRIC_NAMES, frame_metrics, mean_metrics, note_metrics, score_piece

REF = make_notes([(0.5, 1.0, 60, 80), (1.0, 2.0, 64, 70), (1.5, 1.7, 67, 60), (2.5, 3.5, 48, 90)])
FRAMES = 120


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def f1(precision, recall):
    return 2 * precision * recall / (precision + recall)


def test_perfect_estimate_scores_one_everywhere():
    scores = score_piece(REF, REF.copy(), notes_to_rolls(REF, FRAMES)["frame"])
    assert tuple(scores) == METRIC_NAMES
    assert scores == pytest.approx(dict.fromkeys(METRIC_NAMES, 1.0))


def test_missing_note_costs_recall():
    scores = note_metrics(REF, REF[[0, 1, 3]])
    assert scores["note_precision"] == 1.0
    assert scores["note_recall"] == pytest.approx(0.75)
    assert scores["note_f1"] == pytest.approx(f1(1.0, 0.75))


def test_extra_note_costs_precision():
    scores = note_metrics(REF, make_notes(np.vstack([REF, [(3.0, 3.2, 80, 50)]])))
    assert (scores["note_precision"], scores["note_recall"]) == pytest.approx((0.8, 1.0))
    assert scores["note_offset_f1"] == pytest.approx(f1(0.8, 1.0))


def test_onset_tolerance_is_50_ms():
    early, late = REF.copy(), REF.copy()
    early[0, :2] -= 0.04
    late[0, :2] += 0.06
    assert note_metrics(REF, early)["note_recall"] == 1.0
    assert note_metrics(REF, late)["note_recall"] == pytest.approx(0.75)


def test_offset_tolerance_is_20_percent_or_50_ms():
    est = REF.copy()
    est[1, 1] += 0.19  # 19 % of the 1 s note: still right
    est[2, 1] += 0.06  # 0.2 s note: beyond the 50 ms floor
    est[3, 1] += 0.5  # far too long
    scores = note_metrics(REF, est)
    assert scores["note_f1"] == 1.0
    assert (scores["note_offset_precision"], scores["note_offset_recall"]) == pytest.approx((0.5, 0.5))


def test_frame_metrics_count_active_cells():
    ref, est = np.zeros((10, N_KEYS)), np.zeros((10, N_KEYS))
    ref[:5, 40] = 1  # 5 + 5 = 10 reference cells
    ref[5:, 50] = 1
    est[:5, 40] = 1  # 5 right ...
    est[5, 50] = 1  # ... +1 right = 6
    est[:3, 41] = 1  # 3 wrong
    scores = frame_metrics(ref, est)
    assert (scores["frame_precision"], scores["frame_recall"]) == pytest.approx((6 / 9, 6 / 10))
    assert scores["frame_f1"] == pytest.approx(f1(6 / 9, 6 / 10))


def test_empty_estimate_or_reference_scores_zero_quietly():
    empty_notes, empty_roll = np.zeros((0, 4)), np.zeros((FRAMES, N_KEYS))
    assert score_piece(REF, empty_notes, empty_roll) == dict.fromkeys(METRIC_NAMES, 0.0)
    assert score_piece(empty_notes, REF, notes_to_rolls(REF, FRAMES)["frame"]) == dict.fromkeys(
        METRIC_NAMES, 0.0
    )
    assert score_piece(empty_notes, empty_notes, empty_roll) == dict.fromkeys(METRIC_NAMES, 0.0)


def test_reference_roll_follows_the_estimate_length():
    short = notes_to_rolls(REF, 70)["frame"]  # ends before the last note
    assert score_piece(REF, REF, short)["frame_f1"] == 1.0


def test_frame_metrics_reject_mismatched_rolls():
    with pytest.raises(ValueError, match="rolls"):
        frame_metrics(np.zeros((5, N_KEYS)), np.zeros((6, N_KEYS)))


def test_mean_metrics():
    ones, zeros = dict.fromkeys(METRIC_NAMES, 1.0), dict.fromkeys(METRIC_NAMES, 0.0)
    assert mean_metrics([ones, zeros, ones, ones]) == dict.fromkeys(METRIC_NAMES, 0.75)
    with pytest.raises(ValueError, match="at least one"):
        mean_metrics([])
