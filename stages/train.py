"""DVC stage `train`: train params.yaml's model on the cache; write the model file and curves."""

import json
import logging
import sys
from pathlib import Path

from amt.config import Config
from amt.core import atomic
from amt.core.constants import METRICS_DIR
from amt.core.stage import INTERRUPTED_EXIT, run_stage
from amt.training.resume import TrainingInterrupted
from amt.training.run import train

log = logging.getLogger("amt.stages")


def main(config: Config) -> None:
    try:
        result = train(config)
    except TrainingInterrupted as stop:
        log.warning("%s", stop)
        sys.exit(INTERRUPTED_EXIT)
    atomic.write_text(Path(METRICS_DIR) / "train.json", json.dumps(result.summary, indent=1) + "\n")
    atomic.write_text(Path(METRICS_DIR) / "train_curve.csv", result.curve.to_csv(index=False))


if __name__ == "__main__":
    run_stage("train", main)
