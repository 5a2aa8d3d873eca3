"""What ``amt evaluate`` writes for one labelled set: ``scores.csv`` (one row per recording),
``scores.json`` (the means, the settings, the errors' breakdown and every row) and
``midi/<id>.mid`` (the decoded notes)."""

import json
from pathlib import Path

import pandas as pd

from amt.core import atomic
from amt.core.errors import AmtError
from amt.inference.metrics import mean_metrics
from amt.labelled.scoring import Scored
from amt.transcription.outputs import check_out_dir

RESULT_FILES = ("scores.csv", "scores.json")


def check_result_dir(out_dir: Path, overwrite: bool) -> None:
    """Refuse, before any work, a folder that cannot take files or holds an earlier evaluation."""
    check_out_dir(out_dir)
    earlier = [out_dir / name for name in RESULT_FILES if (out_dir / name).exists()]
    if earlier and not overwrite:
        raise AmtError(f"{earlier[0]} exists (an earlier evaluation?); pass --overwrite to replace it")


def references_note(scored: list[Scored]) -> str:
    """Whether the reference offsets are pedal-extended, in words, for the output."""
    pedalled = sum(item.pedal_extended for item in scored)
    if not pedalled:
        return "key releases (no sustain pedal in any reference MIDI; scored as they are)"
    if pedalled == len(scored):
        return "pedal-extended (every reference MIDI has sustain pedal)"
    return f"pedal-extended in {pedalled} of {len(scored)} files (those whose MIDI has sustain pedal)"


def write_results(
    out_dir: Path, summary: dict, scored: list[Scored], failed: dict[str, str], found: dict
) -> dict[str, float]:
    """Write the set's scores and the ``found`` breakdown of its errors; return the means
    (over the files that could be scored)."""
    table = pd.DataFrame([item.row() for item in scored])
    means = mean_metrics([item.scores for item in scored])
    atomic.write_text(out_dir / "scores.csv", table.to_csv(index=False, float_format="%.4f"))
    document = summary | {
        "references": references_note(scored),
        "files_scored": len(scored),
        "files_failed": failed,
        "means": means,
        "breakdown": found,
        "files": json.loads(table.to_json(orient="records")),
    }
    atomic.write_text(out_dir / "scores.json", json.dumps(document, indent=1) + "\n")
    return means


def means_line(means: dict[str, float]) -> str:
    """The headline means, as the evaluate stage says them."""
    shown = ("note_f1", "note_offset_f1", "frame_f1", "note_precision", "note_recall")
    return ", ".join(f"{name.replace('_', ' ')} {means[name]:.3f}" for name in shown)
