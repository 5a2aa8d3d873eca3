"""The notes a run predicted for the test pieces, paired with the reference notes."""

import tempfile
from pathlib import Path

import mlflow
import numpy as np
from mlflow.exceptions import MlflowException

from amt.core.notes import load_midi, midi_notes
from amt.data.dataset import PieceDataset

MIDI_ARTIFACTS = "eval/midi"


def reference_notes(cache_dir: str | Path) -> dict[str, np.ndarray]:
    """Pedal-extended reference notes of every test piece of the cache, by piece id."""
    dataset = PieceDataset(cache_dir, "test")
    return {str(item["id"]): item["notes"] for item in dataset}


def predicted_pieces(
    run_id: str, references: dict[str, np.ndarray]
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(piece id, reference notes, predicted notes) of each test piece the run transcribed.

    The run's ``eval/midi`` artifacts are downloaded to a temporary directory; pieces
    unknown to ``references`` are left out, and a run without them gives an empty list.
    """
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=MIDI_ARTIFACTS, dst_path=tmp
            )
        except (MlflowException, OSError):
            return []
        files = sorted(path for path in Path(local).glob("*.mid") if path.stem in references)
        return [(path.stem, references[path.stem], midi_notes(load_midi(path))) for path in files]
