"""Where `amt transcribe` writes: output names that keep every input apart, checked before
any work.

Outputs are named after the whole input file name (``take1.flac`` -> ``take1.flac.mid``),
so inputs that differ only in their extension, or in what follows their last dot, stay
apart. An output that is an input, two inputs that would write one file, and outputs left
by an earlier run are refused before anything is transcribed.
"""

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from amt.core.errors import AmtError

OUTPUT_SUFFIXES = (".mid", ".npz", ".resynth.wav")


def output_paths(path: Path, out_dir: Path) -> list[Path]:
    """Where the outputs of ``path`` go: its whole file name plus each of OUTPUT_SUFFIXES."""
    return [out_dir / f"{path.name}{suffix}" for suffix in OUTPUT_SUFFIXES]


def plan_outputs(paths: Sequence[Path], out_dir: Path, existing: str) -> dict[Path, list[Path]]:
    """The outputs of each input that is to be transcribed, checked before any work.

    Two inputs that would write the same file, or an output that is an input, are an
    AmtError. Outputs left by an earlier run are an AmtError too when ``existing`` is
    ``refuse``; ``skip`` leaves those inputs out, ``overwrite`` replaces them.
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
        if not (done and existing == "skip"):
            plan[path] = outputs
    return plan


def _identity(path: Path) -> Path:
    """A path with links and ``..`` resolved, so that two names of one file compare equal."""
    return Path(os.path.realpath(path))


def check_out_dir(out_dir: Path) -> None:
    """The output folder exists or can be made, and takes files; else one line, before any work."""
    if out_dir.exists() and not out_dir.is_dir():
        raise AmtError(f"--out {out_dir}: is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as error:
        raise AmtError(f"--out {out_dir}: cannot write there ({error.strerror})") from None
