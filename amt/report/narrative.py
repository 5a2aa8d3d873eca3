"""Plain-text findings per model and a side-by-side table of the models' errors."""

from collections.abc import Mapping

import pandas as pd

from amt.analysis.errors import FALSE_POSITIVE_TYPES, MISS_TYPES, RunAnalysis, error_counts, scores

TOP_TYPES = 3
# What usually causes each error type, and what to try against it: the "why" and "how to
# improve" that follow each model's findings in the report.
CAUSES = {
    "octave": "octave false alarms are a played note's strong second harmonic read as a note of its own; "
    "more timbres (bright presets) and more training teach the harmonic profile of a piano note",
    "fifth/twelfth": "fifth/twelfth false alarms come from the third harmonic; the same remedies as for "
    "octaves apply",
    "other harmonic": "higher harmonics read as notes point to a model that has not yet learnt the "
    "spectral envelope; train longer",
    "semitone": "semitone false alarms are frequency smearing between neighbouring keys; the ConvStack "
    "needs more steps, or detuned (honky-tonk) presets are confusing it",
    "repeated-note split": "held notes split into repeated onsets: the decaying note's energy crosses the "
    "onset threshold twice; a higher onset threshold or a model with temporal context (BiLSTM) helps",
    "dense chord": "notes under dense chords are masked by louder neighbours; more polyphonic training "
    "material and more steps help most",
    "quiet note": "quiet notes sink under louder ones and the noise floor; a wider dynamic range in "
    "training and a lower onset threshold trade toward recall",
    "short note": "very short notes span one or two 32 ms frames; a finer hop or a dedicated onset head "
    "with more weight on onsets helps",
    "re-struck merged": "re-strikes of a held key (often under the pedal) merge into one note; onset "
    "detection must fire on the re-strike, which needs more training on pedalled music",
}
RECALL_GAP = 0.1  # precision above recall by this much: the model misses more than it invents


def describe(model: str, analysis: RunAnalysis) -> str:
    """A short paragraph: overall note scores, the commonest errors with counts, timing, and advice."""
    overall = scores(analysis.ref["hit"], analysis.est["hit"])
    false_positives = error_counts(analysis.est, FALSE_POSITIVE_TYPES)
    misses = error_counts(analysis.ref, MISS_TYPES)
    pieces = analysis.ref["piece"].nunique()
    onset_ms = 1000 * analysis.ref["onset_error"].abs().median()
    offset_ms = 1000 * analysis.ref["offset_error"].abs().median()
    parts = [
        f"{model}: note F1 {overall['f1']:.3f} (precision {overall['precision']:.3f}, recall "
        f"{overall['recall']:.3f}) pooled over all {len(analysis.ref)} reference notes of "
        f"{pieces} test pieces.",
        _commonest("false positives", false_positives),
        _commonest("misses", misses),
        f"Matched onsets are off by {onset_ms:.0f} ms and offsets by {offset_ms:.0f} ms (median)."
        if analysis.ref["hit"].any()
        else "No note was matched.",
        advice(overall, false_positives, misses),
    ]
    return " ".join(part for part in parts if part)


def advice(overall: Mapping[str, float], false_positives: pd.Series, misses: pd.Series) -> str:
    """Why the commonest false positive and miss types happen and what to try, from the counts."""
    reasons = []
    if overall["precision"] - overall["recall"] > RECALL_GAP:
        reasons.append(
            "it misses far more notes than it invents, so a lower onset threshold or more training "
            "would trade toward recall"
        )
    for counts in (false_positives, misses):
        named = counts.drop("other", errors="ignore")
        if named.sum():
            reasons.append(CAUSES[named.idxmax()])
    sentences = " ".join(f"{reason[0].upper()}{reason[1:]}." for reason in reasons)
    return f"Why, and what to try: {sentences}" if reasons else ""


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
