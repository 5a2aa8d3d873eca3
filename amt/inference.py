"""Whole-piece predictions from a model, computed in overlapping chunks.

A piece of any length is cut into hop-aligned chunks of ``chunk_seconds`` that overlap
by ``overlap_seconds``. Of each chunk only the centre is kept: about half the overlap
is discarded on each inner side, so every kept frame has context on both sides (what a
BiLSTM needs) and no frame is near a chunk's padded edge. The first and last chunks keep
their outer edges, which are the piece's own. Memory is bounded by ``batch_size`` chunks.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

from amt.constants import HOP_LENGTH, N_FFT, N_KEYS, SAMPLE_RATE, n_frames
from amt.errors import AmtError

HEADS = ("onset", "frame")


@dataclass(frozen=True)
class Chunk:
    """One chunk: its audio starts at frame ``start``; frames [keep_from, keep_to) are kept."""

    start: int
    keep_from: int
    keep_to: int


def plan_chunks(frames: int, chunk_frames: int, overlap_frames: int) -> list[Chunk]:
    """Chunks covering ``frames`` frames, each ``chunk_frames`` hops of audio long.

    Regular chunks start every ``chunk_frames - overlap_frames`` frames; the last one is
    moved back to end with the piece, so that it is full length too. The kept ranges tile
    [0, frames) exactly, each starting ``overlap_frames // 2`` frames after a regular start.
    """
    step, half = chunk_frames - overlap_frames, overlap_frames // 2
    count = 1 + max(0, math.ceil((frames - 1 - chunk_frames) / step))
    bounds = [0, *(k * step + half for k in range(1, count)), frames]
    starts = [k * step for k in range(count - 1)] + [max(0, frames - 1 - chunk_frames)]
    return [Chunk(start, bounds[k], bounds[k + 1]) for k, start in enumerate(starts)]


def predict(
    model: torch.nn.Module,
    audio: np.ndarray,
    chunk_seconds: float,
    overlap_seconds: float,
    device: str | torch.device = "cpu",
    batch_size: int = 1,
) -> dict[str, np.ndarray]:
    """Sigmoid onset and frame probabilities ([T, 88] float32, T = n_frames(len(audio))).

    ``model`` maps audio [B, N] to {"onset", "frame"} logits [B, N // HOP_LENGTH + 1, 88];
    it is moved to ``device`` and put in eval mode. Audio too short for the front end's
    padded STFT (under N_FFT samples) is zero-padded and the extra frames dropped. Callers
    may wrap the call in ``torch.autocast``: outputs are converted to float32.
    """
    chunk_frames = round(chunk_seconds * SAMPLE_RATE / HOP_LENGTH)
    overlap_frames = round(overlap_seconds * SAMPLE_RATE / HOP_LENGTH)
    if overlap_frames < 0 or chunk_frames <= overlap_frames:
        raise AmtError(
            f"evaluate.chunk_seconds ({chunk_seconds}) must exceed evaluate.overlap_seconds "
            f"({overlap_seconds}, not negative) by at least one hop: raise chunk_seconds or lower the overlap"
        )
    frames = n_frames(len(audio))
    samples = torch.from_numpy(np.pad(np.asarray(audio, np.float32), (0, max(0, N_FFT - len(audio)))))
    chunks = plan_chunks(n_frames(len(samples)), chunk_frames, overlap_frames)
    result = {head: np.empty((chunks[-1].keep_to, N_KEYS), np.float32) for head in HEADS}
    model = model.to(device).eval()
    with torch.inference_mode():
        for batch in _batches(chunks, batch_size):
            # The last chunk runs to the end of the audio; the others are chunk_frames hops long.
            length = None if batch[-1] is chunks[-1] else chunk_frames * HOP_LENGTH
            pieces = torch.stack([samples[c.start * HOP_LENGTH :][:length] for c in batch])
            outputs = model(pieces.to(device))
            for head in HEADS:
                _stitch(result[head], batch, _probabilities(outputs[head], pieces.shape[1]))
    return {head: roll[:frames] for head, roll in result.items()}


def _batches(chunks: list[Chunk], batch_size: int) -> list[list[Chunk]]:
    """Consecutive groups of at most ``batch_size`` chunks; the last chunk (its length may
    differ by up to a hop) always closes its own group."""
    regular = chunks[:-1]
    groups = [regular[i : i + batch_size] for i in range(0, len(regular), batch_size)]
    return [*groups, chunks[-1:]]


def _probabilities(logits: torch.Tensor, samples: int) -> np.ndarray:
    """Sigmoid of a batch of logits, after checking they hold [frames, 88] per chunk."""
    expected = (n_frames(samples), N_KEYS)
    if tuple(logits.shape[1:]) != expected:
        raise ValueError(f"model returned logits of shape {tuple(logits.shape)}, expected [B, *{expected}]")
    return logits.float().sigmoid().cpu().numpy()


def _stitch(roll: np.ndarray, batch: list[Chunk], probs: np.ndarray) -> None:
    """Copy each chunk's kept frames into the whole-piece ``roll``."""
    for chunk, prob in zip(batch, probs, strict=True):
        roll[chunk.keep_from : chunk.keep_to] = prob[
            chunk.keep_from - chunk.start : chunk.keep_to - chunk.start
        ]
