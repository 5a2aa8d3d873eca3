"""The local source: a directory or zip of the user's audio/MIDI pairs, and its input checks."""

import io
import zipfile
from pathlib import Path

import mido
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from source_fixtures import RECORDING_RATE, midi_bytes, wav_bytes

from amt.config.data import DataConfig
from amt.core.audio import sha256
from amt.core.errors import AmtError
from amt.core.metadata import COLUMNS, write_metadata
from amt.core.notes import make_notes, notes_to_midi
from amt.sources import local
from tests.conftest import data_config

FORMATS = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG", "mp3": "MP3"}


def audio_bytes(extension: str, seconds: float = 2.0, seed: int = 0) -> bytes:
    """The generated recording re-encoded as ``extension``."""
    audio, rate = sf.read(io.BytesIO(wav_bytes(seconds, seed)))
    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format=FORMATS[extension])
    return buffer.getvalue()


def write_files(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def zip_files(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


def pairs(count: int = 4) -> dict[str, bytes]:
    """``count`` pairs, audio and MIDI in separate folders, with every audio extension."""
    extensions = list(FORMATS)
    files = {f"audio/p{i}.{extensions[i % 4]}": audio_bytes(extensions[i % 4], seed=i) for i in range(count)}
    files |= {f"midi/p{i}.{'mid' if i % 2 else 'midi'}": midi_bytes(pitch=40 + i) for i in range(count)}
    return files


def params(path, validation_share: float = 0.2, test_share: float = 0.2, seed: int = 0) -> DataConfig:
    shares = {"path": None if path is None else str(path), "validation_share": validation_share}
    return data_config(
        {"data": {"source": "local", "seed": seed, "local": shares | {"test_share": test_share}}}
    )


def no_audio_written(raw: Path) -> bool:
    return not list(raw.rglob("*.flac"))


def test_directory_pairs_matched_by_base_name(tmp_path):
    source = write_files(
        tmp_path / "mine", pairs(5) | {"notes.txt": b"x", "audio/.hidden.wav": b"", "midi/x.mid": b""}
    )
    raw = tmp_path / "raw"
    rows = local.build(params(source), raw)
    assert sorted(row["id"] for row in rows) == [f"p{i}" for i in range(5)]
    assert [row["split"] for row in rows].count("validation") == 1
    assert [row["split"] for row in rows].count("test") == 1
    for row in rows:
        assert tuple(row) == COLUMNS
        assert (row["source"], row["title"], row["composer"]) == ("local", row["id"], "")
        info = sf.info(str(raw / row["audio_filename"]))
        assert (info.samplerate, info.channels) == (16000, 1)
        assert row["duration"] == pytest.approx(2.0, abs=0.1)
        midi_name = next(name for name in pairs(5) if name.startswith(f"midi/{row['id']}."))
        assert (raw / row["midi_filename"]).read_bytes() == (source / midi_name).read_bytes()
        assert row["audio_sha256"] == sha256(raw / row["audio_filename"])
    write_metadata(raw, rows)
    assert rows == local.build(params(source), tmp_path / "again")


def test_zip_with_maestro_style_csv(tmp_path):
    table = pd.DataFrame(
        {
            "canonical_composer": ["Bach", "Chopin", "Liszt"],
            "canonical_title": ["Prelude", "Etude", "Etude"],
            "split": ["train", "validation", "test"],
            "audio_filename": ["2019/a.wav", "2019/b.flac", "c.ogg"],
            "midi_filename": ["2019/a.midi", "2019/b.midi", "c.mid"],
        }
    )
    files = {
        "set/meta.csv": table.to_csv(index=False).encode(),
        "set/2019/a.wav": audio_bytes("wav"),
        "set/2019/a.midi": midi_bytes(),
        "set/2019/b.flac": audio_bytes("flac"),
        "set/2019/b.midi": midi_bytes(),
        "set/c.ogg": audio_bytes("ogg"),
        "set/c.mid": midi_bytes(),
        "__MACOSX/set/._a.wav": b"junk",
    }
    rows = local.build(params(zip_files(tmp_path / "mine.zip", files)), tmp_path / "raw")
    assert {(r["id"], r["split"], r["composer"], r["title"]) for r in rows} == {
        ("a", "train", "Bach", "Prelude"),
        ("b", "validation", "Chopin", "Etude"),
        ("c", "test", "Liszt", "Etude"),
    }


def test_split_assignment_is_seeded_and_stable_when_pieces_are_added():
    ids = [f"piece{i:02d}" for i in range(20)]
    splits = local.assign_splits(ids, 0.1, 0.2, seed=0)
    assert (splits.count("validation"), splits.count("test"), splits.count("train")) == (2, 4, 14)
    assert splits == local.assign_splits(list(reversed(ids)), 0.1, 0.2, seed=0)[::-1]
    assert splits != local.assign_splits(ids, 0.1, 0.2, seed=1)
    grown = dict(zip(ids + ["extra"], local.assign_splits(ids + ["extra"], 0.1, 0.2, seed=0), strict=True))
    assert sum(grown[piece] != split for piece, split in zip(ids, splits, strict=True)) <= 2


@pytest.mark.parametrize(
    ("ids", "validation_share", "test_share", "message"),
    [(["a", "b"], 0.1, 0.2, "at least 3"), (["a", "b", "c"], 0.5, 0.4, "at least 3")],
)
def test_split_assignment_errors(ids, validation_share, test_share, message):
    with pytest.raises(AmtError, match=message):
        local.assign_splits(ids, validation_share, test_share, seed=0)


def silent_wav() -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros((RECORDING_RATE, 2)), RECORDING_RATE, format="WAV")
    return buffer.getvalue()


def empty_wav() -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros((0, 2)), RECORDING_RATE, format="WAV")
    return buffer.getvalue()


def type_2_midi() -> bytes:
    """Two independent sequences, each starting at time 0 (MIDI format 2)."""
    midi = mido.MidiFile(type=2)
    for pitch in (60, 64):
        track = mido.MidiTrack()
        track += [
            mido.Message("note_on", note=pitch, velocity=80),
            mido.Message("note_off", note=pitch, time=480),
        ]
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def midi_of(notes) -> bytes:
    buffer = io.BytesIO()
    notes_to_midi(make_notes(notes)).write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("bad", "culprit", "message"),
    [
        ({"p1.wav": b"not audio at all"}, "p1.wav", "cannot read audio"),
        ({"p1.wav": empty_wav()}, "p1.wav", "no samples"),
        ({"p1.wav": silent_wav()}, "p1.wav", "silent"),
        ({"p1.mid": b"MThd garbage"}, "p1.mid", "cannot parse MIDI"),
        ({"p1.mid": midi_of([])}, "p1.mid", "no piano notes"),
        ({"p1.mid": midi_of([(0.1, 0.5, 12, 80), (0.5, 1.0, 120, 80)])}, "p1.mid", "no piano notes"),
        ({"p1.mid": midi_bytes(last_offset=9.0)}, "p1.wav", "audio lasts 2.0 s"),
        ({"sub/p1.flac": audio_bytes("flac")}, "sub/p1.flac", "duplicate piece id 'p1'"),
        ({"p1.mid": type_2_midi()}, "p1.mid", "a type-2 MIDI file"),
    ],
)
@pytest.mark.parametrize("packed", [False, True], ids=["directory", "zip"])
def test_bad_input_names_the_file_and_writes_nothing_of_it(tmp_path, bad, culprit, message, packed):
    files = {f"p{i}.wav": audio_bytes("wav", seed=i) for i in range(3)}
    files |= {f"p{i}.mid": midi_bytes() for i in range(3)} | bad
    source = zip_files(tmp_path / "mine.zip", files) if packed else write_files(tmp_path / "mine", files)
    raw = tmp_path / "raw"
    with pytest.raises(AmtError, match=message) as error:
        local.build(params(source, 0.3, 0.3), raw)
    assert str(source) in str(error.value) and culprit in str(error.value) and "\n" not in str(error.value)
    assert not list(raw.rglob("p1.*"))


def test_corrupt_zip_member_is_named(tmp_path):
    files = {f"p{i}.wav": audio_bytes("wav", seed=i) for i in range(3)} | {
        f"p{i}.mid": midi_bytes() for i in range(3)
    }
    path = zip_files(tmp_path / "mine.zip", files)
    payload = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("p1.wav")
    payload[info.header_offset + 30 + len("p1.wav") + 1000] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(AmtError, match="mine.zip:p1.wav: corrupt zip member"):
        local.build(params(path, 0.3, 0.3), tmp_path / "raw")
    assert not list((tmp_path / "raw").rglob("p1.*"))


def test_csv_naming_a_missing_file_or_unknown_split(tmp_path):
    table = pd.DataFrame({"audio_filename": ["a.wav"], "midi_filename": ["a.mid"], "split": ["train"]})
    source = write_files(tmp_path / "mine", {"list.csv": table.to_csv(index=False).encode(), "a.wav": b""})
    with pytest.raises(AmtError, match=r"list.csv: midi_filename a.mid not found"):
        local.build(params(source), tmp_path / "raw")
    table["split"] = ["training"]
    write_files(source, {"list.csv": table.to_csv(index=False).encode(), "a.mid": midi_bytes()})
    with pytest.raises(AmtError, match=r"list.csv: unknown split 'training'"):
        local.build(params(source), tmp_path / "raw")


def test_missing_or_unset_path_and_no_pairs(tmp_path):
    with pytest.raises(AmtError, match="nowhere: not found; set params.yaml data.local.path"):
        local.build(params(tmp_path / "nowhere"), tmp_path / "raw")
    with pytest.raises(AmtError, match="data.local.path is not set"):
        local.build(params(None), tmp_path / "raw")
    with pytest.raises(AmtError, match="no audio/MIDI pairs"):
        local.build(params(write_files(tmp_path / "lonely", {"a.wav": b"", "b.mid": b""})), tmp_path / "raw")
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    with pytest.raises(AmtError, match="fake.zip: cannot read the zip archive"):
        local.build(params(tmp_path / "fake.zip"), tmp_path / "raw")
    assert no_audio_written(tmp_path / "raw")


def test_zip_members_that_point_outside_are_skipped_with_a_line(tmp_path, caplog):
    files = pairs(3) | {"../evil.wav": audio_bytes("wav"), "/abs/evil.mid": midi_bytes()}
    archive = zip_files(tmp_path / "mine.zip", files)
    rows = local.build(params(archive), tmp_path / "raw")
    assert sorted(row["id"] for row in rows) == ["p0", "p1", "p2"]
    assert f"{archive}: skipping '../evil.wav', which points outside it" in caplog.text
    assert f"{archive}: skipping '/abs/evil.mid', which points outside it" in caplog.text
    assert not (tmp_path / "evil.wav").exists()
