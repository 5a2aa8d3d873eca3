"""Scores on labelled recordings (``amt evaluate``, logged to a run as ``real/<set>/<metric>``),
shown in a table of their own beside each run's synthetic test score, never ranked with it;
and where on the keyboard the notes were missed (the breakdown in the ``scores.json`` that
``amt evaluate`` logs beside them)."""

import json
import tempfile
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException

from amt.report.tables import format_score, markdown_table

PREFIX = "real/"  # amt.labelled.runs.PREFIX, as the report reads it back
SCORES_ARTIFACT = "scores.json"  # logged under real/<set>/ by amt evaluate
REGISTER_INTRO = "Note recall per octave of the keyboard on `{name}` (notes of each octave in brackets):"

Breakdowns = dict[tuple[str, str], dict]  # (run id, set) -> scores.json's breakdown
METRICS = ("note_f1", "note_precision", "note_recall", "frame_f1", "note_offset_f1")


def real_sets(runs: pd.DataFrame) -> list[str]:
    """The labelled sets any run was scored on."""
    return sorted({column.split("/")[1] for column in runs.columns if column.startswith(PREFIX)})


def real_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run and set it was scored on: model, run, set, the set's scores and the
    run's synthetic test note F1."""
    rows = [_row(run, name) for name in real_sets(runs) for _, run in runs.iterrows() if _scored(run, name)]
    return pd.DataFrame(rows)


def _scored(run: pd.Series, name: str) -> bool:
    return pd.notna(run.get(f"{PREFIX}{name}/note_f1"))


def _row(run: pd.Series, name: str) -> dict[str, str]:
    score = {metric: run.get(f"{PREFIX}{name}/{metric}") for metric in METRICS}
    return {
        "model": run["model"],
        "run": run["run"],
        "set": name,
        "note F1 (P/R)": format_score(score["note_f1"], score["note_precision"], score["note_recall"]),
        "frame F1": f"{score['frame_f1']:.3f}",
        "note-with-offset F1": f"{score['note_offset_f1']:.3f}",
        "synthetic test note F1": f"{run['note_f1']:.3f}",
    }


def real_markdown(runs: pd.DataFrame, intro: str) -> list[str]:
    """``intro`` and the table of ``runs``' scores on labelled sets, as markdown lines; none
    when no run was scored on one."""
    rows = real_rows(runs)
    if rows.empty:
        return []
    return [intro, "", markdown_table(rows), ""]


def logged_breakdowns(runs: pd.DataFrame, tracking_uri: str | None = None) -> Breakdowns:
    """The breakdown each of ``runs`` (of the store at ``tracking_uri``, default MLflow's
    current one) logged for each set it was scored on (runs scored before amt evaluate wrote
    one, or whose artifacts cannot be read, have none)."""
    found = {}
    for name in real_sets(runs):
        for _, run in runs.iterrows():
            if not _scored(run, name):
                continue
            breakdown = _logged_breakdown(run["run_id"], name, tracking_uri)
            if breakdown is not None:
                found[(run["run_id"], name)] = breakdown
    return found


def _logged_breakdown(run_id: str, name: str, tracking_uri: str | None) -> dict | None:
    with tempfile.TemporaryDirectory() as scratch:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id,
                artifact_path=f"{PREFIX}{name}/{SCORES_ARTIFACT}",
                dst_path=scratch,
                tracking_uri=tracking_uri,
            )
            return json.loads(Path(path).read_text()).get("breakdown")
        except (MlflowException, OSError, ValueError):
            return None


def register_markdown(runs: pd.DataFrame, breakdowns: Breakdowns) -> list[str]:
    """Per set, each run's note recall per register (from ``breakdowns``) as markdown lines;
    none for a set no run has a breakdown of."""
    lines = []
    for name in real_sets(runs):
        rows = [
            (run, breakdowns[(run["run_id"], name)])
            for _, run in runs.iterrows()
            if (run["run_id"], name) in breakdowns
        ]
        if rows:
            table = pd.DataFrame([_register_row(run, breakdown) for run, breakdown in rows])
            lines += [REGISTER_INTRO.format(name=name), "", markdown_table(table), ""]
    return lines


def _register_row(run: pd.Series, breakdown: dict) -> dict[str, str]:
    registers = {
        f"{row['register']} ({row['references']})": f"{row['recall']:.2f}"
        for row in breakdown["by_register"]
        if row["references"]
    }
    return {"model": run["model"], "run": run["run"], **registers}
