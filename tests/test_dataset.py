import numpy as np
import pytest
import torch

from amt.config.augment import Draw
from amt.core.errors import AmtError
from amt.data.cache import build_cache
from amt.data.dataset import PieceDataset, SegmentDataset


@pytest.fixture
def cache_dir(raw_layout, tmp_path):
    build_cache(raw_layout, tmp_path / "cache", workers=1)
    return tmp_path / "cache"


def test_segments_are_hop_aligned_slices_of_the_piece(cache_dir):
    dataset = SegmentDataset(cache_dir, "train", sequence_length=8192, seed=0, size=20)
    pieces = PieceDataset(cache_dir, "train")
    whole = {pieces[i]["id"]: pieces[i] for i in range(len(pieces))}
    for index in range(len(dataset)):
        item = dataset[index]
        assert item["audio"].shape == (8192,)
        assert item["frame"].shape == (17, 88)
        matches = [
            piece_id
            for piece_id, piece in whole.items()
            for start in range(0, len(piece["audio"]) - 8192 + 1, 512)
            if torch.equal(piece["audio"][start : start + 8192], item["audio"])
            and torch.equal(piece["onset"][start // 512 : start // 512 + 17], item["onset"])
        ]
        assert matches, f"segment {index} is not a hop-aligned slice with its labels"


def test_segments_are_reproducible_per_index(cache_dir):
    first = SegmentDataset(cache_dir, "train", 4096, seed=3, size=10)
    again = SegmentDataset(cache_dir, "train", 4096, seed=3, size=10)
    other = SegmentDataset(cache_dir, "train", 4096, seed=4, size=10)
    assert all(torch.equal(first[i]["audio"], again[i]["audio"]) for i in range(10))
    assert not all(torch.equal(first[i]["audio"], other[i]["audio"]) for i in range(10))


def test_segments_longer_than_a_short_piece_are_zero_padded(cache_dir):
    dataset = SegmentDataset(cache_dir, "train", 512 * 80, seed=0, size=30)
    lengths = {len(dataset[i]["audio"]) for i in range(30)}
    assert lengths == {dataset.sequence_length}


def test_bad_sequence_lengths_are_rejected(cache_dir):
    with pytest.raises(AmtError, match="multiple of 512"):
        SegmentDataset(cache_dir, "train", 1000, seed=0, size=1)
    with pytest.raises(AmtError, match="longer than every train piece"):
        SegmentDataset(cache_dir, "train", 512 * 1000, seed=0, size=1)


def test_pieces_hold_audio_labels_and_notes(cache_dir):
    piece = PieceDataset(cache_dir, "test")[0]
    assert piece["id"] == "d"
    assert piece["frame"].shape == (len(piece["audio"]) // 512 + 1, 88)
    assert piece["notes"].shape == (6, 4)
    assert float(piece["velocity"].max()) <= 1.0
    assert np.isclose(piece["onset"].sum().item(), 6)


def _slice_labels(whole: dict, audio: torch.Tensor) -> dict[str, torch.Tensor] | None:
    """The labels of the hop-aligned slice of some piece whose audio is ``audio``, if any."""
    length, frames = len(audio), len(audio) // 512 + 1
    for piece in whole.values():
        for start in range(0, len(piece["audio"]) - length + 1, 512):
            if torch.allclose(piece["audio"][start : start + length], audio, atol=1e-5):
                return {
                    name: piece[name][start // 512 : start // 512 + frames] for name in ("onset", "frame")
                }
    return None


def test_mix_adds_a_second_segment_at_its_gain_with_the_union_of_notes(cache_dir):
    plain = SegmentDataset(cache_dir, "train", 8192, seed=0, size=6)
    mixed = SegmentDataset(cache_dir, "train", 8192, seed=0, size=6, mix=Draw(1.0, -6.0, -6.0))
    pieces = PieceDataset(cache_dir, "train")
    whole = {pieces[i]["id"]: pieces[i] for i in range(len(pieces))}
    gain = 10 ** (-6.0 / 20)
    for index in range(6):
        first, both = plain[index], mixed[index]
        second = _slice_labels(whole, (both["audio"] - first["audio"]) / gain)
        assert second is not None, f"item {index}: what was added is not a segment of a piece at -6 dB"
        for name in ("onset", "frame"):
            assert torch.equal(both[name], torch.maximum(first[name], second[name]))


def test_mix_is_drawn_per_item_with_its_probability_and_reproducibly(cache_dir):
    plain = SegmentDataset(cache_dir, "train", 4096, seed=1, size=40)
    half = SegmentDataset(cache_dir, "train", 4096, seed=1, size=40, mix=Draw(0.5, 0.0, 0.0))
    again = SegmentDataset(cache_dir, "train", 4096, seed=1, size=40, mix=Draw(0.5, 0.0, 0.0))
    changed = [not torch.equal(plain[i]["audio"], half[i]["audio"]) for i in range(40)]
    assert 8 <= sum(changed) <= 32
    assert all(torch.equal(half[i]["audio"], again[i]["audio"]) for i in range(40))
    assert all(torch.equal(half[i]["frame"], again[i]["frame"]) for i in range(40))
