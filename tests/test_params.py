import pytest

from amt.errors import AmtError
from amt.params import DEFAULT_DATA_WORKERS, data_workers, flatten, get, is_whole, load_params


def test_repository_params_load():
    params = load_params()
    assert get(params, "data.source") == "synth"
    assert get(params, "model") in {"baseline", "lstm", "crnn", "onf"}


def test_missing_key_names_it():
    with pytest.raises(AmtError, match="'data.nope'"):
        get({"data": {}}, "data.nope")
    assert get({"data": {}}, "data.nope", 3) == 3


def test_whole_numbers_are_ints_but_not_bools():
    assert is_whole(0) and is_whole(3)
    assert not any(is_whole(value) for value in (True, False, 2.0, "2", None))


def test_data_workers_defaults_and_rejects_bools_and_zero():
    assert data_workers({"data": {"workers": 3}}) == 3
    assert data_workers({"data": {}}) == DEFAULT_DATA_WORKERS
    for bad in (True, 0, 1.5, "two"):
        with pytest.raises(AmtError, match=f"data.workers must be a whole number >= 1, got {bad!r}"):
            data_workers({"data": {"workers": bad}})


def test_flatten_uses_dotted_keys():
    assert flatten({"a": {"b": 1, "c": {"d": [2]}}, "e": "x"}) == {"a.b": 1, "a.c.d": [2], "e": "x"}


def test_bad_files_are_one_line_errors(tmp_path):
    with pytest.raises(AmtError, match="not found"):
        load_params(tmp_path / "params.yaml")
    (tmp_path / "p.yaml").write_text("a: [")
    with pytest.raises(AmtError, match="not valid YAML"):
        load_params(tmp_path / "p.yaml")
