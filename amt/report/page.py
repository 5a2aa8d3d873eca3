"""What the report page says: leaderboard sections, findings per model and their figures."""

from collections.abc import Mapping

import pandas as pd

from amt.report import html
from amt.report.excerpts import Excerpt
from amt.report.leaderboard import display_table, sections
from amt.report.references import INTRO, reference_table

TITLE = "amt: transcription report"
HOW_TO_RUN = [
    "dvc repro",
    "dvc exp run -S model=baseline",
    "dvc exp run --queue -S model=baseline,lstm,crnn,onf && dvc queue start",
]
NO_RUNS = "No evaluated runs in the MLflow experiment '{experiment}' yet. Make one with:"


def empty_page(experiment: str) -> str:
    """The page when no run has test metrics: how to make one."""
    return html.page(TITLE, [html.code_paragraph(NO_RUNS.format(experiment=experiment), HOW_TO_RUN)])


def leaderboard_parts(
    runs: pd.DataFrame, current_fingerprint: str | None, references: pd.DataFrame | None = None
) -> list[str]:
    """One section per data fingerprint: best run per model, then every run (collapsed); then
    the reference systems, apart."""
    parts = [
        html.heading(2, "Leaderboard"),
        html.paragraph(
            f"{len(runs)} evaluated runs, ranked by test note F1. Runs on different data (cache "
            "fingerprints) are never ranked against each other: each has its own section."
        ),
    ]
    for fingerprint, best, everything in sections(runs, current_fingerprint):
        current = " (the current data/cache)" if fingerprint == current_fingerprint else ""
        parts += [
            html.heading(3, f"Data {fingerprint}{current}: best run per model"),
            f'<div class="leaderboard">{html.table(display_table(best))}</div>',
            html.details(
                f"All {len(everything)} runs on data {fingerprint}", html.table(display_table(everything))
            ),
        ]
    if references is not None and not references.empty:
        parts += [
            html.heading(2, "Reference systems"),
            html.paragraph(INTRO.split("\n\n", 1)[1]),
            html.table(reference_table(references)),
        ]
    return parts


def analysis_parts(
    texts: Mapping[str, str],
    comparison: pd.DataFrame,
    figures: Mapping[str, Mapping[str, bytes]],
    excerpts: list[Excerpt],
    notes: list[str],
) -> list[str]:
    """Error analysis: findings per model, the side-by-side table, then each model's figures."""
    parts = [html.heading(2, "Error analysis of each model's best run")]
    parts += [html.paragraph(note, "note") for note in notes]
    if not texts:
        return parts
    parts += [html.paragraph(text) for text in texts.values()]
    parts += [html.heading(3, "Side by side"), html.table(comparison, index=True)]
    if excerpts:
        listed = "; ".join(f"{e.piece} {e.start:.0f}-{e.stop:.0f} s" for e in excerpts)
        parts.append(html.paragraph(f"Piano-roll excerpts (where the models disagree most): {listed}."))
    for model, images in figures.items():
        parts.append(html.heading(3, model))
        parts += [html.image(data, f"{model} {name}") for name, data in images.items()]
    return parts


def report_page(leaderboard: list[str], analysis: list[str]) -> str:
    """The whole report."""
    return html.page(TITLE, [*leaderboard, *analysis])
