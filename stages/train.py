"""DVC stage `train`: train params.yaml's model on the cache; write the model file and curves."""

import json
import sys
from pathlib import Path

from amt.core import atomic
from amt.core.constants import METRICS_DIR
from amt.core.stage import INTERRUPTED_EXIT, run_stage
from amt.training.resume import TrainingInterrupted
from amt.training.run import train


def main(params: dict) -> None:
    try:
        result = train(params)
    except TrainingInterrupted as stop:
        print(f"amt train: {stop}", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
    atomic.write_text(Path(METRICS_DIR) / "train.json", json.dumps(result.summary, indent=1) + "\n")
    atomic.write_text(Path(METRICS_DIR) / "train_curve.csv", result.curve.to_csv(index=False))


if __name__ == "__main__":
    run_stage("train", main)
