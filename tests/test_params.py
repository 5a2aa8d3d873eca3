import pytest

from amt.errors import AmtError
from amt.params import flatten, get, load_params


def test_repository_params_load():
    params = load_params()
    assert get(params, "data.source") == "synth"
    assert get(params, "model") in {"baseline", "lstm", "crnn", "onf"}


def test_missing_key_names_it():
    with pytest.raises(AmtError, match="'data.nope'"):
        get({"data": {}}, "data.nope")
    assert get({"data": {}}, "data.nope", 3) == 3


def test_flatten_uses_dotted_keys():
    assert flatten({"a": {"b": 1, "c": {"d": [2]}}, "e": "x"}) == {"a.b": 1, "a.c.d": [2], "e": "x"}


def test_bad_files_are_one_line_errors(tmp_path):
    with pytest.raises(AmtError, match="not found"):
        load_params(tmp_path / "params.yaml")
    (tmp_path / "p.yaml").write_text("a: [")
    with pytest.raises(AmtError, match="not valid YAML"):
        load_params(tmp_path / "p.yaml")
