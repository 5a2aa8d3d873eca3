"""DVC stage `evaluate`: transcribe the test split with the trained model and score it.

Thresholds are tuned on the validation split (never on test) when
``evaluate.tune_thresholds`` is true. Writes metrics/eval.json, a per-piece table and
the predicted MIDI of every piece, and logs all of it into the model's MLflow run.
"""

import json
import logging
from pathlib import Path

import mlflow
import torch

from amt.config import Config
from amt.config.evaluate import EvaluateConfig
from amt.core import atomic, tracking
from amt.core.constants import CACHE_DIR, EVAL_DIR, METRICS_DIR, MODEL_FILE
from amt.core.device import placement
from amt.core.errors import AmtError
from amt.core.notes import notes_to_midi, write_midi
from amt.core.stage import run_stage
from amt.inference.decoding import Thresholds
from amt.inference.evaluation import evaluate_split, transcribe_split, tune_thresholds
from amt.models.checkpoint import load_model_file

log = logging.getLogger("amt.evaluate")


def choose_thresholds(model: torch.nn.Module, settings: EvaluateConfig, device: torch.device) -> Thresholds:
    """params' thresholds, or the best of the grid on the validation split."""
    if not settings.tune_thresholds:
        return Thresholds.from_config(settings)
    validation = list(transcribe_split(model, CACHE_DIR, "validation", settings, device))
    thresholds, note_f1 = tune_thresholds(validation, settings.threshold_grid)
    log.info(
        "thresholds tuned on validation: onset %s, frame %s (validation note F1 %.3f)",
        thresholds.onset,
        thresholds.frame,
        note_f1,
    )
    return thresholds


def main(config: Config) -> None:
    settings = config.evaluate
    where = placement(config.train.device, config.train.precision)
    loaded = load_model_file(MODEL_FILE, where.device, expected_model=config.model)
    if not (loaded.run_id and tracking.run_exists(loaded.run_id)):
        uri = tracking.tracking_uri(config.tracking)
        raise AmtError(
            f"{MODEL_FILE}: its MLflow run {loaded.run_id} is not in {uri} (was the store deleted "
            "or tracking.uri changed since training?); train again: dvc repro -f train"
        )
    with where.autocast():
        thresholds = choose_thresholds(loaded.model, settings, where.device)
        means, table, pieces = evaluate_split(
            loaded.model, CACHE_DIR, "test", settings, where.device, thresholds=thresholds
        )
    out = Path(EVAL_DIR)
    for piece in pieces:
        write_midi(out / "midi" / f"{piece.id}.mid", notes_to_midi(piece.notes))
    atomic.write_text(out / "pieces.csv", table.to_csv(index=False, float_format="%.4f"))
    result = {**means, "onset_threshold": thresholds.onset, "frame_threshold": thresholds.frame}
    atomic.write_text(Path(METRICS_DIR) / "eval.json", json.dumps(result, indent=1) + "\n")
    with tracking.open_run(config, run_id=loaded.run_id):
        mlflow.log_metrics(result)
        mlflow.log_artifact(str(out / "pieces.csv"), "eval")
        mlflow.log_artifacts(str(out / "midi"), "eval/midi")
    log.info("%d test pieces, note F1 %.3f, frame F1 %.3f", len(pieces), means["note_f1"], means["frame_f1"])


if __name__ == "__main__":
    run_stage("evaluate", main, tracked=True)
