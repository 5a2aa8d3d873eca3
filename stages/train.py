"""DVC stage `train`: train params.yaml's model on the cache; write the model file and curves.

Runs as it is under ``torchrun --nproc-per-node N -m stages.train`` too (rank 0 writes).
"""

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
        if str(stop):  # under torchrun, rank 0 says it for every process
            log.warning("%s", stop)
        sys.exit(INTERRUPTED_EXIT)
    if result is None:  # a torchrun process other than rank 0
        return
    atomic.write_text(Path(METRICS_DIR) / "train.json", json.dumps(result.summary, indent=1) + "\n")
    atomic.write_text(Path(METRICS_DIR) / "train_curve.csv", result.curve.to_csv(index=False))


if __name__ == "__main__":
    run_stage("train", main, tracked=True)
