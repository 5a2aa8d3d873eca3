"""A reference system's MLflow run: one per system, package version and data, tagged
``reference`` (the report lists them apart from the trained models, never ranked with them).
The test split's means are logged as the evaluate stage logs a model's; labelled sets as
``real/<set>/<metric>``, as amt evaluate logs them."""

import logging
from pathlib import Path

from mlflow import MlflowClient

from amt.config import TrackingConfig, load_config
from amt.config.reader import PARAMS_FILE
from amt.core.constants import CACHE_DIR
from amt.core.store import check_store
from amt.data.cache import MANIFEST_FILE, fingerprint
from amt.labelled.runs import ModelRun
from amt.references.systems import Reference

log = logging.getLogger(__name__)

NO_DATA = "none"  # the data tag of a reference scored on labelled sets only


def reference_run(config: TrackingConfig, reference: Reference, data_fingerprint: str | None) -> ModelRun:
    """The run of ``reference`` at its installed version on this data, made when there is none."""
    experiment = check_store(config)
    client = MlflowClient()
    tags = {
        "reference": reference.name,
        "reference_version": reference.version,
        "model": reference.name,
        "data_fingerprint": data_fingerprint or NO_DATA,
    }
    query = " and ".join(f"tags.{key} = '{value}'" for key, value in tags.items())
    found = client.search_runs([experiment], query, order_by=["attributes.start_time DESC"], max_results=1)
    if found:
        return ModelRun(client, found[0])
    run = client.create_run(experiment, tags=tags, run_name=f"{reference.name}-{reference.version}")
    client.set_terminated(run.info.run_id)
    return ModelRun(client, client.get_run(run.info.run_id))


def project_reference_run(reference: Reference) -> ModelRun | None:
    """The reference's run in the store of the project here (params.yaml), on its current data
    cache; None outside a project, with a line saying that nothing is logged."""
    if not Path(PARAMS_FILE).is_file():
        log.info("no %s here: the scores are not logged to MLflow", PARAMS_FILE)
        return None
    data = fingerprint(CACHE_DIR) if (Path(CACHE_DIR) / MANIFEST_FILE).exists() else None
    return reference_run(load_config().tracking, reference, data)
