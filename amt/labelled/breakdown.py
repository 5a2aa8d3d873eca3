"""Where a model's notes go wrong on a labelled set, pooled over its recordings: note
scores per octave of the keyboard, recall per velocity band, and the kinds of misses and
false positives (the error analysis the report makes of the synthetic test)."""

import json

import pandas as pd

from amt.analysis.errors import (
    FALSE_POSITIVE_TYPES,
    MISS_TYPES,
    VELOCITY_BINS,
    analyse,
    error_counts,
    per_register,
    rate_by,
)
from amt.labelled.scoring import Scored


def breakdown(scored: list[Scored]) -> dict:
    """The set's errors by register, velocity and kind, as JSON-ready records."""
    analysis = analyse((item.pair.id, item.reference, item.estimated) for item in scored)
    registers = per_register(analysis).reset_index()
    velocity = rate_by(analysis.ref, "velocity", VELOCITY_BINS).rename(columns={"rate": "recall"})
    velocity.index = [f"{int(band.left)}-{int(band.right) - 1}" for band in velocity.index]
    return {
        "by_register": _records(registers),
        "recall_by_velocity": _records(velocity.rename_axis("velocity").reset_index()),
        "misses": error_counts(analysis.ref, MISS_TYPES).to_dict(),
        "false_positives": error_counts(analysis.est, FALSE_POSITIVE_TYPES).to_dict(),
    }


def register_line(found: dict) -> str:
    """Recall per register in one line, e.g. for the log: "A0-G#1 0.02 (145), ..."."""
    return ", ".join(
        f"{row['register']} {row['recall']:.2f} ({row['references']})"
        for row in found["by_register"]
        if row["references"]
    )


def _records(table: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (NaN, a band without notes, as None), as write_results stores rows."""
    return json.loads(table.to_json(orient="records"))
