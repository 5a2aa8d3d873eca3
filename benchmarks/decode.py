"""Speed of the vectorised note decoder against the per-frame reference loop of the tests.

Run from the repository root: ``.venv/bin/python -m benchmarks.decode [minutes]``.
"""

import sys
import time

import numpy as np

from amt.core.constants import SAMPLE_RATE, n_frames
from amt.inference.decoding import decode_notes
from tests.test_decoding import random_rolls, reference_decode


def seconds_per_call(function, *args, repeats: int) -> float:
    """Best wall time of ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main(minutes: float = 5.0) -> None:
    frames = n_frames(int(minutes * 60 * SAMPLE_RATE))
    onset, frame = random_rolls(np.random.default_rng(0), frames, onset_density=0.02, frame_density=0.3)
    args = (onset, frame, 0.5, 0.5)
    assert np.array_equal(decode_notes(*args), reference_decode(*args))
    fast = seconds_per_call(decode_notes, *args, repeats=5)
    slow = seconds_per_call(reference_decode, *args, repeats=1)
    notes = len(decode_notes(*args))
    print(f"{minutes:g} min of random rolls ({frames} frames x 88, {notes} notes):")
    print(
        f"  vectorised {fast * 1e3:.1f} ms, reference loop {slow * 1e3:.0f} ms, speed-up x{slow / fast:.0f}"
    )


if __name__ == "__main__":
    main(*(float(arg) for arg in sys.argv[1:]))
