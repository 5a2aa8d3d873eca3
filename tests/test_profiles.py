from pathlib import Path

import pytest

from amt.cli import main
from amt.config.params import flatten, load_params
from amt.core.errors import AmtError
from amt.profiles import load_profile, names, set_options


def test_the_cpu_profile_holds_params_yaml_for_every_key_any_profile_sets():
    cpu, params = load_profile("cpu"), flatten(load_params())
    assert {key: params[key] for key in cpu} == cpu
    for name in names():
        assert set(load_profile(name)) <= set(cpu), f"profiles/cpu.yaml does not reset every key of {name}"


def test_the_debug_profile_makes_a_small_fast_run():
    debug = load_profile("debug")
    assert sum(debug[f"data.synth.pieces.{split}"] for split in ("train", "validation", "test")) <= 12
    assert (
        debug["train.steps"] <= 50 and debug["tracking.experiment"] != load_params()["tracking"]["experiment"]
    )


def test_a_profile_prints_as_dvc_set_options(capsys):
    assert main(["profile", "debug"]) == 0
    words = capsys.readouterr().out.split()
    assert words[0::2] == ["-S"] * (len(words) // 2)
    assert "train.steps=40" in words and "evaluate.threshold_grid=[0.2,0.3,0.5]" in words
    assert "tracking.experiment=amt-debug" in words


def test_values_that_the_shell_would_split_are_refused():
    assert set_options({"a.b": "auto", "c": [1, 2], "d": None}) == [
        "-S",
        "a.b=auto",
        "-S",
        "c=[1,2]",
        "-S",
        "d=null",
    ]
    with pytest.raises(AmtError, match="white space"):
        set_options({"data.local.path": "my recordings"})


def test_an_unknown_profile_or_key_is_one_line(tmp_path, capsys):
    assert main(["profile", "nope"]) == 1
    assert "no profile 'nope' in profiles/ (there are: augment, cpu, debug, gpu)" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("train:\n  stpes: 3\n")
    with pytest.raises(
        AmtError, match="bad.yaml: unknown parameter 'train.stpes'; did you mean 'train.steps'"
    ):
        load_profile("bad", Path(tmp_path))
