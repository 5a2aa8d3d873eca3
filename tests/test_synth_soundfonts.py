import pytest

from amt.core.errors import AmtError
from amt.sources.synth import soundfonts
from amt.sources.synth.soundfonts import APT_HINT, locate, piano_presets


@pytest.mark.parametrize(("name", "count"), [("FluidR3_GM", 4), ("MuseScore_General", 5), ("TimGM6mb", 4)])
def test_every_piano_preset_and_no_electric_piano(name, count):
    presets = piano_presets(name)
    assert len(presets) == count
    assert all(p.soundfont == name and p.program in range(4) and p.bank < 128 for p in presets)
    assert not any("EP" in p.name or "Rhodes" in p.name for p in presets)


def test_musescore_has_its_velocity_layered_mellow_grand():
    assert "Mellow Grand Piano" in [p.name for p in piano_presets("MuseScore_General")]


def test_missing_soundfont_names_file_and_package(tmp_path, monkeypatch):
    monkeypatch.setattr(soundfonts, "SEARCH_DIRS", [tmp_path])
    with pytest.raises(AmtError) as error:
        locate("FluidR3_GM")
    message = str(error.value)
    assert "FluidR3_GM.sf2" in message and APT_HINT in message and "\n" not in message


def test_unknown_name_and_missing_path_are_errors(tmp_path):
    with pytest.raises(AmtError, match="Steinway"):
        locate("Steinway")
    with pytest.raises(AmtError, match="not found"):
        locate(str(tmp_path / "none.sf2"))


def test_a_soundfont_can_be_given_by_path():
    path = str(locate("TimGM6mb"))
    assert [p.label for p in piano_presets(path)] == [p.label for p in piano_presets("TimGM6mb")]
