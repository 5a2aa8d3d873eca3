"""The maestro source end to end, against a small MAESTRO-shaped zip served on 127.0.0.1."""

import contextlib
import io
import json
import socket
import struct
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf
from source_fixtures import midi_bytes, wav_bytes

from amt.core.audio import sha256
from amt.core.errors import AmtError
from amt.core.metadata import COLUMNS, write_metadata
from amt.sources import maestro, remote_zip
from tests.conftest import data_config

ROOT = "maestro-v3.0.0"
# id, MAESTRO split, year folder in v3.0.0
PIECES = [
    ("piece_a", "train", 2018),
    ("piece_b", "train", 2018),
    ("piece_c", "validation", 2017),
    ("piece_d", "validation", 2017),
    ("piece_e", "test", 2015),
    ("piece_f", "test", 2015),
]
WAV_SECONDS = 2.0


def member(piece_id: str, extension: str) -> str:
    year = next(year for pid, _, year in PIECES if pid == piece_id)
    return f"{ROOT}/{year}/{piece_id}.{extension}"


def make_archive() -> bytes:
    """A zip laid out like MAESTRO v3.0.0: deflated wavs, stored MIDI, a metadata csv."""
    rows = [
        {
            "canonical_composer": f"Composer {pid[-1].upper()}",
            "canonical_title": f"Title {pid[-1]}",
            "split": split,
            "year": year,
            "midi_filename": f"{year}/{pid}.midi",
            "audio_filename": f"{year}/{pid}.wav",
            "duration": WAV_SECONDS,
        }
        for pid, split, year in PIECES
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{ROOT}/{ROOT}.csv", pd.DataFrame(rows).to_csv(index=False))
        for index, (pid, _, _) in enumerate(PIECES):
            archive.writestr(member(pid, "wav"), wav_bytes(WAV_SECONDS, seed=index), zipfile.ZIP_DEFLATED)
            archive.writestr(member(pid, "midi"), midi_bytes(pitch=50 + index), zipfile.ZIP_STORED)
    return buffer.getvalue()


def data_span(payload: bytes, name: str) -> tuple[int, int]:
    """Start and end of a member's compressed bytes in the archive."""
    info = zipfile.ZipFile(io.BytesIO(payload)).getinfo(name)
    name_length, extra_length = struct.unpack(
        "<HH", payload[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_length + extra_length
    return start, start + info.compress_size


class ZipServer(ThreadingHTTPServer):
    """Serves one payload with Range support; counts bytes sent; can cut one response short."""

    def __init__(self, payload: bytes):
        super().__init__(("127.0.0.1", 0), RangeHandler)
        self.payload, self.sent, self.starts, self.cut_at = payload, 0, [], None
        self.url = f"http://127.0.0.1:{self.server_address[1]}/maestro-v3.0.0.zip"


class RangeHandler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server.payload)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

    def do_GET(self):
        server = self.server
        first, last = self.headers["Range"].removeprefix("bytes=").split("-")
        start, end = int(first), min(int(last) + 1, len(server.payload))
        body = server.payload[start:end]
        server.starts.append(start)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(server.payload)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.cut_at is not None and start < server.cut_at < end:
            body, server.cut_at = body[: server.cut_at - start], None
        self.wfile.write(body)
        server.sent += len(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def payload() -> bytes:
    return make_archive()


@pytest.fixture
def serve():
    servers = []

    def start(payload: bytes) -> ZipServer:
        server = ZipServer(payload)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(remote_zip, "BACKOFF_S", 0.0)


@pytest.fixture
def subset(tmp_path: Path) -> Path:
    """A selection in the 2020 json's format, with older year folders than the archive's."""
    rows = [
        {
            "audio_filename": "2011/piece_a.wav",
            "midi_filename": "2011/piece_a.midi",
            "split": "train",
            "year": 2011,
        },
        {
            "audio_filename": "2009/piece_e.wav",
            "midi_filename": "2009/piece_e.midi",
            "split": "test",
            "year": 2009,
        },
    ]
    path = tmp_path / "subset.json"
    path.write_text(json.dumps(rows))
    return path


def params(url: str = "http://127.0.0.1:9/unused.zip", archive=None, subset="all", max_pieces=1) -> dict:
    archive = None if archive is None else str(archive)
    maestro_params = {"url": url, "archive": archive, "subset": str(subset), "max_pieces": max_pieces}
    return data_config({"data": {"source": "maestro", "seed": 0, "maestro": maestro_params}})


def test_remote_subset_writes_layout_and_fetches_only_needed_members(tmp_path, payload, serve, subset):
    server = serve(payload)
    raw = tmp_path / "data" / "raw"
    rows = maestro.build(params(server.url, subset=subset), raw)

    by_split = {row["split"]: row for row in rows}
    assert sorted(by_split) == ["test", "train", "validation"]
    assert by_split["train"]["id"] == "piece_a" and by_split["test"]["id"] == "piece_e"
    assert by_split["validation"]["id"] in {"piece_c", "piece_d"}
    for row in rows:
        assert tuple(row) == COLUMNS
        assert (row["source"], row["soundfont"], row["preset"]) == ("maestro", "", "")
        assert (
            row["composer"] == f"Composer {row['id'][-1].upper()}"
            and row["title"] == f"Title {row['id'][-1]}"
        )
        audio, midi = raw / row["audio_filename"], raw / row["midi_filename"]
        assert row["audio_filename"] == f"{row['split']}/{row['id']}.flac"
        info = sf.info(str(audio))
        assert (info.samplerate, info.channels, info.format) == (16000, 1, "FLAC")
        assert row["duration"] == pytest.approx(WAV_SECONDS, abs=1e-3)
        index = [pid for pid, _, _ in PIECES].index(row["id"])
        assert midi.read_bytes() == midi_bytes(pitch=50 + index)
        assert (row["audio_sha256"], row["midi_sha256"]) == (sha256(audio), sha256(midi))
    write_metadata(raw, rows)
    members = [f"{ROOT}/{ROOT}.csv"] + [member(row["id"], ext) for row in rows for ext in ("wav", "midi")]
    needed = sum(end - start + 30 for start, end in (data_span(payload, name) for name in members))
    directory = len(payload) - zipfile.ZipFile(io.BytesIO(payload)).start_dir
    assert server.sent <= needed + 2 * directory < 0.6 * len(payload)
    assert not list((tmp_path / "data" / "downloads").rglob("*.part"))


def test_validation_choice_is_deterministic(tmp_path, payload, serve, subset):
    server = serve(payload)
    first = maestro.build(params(server.url, subset=subset), tmp_path / "one" / "raw")
    again = maestro.build(params(server.url, subset=subset), tmp_path / "two" / "raw")
    assert first == again


def test_resumes_after_the_connection_is_cut_mid_member(tmp_path, payload, serve, subset):
    server = serve(payload)
    start, end = data_span(payload, member("piece_a", "wav"))
    server.cut_at = (start + end) // 2
    rows = maestro.build(params(server.url, subset=subset), tmp_path / "raw")
    assert server.cut_at is None and (start + end) // 2 in server.starts
    assert "piece_a" in {row["id"] for row in rows}


def test_resumes_from_a_partial_download_left_by_an_earlier_run(tmp_path, payload, serve, subset):
    server = serve(payload)
    start, end = data_span(payload, member("piece_a", "wav"))
    half = (start + end) // 2
    part = tmp_path / "downloads" / "maestro" / (member("piece_a", "wav") + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(payload[start:half])
    remote = maestro.build(params(server.url, subset=subset), tmp_path / "raw")
    assert half in server.starts and start not in server.starts
    archive = tmp_path / "maestro.zip"
    archive.write_bytes(payload)
    assert remote == maestro.build(params(archive=archive, subset=subset), tmp_path / "local" / "raw")


def test_corrupt_member_is_named_and_refetched_on_the_next_run(tmp_path, payload, serve, subset):
    start, end = data_span(payload, member("piece_a", "wav"))
    corrupt = bytearray(payload)
    corrupt[(start + end) // 2] ^= 0xFF
    server = serve(bytes(corrupt))
    with pytest.raises(AmtError, match="piece_a.wav"):
        maestro.build(params(server.url, subset=subset), tmp_path / "raw")
    assert not list((tmp_path / "downloads").rglob("piece_a.wav*"))
    assert not (tmp_path / "raw" / "train" / "piece_a.flac").exists()

    healthy = serve(payload)
    rows = maestro.build(params(healthy.url, subset=subset), tmp_path / "raw")
    assert "piece_a" in {row["id"] for row in rows}


def test_local_archive_gives_the_same_result_and_names_corrupt_members(tmp_path, payload, serve, subset):
    server = serve(payload)
    remote = maestro.build(params(server.url, subset=subset), tmp_path / "remote" / "raw")
    archive = tmp_path / "maestro-v3.0.0.zip"
    archive.write_bytes(payload)
    local = maestro.build(params(archive=archive, subset=subset), tmp_path / "local" / "raw")
    assert local == remote

    start, end = data_span(payload, member("piece_e", "wav"))
    corrupt = bytearray(payload)
    corrupt[start + 100] ^= 0xFF
    archive.write_bytes(bytes(corrupt))
    with pytest.raises(AmtError, match=r"maestro-v3.0.0.zip:maestro-v3.0.0/2015/piece_e.wav"):
        maestro.build(params(archive=archive, subset=subset), tmp_path / "bad" / "raw")


def test_all_pieces_with_maestro_splits(tmp_path, payload):
    archive = tmp_path / "maestro.zip"
    archive.write_bytes(payload)
    rows = maestro.build(params(archive=archive, max_pieces=None), tmp_path / "raw")
    assert sorted((row["id"], row["split"]) for row in rows) == [(pid, split) for pid, split, _ in PIECES]


def test_subset_piece_missing_from_the_archive_is_named(tmp_path, payload):
    archive = tmp_path / "maestro.zip"
    archive.write_bytes(payload)
    selection = tmp_path / "selection.json"
    selection.write_text(json.dumps([{"audio_filename": "2004/piece_z.wav", "split": "train"}]))
    with pytest.raises(AmtError, match="piece_z.wav"):
        maestro.build(params(archive=archive, subset=selection), tmp_path / "raw")


def test_bundled_selection_matches_v3_names_and_adds_twenty_validation_pieces():
    rows = json.loads((Path(maestro.__file__).parent / maestro.SMALL_SUBSET_FILE).read_text())
    # v3.0.0 metadata holding the selection's files under other year folders, plus 30 validation pieces
    names = [Path(row["audio_filename"]).name for row in rows] + [f"val_{i}.wav" for i in range(30)]
    table = pd.DataFrame({"key": names, "id": [Path(name).stem for name in names]})
    table["split"] = ["train"] * len(rows) + ["validation"] * 30
    chosen = maestro.select(table, maestro.SMALL_SUBSET, None, seed=0)
    assert chosen["split"].value_counts().to_dict() == {"train": 100, "validation": 20, "test": 50}
    assert chosen["split"].value_counts().sum() == len(chosen["key"].unique())
    capped = maestro.select(table, maestro.SMALL_SUBSET, 5, seed=0)
    assert capped["split"].value_counts().to_dict() == {"train": 5, "validation": 5, "test": 5}
    assert capped.equals(maestro.select(table, maestro.SMALL_SUBSET, 5, seed=0))
    assert not capped.equals(maestro.select(table, maestro.SMALL_SUBSET, 5, seed=1))


def test_unknown_subset_is_named():
    with pytest.raises(AmtError, match="data.maestro.subset"):
        maestro.select(pd.DataFrame({"key": [], "id": [], "split": []}), "no_such_subset", None, 0)


def test_unreachable_url_fails_with_one_line_after_retries(tmp_path, serve, payload):
    server = serve(payload)
    url = server.url
    server.shutdown()
    server.server_close()
    with pytest.raises(AmtError, match=r"download failed after 5 attempts .*re-run"):
        maestro.build(params(url), tmp_path / "raw")


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers; yields its URL and the connections."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/maestro-v3.0.0.zip", accepted
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_server_that_never_answers_is_given_up_on_after_two_silent_attempts(
    tmp_path, silent_server, monkeypatch, caplog
):
    monkeypatch.setattr(remote_zip, "TIMEOUT_S", 0.2)
    url, accepted = silent_server
    with pytest.raises(AmtError, match=r"the server sent nothing for 2 x 0.2 s; check the address"):
        maestro.build(params(url), tmp_path / "raw")
    assert len(accepted) == 2
    assert "attempt 1 of 5 failed (timed out); retrying in 0 s" in caplog.text


def test_timeouts_after_progress_are_retried_like_other_failures():
    received, calls = [0], []

    def trickle() -> str:
        calls.append(1)
        if len(calls) < 5:
            received[0] += 100
            raise TimeoutError("timed out")
        return "done"

    assert remote_zip._with_retries("http://x", trickle, progress=lambda: received[0]) == "done"
    assert len(calls) == 5
