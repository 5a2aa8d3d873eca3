"""The leaderboard: best run per model by note F1, then every scored run.

Runs scored on different data (another cache fingerprint) are never ranked together:
the table is split into one section per data fingerprint, newest data first.
"""

from pathlib import Path

import pandas as pd

from amt.core import atomic
from amt.report.real import real_markdown
from amt.report.references import reference_markdown
from amt.report.tables import count, format_duration, format_score, markdown_table

SCORE = "note_f1"
FAMILIES = {"frame": "frame", "note": "note", "note_offset": "note+offset"}
REAL_INTRO = "## Labelled recordings (`amt evaluate`)\n\nEvery run scored on a labelled set, not ranked:"
CSV_COLUMNS = (
    "model",
    "run",
    "run_id",
    "steps",
    "sequence_length",
    "batch",
    "precision",
    "device",
    "parameters",
    "train_seconds",
    *(f"{family}_{part}" for family in FAMILIES for part in ("f1", "precision", "recall")),
    "data_fingerprint",
    "git_commit",
    "dvc_experiment",
    "best_of_model",
)


def best_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Per data fingerprint and model, the run with the highest note F1, best first."""
    if runs.empty:
        return runs
    best = runs.loc[runs.groupby(["data_fingerprint", "model"])[SCORE].idxmax()]
    return _data_order(best, runs).reset_index(drop=True)


def mark_best(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` ranked by note F1 within each data fingerprint, with a ``best_of_model`` column."""
    best_ids = set(best_runs(runs)["run_id"])
    return _data_order(runs.assign(best_of_model=runs["run_id"].isin(best_ids)), runs).reset_index(drop=True)


def display_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Human-readable columns (scores as 'F1 (P/R)'), one row per run."""
    table = pd.DataFrame(
        {
            "model": runs["model"],
            "run": runs["run"],
            "steps": runs["steps"],
            "seq. length": runs["sequence_length"],
            "batch": runs["batch"],
            "precision": runs["precision"],
            "device": runs["device"],
            "parameters": runs["parameters"].map(count),
            "train time": runs["train_seconds"].map(format_duration),
        }
    )
    for family, label in FAMILIES.items():
        table[f"{label} F1 (P/R)"] = [
            format_score(f1, precision, recall)
            for f1, precision, recall in zip(
                runs[f"{family}_f1"], runs[f"{family}_precision"], runs[f"{family}_recall"], strict=True
            )
        ]
    table["data"] = runs["data_fingerprint"]
    return table.fillna("–").astype(str)


def sections(
    runs: pd.DataFrame, current_fingerprint: str | None = None
) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """(data fingerprint, best runs, all runs ranked) per fingerprint: the current data
    first, then the others, newest first."""
    ranked = mark_best(runs)
    groups = [
        (fingerprint, group[group["best_of_model"]], group)
        for fingerprint, group in ranked.groupby("data_fingerprint", sort=False)
    ]
    return sorted(groups, key=lambda section: section[0] != current_fingerprint)


def leaderboard_markdown(
    runs: pd.DataFrame, current_fingerprint: str | None = None, references: pd.DataFrame | None = None
) -> str:
    """The leaderboard as GitHub-flavoured markdown; reference systems in a section of their own."""
    lines = ["# Leaderboard", ""]
    if runs.empty:
        return "\n".join([*lines, "No evaluated runs yet.", "", *reference_markdown(references)])
    lines += [
        f"{len(runs)} evaluated runs. Runs are ranked by test note F1 only against runs on the "
        "same data (cache fingerprint); each data fingerprint has its own section.",
        "",
    ]
    lines += real_markdown(
        runs, "## Labelled recordings (`amt evaluate`)\n\nEvery run scored on a labelled set:"
    )
    for fingerprint, best, everything in sections(runs, current_fingerprint):
        current = " (the current data/cache)" if fingerprint == current_fingerprint else ""
        lines += [f"## Data `{fingerprint}`{current}", "", "### Best run per model", ""]
        lines += [markdown_table(display_table(best)), "", f"### All {len(everything)} runs", ""]
        lines += [markdown_table(display_table(everything)), ""]
    return "\n".join(lines + reference_markdown(references))


def write_leaderboard(
    runs: pd.DataFrame,
    out_dir: str | Path,
    current_fingerprint: str | None = None,
    references: pd.DataFrame | None = None,
) -> None:
    """``leaderboard.md`` and ``leaderboard.csv`` (every run, ``best_of_model`` marked) in ``out_dir``."""
    out_dir = Path(out_dir)
    ranked = mark_best(runs) if not runs.empty else runs.assign(best_of_model=[])
    csv = ranked.reindex(columns=list(CSV_COLUMNS)).to_csv(index=False, float_format="%.4f")
    atomic.write_text(out_dir / "leaderboard.csv", csv)
    atomic.write_text(out_dir / "leaderboard.md", leaderboard_markdown(runs, current_fingerprint, references))


def _data_order(chosen: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Rows grouped by fingerprint (the one with the newest run first), best note F1 first."""
    newest = runs.groupby("data_fingerprint")["start_time"].max().rank(ascending=False, method="first")
    key = chosen["data_fingerprint"].map(newest)
    return (
        chosen.assign(_data=key).sort_values(["_data", SCORE], ascending=[True, False]).drop(columns="_data")
    )
