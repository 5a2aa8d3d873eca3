"""How well amt.inference.velocity recovers the velocities of notes rendered with FluidSynth.

Run from the repository root: ``.venv/bin/python -m benchmarks.velocity``. For each
SoundFont's piano, 200 random notes (pitches 24-104, velocities 15-127, with chords)
are rendered and their velocities estimated from the audio alone.
"""

import numpy as np

from amt.core.constants import SAMPLE_RATE
from amt.core.notes import VELOCITY, make_notes, notes_to_midi
from amt.inference.velocity import estimate_velocities

SOUNDFONTS = {
    "FluidR3_GM": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "TimGM6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "MuseScore_General": "/usr/share/sounds/sf3/MuseScore_General.sf3",
}


def random_notes(seed: int, count: int = 200) -> np.ndarray:
    """Random notes, a third of them starting together with the previous one."""
    rng = np.random.default_rng(seed)
    onsets = 0.2 + np.cumsum(rng.choice([0.0, 0.15, 0.3], count))
    durations = rng.uniform(0.2, 0.8, count)
    return make_notes(
        np.column_stack(
            [onsets, onsets + durations, rng.integers(24, 105, count), rng.integers(15, 128, count)]
        )
    )


def main() -> None:
    for seed, (name, path) in enumerate(SOUNDFONTS.items()):
        notes = random_notes(seed)
        audio = notes_to_midi(notes).fluidsynth(fs=SAMPLE_RATE, synthesizer=path).astype(np.float32)
        estimate, truth = estimate_velocities(notes, audio), notes[:, VELOCITY]
        print(
            f"{name:18s} correlation {np.corrcoef(estimate, truth)[0, 1]:.3f}, "
            f"mean error {np.abs(estimate - truth).mean():.1f}, bias {np.mean(estimate - truth):+.1f} steps"
        )


if __name__ == "__main__":
    main()
