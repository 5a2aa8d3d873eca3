"""amt evaluate: a model file scored on labelled sets, each into a folder of its own.

The thresholds are, first to last: the flags, a thresholds file, the ones the evaluate
stage tuned on validation for the model's MLflow run, the model's own evaluate settings.
Never tuned on the set being scored.
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from amt.core.errors import AmtError
from amt.inference.decoding import Thresholds
from amt.labelled import runs
from amt.labelled.breakdown import breakdown, register_line
from amt.labelled.pairs import LabelledSet
from amt.labelled.results import check_result_dir, means_line, write_results
from amt.labelled.scoring import Estimator, Scored, model_estimator, score_pair
from amt.models.checkpoint import ModelFile
from amt.transcription.transcriber import Transcriber, with_flags

log = logging.getLogger(__name__)


@dataclass
class Scorer:
    """What scores labelled sets: its estimator, the result folders' name, what the results
    say of it, and the MLflow run its means are logged to (None: not logged)."""

    label: str
    estimate: Estimator
    summary: dict
    run: runs.ModelRun | None


def model_scorer(
    loaded: ModelFile, transcriber: Transcriber, run: runs.ModelRun | None, source: str
) -> Scorer:
    """A model file's scorer: its folders named by architecture and run (or the file's name),
    its thresholds and where they came from in the results."""
    name = loaded.model.config["name"]
    label = f"{name}-{loaded.run_id[:8]}" if loaded.run_id else loaded.path.stem
    thresholds = transcriber.thresholds
    summary = {
        "model": str(loaded.path),
        "architecture": name,
        "run_id": loaded.run_id,
        "thresholds": {"onset": thresholds.onset, "frame": thresholds.frame, "from": source},
    }
    return Scorer(label, model_estimator(transcriber), summary, run)


def choose_thresholds(
    loaded: ModelFile,
    run: runs.ModelRun | None,
    from_file: Thresholds | None,
    onset: float | None,
    frame: float | None,
) -> tuple[Thresholds, str]:
    """The thresholds to decode with and, in words, where they came from."""
    tuned = runs.tuned_thresholds(run)
    if from_file is not None:
        base, source = from_file, "--thresholds"
    elif tuned is not None:
        base, source = tuned, "tuned on validation (the model's MLflow run)"
    else:
        base, source = Thresholds.from_config(loaded.evaluate), "model file"
    if onset is not None or frame is not None:
        source = f"flags over {source}"
    return with_flags(base, onset, frame), source


def evaluate_set(scorer: Scorer, labelled: LabelledSet, out_dir: Path, log_to_run: bool) -> dict | None:
    """Score every pair of ``labelled`` into ``out_dir``; the means, or None when no file
    could be scored."""
    scored: list[Scored] = []
    failed: dict[str, str] = {}
    for pair in tqdm(labelled.pairs, desc=f"evaluate {labelled.name}", unit="file"):
        try:
            scored.append(score_pair(scorer.estimate, labelled, pair, out_dir / "midi" / f"{pair.id}.mid"))
        except AmtError as error:
            log.error("%s", error)
            failed[pair.id] = str(error)
    if not scored:
        log.error("%s: no file could be scored", labelled.store.where)
        return None
    summary = scorer.summary | {"set": labelled.name, "path": labelled.store.where}
    found = breakdown(scored)
    means = write_results(out_dir, summary, scored, failed, found)
    log.info("%s: %d files, %s -> %s", labelled.name, len(scored), means_line(means), out_dir)
    log.info("%s: note recall by register: %s", labelled.name, register_line(found))
    if log_to_run and scorer.run is not None:
        runs.log_scores(
            scorer.run, labelled.name, means, [str(out_dir / "scores.csv"), str(out_dir / "scores.json")]
        )
        log.info(
            "logged to MLflow run %s as %s", scorer.run.run.info.run_id, runs.metric_name(labelled.name, "*")
        )
    return means


def evaluate_sets(
    scorer: Scorer, sets: list[LabelledSet], root: Path, overwrite: bool, log_to_run: bool
) -> bool:
    """Score each set into ``root/<set>/<label>`` (checked before any work); whether every
    set had a file that could be scored."""
    dirs = checked_dirs(root, sets, scorer, overwrite)
    means = [
        evaluate_set(scorer, labelled, out, log_to_run) for labelled, out in zip(sets, dirs, strict=True)
    ]
    return all(found is not None for found in means)


def checked_dirs(root: Path, sets: list[LabelledSet], scorer: Scorer, overwrite: bool) -> list[Path]:
    """Each set's result folder (``root/<set>/<label>``), refused before any work if it
    cannot take files or holds an earlier evaluation."""
    dirs = [root / labelled.name / scorer.label for labelled in sets]
    if len(set(dirs)) < len(dirs):
        raise AmtError("two PATHs share a name and would write one result folder; rename one")
    for labelled in sets:
        folder = Path(os.path.realpath(labelled.store.where))
        if folder.is_dir() and Path(os.path.realpath(root)).is_relative_to(folder):
            raise AmtError(
                f"--out {root} is inside the PATH {labelled.store.where}: the next run would read its "
                "MIDI as references; choose an --out outside it"
            )
    for out_dir in dirs:
        check_result_dir(out_dir, overwrite)
    return dirs
