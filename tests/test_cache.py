import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import psutil
import pytest

from amt.core.constants import n_frames
from amt.core.errors import AmtError
from amt.data.cache import build_cache, cache_piece, fingerprint, pieces, read_manifest
from amt.data.dataset import PieceDataset, SegmentDataset
from amt.training.batches import label_rates
from tests.conftest import scale_notes, write_piece


def test_build_cache_writes_one_npz_per_piece(raw_layout, tmp_path):
    manifest = build_cache(raw_layout, tmp_path / "cache", workers=1)
    entries = json.loads(manifest.read_text())["pieces"]
    assert sorted(e["id"] for e in entries) == ["a", "b", "c", "d"]
    with np.load(tmp_path / "cache" / "train" / "b.npz") as data:
        assert data["audio"].dtype == np.int16
        assert data["frame"].shape == (n_frames(len(data["audio"])), 88)
        assert data["notes"].shape == (12, 4)
        assert int(data["sample_rate"]) == 16000 and int(data["hop_length"]) == 512
        assert data["onset"].sum() == 12
    assert pieces(tmp_path / "cache", "train")["id"].tolist() == ["a", "b"]


def test_fingerprint_is_stable_and_tracks_content(raw_layout, tmp_path):
    build_cache(raw_layout, tmp_path / "one", workers=1)
    build_cache(raw_layout, tmp_path / "two", workers=2)
    assert fingerprint(tmp_path / "one") == fingerprint(tmp_path / "two")
    write_piece(raw_layout, "train", "a", scale_notes(50, 8), 2.5)
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text())
    manifest["pieces"][0]["notes"] += 1
    (tmp_path / "two" / "manifest.json").write_text(json.dumps(manifest))
    assert fingerprint(tmp_path / "one") != fingerprint(tmp_path / "two")


def test_audio_much_shorter_than_midi_is_an_error(tmp_path):
    raw = tmp_path / "raw"
    row = write_piece(raw, "train", "short", scale_notes(60, 12), 3.5)
    long_notes = scale_notes(60, 12) + [(9.0, 9.5, 70, 80)]
    other = write_piece(tmp_path / "other", "train", "short", long_notes, 9.6)
    (raw / row["midi_filename"]).write_bytes((tmp_path / "other" / other["midi_filename"]).read_bytes())
    with pytest.raises(AmtError, match=r"short.flac: audio lasts 3.5 s but .*short.mid plays until 9.5 s"):
        cache_piece(raw / row["audio_filename"], raw / row["midi_filename"], tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_empty_audio_is_an_error(tmp_path):
    raw = tmp_path / "raw"
    row = write_piece(raw, "train", "e", scale_notes(60, 2), 1.0)
    (raw / row["audio_filename"]).write_bytes(b"")
    with pytest.raises(AmtError, match="e.flac: (cannot read audio|audio holds no samples)"):
        cache_piece(raw / row["audio_filename"], raw / row["midi_filename"], tmp_path / "x.npz")


def test_manifest_with_other_audio_settings_is_rejected(raw_layout, tmp_path):
    path = build_cache(raw_layout, tmp_path / "cache", workers=1)
    manifest = json.loads(path.read_text()) | {"hop_length": 256}
    path.write_text(json.dumps(manifest))
    with pytest.raises(AmtError, match="hop 256, but the models expect 16000 Hz / hop 512"):
        read_manifest(tmp_path / "cache")


def test_missing_cache_says_which_stage_to_run(tmp_path):
    with pytest.raises(AmtError, match="dvc repro cache"):
        pieces(tmp_path, "train")


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
        lambda path: path.write_bytes(b""),
    ],
    ids=["truncated", "empty"],
)
def test_a_truncated_or_empty_cache_file_is_named_before_it_is_read(raw_layout, tmp_path, damage):
    build_cache(raw_layout, tmp_path / "cache", workers=1)
    path = tmp_path / "cache" / "train" / "b.npz"
    damage(path)
    message = f"^{path}: cache file is damaged .* rebuild the cache \\(dvc repro -f cache\\)$"
    with pytest.raises(AmtError, match=message):
        SegmentDataset(tmp_path / "cache", "train", 2048, seed=0, size=4)
    with pytest.raises(AmtError, match=message):
        label_rates(tmp_path / "cache")


def test_a_cache_file_damaged_at_its_size_is_named_when_read(raw_layout, tmp_path):
    build_cache(raw_layout, tmp_path / "cache", workers=1)
    path = tmp_path / "cache" / "test" / "d.npz"
    path.write_bytes(b"\0" * path.stat().st_size)
    with pytest.raises(AmtError, match=f"^{path}: cache file is damaged .*dvc repro -f cache"):
        PieceDataset(tmp_path / "cache", "test")[0]


def test_a_manifest_without_file_sizes_asks_for_a_rebuild(raw_layout, tmp_path):
    path = build_cache(raw_layout, tmp_path / "cache", workers=1)
    manifest = json.loads(path.read_text())
    for entry in manifest["pieces"]:
        del entry["bytes"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(AmtError, match="made by an older amt .*dvc repro -f cache"):
        pieces(tmp_path / "cache", "train")


KILLED_PARENT = """
import os, sys, time
import amt.data.cache as cache

def stuck(job):
    os.write(1, f"worker {os.getpid()}\n".encode())  # one write: lines of two workers never mix
    time.sleep(120)

cache._cache_row = stuck
cache.build_cache(sys.argv[1], sys.argv[2], workers=2)
"""


def test_cache_workers_die_with_a_killed_parent(raw_layout, tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, str(raw_layout), str(tmp_path / "cache")],
        stdout=subprocess.PIPE,
        text=True,
    )
    workers = []
    for line in parent.stdout:  # libraries may print lines of their own
        workers += [int(pid) for pid in re.findall(r"worker (\d+)", line)]
        if len(workers) >= 2:
            break
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie awaiting its reaper counts as ended)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_full_disk_is_one_line_naming_the_piece_and_leaves_no_manifest(raw_layout, tmp_path, small_disk):
    cache = build_cache(raw_layout, tmp_path / "cache", workers=1).parent
    room = sum(path.stat().st_size for path in cache.rglob("*.npz"))
    disk = small_disk(room // 2)
    (disk / "manifest.json").write_text("{}")  # an earlier cache's index
    with pytest.raises(AmtError, match=r"\.npz: no space left on the device \(\d+ MiB free there\)"):
        build_cache(raw_layout, disk, workers=1)
    assert not (disk / "manifest.json").exists()
    assert not [path for path in disk.rglob("*") if ".tmp-" in path.name]
