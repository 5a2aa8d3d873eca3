"""DVC stage `report`: leaderboard of every evaluated MLflow run and error analysis of the best.

Reads the tracking store (not the workspace), so runs of every DVC experiment, queued
ones included, are in it. With no evaluated run it says how to make one and exits 0.
"""

from amt.core import tracking
from amt.core.constants import REPORTS_DIR
from amt.core.params import get
from amt.core.stage import run_stage
from amt.report.build import build_report
from amt.report.page import HOW_TO_RUN


def main(params: dict) -> None:
    report = build_report(params)
    if report.runs.empty:
        experiment = get(params, "tracking.experiment", tracking.DEFAULT_EXPERIMENT)
        print(f"report: no evaluated runs in MLflow experiment '{experiment}'; make one with:")
        for command in HOW_TO_RUN:
            print(f"  {command}")
    else:
        print(f"report: {len(report.runs)} evaluated runs; analysed {', '.join(report.analyses) or 'none'}")
    for note in report.notes:
        print(f"report: {note}")
    written = "index.html, leaderboard.md, leaderboard.csv, results.md, errors.md with runs"
    print(f"report: wrote {REPORTS_DIR}/ ({written})")


if __name__ == "__main__":
    run_stage("report", main)
