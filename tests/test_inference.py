from dataclasses import replace

import numpy as np
import pytest
import torch
import torchaudio
from torch import nn

from amt.core.constants import HOP_LENGTH, N_FFT, N_KEYS, SAMPLE_RATE, n_frames
from amt.core.errors import AmtError
from amt.inference.chunks import audio_chunks, plan_chunks, predict

torch.set_num_threads(1)
SECONDS_PER_FRAME = HOP_LENGTH / SAMPLE_RATE


class LocalModel(nn.Module):
    """Log-mel + a time convolution: each output frame sees only +-4 frames of audio."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.mel = torchaudio.transforms.MelSpectrogram(
            SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=32, center=True
        )
        self.conv = nn.Conv1d(32, 2 * N_KEYS, kernel_size=5, padding=2)

    def features(self, audio: torch.Tensor) -> torch.Tensor:
        return torch.log(self.mel(audio) + 1e-5)  # [B, mels, T]

    def forward(self, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        onset, frame = self.conv(self.features(audio)).transpose(1, 2).split(N_KEYS, dim=-1)
        return {"onset": onset, "frame": frame}


class RecurrentModel(LocalModel):
    """Log-mel + a BiLSTM: every output frame depends on the whole input."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(32, 16, batch_first=True, bidirectional=True)
        self.out = nn.Linear(32, 2 * N_KEYS)

    def forward(self, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        hidden, _ = self.lstm(self.features(audio).transpose(1, 2) / 10)
        onset, frame = self.out(hidden).split(N_KEYS, dim=-1)
        return {"onset": onset, "frame": frame}


def noise(samples: int) -> np.ndarray:
    return (np.random.default_rng(samples).normal(0, 0.1, samples)).astype(np.float32)


def whole(model: nn.Module, audio: np.ndarray) -> dict[str, np.ndarray]:
    with torch.inference_mode():
        outputs = model.eval()(torch.from_numpy(audio)[None])
    return {head: torch.sigmoid(outputs[head][0]).numpy() for head in ("onset", "frame")}


@pytest.mark.parametrize("frames", [1, 2, 20, 21, 22, 23, 100, 317])
@pytest.mark.parametrize(("chunk_frames", "overlap_frames"), [(20, 8), (21, 0), (31, 9), (5, 4)])
def test_kept_ranges_tile_the_piece_with_context(frames, chunk_frames, overlap_frames):
    chunks = plan_chunks(frames, chunk_frames, overlap_frames)
    assert chunks[0].keep_from == 0 and chunks[-1].keep_to == frames
    half = overlap_frames // 2
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.keep_to == after.keep_from and after.keep_from - after.start >= half
        assert before.start + chunk_frames - before.keep_to >= half  # right context of the last kept frame
        assert before.start + chunk_frames < frames - 1  # only the last chunk reaches the end
    assert all(c.keep_from < c.keep_to and c.start >= 0 for c in chunks)


@pytest.mark.parametrize("samples", [5 * SAMPLE_RATE, 5 * SAMPLE_RATE + 300, 40 * HOP_LENGTH])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_chunked_equals_whole_for_a_local_model(samples, batch_size):
    model, audio = LocalModel(), noise(samples)
    chunked = predict(model, audio, chunk_seconds=1.0, overlap_seconds=0.5, batch_size=batch_size)
    expected = whole(model, audio)
    for head in ("onset", "frame"):
        assert chunked[head].shape == (n_frames(samples), N_KEYS) and chunked[head].dtype == np.float32
        np.testing.assert_allclose(chunked[head], expected[head], atol=1e-5)


def test_chunked_is_close_to_whole_for_a_bilstm():
    model, audio = RecurrentModel(), noise(6 * SAMPLE_RATE + 100)
    chunked = predict(model, audio, chunk_seconds=1.5, overlap_seconds=1.0, batch_size=2)
    expected = whole(model, audio)
    for head in ("onset", "frame"):
        np.testing.assert_allclose(chunked[head], expected[head], atol=1e-3)
    no_overlap = predict(model, audio, chunk_seconds=1.5, overlap_seconds=0.0)
    assert (
        np.abs(no_overlap["frame"] - expected["frame"]).max()
        > 10 * np.abs(chunked["frame"] - expected["frame"]).max()
    )


@pytest.mark.parametrize(
    "samples", [0, 1, HOP_LENGTH - 1, HOP_LENGTH, N_FFT // 2, 3 * HOP_LENGTH + 7, 2 * SAMPLE_RATE]
)
def test_output_length_for_short_and_odd_lengths(samples):
    probs = predict(RecurrentModel(), noise(samples), chunk_seconds=3.0, overlap_seconds=1.0)
    assert {head: roll.shape for head, roll in probs.items()} == {
        "onset": (n_frames(samples), N_KEYS),
        "frame": (n_frames(samples), N_KEYS),
    }
    assert all(np.all((roll > 0) & (roll < 1)) for roll in probs.values())


def test_rejects_overlap_not_shorter_than_chunk():
    with pytest.raises(AmtError, match="overlap_seconds"):
        predict(LocalModel(), noise(SAMPLE_RATE), chunk_seconds=1.0, overlap_seconds=1.0)


def test_rejects_model_with_wrong_frame_count():
    class Short(nn.Module):
        def forward(self, audio):
            logits = torch.zeros(len(audio), audio.shape[1] // HOP_LENGTH, N_KEYS)
            return {"onset": logits, "frame": logits}

    with pytest.raises(ValueError, match="expected"):
        predict(Short(), noise(SAMPLE_RATE), chunk_seconds=1.0, overlap_seconds=0.5)


@pytest.mark.parametrize(
    "samples", [0, 700, N_FFT + 5, 21 * HOP_LENGTH, 22 * HOP_LENGTH - 1, 317 * HOP_LENGTH + 9]
)
@pytest.mark.parametrize(("chunk_frames", "overlap_frames"), [(20, 8), (21, 0), (5, 4)])
def test_chunks_from_a_stream_are_the_plans_with_the_same_audio(samples, chunk_frames, overlap_frames):
    audio = noise(samples)
    sizes = np.random.default_rng(samples).integers(1, 3000, 1000)
    blocks = np.split(audio, np.cumsum(sizes)[np.cumsum(sizes) < samples])
    streamed = list(audio_chunks(iter(blocks), chunk_frames, overlap_frames))
    padded = np.pad(audio, (0, max(0, N_FFT - samples)))
    plan = plan_chunks(n_frames(len(padded)), chunk_frames, overlap_frames)
    assert [chunk for chunk, _ in streamed][:-1] == plan[:-1]
    assert streamed[-1][0] == replace(plan[-1], keep_to=n_frames(samples))
    for chunk, chunk_audio in streamed[:-1]:
        start = chunk.start * HOP_LENGTH
        np.testing.assert_array_equal(chunk_audio, padded[start : start + chunk_frames * HOP_LENGTH])
    np.testing.assert_array_equal(streamed[-1][1], padded[plan[-1].start * HOP_LENGTH :])
