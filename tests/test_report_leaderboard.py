import pandas as pd
import pytest

from amt.core import tracking
from amt.report.leaderboard import best_runs, leaderboard_markdown, write_leaderboard
from amt.report.runs import load_runs, runs_table
from tests.report_fixtures import isolated_env, log_run, store_params


@pytest.fixture(autouse=True)
def _isolated():
    with isolated_env():
        yield


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> pd.DataFrame:
    with isolated_env():
        params = store_params(tmp_path_factory.mktemp("store"))
        log_run(params, "onf", 0.8, "data-a")
        log_run(params, "onf", 0.6, "data-a")
        log_run(params, "lstm", 0.7, "data-a")
        log_run(params, "onf", 0.9, "data-b")
        log_run(params, "crnn", 0.0, "data-a", scored=False)
        return load_runs(tracking.use_store(params.tracking))


def test_only_scored_runs_are_read_with_params_tags_and_metrics(runs):
    assert len(runs) == 4
    assert set(runs["model"]) == {"onf", "lstm"}
    first = runs.iloc[0]
    assert (first["steps"], first["sequence_length"], first["batch"]) == (10, 5120, 2)
    assert (first["device"], first["precision"], first["parameters"]) == ("cpu", "auto", 12345)
    assert first["run"].startswith(f"{first['model']}-")


def test_best_run_per_model_is_chosen_within_each_data_fingerprint(runs):
    best = best_runs(runs)
    chosen = {(row.data_fingerprint, row.model): row.note_f1 for row in best.itertuples()}
    assert chosen == {("data-a", "onf"): 0.8, ("data-a", "lstm"): 0.7, ("data-b", "onf"): 0.9}
    assert best["data_fingerprint"].iloc[0] == "data-b"  # the newest data comes first


def test_markdown_never_ranks_runs_on_different_data_together(runs):
    text = leaderboard_markdown(runs, current_fingerprint="data-a")
    section_a, section_b = (
        text.index("## Data `data-a` (the current data/cache)"),
        text.index("## Data `data-b`"),
    )
    assert section_a < section_b  # the current data first
    assert "0.900" not in text[section_a:section_b]
    assert "0.800 (0.50/0.50)" in text[section_a:section_b]
    newest_first = leaderboard_markdown(runs)
    assert newest_first.index("`data-b`") < newest_first.index("`data-a`")
    assert "| model | run | steps |" in text


def test_csv_lists_every_run_and_marks_the_best(runs, tmp_path):
    write_leaderboard(runs, tmp_path)
    table = pd.read_csv(tmp_path / "leaderboard.csv")
    assert len(table) == 4 and table["best_of_model"].sum() == 3
    assert not table.loc[table["note_f1"] == 0.6, "best_of_model"].item()
    assert (tmp_path / "leaderboard.md").read_text().startswith("# Leaderboard")


def test_no_runs_give_an_empty_leaderboard(tmp_path):
    write_leaderboard(runs_table(pd.DataFrame()), tmp_path)
    assert "No evaluated runs yet" in (tmp_path / "leaderboard.md").read_text()
    assert pd.read_csv(tmp_path / "leaderboard.csv").empty
