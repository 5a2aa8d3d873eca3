"""Scores on labelled recordings (``amt evaluate``, logged to a run as ``real/<set>/<metric>``),
shown in a table of their own beside each run's synthetic test score, never ranked with it."""

import pandas as pd

from amt.report.tables import format_score, markdown_table

PREFIX = "real/"  # amt.labelled.runs.PREFIX, as the report reads it back
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
