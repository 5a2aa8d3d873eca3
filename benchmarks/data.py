"""Data-path speed: synth rendering, cache building, Dataset segments, memory.

Run from the repository root: ``python -m benchmarks.data [--pieces N]``. Builds a
small corpus with the default synth settings (N train pieces, a few validation/test
pieces) in a temporary folder and prints:
- seconds of audio rendered per wall second (download stage, synth source),
- cache build time per hour of audio,
- random training segments per second from SegmentDataset,
- peak RSS while iterating over every piece of the training split.
"""

import argparse
import copy
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from amt.config import Config
from amt.config.params import load_params
from amt.data.cache import build_cache
from amt.data.dataset import PieceDataset, SegmentDataset
from amt.sources import build_raw


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=12, help="training pieces to render")
    parser.add_argument("--segments", type=int, default=400)
    args = parser.parse_args()
    params = copy.deepcopy(load_params())
    params["data"]["synth"]["pieces"] = {"train": args.pieces, "validation": 2, "test": 2}
    config = Config.from_params(params)
    workers = config.data.workers
    with tempfile.TemporaryDirectory() as tmp:
        raw, cache = Path(tmp) / "raw", Path(tmp) / "cache"
        start = time.perf_counter()
        build_raw(config.data, raw)
        render_seconds = time.perf_counter() - start
        audio_seconds = pd.read_csv(raw / "metadata.csv")["duration"].sum()
        start = time.perf_counter()
        build_cache(raw, cache, workers=workers)
        cache_seconds = time.perf_counter() - start
        sequence_length = config.train.sequence_length
        segments = SegmentDataset(cache, "train", sequence_length, seed=0, size=args.segments)
        start = time.perf_counter()
        for index in range(len(segments)):
            segments[index]
        segment_rate = len(segments) / (time.perf_counter() - start)
        before = peak_rss_mb()
        pieces = PieceDataset(cache, "train")
        for index in range(len(pieces)):
            pieces[index]
        after = peak_rss_mb()
    print(f"corpus: {args.pieces + 4} pieces, {audio_seconds / 60:.1f} min of audio, {workers} workers")
    print(f"render: {audio_seconds / render_seconds:.1f} s of audio per wall second ({render_seconds:.1f} s)")
    print(f"cache: {cache_seconds * 3600 / audio_seconds:.1f} s per hour of audio ({cache_seconds:.1f} s)")
    print(f"segments: {segment_rate:.0f} random {sequence_length}-sample segments per second")
    print(f"peak RSS: {before:.0f} MB before, {after:.0f} MB after iterating the training split")


if __name__ == "__main__":
    main()
