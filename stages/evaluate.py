"""DVC stage `evaluate`: transcribe the test split with the trained model and score it.

Thresholds are tuned on the validation split (never on test) when
``evaluate.tune_thresholds`` is true. Writes metrics/eval.json, a per-piece table and
the predicted MIDI of every piece, and logs all of it into the model's MLflow run.
"""

import json
from pathlib import Path

import mlflow

from amt.core import atomic, tracking
from amt.core.constants import CACHE_DIR, EVAL_DIR, METRICS_DIR, MODEL_FILE
from amt.core.device import placement
from amt.core.notes import notes_to_midi, write_midi
from amt.core.params import get, threshold_grid
from amt.core.stage import run_stage
from amt.inference.decoding import Thresholds
from amt.inference.evaluation import evaluate_split, transcribe_split, tune_thresholds
from amt.models.checkpoint import load_checkpoint, model_from_checkpoint


def choose_thresholds(model, settings: dict, device) -> Thresholds:
    """params' thresholds, or the best of the grid on the validation split."""
    if not settings.get("tune_thresholds"):
        return Thresholds.from_settings(settings)
    validation = list(transcribe_split(model, CACHE_DIR, "validation", settings, device))
    thresholds, note_f1 = tune_thresholds(validation, threshold_grid(settings.get("threshold_grid")))
    print(
        f"evaluate: thresholds tuned on validation: onset {thresholds.onset}, frame {thresholds.frame} "
        f"(validation note F1 {note_f1:.3f})"
    )
    return thresholds


def main(params: dict) -> None:
    settings = get(params, "evaluate")
    where = placement(get(params, "train.device"), get(params, "train.precision"))
    checkpoint = load_checkpoint(MODEL_FILE, expected_model=get(params, "model"))
    model = model_from_checkpoint(checkpoint, where.device)
    with where.autocast():
        thresholds = choose_thresholds(model, settings, where.device)
        means, table, pieces = evaluate_split(
            model, CACHE_DIR, "test", settings, where.device, thresholds=thresholds
        )
    out = Path(EVAL_DIR)
    for piece in pieces:
        write_midi(out / "midi" / f"{piece.id}.mid", notes_to_midi(piece.notes))
    atomic.write_text(out / "pieces.csv", table.to_csv(index=False, float_format="%.4f"))
    result = {**means, "onset_threshold": thresholds.onset, "frame_threshold": thresholds.frame}
    atomic.write_text(Path(METRICS_DIR) / "eval.json", json.dumps(result, indent=1) + "\n")
    with tracking.open_run(params, run_id=checkpoint["run_id"]):
        mlflow.log_metrics(result)
        mlflow.log_artifact(str(out / "pieces.csv"), "eval")
        mlflow.log_artifacts(str(out / "midi"), "eval/midi")
    print(
        f"evaluate: {len(pieces)} test pieces, "
        f"note F1 {means['note_f1']:.3f}, frame F1 {means['frame_f1']:.3f}"
    )


if __name__ == "__main__":
    run_stage("evaluate", main)
