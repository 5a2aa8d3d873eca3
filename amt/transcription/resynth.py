"""The notes played back: a transcription's MIDI file rendered to a wav by the FluidSynth
program (``-F``, which streams to disk, so a recording of any length renders in bounded
memory) with pretty_midi's General MIDI SoundFont.

FluidSynth exits 0 even when the disk fills under it, leaving a shorter wav: a render is
accepted only when the wav lasts as long as the MIDI file.
"""

import shutil
import subprocess
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import mido
import soundfile as sf

from amt.core.atomic import atomic_path
from amt.core.disk import disk_full, free_mib
from amt.core.errors import AmtError

RESYNTH_RATE = 16000
RESYNTH_GAIN = 0.3  # FluidSynth's master gain: loud enough, and dense chords do not clip
RESYNTH_CHANNELS = 2  # FluidSynth writes stereo
SHORT_BY = 0.05  # seconds a complete render may fall short of the MIDI file's length (one block)


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
        """Render ``midi`` to ``wav`` (atomically: complete or absent)."""
        with atomic_path(wav, suffix=".wav") as tmp:
            command = [program, "-ni", "-q", "-g", str(RESYNTH_GAIN), "-r", str(RESYNTH_RATE)]
            command += ["-O", "s16", "-T", "wav", "-F", str(tmp), str(soundfont), str(midi)]
            result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if result.returncode != 0 or not tmp.stat().st_size:
                reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                raise AmtError(f"{midi}: FluidSynth could not render it ({reason[0]})")
            check_complete(midi, tmp, wav)

    return render, ""


def check_complete(midi: Path, rendered_to: Path, wav: Path) -> None:
    """An AmtError naming ``wav`` unless ``rendered_to`` lasts as long as ``midi`` (a full
    disk, when the space left would not hold it)."""
    wanted = mido.MidiFile(midi).length
    try:
        rendered = sf.info(str(rendered_to)).duration
    except (sf.LibsndfileError, RuntimeError):
        rendered = 0.0
    if rendered >= wanted - SHORT_BY:
        return
    needed = int(wanted * RESYNTH_RATE * RESYNTH_CHANNELS * 2)
    if free_mib(wav) * 2**20 < needed:
        raise disk_full(wav, needed)
    raise AmtError(
        f"{wav}: FluidSynth wrote {rendered:.1f} s of the {wanted:.1f} s of {midi}; nothing was kept"
    )
