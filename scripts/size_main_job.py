"""Print the main job's steps per model for this machine (amt.training.sizing): lines of `model steps decay`,
`auto auto` where they are the model's own schedule in params.yaml.

The first run times a few onf steps and keeps the result in runs/main_job.json; later runs
reuse it (delete the file to size again). --full gives every model its full steps.
"""

import argparse
import sys

from amt.config import load_config
from amt.core.audio import audio_seconds
from amt.core.constants import CACHE_DIR
from amt.core.errors import AmtError
from amt.labelled.pairs import open_set
from amt.training.sizing import (
    MAIN_JOB_FILE,
    SIZED_SECONDS_PER_REAL_MINUTE,
    Sizing,
    full_steps,
    load_or_size,
    seconds_per_step,
)


def real_set_seconds(folders: list[str]) -> float:
    """What scoring the four models on ``folders`` adds to the job, in the sizing machine's seconds."""
    minutes = 0.0
    for folder in folders:
        labelled = open_set(folder)
        for pair in labelled.pairs:
            with labelled.files(pair) as (audio, _):
                minutes += audio_seconds(audio) / 60
    return minutes * SIZED_SECONDS_PER_REAL_MINUTE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elapsed", type=float, default=0.0, help="seconds the main job has run so far")
    parser.add_argument("--full", action="store_true", help="full steps, whatever this machine's speed")
    parser.add_argument(
        "--real-sets", nargs="*", default=[], help="folders of real recordings every model will be scored on"
    )
    args = parser.parse_args()
    try:
        config = load_config()
        full = full_steps(config)
        if args.full:
            sizing, report = Sizing(1.0, 1.0, full), "full steps (--full; this machine's speed not measured)"
        else:
            sizing, reused = load_or_size(
                MAIN_JOB_FILE,
                args.elapsed,
                full,
                lambda: seconds_per_step(config, CACHE_DIR),
                real_set_seconds(args.real_sets),
            )
            report = (
                f"this machine trains at {sizing.speed:.2f}x the speed the steps were sized on; "
                f"steps x {sizing.scale:.2f} ({'kept in' if reused else 'measured, kept in'} {MAIN_JOB_FILE})"
            )
    except AmtError as error:
        print(f"main: {error}", file=sys.stderr)
        return 1
    print(f"main: {report}", file=sys.stderr)
    for model, steps in sizing.steps.items():
        print(model, *(("auto", "auto") if steps == full[model] else steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
