"""The results block: what README shows of the current results, written by the report.

The best run per model on the current data (and its scores on labelled real recordings,
when ``amt evaluate`` logged any), with the machine the report ran on and the stage times of
the main job (``metrics/stage_times.txt``, when there is one), as markdown.
README includes it between RESULTS_BEGIN and RESULTS_END (``scripts/readme_results.py``
copies it in; a test keeps the two equal), so no result in README is copied by hand.
"""

import os
import platform
import re
from pathlib import Path

import pandas as pd
import torch

from amt.report.leaderboard import best_runs
from amt.report.real import Breakdowns, real_markdown, register_markdown
from amt.report.references import reference_markdown
from amt.report.tables import format_duration, format_score, markdown_table

RESULTS_FILE = "results.md"
STAGE_TIMES_FILE = "metrics/stage_times.txt"  # written by scripts/main.sh
NOTE_SCORES = ("note_f1", "note_precision", "note_recall")
RESULTS_BEGIN = "<!-- results: reports/results.md, written by the report stage -->"
RESULTS_END = "<!-- end of results -->"
REAL_INTRO = (
    "The same runs on labelled recordings of real pianos (`amt evaluate`, same thresholds; such "
    "sets only measure, nothing is tuned or chosen on them):"
)


def results_markdown(
    runs: pd.DataFrame,
    current: str | None,
    stage_times: list[tuple[str, int]],
    references: pd.DataFrame | None = None,
    breakdowns: Breakdowns | None = None,
) -> str:
    """The block for ``runs`` (every scored run) on data ``current``, with the reference systems'
    runs on that data and, from ``breakdowns``, where the best runs miss notes on real recordings."""
    best = current_best(runs, current)
    if best.empty:
        return "No evaluated runs on the current data yet: run `bash scripts/main.sh`.\n"
    lines = [
        f"Test split of the current data (`{current}`), thresholds tuned on validation; the best run "
        f"per model ({_provenance(best)}, report built on {machine()}):",
        "",
        markdown_table(_table(best)),
        "",
        *real_markdown(best, REAL_INTRO),
        *register_markdown(best, breakdowns or {}),
        *reference_markdown(references, current),
    ]
    if stage_times:
        total = sum(seconds for _, seconds in stage_times)
        times = ", ".join(f"{name} {format_duration(seconds)}" for name, seconds in stage_times)
        lines += [f"Main job stages (`{STAGE_TIMES_FILE}`, {format_duration(total)} in all): {times}.", ""]
    return "\n".join(lines)


def current_best(runs: pd.DataFrame, current: str | None) -> pd.DataFrame:
    """The best run per model on data ``current`` (none without current data)."""
    best = best_runs(runs)
    return best[best["data_fingerprint"] == current] if current else best.iloc[:0]


def _table(best: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": best["model"],
            "steps": best["steps"].astype(str),
            "precision": best["precision"],
            "train time": best["train_seconds"].map(format_duration),
            "note F1 (P/R)": [format_score(*row) for row in best[list(NOTE_SCORES)].itertuples(index=False)],
            "frame F1": best["frame_f1"].map("{:.3f}".format),
            "note-with-offset F1": best["note_offset_f1"].map("{:.3f}".format),
        }
    )


def _provenance(best: pd.DataFrame) -> str:
    """Where the runs come from: their commits and the day of the newest."""
    commits = sorted({str(commit)[:7] for commit in best["git_commit"].dropna()})
    day = pd.to_datetime(best["start_time"].max(), unit="ms", utc=True).strftime("%Y-%m-%d")
    return f"commit {', '.join(f'`{c}`' for c in commits) or 'unknown'}, {day}"


def machine() -> str:
    """This machine in a few words: CPU model, cores, the widest vector unit torch uses, GPU."""
    cpu = _cpu_model() or platform.machine()
    gpu = f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {torch.backends.cpu.get_cpu_capability()}{gpu}"


def _cpu_model() -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else None


def read_stage_times(path: str | Path) -> list[tuple[str, int]]:
    """``name seconds s`` lines of the main job's stage times; none if the file is missing."""
    path = Path(path)
    if not path.is_file():
        return []
    lines = (re.fullmatch(r"(.+) (\d+) s", line) for line in path.read_text().splitlines())
    return [(match[1], int(match[2])) for match in lines if match]


def readme_with_results(readme: str, results: str) -> str:
    """``readme`` with the text between the markers replaced by ``results``."""
    if RESULTS_BEGIN not in readme or RESULTS_END not in readme:
        raise ValueError(f"README lacks the markers {RESULTS_BEGIN} ... {RESULTS_END}")
    head, rest = readme.split(RESULTS_BEGIN, 1)
    tail = rest.split(RESULTS_END, 1)[1]
    return f"{head}{RESULTS_BEGIN}\n{results.strip()}\n{RESULTS_END}{tail}"
