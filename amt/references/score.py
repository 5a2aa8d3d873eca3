"""A reference system scored on the test split of data/raw, as the evaluate stage scores a
model (the same pairs, pedal-extended references and mir_eval code), logged to its run."""

import logging
from pathlib import Path

from amt.config import TrackingConfig
from amt.labelled.evaluate import Scorer, evaluate_set
from amt.labelled.pairs import open_set
from amt.labelled.runs import ModelRun
from amt.references.estimate import reference_estimator
from amt.references.runs import reference_run
from amt.references.systems import Reference

log = logging.getLogger(__name__)

SPLIT = "test"


def reference_scorer(reference: Reference, run: ModelRun | None) -> Scorer:
    """``reference`` loaded, as a scorer whose folders are named ``<system>-<version>``."""
    summary = {"reference": reference.name, "package": reference.package, "version": reference.version}
    label = f"{reference.name}-{reference.version}"
    return Scorer(label, reference_estimator(reference.load()), summary, run)


def score_test_split(
    scorer: Scorer,
    reference: Reference,
    raw_dir: Path,
    out_dir: Path,
    tracking: TrackingConfig,
    data_fingerprint: str,
) -> dict[str, float] | None:
    """The test split's mean metrics (None: no piece could be scored), the results in ``out_dir``
    and in the reference's MLflow run (its means under the evaluate stage's names)."""
    means = evaluate_set(scorer, open_set(raw_dir, "data/raw", SPLIT), out_dir, log_to_run=False)
    if means is not None:
        run = reference_run(tracking, reference, data_fingerprint)
        run_id = run.run.info.run_id
        for name, value in means.items():
            run.client.log_metric(run_id, name, value)
        run.client.log_artifact(run_id, str(out_dir / "scores.csv"), "eval")
        log.info("logged to MLflow run %s (%s %s)", run_id, reference.name, reference.version)
    return means
