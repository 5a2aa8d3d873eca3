import dataclasses
from dataclasses import replace

import pytest

from amt.core.errors import AmtError
from amt.sources.synth.plan import CORPUS, PROCEDURAL, plan_pieces
from tests.conftest import data_config


def params(train=10, validation=4, test=6, **synth):
    settings = {
        "pieces": {"train": train, "validation": validation, "test": test},
        "max_seconds": 30.0,
        "corpus_share": 0.5,
        "pedal_share": 0.5,
        "soundfonts": ["FluidR3_GM", "MuseScore_General", "TimGM6mb"],
        "heldout_soundfonts": ["TimGM6mb"],
    }
    return data_config({"data": {"seed": 0, "synth": {**settings, **synth}}})


def test_ids_counts_and_kinds():
    specs = plan_pieces(params())
    assert len({spec.id for spec in specs}) == len(specs) == 20
    for split, count in {"train": 10, "validation": 4, "test": 6}.items():
        kinds = [spec.kind for spec in specs if spec.split == split]
        assert len(kinds) == count
        assert kinds.count(CORPUS) == round(count * 0.5)
        assert kinds.count(PROCEDURAL) == count - round(count * 0.5)


def test_no_work_in_two_splits_or_two_pieces():
    specs = plan_pieces(params(train=40, validation=10, test=20))
    owner = {}
    for spec in specs:
        for work in spec.works:
            assert owner.setdefault(work.key, spec.id) == spec.id, f"{work.key} dealt twice"
    splits = {spec.split for spec in specs for work in spec.works if owner[work.key] == spec.id}
    assert splits == {"train", "validation", "test"}


def test_corpus_pieces_draw_on_many_composers():
    specs = plan_pieces(params(train=40, validation=10, test=20))
    composers = {spec.works[0].composer for spec in specs if spec.kind == CORPUS}
    assert len(composers) >= 15


def test_heldout_soundfont_only_in_test_and_present_there():
    specs = plan_pieces(params())
    for spec in specs:
        if spec.split != "test":
            assert spec.preset.soundfont != "TimGM6mb"
    test_fonts = [spec.preset.soundfont for spec in specs if spec.split == "test"]
    assert test_fonts.count("TimGM6mb") == 3  # heldout_share 0.5 of 6
    assert {"FluidR3_GM", "MuseScore_General"} & set(test_fonts)


def test_training_uses_every_training_piano_preset():
    specs = plan_pieces(params(train=30))
    used = {
        (spec.preset.soundfont, spec.preset.bank, spec.preset.program)
        for spec in specs
        if spec.split == "train"
    }
    assert len(used) == 9  # FluidR3_GM 4 + MuseScore_General 5 (with its Mellow Grand)


def test_pedal_share_is_exact_per_split():
    specs = plan_pieces(params(train=10, validation=4, test=6, pedal_share=0.3))
    for split, count in {"train": 3, "validation": 1, "test": 2}.items():
        assert sum(spec.pedal for spec in specs if spec.split == split) == count


def test_plan_is_deterministic_and_seeded():
    assert plan_pieces(params()) == plan_pieces(params())
    assert plan_pieces(dataclasses.replace(params(), seed=1)) != plan_pieces(params())


def test_only_a_share_of_training_pieces_is_shifted_and_nothing_else_changes():
    plain = plan_pieces(params(train=40))
    shifted = plan_pieces(params(train=40, sample_shift_share=0.25, sample_shift_max=5))
    shifts = [spec.shift for spec in shifted if spec.split == "train"]
    assert sum(shift != 0 for shift in shifts) == 10
    assert all(-5 <= shift <= 5 for shift in shifts)
    assert {shift > 0 for shift in shifts if shift} == {True, False}
    assert all(spec.shift == 0 for spec in shifted if spec.split != "train")
    assert [replace(spec, shift=0) for spec in shifted] == plain


def test_a_training_only_soundfont_plays_training_pieces_and_changes_no_other_split():
    fonts = {"soundfonts": ["FluidR3_GM", "TimGM6mb"], "heldout_soundfonts": ["TimGM6mb"]}
    plain = plan_pieces(params(train=60, **fonts))
    extended = plan_pieces(params(train=60, **fonts, training_only_soundfonts=["MuseScore_General"]))
    train_fonts = {spec.preset.soundfont for spec in extended if spec.split == "train"}
    assert train_fonts == {"FluidR3_GM", "MuseScore_General"}
    assert [spec for spec in extended if spec.split != "train"] == [
        spec for spec in plain if spec.split != "train"
    ]
    assert [replace(spec, preset=None) for spec in extended] == [replace(spec, preset=None) for spec in plain]


def test_an_empty_training_only_key_adds_no_soundfont():
    fonts = {"soundfonts": ["FluidR3_GM", "TimGM6mb"], "heldout_soundfonts": ["TimGM6mb"]}
    assert plan_pieces(params(**fonts, training_only_soundfonts=None)) == plan_pieces(params(**fonts))


def test_turns_deal_a_soundfont_more_pieces_and_one_turn_changes_nothing():
    fonts = {"soundfonts": ["FluidR3_GM", "TimGM6mb"], "heldout_soundfonts": ["TimGM6mb"]}
    extra = {**fonts, "training_only_soundfonts": ["MuseScore_General"]}
    plain = plan_pieces(params(train=95, **extra))
    assert plan_pieces(params(train=95, **extra, turns={"MuseScore_General": 1})) == plain
    turned = plan_pieces(params(train=95, **extra, turns={"MuseScore_General": 3}))
    fonts_of = [spec.preset.soundfont for spec in turned if spec.split == "train"]
    assert fonts_of.count("MuseScore_General") == 75  # 95 = 5 rounds of 4 FluidR3_GM + 5 x 3 MuseScore turns
    assert fonts_of.count("FluidR3_GM") == 20
    assert [spec for spec in turned if spec.split != "train"] == [
        spec for spec in plain if spec.split != "train"
    ]


def test_a_split_of_zero_pieces_is_planned_empty():
    specs = plan_pieces(params(validation=0))
    assert not [spec for spec in specs if spec.split == "validation"]


@pytest.mark.parametrize(
    ("synth", "culprit"),
    [
        ({"heldout_soundfonts": ["Nope"]}, "heldout_soundfonts"),
        ({"heldout_soundfonts": ["FluidR3_GM", "MuseScore_General", "TimGM6mb"]}, "heldout_soundfonts"),
        ({"corpus_share": 1.5}, "corpus_share"),
        ({"pieces": {"train": -1, "validation": 1, "test": 1}}, "pieces.train"),
        ({"soundfonts": ["Steinway"]}, "Steinway"),
        ({"training_only_soundfonts": ["TimGM6mb"]}, "training_only_soundfonts"),
        ({"training_only_soundfonts": ["Steinway"]}, "Steinway"),
        ({"training_only_soundfonts": "Merlin"}, "training_only_soundfonts must be a list"),
        ({"soundfonts": []}, "soundfonts names no SoundFont"),
        ({"soundfonts": None}, "soundfonts names no SoundFont"),
        ({"sample_shift_share": -0.1}, "sample_shift_share"),
        ({"sample_shift_max": 13}, "sample_shift_max"),
        ({"sample_shift_max": 0}, "sample_shift_max"),
        ({"turns": {"Steinway": 2}}, "turns names 'Steinway'"),
        ({"turns": {"FluidR3_GM": 0}}, "turns.FluidR3_GM must be an integer >= 1"),
        ({"turns": ["FluidR3_GM"]}, "turns must be a mapping"),
    ],
)
def test_bad_params_name_the_parameter(synth, culprit):
    with pytest.raises(AmtError, match=culprit):
        plan_pieces(params(**synth))
