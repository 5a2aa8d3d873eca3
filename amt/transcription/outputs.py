"""Where `amt transcribe` writes: output names that keep every input apart, checked before
any work.

Outputs are named after the whole input file name (``take1.flac`` -> ``take1.flac.mid``),
so inputs that differ only in their extension, or in what follows their last dot, stay
apart. An output that is an input, two inputs that would write one file, and outputs left
by an earlier run are refused before anything is transcribed.
"""

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from amt.core.disk import unwritable
from amt.core.errors import AmtError

log = logging.getLogger(__name__)

OUTPUT_SUFFIXES = (".mid", ".npz", ".resynth.wav")


@dataclass(frozen=True)
class Outputs:
    """Where one input's MIDI, probabilities and wav go; ``wav_only``: an earlier run's MIDI
    and npz are there and kept, only the wav is to be made from that MIDI."""

    midi: Path
    rolls: Path
    wav: Path
    wav_only: bool = False

    def __iter__(self) -> Iterator[Path]:
        return iter((self.midi, self.rolls, self.wav))


def output_paths(path: Path, out_dir: Path) -> Outputs:
    """Where the outputs of ``path`` go: its whole file name plus each of OUTPUT_SUFFIXES."""
    return Outputs(*(out_dir / f"{path.name}{suffix}" for suffix in OUTPUT_SUFFIXES))


def plan_outputs(
    paths: Sequence[Path], out_dir: Path, existing: str, with_wav: bool = True
) -> dict[Path, Outputs]:
    """The outputs of each input that is to be transcribed, checked before any work.

    Two inputs that would write the same file, or an output that is an input, are an
    AmtError. Outputs left by an earlier run are an AmtError too when ``existing`` is
    ``refuse``; ``overwrite`` replaces them; ``skip`` leaves out the inputs whose outputs
    (the wav only ``with_wav``) are all there, and makes what an interrupted or failed run
    left missing, saying so: the wav alone from the MIDI that is there, else everything.
    """
    inputs = {_identity(path): path for path in paths}
    writers: dict[Path, Path] = {}
    plan = {}
    for path in paths:
        outputs = output_paths(path, out_dir)
        for output in outputs:
            if output in writers:
                raise AmtError(
                    f"{writers[output]} and {path} would both write {output}; "
                    "transcribe inputs of the same name into different --out folders"
                )
            writers[output] = path
            if _identity(output) in inputs:
                raise AmtError(f"{output} is an input; amt never writes over an input, choose another --out")
        done = [output for output in outputs if output.exists()]
        if done and existing == "refuse":
            raise AmtError(
                f"{done[0]} exists (an earlier run?); pass --overwrite to replace such outputs "
                "or --skip-existing to leave their inputs out"
            )
        if done and existing == "skip":
            outputs = _missing(path, outputs, with_wav)
        if outputs is not None:
            plan[path] = outputs
    return plan


def _missing(path: Path, outputs: Outputs, with_wav: bool) -> Outputs | None:
    """What --skip-existing still makes for ``path``: None when its outputs are all there."""
    wanted = list(outputs) if with_wav else [outputs.midi, outputs.rolls]
    missing = [output for output in wanted if not output.exists()]
    if not missing:
        return None
    wav_only = missing == [outputs.wav]
    doing = f"making it from {outputs.midi.name}" if wav_only else "transcribing it again"
    log.warning("%s: %s missing (an interrupted run?); %s", path, ", ".join(p.name for p in missing), doing)
    return Outputs(outputs.midi, outputs.rolls, outputs.wav, wav_only)


def _identity(path: Path) -> Path:
    """A path with links and ``..`` resolved, so that two names of one file compare equal."""
    return Path(os.path.realpath(path))


def check_out_dir(out_dir: Path) -> None:
    """The output folder exists, or could be made, and takes files; else one line, before any
    work. Nothing is made here: the first output written makes the folder."""
    if out_dir.exists() and not out_dir.is_dir():
        raise AmtError(f"--out {out_dir}: is a file, not a folder")
    place = out_dir.absolute()
    while not place.exists():
        place = place.parent
    if not place.is_dir():
        raise AmtError(f"--out {out_dir}: {place} is a file, not a folder")
    reason = unwritable(place)
    if reason:
        raise AmtError(f"--out {out_dir}: cannot write there ({reason})")
