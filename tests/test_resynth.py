import numpy as np
import pytest
import soundfile as sf

from amt.core.errors import AmtError
from amt.core.notes import make_notes, notes_to_midi, write_midi
from amt.transcription.resynth import RESYNTH_RATE, resynthesiser


def test_a_midi_file_is_played_back_at_its_length(tmp_path):
    render, why_not = resynthesiser()
    assert render is not None, why_not
    write_midi(tmp_path / "take.mid", notes_to_midi(make_notes([(0.5, 1.5, 60, 100), (1.0, 2.0, 67, 60)])))
    render(tmp_path / "take.mid", tmp_path / "take.wav")
    audio, rate = sf.read(tmp_path / "take.wav")
    assert rate == RESYNTH_RATE and 2.0 <= len(audio) / rate < 8.0  # with the release and reverb
    before, playing = audio[: int(0.4 * rate)], audio[int(0.5 * rate) : int(1.5 * rate)]
    assert np.abs(before).max() < 1e-3 < np.abs(playing).max()


def test_a_file_fluidsynth_cannot_play_is_named(tmp_path):
    render, _ = resynthesiser()
    (tmp_path / "bad.mid").write_bytes(b"not midi")
    with pytest.raises(AmtError, match="bad.mid: FluidSynth could not render it"):
        render(tmp_path / "bad.mid", tmp_path / "bad.wav")
