import numpy as np
import pytest

from amt.transcription.npz_stream import StreamedNpz


def test_streamed_arrays_load_as_numpy_wrote_them(tmp_path):
    rng = np.random.default_rng(0)
    onset, frame = rng.random((1000, 88), np.float32), rng.random((1000, 88), np.float32)
    notes = rng.random((7, 4))
    with StreamedNpz(tmp_path / "take.npz", ("onset", "frame"), 88) as archive:
        for rows in np.split(np.arange(1000), [0, 1, 300, 999]):
            archive.append({"onset": onset[rows], "frame": frame[rows]})
        archive.write(notes=notes)
    with np.load(tmp_path / "take.npz") as data:
        assert sorted(data.files) == ["frame", "notes", "onset"]
        np.testing.assert_array_equal(data["onset"], onset)
        np.testing.assert_array_equal(data["frame"], frame)
        np.testing.assert_array_equal(data["notes"], notes)
    assert [p.name for p in tmp_path.iterdir()] == ["take.npz"]


def test_an_archive_with_no_rows_holds_empty_arrays(tmp_path):
    with StreamedNpz(tmp_path / "empty.npz", ("onset",), 88) as archive:
        archive.write(notes=np.zeros((0, 4)))
    with np.load(tmp_path / "empty.npz") as data:
        assert data["onset"].shape == (0, 88) and data["onset"].dtype == np.float32


def test_a_failure_before_writing_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), StreamedNpz(tmp_path / "take.npz", ("onset",), 88) as archive:
        archive.append({"onset": np.ones((10, 88), np.float32)})
        raise KeyboardInterrupt
    assert not list(tmp_path.iterdir())


def test_blocks_of_the_wrong_width_are_refused(tmp_path):
    with StreamedNpz(tmp_path / "take.npz", ("onset",), 88) as archive, pytest.raises(ValueError, match="88"):
        archive.append({"onset": np.ones((10, 87), np.float32)})
