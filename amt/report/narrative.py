"""Plain-text findings per model and a side-by-side table of the models' errors."""

from collections.abc import Mapping

import pandas as pd

from amt.report.errors import FALSE_POSITIVE_TYPES, MISS_TYPES, RunAnalysis, error_counts, scores

TOP_TYPES = 3


def describe(model: str, analysis: RunAnalysis) -> str:
    """A short paragraph: overall note scores, the commonest errors with counts, timing."""
    overall = scores(analysis.ref["hit"], analysis.est["hit"])
    pieces = analysis.ref["piece"].nunique()
    onset_ms = 1000 * analysis.ref["onset_error"].abs().median()
    offset_ms = 1000 * analysis.ref["offset_error"].abs().median()
    return " ".join(
        [
            f"{model}: note F1 {overall['f1']:.3f} (precision {overall['precision']:.3f}, recall "
            f"{overall['recall']:.3f}) over {pieces} test pieces, {len(analysis.ref)} reference notes.",
            _commonest("false positives", error_counts(analysis.est, FALSE_POSITIVE_TYPES)),
            _commonest("misses", error_counts(analysis.ref, MISS_TYPES)),
            f"Matched onsets are off by {onset_ms:.0f} ms and offsets by {offset_ms:.0f} ms (median)."
            if analysis.ref["hit"].any()
            else "No note was matched.",
        ]
    )


def side_by_side(analyses: Mapping[str, RunAnalysis]) -> pd.DataFrame:
    """One column per model: scores, timing and the share of each error type."""
    return pd.DataFrame({model: _profile(analysis) for model, analysis in analyses.items()})


def _profile(analysis: RunAnalysis) -> pd.Series:
    overall = scores(analysis.ref["hit"], analysis.est["hit"])
    false_positives = error_counts(analysis.est, FALSE_POSITIVE_TYPES)
    misses = error_counts(analysis.ref, MISS_TYPES)
    rows = {
        "note F1": f"{overall['f1']:.3f}",
        "note precision": f"{overall['precision']:.3f}",
        "note recall": f"{overall['recall']:.3f}",
        "median onset error": f"{1000 * analysis.ref['onset_error'].abs().median():.0f} ms",
        "median offset error": f"{1000 * analysis.ref['offset_error'].abs().median():.0f} ms",
        "false positives": str(false_positives.sum()),
        **{f"FP: {name}": _share(count, false_positives.sum()) for name, count in false_positives.items()},
        "misses": str(misses.sum()),
        **{f"miss: {name}": _share(count, misses.sum()) for name, count in misses.items()},
    }
    return pd.Series(rows)


def _commonest(what: str, counts: pd.Series) -> str:
    total = counts.sum()
    if not total:
        return f"No {what}."
    top = counts[counts > 0].sort_values(ascending=False, kind="stable").head(TOP_TYPES)
    listed = ", ".join(f"{name} {_share(count, total)}" for name, count in top.items())
    return f"Of {total} {what}, the commonest are {listed}."


def _share(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.0f} %)" if total else "0"
