"""Transcribing pieces and scoring them: the one implementation behind validation
during training, the evaluate stage and threshold tuning."""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from amt.config.evaluate import EvaluateConfig
from amt.data.dataset import PieceDataset
from amt.inference.chunks import predict
from amt.inference.decoding import Thresholds, decoded, notes_from
from amt.inference.metrics import METRIC_NAMES, mean_metrics, note_metrics, piece_frame_metrics, score_piece
from amt.inference.velocity import band_power


@dataclass
class Piece:
    """One transcribed piece: its reference, the model's probabilities and decoded notes."""

    id: str
    audio: np.ndarray
    reference: np.ndarray
    probs: dict[str, np.ndarray]
    notes: np.ndarray | None = None
    scores: dict[str, float] | None = None


def probabilities(model: torch.nn.Module, audio: np.ndarray, settings: EvaluateConfig, device) -> dict:
    """Onset and frame probabilities of a whole recording, in overlapping chunks."""
    return predict(model, audio, settings.chunk_seconds, settings.overlap_seconds, device)


def transcribe_split(
    model: torch.nn.Module,
    cache_dir: str | Path,
    split: str,
    settings: EvaluateConfig,
    device,
    max_pieces: int | None = None,
) -> Iterator[Piece]:
    """Probabilities for every piece of ``split`` (the first ``max_pieces`` if given)."""
    dataset = PieceDataset(cache_dir, split)
    count = len(dataset) if max_pieces is None else min(max_pieces, len(dataset))
    for index in tqdm(range(count), desc=f"transcribe {split}", unit="piece", leave=False):
        item = dataset[index]
        audio = item["audio"].numpy()
        yield Piece(item["id"], audio, item["notes"], probabilities(model, audio, settings, device))


def evaluate_split(
    model: torch.nn.Module,
    cache_dir: str | Path,
    split: str,
    settings: EvaluateConfig,
    device,
    max_pieces: int | None = None,
    thresholds: Thresholds | None = None,
) -> tuple[dict[str, float], pd.DataFrame, list[Piece]]:
    """Mean metrics, a per-piece table and the transcribed pieces (with notes) of ``split``."""
    thresholds = thresholds or Thresholds.from_config(settings)
    pieces = []
    for piece in transcribe_split(model, cache_dir, split, settings, device, max_pieces):
        piece.notes = notes_from(piece.probs, band_power(piece.audio), thresholds)
        piece.scores = score_piece(piece.reference, piece.notes, piece.probs["frame"] > thresholds.frame)
        pieces.append(piece)
    table = pd.DataFrame([{"id": p.id, **p.scores} for p in pieces], columns=["id", *METRIC_NAMES])
    return mean_metrics([p.scores for p in pieces]), table, pieces


def tune_thresholds(pieces: list[Piece], grid: list[float]) -> tuple[Thresholds, float]:
    """The onset/frame thresholds of ``grid`` x ``grid`` with the best mean note F1
    (ties broken by frame F1) on ``pieces``, which must not be test pieces.

    Frame F1 depends on the frame threshold alone and costs far more than note F1 (mir_eval
    compares every frame), so it is computed once per frame threshold, not once per pair.
    """
    frame_f1 = {
        frame: np.mean(
            [piece_frame_metrics(p.reference, p.probs["frame"] > frame)["frame_f1"] for p in pieces]
        )
        for frame in grid
    }
    best, best_key = None, (-1.0, -1.0)
    for onset, frame in product(grid, grid):
        thresholds = Thresholds(onset, frame)
        note_f1 = np.mean(
            [note_metrics(p.reference, decoded(p.probs, thresholds))["note_f1"] for p in pieces]
        )
        key = (float(note_f1), float(frame_f1[frame]))
        if key > best_key:
            best, best_key = thresholds, key
    return best, best_key[0]
