"""Every run of the project's MLflow experiment as one flat pandas table.

Only runs that the evaluate stage scored (they hold ``note_f1``) are kept. Device and
precision show the resolved value when a run carries one as a tag, else the param. Scores on
labelled recordings (``amt evaluate``: ``real/<set>/<metric>``) come along under their own
names.
"""

import mlflow
import pandas as pd

from amt.inference.metrics import METRIC_NAMES

# Report column -> MLflow columns, the first one present (and non-empty) wins.
SOURCES = {
    "model": ("tags.model",),
    "run": ("tags.mlflow.runName",),
    "run_id": ("run_id",),
    "steps": ("metrics.steps", "params.train.steps"),  # the steps trained; params say auto
    "sequence_length": ("params.train.sequence_length",),
    "batch": ("params.train.batch_size",),
    "precision": ("tags.precision", "params.train.precision"),
    "device": ("tags.device", "params.train.device"),
    "parameters": ("metrics.parameters",),
    "train_seconds": ("metrics.train_seconds",),
    **{name: (f"metrics.{name}",) for name in METRIC_NAMES},
    "data_fingerprint": ("tags.data_fingerprint",),
    "git_commit": ("tags.git_commit",),
    "dvc_experiment": ("tags.dvc_experiment",),
    "start_time": ("start_time",),
    "reference": ("tags.reference",),  # a published system's run (amt.references), not a trained model
    "reference_version": ("tags.reference_version",),
}
REAL_METRICS = "metrics.real/"
INTEGER_COLUMNS = ("steps", "sequence_length", "batch", "parameters")
FLOAT_COLUMNS = ("train_seconds", *METRIC_NAMES)


def load_runs(experiment_id: str) -> pd.DataFrame:
    """Scored runs of ``experiment_id``, newest first, with the columns of SOURCES."""
    found = mlflow.search_runs(experiment_ids=[experiment_id], output_format="pandas")
    return runs_table(found)


def runs_table(found: pd.DataFrame) -> pd.DataFrame:
    """Report columns from the frame ``mlflow.search_runs`` returns; unscored runs dropped."""
    table = pd.DataFrame({name: _first_present(found, sources) for name, sources in SOURCES.items()})
    for column in (column for column in found.columns if column.startswith(REAL_METRICS)):
        table[column.removeprefix("metrics.")] = pd.to_numeric(found[column], errors="coerce")
    table = table[table["note_f1"].notna()]
    for name in INTEGER_COLUMNS:
        table[name] = pd.to_numeric(table[name], errors="coerce").astype("Int64")
    for name in FLOAT_COLUMNS:
        table[name] = pd.to_numeric(table[name], errors="coerce").astype(float)
    table["data_fingerprint"] = table["data_fingerprint"].fillna("unknown")
    table["model"] = table["model"].fillna("unknown")
    return table.sort_values("start_time", ascending=False).reset_index(drop=True)


def _first_present(found: pd.DataFrame, sources: tuple[str, ...]) -> pd.Series:
    column = pd.Series(pd.NA, index=found.index, dtype=object)
    for source in reversed(sources):
        if source in found:
            column = found[source].where(found[source].notna() & (found[source] != ""), column)
    return column
