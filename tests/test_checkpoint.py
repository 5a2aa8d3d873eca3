import os
import pickle
from collections import OrderedDict

import pytest
import torch

from amt.core.errors import AmtError
from amt.models import build_model
from amt.models.checkpoint import load_checkpoint, load_model_file, save_checkpoint

SIZES = {"cnn_unit": 2, "fc_unit": 8, "lstm_units": 4, "lstm_layers": 1}
EVALUATE = {"onset_threshold": 0.4, "frame_threshold": 0.3, "chunk_seconds": 10.0, "overlap_seconds": 1.0}


def model_state(name: str = "crnn") -> dict:
    torch.manual_seed(0)
    model = build_model(name, SIZES)
    return {
        "model_config": model.config,
        "model": model.state_dict(),
        "step": 7,
        "params": {"model": name, "evaluate": EVALUATE},
        "run_id": "abc123",
    }


def test_a_model_file_rebuilds_the_same_model_with_no_other_file(tmp_path):
    state = model_state()
    save_checkpoint(tmp_path / "model.pt", state)
    loaded = load_model_file(tmp_path / "model.pt", expected_model="crnn")
    model = loaded.model
    original = build_model("crnn", SIZES)
    original.load_state_dict(state["model"])
    audio = torch.randn(1, 4096)
    with torch.no_grad():
        assert torch.equal(model(audio)["frame"], original.eval()(audio)["frame"])
    assert not model.training
    assert (loaded.step, loaded.run_id, loaded.params) == (
        7,
        "abc123",
        {"model": "crnn", "evaluate": EVALUATE},
    )
    assert (loaded.evaluate.onset_threshold, loaded.evaluate.chunk_seconds) == (0.4, 10.0)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_a_checkpoint_of_another_model_is_refused_before_any_work(tmp_path):
    save_checkpoint(tmp_path / "model.pt", model_state("baseline"))
    with pytest.raises(AmtError, match="model.pt: holds a 'baseline' model but params.yaml's model is 'onf'"):
        load_model_file(tmp_path / "model.pt", expected_model="onf")


class Foreign:
    pass


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            lambda path: torch.save(OrderedDict(weight=torch.zeros(2)), path),
            "not an amt checkpoint \\(written by another program\\)",
        ),
        (lambda path: torch.save({"net": Foreign()}, path), "holds Python objects beyond weights"),
        (lambda path: path.write_bytes(b"\x00garbage" * 10), "not an amt checkpoint \\("),
        (lambda path: path.write_bytes(pickle.dumps([1, 2])), "not an amt checkpoint"),
        (lambda path: path.write_bytes(b""), "not an amt checkpoint"),
    ],
)
def test_files_that_are_not_amt_checkpoints_are_named_in_one_line(tmp_path, content, message):
    content(tmp_path / "other.pt")
    with pytest.raises(AmtError, match=f"other.pt: {message}") as error:
        load_model_file(tmp_path / "other.pt")
    assert "\n" not in str(error.value) and "weights_only" not in str(error.value)


def test_a_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(AmtError, match="nothing.pt: model file not found; train one first"):
        load_checkpoint(tmp_path / "nothing.pt")


def test_weights_that_do_not_fit_the_model_are_an_error(tmp_path):
    state = model_state() | {"model_config": {**model_state()["model_config"], "fc_unit": 16}}
    save_checkpoint(tmp_path / "model.pt", state)
    with pytest.raises(AmtError, match="model.pt: weights do not fit the 'crnn' model"):
        load_model_file(tmp_path / "model.pt")


def test_bad_evaluate_settings_in_a_model_file_name_it_and_the_key(tmp_path):
    save_checkpoint(
        tmp_path / "model.pt", model_state() | {"params": {"evaluate": EVALUATE | {"chunk_seconds": 0}}}
    )
    with pytest.raises(
        AmtError, match="model.pt: evaluate.chunk_seconds must be a number of seconds > 0, got 0"
    ):
        load_model_file(tmp_path / "model.pt")


def test_an_incomplete_state_is_not_saved(tmp_path):
    with pytest.raises(ValueError, match="lacks run_id"):
        save_checkpoint(tmp_path / "model.pt", {k: v for k, v in model_state().items() if k != "run_id"})
    assert not any(tmp_path.iterdir())


def test_unsafe_pickles_are_refused_without_repeating_torchs_advice(tmp_path):
    torch.save({"net": Foreign()}, tmp_path / "other.pt")
    with pytest.raises(AmtError) as error:
        load_model_file(tmp_path / "other.pt")
    assert "weights_only" not in str(error.value) and "refuses to load" in str(error.value)


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo this ran",))


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps(RunsCode(), protocol=2),  # GLOBAL posix.system, then REDUCE
        b"(S'echo this ran'\nios\nsystem\n.",  # INST: an opcode the safe loader does not know
        b"\x80\x02cos\nsystem\nq\x00)\x81q\x01.",  # NEWOBJ of os.system
    ],
    ids=["reduce", "inst", "newobj"],
)
def test_pickles_that_would_run_code_get_amts_own_message(tmp_path, payload, capfd):
    (tmp_path / "model.pt").write_bytes(payload)
    with pytest.raises(AmtError) as error:
        load_model_file(tmp_path / "model.pt")
    assert str(error.value) == (
        f"{tmp_path / 'model.pt'}: holds Python objects beyond weights and plain data, which amt refuses to "
        "load (loading them could run code); use a model file written by amt's train stage"
    )
    assert "this ran" not in capfd.readouterr().out


def _saved(tmp_path, **changes):
    path = tmp_path / "model.pt"
    state = model_state() | changes
    torch.save({"format": "amt-checkpoint", "version": 1, **state}, path)
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"params": None}, "holds no evaluate settings"),
        ({"params": {"model": "crnn"}}, "holds no evaluate settings"),
        (
            {"model_config": {**model_state()["model_config"], "name": "transformer"}},
            "architecture 'transformer'",
        ),
        ({"model_config": None}, "architecture None"),
    ],
)
def test_an_amt_like_file_that_cannot_be_used_names_the_model_file(tmp_path, changes, message):
    with pytest.raises(AmtError, match=f"model.pt: .*{message}") as error:
        load_checkpoint(_saved(tmp_path, **changes))
    assert "params.yaml" not in str(error.value)


def test_an_amt_like_file_without_params_names_what_it_lacks(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"format": "amt-checkpoint", "version": 1, "model": {}, "step": 1, "run_id": None}, path)
    with pytest.raises(AmtError, match="model.pt: amt checkpoint lacks model_config, params; it is damaged"):
        load_checkpoint(path)
