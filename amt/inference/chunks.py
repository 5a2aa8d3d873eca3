"""Whole-piece predictions from a model, computed in overlapping chunks.

A piece of any length is cut into hop-aligned chunks of ``chunk_seconds`` that overlap
by ``overlap_seconds``. Of each chunk only the centre is kept: about half the overlap
is discarded on each inner side, so every kept frame has context on both sides (what a
BiLSTM needs) and no frame is near a chunk's padded edge. The first and last chunks keep
their outer edges, which are the piece's own. Chunks are cut from a stream of audio
blocks, so a recording of any length is transcribed holding about one chunk of audio.
"""

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch

from amt.core.constants import HEADS, HOP_LENGTH, N_FFT, N_KEYS, SAMPLE_RATE, n_frames
from amt.core.errors import AmtError


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
    step = chunk_frames - overlap_frames
    count = 1 + max(0, math.ceil((frames - 1 - chunk_frames) / step))
    regular = [_regular(k, chunk_frames, overlap_frames) for k in range(count - 1)]
    keep_from = regular[-1].keep_to if regular else 0
    return [*regular, Chunk(max(0, frames - 1 - chunk_frames), keep_from, frames)]


def _regular(index: int, chunk_frames: int, overlap_frames: int) -> Chunk:
    """Regular chunk ``index`` of a plan: one that is not the last."""
    step, half = chunk_frames - overlap_frames, overlap_frames // 2
    return Chunk(index * step, index * step + half if index else 0, (index + 1) * step + half)


def chunk_frames(chunk_seconds: float, overlap_seconds: float) -> tuple[int, int]:
    """Chunk and overlap lengths in frames, checked."""
    chunk = round(chunk_seconds * SAMPLE_RATE / HOP_LENGTH)
    overlap = round(overlap_seconds * SAMPLE_RATE / HOP_LENGTH)
    if overlap < 0 or chunk <= overlap:
        raise AmtError(
            f"evaluate.chunk_seconds ({chunk_seconds}) must exceed evaluate.overlap_seconds "
            f"({overlap_seconds}, not negative) by at least one hop: raise chunk_seconds or lower the overlap"
        )
    return chunk, overlap


def audio_chunks(
    blocks: Iterable[np.ndarray], chunk_frames: int, overlap_frames: int
) -> Iterator[tuple[Chunk, np.ndarray]]:
    """Each chunk of ``plan_chunks`` with its audio, as ``blocks`` (consecutive pieces of
    one recording) arrive; about one chunk of audio is held at a time.

    A chunk is known to be regular, and is yielded, once the audio reaches a frame past its
    end; the last one comes when the blocks end. Audio shorter than the front end's padded
    STFT (N_FFT samples) is zero-padded, and the last chunk keeps only the recording's own
    frames.
    """
    held, held_from, received, emitted = np.zeros(0, np.float32), 0, 0, 0  # held starts at sample held_from
    for block in blocks:
        held, received = np.concatenate([held, block]), received + len(block)
        while received >= (emitted * (chunk_frames - overlap_frames) + chunk_frames + 1) * HOP_LENGTH:
            chunk = _regular(emitted, chunk_frames, overlap_frames)
            start = chunk.start * HOP_LENGTH
            held, held_from = held[start - held_from :], start
            yield chunk, held[: chunk_frames * HOP_LENGTH]
            emitted += 1
    padded = max(received, N_FFT)
    held = np.pad(held, (0, padded - received))
    last = plan_chunks(n_frames(padded), chunk_frames, overlap_frames)[-1]
    yield replace(last, keep_to=n_frames(received)), held[last.start * HOP_LENGTH - held_from :]


def predict_chunks(
    model: torch.nn.Module,
    chunks: Iterable[tuple[Chunk, np.ndarray]],
    device: str | torch.device = "cpu",
    batch_size: int = 1,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> Iterator[tuple[Chunk, np.ndarray, dict[str, np.ndarray]]]:
    """For each chunk: the chunk, its audio and the sigmoid onset and frame probabilities
    of its kept frames ([keep_to - keep_from, 88] float32).

    ``model`` maps audio [B, N] to {"onset", "frame"} logits [B, N // HOP_LENGTH + 1, 88];
    it is moved to ``device`` and put in eval mode. Up to ``batch_size`` chunks of equal
    length run together, each forward pass inside ``autocast()`` (e.g. a
    ``Placement.autocast``; callers may also wrap the whole iteration in ``torch.autocast``);
    outputs are converted to float32.
    """
    model = model.to(device).eval()
    for batch in _batches(chunks, batch_size):
        audio = torch.stack([torch.from_numpy(np.asarray(samples, np.float32)) for _, samples in batch])
        with torch.inference_mode(), autocast():
            outputs = model(audio.to(device))
        probs = {head: _probabilities(outputs[head], audio.shape[1]) for head in HEADS}
        for row, (chunk, samples) in enumerate(batch):
            kept = slice(chunk.keep_from - chunk.start, chunk.keep_to - chunk.start)
            yield chunk, samples, {head: probs[head][row, kept] for head in HEADS}


def predict(
    model: torch.nn.Module,
    audio: np.ndarray,
    chunk_seconds: float,
    overlap_seconds: float,
    device: str | torch.device = "cpu",
    batch_size: int = 1,
) -> dict[str, np.ndarray]:
    """Sigmoid onset and frame probabilities ([T, 88] float32, T = n_frames(len(audio))) of a
    whole recording in memory (``predict_chunks``)."""
    chunks = audio_chunks([np.asarray(audio, np.float32)], *chunk_frames(chunk_seconds, overlap_seconds))
    kept = [probs for _, _, probs in predict_chunks(model, chunks, device, batch_size)]
    return {head: np.concatenate([probs[head] for probs in kept]) for head in HEADS}


def _batches(chunks: Iterable[tuple[Chunk, np.ndarray]], batch_size: int) -> Iterator[list]:
    """Consecutive groups of at most ``batch_size`` chunks of the same audio length."""
    group: list = []
    for item in chunks:
        if group and (len(group) == batch_size or len(item[1]) != len(group[0][1])):
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def _probabilities(logits: torch.Tensor, samples: int) -> np.ndarray:
    """Sigmoid of a batch of logits, after checking they hold [frames, 88] per chunk."""
    expected = (n_frames(samples), N_KEYS)
    if tuple(logits.shape[1:]) != expected:
        raise ValueError(f"model returned logits of shape {tuple(logits.shape)}, expected [B, *{expected}]")
    return logits.float().sigmoid().cpu().numpy()
