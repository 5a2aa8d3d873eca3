"""The notes played back: a transcription's MIDI file rendered to a wav by the FluidSynth
program (``-F``, which streams to disk, so a recording of any length renders in bounded
memory) with pretty_midi's General MIDI SoundFont."""

import shutil
import subprocess
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from amt.core.errors import AmtError

RESYNTH_RATE = 16000
RESYNTH_GAIN = 0.3  # FluidSynth's master gain: loud enough, and dense chords do not clip


def resynthesiser() -> tuple[Callable[[Path, Path], None] | None, str]:
    """A function that renders a MIDI file to a wav with the FluidSynth program and pretty_midi's
    General MIDI SoundFont, or None and the reason it cannot."""
    program = shutil.which("fluidsynth")
    soundfont = resources.files("pretty_midi") / "TimGM6mb.sf2"
    if program is None:
        return None, "the fluidsynth program is not installed (Debian: apt-get install fluidsynth)"
    if not soundfont.is_file():
        return None, f"pretty_midi's SoundFont {soundfont} is missing"

    def render(midi: Path, wav: Path) -> None:
        command = [program, "-ni", "-q", "-g", str(RESYNTH_GAIN), "-r", str(RESYNTH_RATE)]
        command += ["-O", "s16", "-T", "wav", "-F", str(wav), str(soundfont), str(midi)]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0 or not wav.stat().st_size:
            reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise AmtError(f"{midi}: FluidSynth could not render it ({reason[0]})")

    return render, ""
