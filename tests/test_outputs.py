import pytest

from amt.transcription.outputs import plan_outputs


@pytest.mark.parametrize(
    "names",
    [
        ("song.v1.flac", "song.v2.ogg"),
        ("Op. 28 No. 4.flac", "Op. 28 No. 7.flac"),
        ("take1.flac", "take1.mp3"),
    ],
)
def test_inputs_differing_after_the_last_dot_get_their_own_outputs(tmp_path, names):
    plan = plan_outputs([tmp_path / name for name in names], tmp_path / "out", "refuse")
    first, second = plan.values()
    assert not set(first) & set(second)
    assert [p.name for p in first] == [f"{names[0]}.mid", f"{names[0]}.npz", f"{names[0]}.resynth.wav"]
