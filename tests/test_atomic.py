import pytest

from amt.core import atomic


def test_write_text_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    atomic.write_text(path, "one")
    atomic.write_text(path, "two")
    assert path.read_text() == "two"
    assert list(path.parent.iterdir()) == [path]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic.atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_temp_keeps_the_suffix_and_stale_temps_are_removed(tmp_path):
    with atomic.atomic_path(tmp_path / "x.npz") as tmp:
        assert tmp.suffix == ".npz"
        (tmp_path / f".y.npz{atomic.TMP_MARKER}abc.npz").write_text("stale")
        tmp.write_text("ok")
    assert atomic.remove_stale_temps(tmp_path) == 1
    assert (tmp_path / "x.npz").read_text() == "ok"


def test_written_files_get_the_usual_mode_not_mkstemps_0600(tmp_path):
    atomic.write_text(tmp_path / "f.txt", "x")
    (tmp_path / "plain.txt").write_text("x")
    assert (tmp_path / "f.txt").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode
