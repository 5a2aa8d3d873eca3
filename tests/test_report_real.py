import json

import mlflow
import pandas as pd

from amt.report.leaderboard import leaderboard_markdown
from amt.report.real import logged_breakdowns, real_rows, real_sets, register_markdown
from amt.report.results import results_markdown
from amt.report.runs import runs_table


def found(**real) -> pd.DataFrame:
    """Two runs as mlflow.search_runs gives them; the first also scored on labelled sets."""
    base = {
        "run_id": ["r1", "r2"],
        "tags.model": ["onf", "crnn"],
        "tags.mlflow.runName": ["onf-r1", "crnn-r2"],
        "tags.data_fingerprint": ["d1", "d1"],
        "tags.git_commit": ["abc1234", "abc1234"],
        "start_time": [2, 1],
        "metrics.steps": [100, 100],
        "params.train.sequence_length": ["20480", "20480"],
        "params.train.batch_size": ["8", "8"],
        "metrics.parameters": [1e6, 1e6],
        "metrics.train_seconds": [60.0, 60.0],
        **{
            f"metrics.{family}_{part}": [0.9, 0.8]
            for family in ("note", "frame", "note_offset")
            for part in ("f1", "precision", "recall")
        },
    }
    return pd.DataFrame(base | {f"metrics.real/{key}": [value, None] for key, value in real.items()})


SCORES = {
    f"maps/{metric}": 0.7
    for metric in ("note_f1", "note_precision", "note_recall", "frame_f1", "note_offset_f1")
}


def test_scores_on_labelled_sets_come_along_with_each_run():
    runs = runs_table(found(**SCORES))
    assert real_sets(runs) == ["maps"]
    rows = real_rows(runs)
    assert rows.to_dict("records") == [
        {
            "model": "onf",
            "run": "onf-r1",
            "set": "maps",
            "note F1 (P/R)": "0.700 (0.70/0.70)",
            "frame F1": "0.700",
            "note-with-offset F1": "0.700",
            "synthetic test note F1": "0.900",
        }
    ]


def test_the_results_block_and_leaderboard_show_them_in_their_own_table():
    runs = runs_table(found(**SCORES))
    block = results_markdown(runs, "d1", [])
    assert (
        "labelled recordings of real pianos" in block and "| onf | onf-r1 | maps | 0.700 (0.70/0.70)" in block
    )
    assert "## Labelled recordings" in leaderboard_markdown(runs, "d1")


def test_without_labelled_scores_there_is_no_such_table():
    runs = runs_table(found())
    assert real_rows(runs).empty
    assert "real pianos" not in results_markdown(runs, "d1", []) and "Labelled" not in leaderboard_markdown(
        runs
    )


BREAKDOWN = {
    "by_register": [
        {"register": "A0-G#1", "references": 0, "recall": None},
        {"register": "A1-G#2", "references": 20, "recall": 0.25},
        {"register": "A2-G#3", "references": 80, "recall": 0.625},
    ]
}


def test_recall_per_register_is_a_table_per_set_for_runs_with_a_breakdown():
    runs = runs_table(found(**SCORES))
    lines = register_markdown(runs, {("r1", "maps"): BREAKDOWN})
    assert lines[0].startswith("Note recall per octave of the keyboard on `maps`")
    assert "| model | run | A1-G#2 (20) | A2-G#3 (80) |" in lines[2]
    assert "| onf | onf-r1 | 0.25 | 0.62 |" in lines[2] and "A0-G#1" not in lines[2]
    assert register_markdown(runs, {}) == []
    assert "A2-G#3 (80)" in results_markdown(runs, "d1", [], breakdowns={("r1", "maps"): BREAKDOWN})


def test_breakdowns_are_read_back_from_the_scores_amt_evaluate_logged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the store's artifacts go under ./mlruns
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    logged = client.create_run(client.create_experiment("amt")).info.run_id
    scores = tmp_path / "scores.json"
    scores.write_text(json.dumps({"means": {}, "breakdown": BREAKDOWN}))
    client.log_artifact(logged, str(scores), "real/maps")
    bare = client.create_run(client.get_experiment_by_name("amt").experiment_id).info.run_id
    table = found(**SCORES)
    table["run_id"] = [logged, bare]
    table["metrics.real/maps/note_f1"] = [0.7, 0.7]  # both scored; only the first logged a breakdown
    assert logged_breakdowns(runs_table(table), uri) == {(logged, "maps"): BREAKDOWN}
