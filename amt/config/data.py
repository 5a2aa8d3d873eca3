"""``data``: where the pieces come from (synth, maestro or local) and how many processes make them."""

from collections.abc import Mapping
from dataclasses import dataclass

from amt.config.reader import Reader, is_number, is_whole
from amt.core.constants import SPLITS
from amt.core.errors import AmtError

SOURCES = ("synth", "maestro", "local")
DEFAULT_SOUNDFONTS = ("FluidR3_GM", "MuseScore_General", "TimGM6mb")
MAX_SHIFT = 12  # semitones a training piece's samples may be shifted by, up or down
SOUNDFONT_LIST = "SoundFont or SFZ instrument names, or .sf2/.sf3/.sfz paths"


@dataclass(frozen=True)
class SynthConfig:
    """``data.synth``: the offline corpus rendered with FluidSynth."""

    pieces: dict[str, int]
    max_seconds: float
    corpus_share: float
    pedal_share: float
    soundfonts: list[str]
    training_only_soundfonts: list[str]
    heldout_soundfonts: list[str]
    turns: dict[str, int]
    heldout_share: float
    sample_shift_share: float
    sample_shift_max: int
    acoustics: bool

    @classmethod
    def read(cls, read: Reader) -> "SynthConfig":
        key = "data.synth."
        pieces = read.value(key + "pieces")
        if not isinstance(pieces, Mapping):
            raise read.fail(key + "pieces", "a mapping of split to a number of pieces", pieces)
        soundfonts = read.names(key + "soundfonts", list(DEFAULT_SOUNDFONTS), SOUNDFONT_LIST)
        if not soundfonts:
            raise AmtError(f"{read.source}: {key}soundfonts names no SoundFont; name at least one")
        shift_rule = f"a whole number of semitones from 1 to {MAX_SHIFT}"
        return cls(
            pieces={split: read.integer(f"{key}pieces.{split}", 0, 0) for split in SPLITS},
            max_seconds=read.number(key + "max_seconds", lambda v: v >= 2, "a number of seconds >= 2"),
            corpus_share=read.share(key + "corpus_share"),
            pedal_share=read.share(key + "pedal_share"),
            soundfonts=soundfonts,
            training_only_soundfonts=read.names(key + "training_only_soundfonts", [], SOUNDFONT_LIST),
            heldout_soundfonts=read.names(key + "heldout_soundfonts", [], SOUNDFONT_LIST),
            turns=_turns(read, key + "turns"),
            heldout_share=read.share(key + "heldout_share", 0.5),
            sample_shift_share=read.share(key + "sample_shift_share", 0.0),
            sample_shift_max=int(
                read.number(
                    key + "sample_shift_max",
                    lambda v: is_whole(v) and 1 <= v <= MAX_SHIFT,
                    shift_rule,
                    MAX_SHIFT,
                )
            ),
            acoustics=read.flag(key + "acoustics", True),
        )


def _turns(read: Reader, key: str) -> dict[str, int]:
    """``data.synth.turns``: SoundFont name -> turns each of its presets takes in the deal (others 1)."""
    value = read.value(key, None) or {}
    if not isinstance(value, Mapping):
        raise read.fail(key, "a mapping of SoundFont name to a number of turns", value)
    return {str(name): read.integer(f"{key}.{name}", 1) for name in value}


@dataclass(frozen=True)
class MaestroConfig:
    """``data.maestro``: MAESTRO v3, downloaded or read from a local copy of its zip."""

    url: str
    archive: str | None
    subset: str
    max_pieces: int | None

    @classmethod
    def read(cls, read: Reader) -> "MaestroConfig":
        key = "data.maestro."
        return cls(
            url=read.text(key + "url"),
            archive=read.text(key + "archive", None, optional=True),
            subset=read.text(key + "subset"),
            max_pieces=read.integer(key + "max_pieces", 1, None, optional=True),
        )


@dataclass(frozen=True)
class LocalConfig:
    """``data.local``: the user's own audio + MIDI pairs."""

    path: str | None
    validation_share: float
    test_share: float

    @classmethod
    def read(cls, read: Reader) -> "LocalConfig":
        key = "data.local."
        validation, test = read.value(key + "validation_share"), read.value(key + "test_share")
        if (
            not (is_number(validation) and is_number(test))
            or min(validation, test) < 0
            or validation + test >= 1
        ):
            raise AmtError(
                f"{read.source}: {key}validation_share and test_share must be in [0, 1) with a sum below 1, "
                f"got {validation!r} and {test!r}"
            )
        return cls(read.text(key + "path", None, optional=True), float(validation), float(test))


@dataclass(frozen=True)
class DataConfig:
    """``data``: the source and its section (the others are checked when present), the seed, the workers."""

    source: str
    seed: int
    workers: int
    synth: SynthConfig | None
    maestro: MaestroConfig | None
    local: LocalConfig | None

    @classmethod
    def read(cls, read: Reader) -> "DataConfig":
        source = read.value("data.source")
        if source not in SOURCES:
            raise AmtError(f"{read.source}: unknown data.source {source!r}; use one of {', '.join(SOURCES)}")
        present = read.value("data", {})
        sections = {
            name: section.read(read) if name == source or name in present else None
            for name, section in (("synth", SynthConfig), ("maestro", MaestroConfig), ("local", LocalConfig))
        }
        if source == "local" and not sections["local"].path:
            raise AmtError(
                f"{read.source}: data.local.path is not set; "
                "point it at a directory or zip of audio/MIDI pairs"
            )
        return cls(
            source=source,
            seed=read.integer("data.seed", 0),
            workers=read.integer("data.workers", 1, 2),
            **sections,
        )

    @property
    def section(self) -> SynthConfig | MaestroConfig | LocalConfig:
        """The settings of the chosen source."""
        return getattr(self, self.source)
