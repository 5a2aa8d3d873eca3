import pytest

from amt.core.errors import AmtError
from amt.core.metadata import COLUMNS, read_metadata, write_metadata


def row(piece_id: str, split: str) -> dict:
    return {column: "" for column in COLUMNS} | {"id": piece_id, "split": split, "duration": 1.0}


def test_round_trip_sorted_by_split_and_id(tmp_path):
    write_metadata(tmp_path, [row("b", "train"), row("a", "train"), row("c", "validation"), row("d", "test")])
    table = read_metadata(tmp_path)
    assert list(table.columns) == list(COLUMNS)
    assert table["id"].tolist() == ["d", "a", "b", "c"]


def test_duplicate_id_is_rejected(tmp_path):
    with pytest.raises(AmtError, match="duplicate piece id 'a'"):
        write_metadata(tmp_path, [row("a", "train"), row("a", "test"), row("c", "validation")])
    assert not (tmp_path / "metadata.csv").exists()


def test_empty_split_is_rejected(tmp_path):
    with pytest.raises(AmtError, match="the validation split has zero pieces"):
        write_metadata(tmp_path, [row("a", "train"), row("b", "test")])


def test_unknown_split_is_rejected(tmp_path):
    with pytest.raises(AmtError, match="unknown split 'dev'"):
        write_metadata(tmp_path, [row("a", "dev")])


def test_missing_metadata_says_which_stage_to_run(tmp_path):
    with pytest.raises(AmtError, match="dvc repro download"):
        read_metadata(tmp_path)
