"""Where to look: the stretches of test audio on which the models disagree most."""

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from amt.analysis.errors import RunAnalysis

WINDOW_SECONDS = 5.0
EXCERPTS = 3


@dataclass(frozen=True)
class Excerpt:
    piece: str
    start: float
    stop: float
    reason: str


def errors_per_window(analysis: RunAnalysis) -> pd.Series:
    """Misses plus false positives per (piece, window index) of WINDOW_SECONDS."""
    wrong = pd.concat([analysis.ref.loc[~analysis.ref["hit"]], analysis.est.loc[~analysis.est["hit"]]])
    window = (wrong["onset"] // WINDOW_SECONDS).astype(int).rename("window")
    return wrong.groupby([wrong["piece"], window]).size()


def choose_excerpts(analyses: Mapping[str, RunAnalysis], count: int = EXCERPTS) -> list[Excerpt]:
    """Up to ``count`` windows, from different pieces, with the widest spread of error counts
    between models (with one model, its most errors)."""
    errors = pd.DataFrame({model: errors_per_window(a) for model, a in analyses.items()}).fillna(0)
    if errors.empty:
        return []
    spread = errors.max(axis=1) - errors.min(axis=1) if errors.shape[1] > 1 else errors.iloc[:, 0]
    ranked = spread[spread > 0].sort_values(ascending=False, kind="stable")
    chosen = ranked.groupby(level="piece", sort=False).head(1).head(count)
    return [
        Excerpt(
            piece,
            window * WINDOW_SECONDS,
            (window + 1) * WINDOW_SECONDS,
            _reason(errors.loc[(piece, window)]),
        )
        for piece, window in chosen.index
    ]


def _reason(errors: pd.Series) -> str:
    return "errors here: " + ", ".join(f"{model} {int(count)}" for model, count in errors.items())
