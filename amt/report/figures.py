"""The error-analysis figures of one run, each rendered to PNG bytes (matplotlib, Agg).

Figures are built on ``matplotlib.figure.Figure`` directly, so no pyplot state or
display is involved.
"""

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pretty_midi
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from amt.analysis.errors import (
    DURATION_BINS,
    FALSE_POSITIVE_TYPES,
    MISS_TYPES,
    POLYPHONY_BINS,
    VELOCITY_BINS,
    RunAnalysis,
    error_counts,
    per_piece,
    per_pitch,
    rate_by,
)
from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.report.excerpts import Excerpt

DPI = 90
MAX_PIECES_SHOWN = 40
COLOURS = {"hit": "#2e7d32", "miss": "#d32f2f", "false alarm": "#1565c0", "estimate": "#212121"}


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def pitch_figure(analysis: RunAnalysis, model: str) -> bytes:
    """Note F1, precision and recall of every key, with the number of reference notes."""
    table = per_pitch(analysis)
    scored = table[["f1", "precision", "recall"]].where(table[["references", "estimates"]].sum(axis=1) > 0)
    figure = Figure(figsize=(11, 3.5), layout="constrained")
    ax = figure.add_subplot()
    for column, style in (("f1", "o-"), ("precision", "^:"), ("recall", "v--")):
        ax.plot(table.index, scored[column], style, label=column, markersize=3)
    counts = ax.twinx()
    counts.bar(table.index, table["references"], color="grey", alpha=0.25, width=0.8)
    counts.set_ylabel("reference notes")
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    ticks = [p for p in range(MIN_MIDI, MAX_MIDI + 1) if p % 12 == 0]
    ax.set_xticks(ticks, [pretty_midi.note_number_to_name(p) for p in ticks])
    ax.set(
        ylim=(0, 1.05),
        xlim=(MIN_MIDI - 1, MAX_MIDI + 1),
        ylabel="score",
        title=f"{model}: note scores per key",
    )
    ax.legend(loc="lower left")
    return png(figure)


def timing_figure(analysis: RunAnalysis, model: str) -> bytes:
    """Histograms of onset and offset errors (estimate minus reference) of matched notes."""
    figure = Figure(figsize=(10, 3), layout="constrained")
    for ax, column, limit in zip(
        figure.subplots(1, 2), ("onset_error", "offset_error"), (50, 500), strict=True
    ):
        errors = 1000 * analysis.ref[column].dropna()
        ax.hist(errors.clip(-limit, limit), bins=41, range=(-limit, limit), color="#546e7a")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set(xlabel=f"{column.replace('_', ' ')} (ms, clipped at ±{limit})", ylabel="matched notes")
    figure.suptitle(f"{model}: timing of matched notes")
    return png(figure)


def rates_figure(analysis: RunAnalysis, model: str) -> bytes:
    """Recall (reference notes) and precision (estimated notes) by duration, velocity, polyphony."""
    figure = Figure(figsize=(12, 3.2), layout="constrained")
    columns = (("duration", DURATION_BINS, "duration (s)"), ("velocity", VELOCITY_BINS, "velocity"))
    columns += (("polyphony", POLYPHONY_BINS, "notes sounding at onset"),)
    for ax, (column, bins, label) in zip(figure.subplots(1, 3), columns, strict=True):
        recall, precision = rate_by(analysis.ref, column, bins), rate_by(analysis.est, column, bins)
        x = np.arange(len(recall))
        ax.bar(x - 0.2, recall["rate"], 0.4, label="recall")
        ax.bar(x + 0.2, precision["rate"], 0.4, label="precision")
        ax.set_xticks(x, [_bin_label(b) for b in recall.index], rotation=30, fontsize=8)
        ax.set(ylim=(0, 1.05), xlabel=label)
    figure.axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle(f"{model}: precision and recall by note property")
    return png(figure)


def taxonomy_figure(analysis: RunAnalysis, model: str) -> bytes:
    """Counts of each false-positive type and each miss type."""
    figure = Figure(figsize=(11, 3), layout="constrained")
    panels = ((analysis.est, FALSE_POSITIVE_TYPES, "false positives"), (analysis.ref, MISS_TYPES, "misses"))
    for ax, (table, types, title) in zip(figure.subplots(1, 2), panels, strict=True):
        counts = error_counts(table, types)
        ax.barh(counts.index[::-1], counts.values[::-1], color="#8d6e63")
        ax.set(title=f"{title} ({counts.sum()})", xlabel="notes")
    figure.suptitle(f"{model}: error types")
    return png(figure)


def pieces_figure(analysis: RunAnalysis, model: str) -> bytes:
    """Note F1 per test piece, worst first (at most MAX_PIECES_SHOWN)."""
    table = per_piece(analysis).head(MAX_PIECES_SHOWN)
    figure = Figure(figsize=(8, 1 + 0.22 * len(table)), layout="constrained")
    ax = figure.add_subplot()
    ax.barh(table.index.astype(str)[::-1], table["f1"].values[::-1], color="#5c6bc0")
    shown = "" if len(table) == analysis.ref["piece"].nunique() else f" (worst {len(table)})"
    ax.set(xlim=(0, 1), xlabel="note F1", title=f"{model}: note F1 per test piece{shown}")
    ax.tick_params(axis="y", labelsize=7)
    return png(figure)


def excerpts_figure(analysis: RunAnalysis, model: str, excerpts: Sequence[Excerpt]) -> bytes:
    """Piano rolls of the excerpts: reference notes hit or missed, false alarms, estimates outlined."""
    figure = Figure(figsize=(11, 2.6 * max(1, len(excerpts))), layout="constrained")
    axes = np.atleast_1d(figure.subplots(max(1, len(excerpts)), 1, squeeze=False)[:, 0])
    for ax, excerpt in zip(axes, excerpts, strict=False):
        ref, est = _inside(analysis.ref, excerpt), _inside(analysis.est, excerpt)
        _notes(ax, ref, np.where(ref["hit"], COLOURS["hit"], COLOURS["miss"]))
        _notes(ax, est[~est["hit"]], COLOURS["false alarm"])
        _notes(ax, est[est["hit"]], "none", edge=COLOURS["estimate"])
        pitches = pd.concat([ref["pitch"], est["pitch"]])
        low, high = (pitches.min() - 2, pitches.max() + 2) if len(pitches) else (MIN_MIDI, MAX_MIDI)
        end = pd.concat([ref["offset"], est["offset"]]).max() if len(pitches) else excerpt.stop
        ax.set(xlim=(excerpt.start, min(excerpt.stop, end + 0.25)), ylim=(low, high), ylabel="MIDI pitch")
        ax.set_title(
            f"{excerpt.piece}, {excerpt.start:.0f}-{excerpt.stop:.0f} s ({excerpt.reason})", fontsize=9
        )
    axes[-1].set_xlabel("time (s)")
    handles = [Patch(color=COLOURS[k], label=k) for k in ("hit", "miss", "false alarm")]
    handles.append(Patch(facecolor="none", edgecolor=COLOURS["estimate"], label="matched estimate"))
    figure.legend(handles=handles, loc="upper right", ncols=4, fontsize=8)
    figure.suptitle(f"{model}: excerpts where the models disagree most", x=0.3)
    return png(figure)


def run_figures(analysis: RunAnalysis, model: str, excerpts: Sequence[Excerpt]) -> dict[str, bytes]:
    """Every figure of one run, by file name."""
    return {
        "pitch.png": pitch_figure(analysis, model),
        "timing.png": timing_figure(analysis, model),
        "rates.png": rates_figure(analysis, model),
        "error_types.png": taxonomy_figure(analysis, model),
        "pieces.png": pieces_figure(analysis, model),
        "excerpts.png": excerpts_figure(analysis, model, excerpts),
    }


def _inside(table: pd.DataFrame, excerpt: Excerpt) -> pd.DataFrame:
    chosen = (
        (table["piece"] == excerpt.piece)
        & (table["onset"] < excerpt.stop)
        & (table["offset"] > excerpt.start)
    )
    return table[chosen]


def _notes(ax, table: pd.DataFrame, colours, edge: str = "none") -> None:
    colours = np.broadcast_to(np.asarray(colours, dtype=object), (len(table),))
    for (onset, duration, pitch), colour in zip(
        table[["onset", "duration", "pitch"]].to_numpy(), colours, strict=True
    ):
        ax.add_patch(
            Rectangle((onset, pitch - 0.4), duration, 0.8, facecolor=colour, edgecolor=edge, alpha=0.8)
        )


def _bin_label(interval: pd.Interval) -> str:
    right = "" if np.isinf(interval.right) else f"{interval.right:g}"
    return f"{interval.left:g}-{right}" if right else f"≥{interval.left:g}"
