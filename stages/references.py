"""DVC stage `references`: the published systems of params.yaml's ``references`` transcribe and
score the test split (runs/references/<system>/, metrics/references.json, one MLflow run each,
tagged reference). None by default; ``bash scripts/setup.sh --references`` installs them."""

import json
from pathlib import Path

from amt.config import Config
from amt.core import atomic
from amt.core.constants import CACHE_DIR, METRICS_DIR, RAW_DIR
from amt.core.stage import run_stage
from amt.data.cache import fingerprint
from amt.references.score import reference_scorer, score_test_split
from amt.references.systems import reference

OUT_DIR = Path("runs/references")


def main(config: Config) -> None:
    systems = [reference(name, "params.yaml: references") for name in config.references]
    scorers = [reference_scorer(system, None) for system in systems]  # a missing package stops all
    data = fingerprint(CACHE_DIR)
    scores = {}
    for system, scorer in zip(systems, scorers, strict=True):
        out_dir = OUT_DIR / system.name
        means = score_test_split(scorer, system, Path(RAW_DIR), out_dir, config.tracking, data)
        if means is not None:
            scores[system.name] = {"version": system.version, **means}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    atomic.write_text(Path(METRICS_DIR) / "references.json", json.dumps(scores, indent=1) + "\n")


if __name__ == "__main__":
    run_stage("references", main, tracked=True)
