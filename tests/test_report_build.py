import os
import re
import shutil
import subprocess

import mlflow
import numpy as np
import pandas as pd
import pytest

from amt.core import tracking
from amt.core.metadata import write_metadata
from amt.core.notes import make_notes
from amt.data.cache import build_cache, fingerprint
from amt.report.build import build_report
from tests.conftest import scale_notes, write_piece
from tests.report_fixtures import isolated_env, log_run, store_params

PIECES = {"e": scale_notes(50, 6), "f": [(0.1, 0.9, 60, 70), (0.1, 0.9, 64, 70), (1.0, 1.04, 67, 30)]}


@pytest.fixture(autouse=True)
def _isolated():
    with isolated_env():
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache with two test pieces, four runs (one on other data, one without MIDI), the report."""
    with isolated_env():
        root = tmp_path_factory.mktemp("report")
        rows = [
            write_piece(root / "raw", split, split, scale_notes(48, 4), 1.5)
            for split in ("train", "validation")
        ]
        rows += [write_piece(root / "raw", "test", piece, notes, 2.0) for piece, notes in PIECES.items()]
        write_metadata(root / "raw", rows)
        build_cache(root / "raw", root / "cache", workers=1)
        data = fingerprint(root / "cache")
        params = store_params(root)
        exact = {piece: make_notes(notes) for piece, notes in PIECES.items()}
        octave = {
            piece: np.vstack([notes, [[0.2, 0.5, notes[0, 2] + 12, 60]]]) for piece, notes in exact.items()
        }
        ids = {
            "onf": log_run(params, "onf", 0.9, data, midi=exact),
            "lstm": log_run(params, "lstm", 0.7, data, midi={"e": octave["e"][2:], "f": octave["f"]}),
            "crnn": log_run(params, "crnn", 0.5, data),
            "baseline": log_run(params, "baseline", 0.95, "older-data", midi=exact),
        }
        (root / "stage_times.txt").write_text("train+evaluate onf 95 s\nreport 5 s\n")
        report = build_report(params.tracking, root / "cache", root / "reports", root / "stage_times.txt")
        return {"report": report, "out": root / "reports", "params": params, "ids": ids, "data": data}


def test_every_run_is_on_the_leaderboard_and_other_data_is_kept_apart(built):
    table = pd.read_csv(built["out"] / "leaderboard.csv")
    assert sorted(table["model"]) == ["baseline", "crnn", "lstm", "onf"]
    text = (built["out"] / "leaderboard.md").read_text()
    assert f"## Data `{built['data']}` (the current data/cache)" in text and "## Data `older-data`" in text


def test_only_best_runs_with_predictions_on_current_data_are_analysed(built):
    report = built["report"]
    assert sorted(report.analyses) == ["lstm", "onf"]
    assert any("baseline" in note and "older-data" in note for note in report.notes)
    assert any("crnn" in note and "no predicted MIDI" in note for note in report.notes)
    onf, lstm = report.analyses["onf"], report.analyses["lstm"]
    assert onf.ref["hit"].all() and onf.est["hit"].all()
    assert set(lstm.est.loc[~lstm.est["hit"], "error"]) == {"octave"}
    assert (~lstm.ref["hit"]).sum() == 2


def test_findings_name_the_commonest_errors(built):
    text = (built["out"] / "errors.md").read_text()
    assert re.search(r"lstm: note F1 0\.\d+ .*the commonest are octave 2 \(100 %\)", text)
    lstm = next(line for line in text.splitlines() if line.startswith("lstm:"))
    assert "Why, and what to try: " in lstm and "second harmonic" in lstm
    onf = next(line for line in text.splitlines() if line.startswith("onf:"))
    assert "No false positives." in onf and "Why" not in onf
    assert "## Side by side" in text and "| FP: octave |" in text


def test_figures_are_logged_to_the_run_they_describe(built):
    tracking.use_store(built["params"].tracking)
    names = {a.path for a in mlflow.MlflowClient().list_artifacts(built["ids"]["lstm"], "report")}
    assert {"report/pitch.png", "report/excerpts.png", "report/summary.txt"} <= names
    assert not mlflow.MlflowClient().list_artifacts(built["ids"]["baseline"], "report")


def test_the_page_is_self_contained(built):
    page = (built["out"] / "index.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 12
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_results_block_holds_the_best_run_per_model_on_the_current_data_only(built):
    text = (built["out"] / "results.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == ["onf", "lstm", "crnn"]
    assert "0.900 (0.50/0.50)" in rows[0] and "baseline" not in text  # its run is on other data
    assert "Main job stages (`metrics/stage_times.txt`, 1.7 min in all): train+evaluate onf 1.6 min" in text
    assert f"current data (`{built['data']}`)" in text and "commit `abc`" in text


def test_no_runs_give_a_page_that_says_how_to_make_one(tmp_path):
    report = build_report(store_params(tmp_path).tracking, tmp_path / "no-cache", tmp_path / "reports")
    assert report.runs.empty
    assert "dvc exp run -S model=" in (tmp_path / "reports" / "index.html").read_text()
    assert "No evaluated runs" in (tmp_path / "reports" / "results.md").read_text()


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_page_renders_in_a_headless_browser(built, tmp_path):
    url = (built["out"] / "index.html").as_uri()
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2000",
        "--virtual-time-budget=5000",
    ]
    env = os.environ | {"HOME": str(tmp_path)}
    shot = tmp_path / "page.png"
    screenshot = subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", url], capture_output=True, text=True, timeout=60, env=env
    )
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=60, env=env
    )
    assert shot.stat().st_size > 10_000
    assert 'data-images="ok"' in dom.stdout
    assert dom.stdout.count("<img") == 12 and '<div class="leaderboard"><table' in dom.stdout
    for log in (screenshot.stderr, dom.stderr):
        assert "Uncaught" not in log and not re.search(r"CONSOLE\(\d+\).*error", log, re.IGNORECASE)
