"""DVC stage `report`: leaderboard of every evaluated MLflow run and error analysis of the best.

Reads the tracking store (not the workspace), so runs of every DVC experiment, queued
ones included, are in it. With no evaluated run it says how to make one and exits 0.
"""

import logging

from amt.config import Config
from amt.core.constants import REPORTS_DIR
from amt.core.stage import run_stage
from amt.report.build import build_report
from amt.report.page import HOW_TO_RUN

log = logging.getLogger("amt.stages")


def main(config: Config) -> None:
    report = build_report(config.tracking)
    if report.runs.empty:
        experiment = config.tracking.experiment
        log.info("no evaluated runs in MLflow experiment '%s'; make one with:", experiment)
        for command in HOW_TO_RUN:
            log.info("  %s", command)
    else:
        log.info("%d evaluated runs; analysed %s", len(report.runs), ", ".join(report.analyses) or "none")
    for note in report.notes:
        log.info("%s", note)
    written = "index.html, leaderboard.md, leaderboard.csv, results.md, errors.md with runs"
    log.info("wrote %s/ (%s)", REPORTS_DIR, written)


if __name__ == "__main__":
    run_stage("report", main, tracked=True)
