"""Draw a cached piece's log-mel spectrogram above its label rolls, frame for frame.

``python scripts/plot_labels.py [PIECE.npz] [--seconds 8] [--out docs/labels.png]``;
without a piece it takes the first test piece of data/cache. The picture in docs/data.md
is made this way: onsets (dots) sit where the energy rises, on the same frame axis.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch

from amt.core.audio import from_int16
from amt.core.constants import CACHE_DIR, HOP_LENGTH, MIN_MIDI, SAMPLE_RATE
from amt.data.cache import pieces
from amt.models.features import LogMel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("piece", nargs="?", type=Path)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=Path("docs/labels.png"))
    args = parser.parse_args()
    piece = args.piece or Path(CACHE_DIR) / pieces(CACHE_DIR, "test")["file"][0]
    samples = int(args.seconds * SAMPLE_RATE) // HOP_LENGTH * HOP_LENGTH
    with np.load(piece) as data:
        audio = from_int16(data["audio"][:samples])
        frames = len(audio) // HOP_LENGTH + 1
        frame, onset = data["frame"][:frames], data["onset"][:frames]
    mel = LogMel()(torch.from_numpy(audio)[None])[0].numpy()
    keys = np.flatnonzero(frame.any(axis=0))
    low, high = max(0, keys.min() - 3), min(87, keys.max() + 3)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    top.imshow(mel.T, origin="lower", aspect="auto", cmap="magma")
    top.set(ylabel="mel bin", title=f"{piece.stem}: log-mel (229 bins, hop 512 at 16 kHz)")
    bottom.imshow(
        frame[:, low : high + 1].T,
        origin="lower",
        aspect="auto",
        cmap="Greys",
        extent=(-0.5, frames - 0.5, MIN_MIDI + low - 0.5, MIN_MIDI + high + 0.5),
    )
    hits = np.nonzero(onset[:, low : high + 1])
    bottom.scatter(hits[0], hits[1] + MIN_MIDI + low, s=10, c="crimson", label="onset frame")
    bottom.set(xlabel="frame (centred on sample 512 t)", ylabel="MIDI pitch", title="frame roll and onsets")
    bottom.legend(loc="upper right")
    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
