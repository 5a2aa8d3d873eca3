"""Build the report: leaderboard of every evaluated run, error analysis of each model's best.

Only the best run per model on the current data (the cache's fingerprint) gets the
analysis, so the cost does not grow with the number of runs. Its figures and findings
are also logged to that run in MLflow under ``report/``.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import pandas as pd

from amt.analysis.errors import RunAnalysis, analyse
from amt.config import TrackingConfig
from amt.core import atomic, tracking
from amt.core.constants import CACHE_DIR, REPORTS_DIR
from amt.data.cache import MANIFEST_FILE, fingerprint
from amt.report import page
from amt.report.excerpts import choose_excerpts
from amt.report.figures import run_figures
from amt.report.leaderboard import best_runs, write_leaderboard
from amt.report.narrative import describe, side_by_side
from amt.report.predictions import predicted_pieces, reference_notes
from amt.report.real import logged_breakdowns
from amt.report.references import split_references
from amt.report.results import (
    RESULTS_FILE,
    STAGE_TIMES_FILE,
    current_best,
    read_stage_times,
    results_markdown,
)
from amt.report.runs import load_runs
from amt.report.tables import markdown_table

REPORT_ARTIFACTS = "report"


@dataclass
class Report:
    """What was built: the runs read, the analysed models and why others were not analysed."""

    runs: pd.DataFrame
    analyses: dict[str, RunAnalysis] = field(default_factory=dict)
    run_ids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def build_report(
    tracking_config: TrackingConfig,
    cache_dir: str | Path = CACHE_DIR,
    out_dir: str | Path = REPORTS_DIR,
    stage_times: str | Path = STAGE_TIMES_FILE,
) -> Report:
    """Write leaderboard.md/.csv, results.md, errors.md and index.html to ``out_dir``; log
    figures to MLflow."""
    out_dir = Path(out_dir)
    experiment = tracking_config.experiment
    runs, references = split_references(load_runs(tracking.use_store(tracking_config)))
    current = fingerprint(cache_dir) if (Path(cache_dir) / MANIFEST_FILE).exists() else None
    write_leaderboard(runs, out_dir, current, references)
    breakdowns = logged_breakdowns(current_best(runs, current))
    results = results_markdown(runs, current, read_stage_times(stage_times), references, breakdowns)
    atomic.write_text(out_dir / RESULTS_FILE, results)
    if runs.empty:
        atomic.write_text(out_dir / "index.html", page.empty_page(experiment))
        return Report(runs)
    report = analyse_best(runs, current, cache_dir)
    excerpts = choose_excerpts(report.analyses)
    figures = {model: run_figures(analysis, model, excerpts) for model, analysis in report.analyses.items()}
    texts = {model: describe(model, analysis) for model, analysis in report.analyses.items()}
    comparison = side_by_side(report.analyses)
    for model, run_id in report.run_ids.items():
        log_to_run(run_id, figures[model], texts[model])
    atomic.write_text(out_dir / "errors.md", errors_markdown(texts, comparison, report.notes))
    analysis = page.analysis_parts(texts, comparison, figures, excerpts, report.notes)
    atomic.write_text(
        out_dir / "index.html", page.report_page(page.leaderboard_parts(runs, current, references), analysis)
    )
    return report


def analyse_best(runs: pd.DataFrame, current: str | None, cache_dir: str | Path) -> Report:
    """Analyse the best run per model on the current data; note why any other best run is not."""
    report = Report(runs)
    best = best_runs(runs)
    elsewhere = best[best["data_fingerprint"] != current]
    report.notes += [
        f"{row.run} ({row.model}) was scored on data {row.data_fingerprint}, not the current data/cache "
        f"({current or 'missing'}): not analysed."
        for row in elsewhere.itertuples()
    ]
    here = best[best["data_fingerprint"] == current]
    if here.empty:
        return report
    references = reference_notes(cache_dir)
    for row in here.itertuples():
        pieces = predicted_pieces(row.run_id, references)
        if pieces:
            report.analyses[row.model] = analyse(pieces)
            report.run_ids[row.model] = row.run_id
        else:
            report.notes.append(
                f"{row.run} ({row.model}) has no predicted MIDI of the test pieces: not analysed."
            )
    return report


def log_to_run(run_id: str, figures: dict[str, bytes], text: str) -> None:
    """Store a run's figures and findings as its ``report/`` artifacts."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in figures.items():
            (Path(tmp) / name).write_bytes(data)
        (Path(tmp) / "summary.txt").write_text(text + "\n")
        mlflow.MlflowClient().log_artifacts(run_id, tmp, REPORT_ARTIFACTS)


def errors_markdown(texts: dict[str, str], comparison: pd.DataFrame, notes: list[str]) -> str:
    """The findings and the side-by-side table as markdown (figures are in index.html and MLflow)."""
    lines = ["# Error analysis of each model's best run", "", *(f"- {note}" for note in notes)]
    lines += ["", *(f"{text}\n" for text in texts.values())]
    if not comparison.empty:
        lines += ["## Side by side", "", markdown_table(comparison.reset_index(names="")), ""]
    return "\n".join(lines)
