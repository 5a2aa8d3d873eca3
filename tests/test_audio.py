import os

import numpy as np
import pytest
import soundfile as sf

from amt.core.audio import BlockResampler, audio_blocks, load_audio, resample
from amt.core.errors import AmtError


def noise(samples: int, channels: int = 1) -> np.ndarray:
    return np.random.default_rng(samples).normal(0, 0.1, (samples, channels)).astype(np.float32)


@pytest.mark.parametrize("rate", [44100, 48000, 96000, 22050, 11025, 8000, 16000])
def test_block_resampling_equals_resampling_the_whole_signal(rate):
    signal = noise(rate * 3 + 123)[:, 0]
    resampler, out, start = BlockResampler(rate), [], 0
    for size in [1, 5000, 2 * rate + 7, 100, rate] * 3:
        out.append(resampler.push(signal[start : start + size]))
        start += size
    assert start >= len(signal)
    out.append(resampler.flush())
    np.testing.assert_allclose(np.concatenate(out), resample(signal, rate, 16000), atol=1e-6)


def test_audio_blocks_mix_channels_and_resample_block_by_block(tmp_path):
    path = tmp_path / "stereo.flac"
    stereo = noise(44100 * 4 + 17, channels=2)
    sf.write(str(path), stereo, 44100, subtype="PCM_24")
    written, _ = sf.read(str(path), dtype="float32")
    blocks = list(audio_blocks(path, block_seconds=0.3))
    assert len(blocks) > 10 and max(len(block) for block in blocks) < 16000
    expected = resample(written.mean(axis=1), 44100, 16000)
    np.testing.assert_allclose(np.concatenate(blocks), expected, atol=1e-6)
    np.testing.assert_array_equal(load_audio(path), np.concatenate(list(audio_blocks(path))))


def test_a_file_damaged_after_its_header_is_named(tmp_path):
    path = tmp_path / "cut.flac"
    sf.write(str(path), noise(16000 * 5)[:, 0], 16000)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 :] = b"\xff" * (len(data) - len(data) // 2)
    path.write_bytes(bytes(data))
    with pytest.raises(AmtError, match=f"^{path}: cannot (decode|read) audio"):
        load_audio(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.write_text("not audio"), "cannot read audio"),
        (lambda path: path.mkdir(), "cannot open audio file"),
        (os.mkfifo, r"not a regular file \(a FIFO, socket or device\); give an audio file"),
        (lambda path: None, "audio file not found"),
        (lambda path: sf.write(str(path), np.zeros(0), 16000), "audio file holds no samples"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, make, message):
    path = tmp_path / "take.wav"
    make(path)
    with pytest.raises(AmtError, match=f"^{path}: {message}"):
        load_audio(path)
