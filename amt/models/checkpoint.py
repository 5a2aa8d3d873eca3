"""Checkpoints and model files: one self-contained ``.pt`` format for both.

A checkpoint is a plain dict saved with ``torch.save`` and read back with
``weights_only=True`` (no arbitrary code runs on load). It always holds the model's
config and weights, the step, the params.yaml it was trained with and the MLflow run id;
a training checkpoint adds the optimiser, scheduler, scaler, RNG state and progress
needed to resume. ``load_model_file`` (what evaluate, transcribe and the benchmarks use)
needs nothing but the file.
"""

import os
import pickle
import pickletools
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from amt.config.evaluate import EvaluateConfig
from amt.config.models import ModelSizes
from amt.config.reader import Reader
from amt.core.atomic import atomic_path
from amt.core.errors import AmtError
from amt.models import MODELS, TranscriptionModel, build_model

FORMAT = "amt-checkpoint"
VERSION = 1
REQUIRED = ("model_config", "model", "step", "params", "run_id")
CALLS = frozenset({"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "REDUCE", "NEWOBJ", "NEWOBJ_EX"})


def save_checkpoint(path: str | os.PathLike, state: Mapping[str, Any]) -> None:
    """Write ``state`` (which must hold the REQUIRED keys) to ``path`` atomically."""
    missing = [key for key in REQUIRED if key not in state]
    if missing:
        raise ValueError(f"checkpoint state lacks {', '.join(missing)}")
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, "version": VERSION, **state}, tmp)


def load_checkpoint(path: str | os.PathLike, expected_model: str | None = None) -> dict[str, Any]:
    """Read and check a checkpoint (on the CPU).

    A file that is missing, unreadable or not written by ``save_checkpoint`` is an
    AmtError naming it, as is a checkpoint of another model than ``expected_model``.
    """
    path = Path(path)
    if not path.is_file():
        raise AmtError(f"{path}: model file not found; train one first (dvc repro train)")
    try:
        with warnings.catch_warnings():  # torch warns about pickles it is about to refuse
            warnings.simplefilter("ignore")
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many types for foreign or corrupt files
        if isinstance(error, pickle.UnpicklingError) and _would_run_code(path):
            raise AmtError(
                f"{path}: holds Python objects beyond weights and plain data, which amt refuses to load "
                "(loading them could run code); use a model file written by amt's train stage"
            ) from None
        # torch's safe loader explains a refusal with advice to load the file unsafely: not repeated
        unreadable = isinstance(error, pickle.UnpicklingError) or not str(error)
        reason = type(error).__name__ if unreadable else str(error).splitlines()[0]
        raise AmtError(f"{path}: not an amt checkpoint ({reason}); train one with dvc repro train") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise AmtError(
            f"{path}: not an amt checkpoint (written by another program); train one with dvc repro train"
        )
    if checkpoint.get("version") != VERSION:
        raise AmtError(f"{path}: amt checkpoint version {checkpoint.get('version')}, expected {VERSION}")
    _check_contents(path, checkpoint)
    name = checkpoint["model_config"]["name"]
    if expected_model is not None and name != expected_model:
        raise AmtError(
            f"{path}: holds a {name!r} model but params.yaml's model is {expected_model!r}; "
            f"retrain (dvc repro train) or set model: {name}"
        )
    return checkpoint


def _would_run_code(path: Path) -> bool:
    """Whether a file torch's safe loader refused is a pickle that imports or calls (it
    would run code when loaded unsafely), rather than something that is no pickle at all.
    The pickle is the file or, in torch's zip format, its ``data.pkl``."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if name.endswith("data.pkl")]
            data = archive.read(names[0]) if names else b""
    except (zipfile.BadZipFile, OSError):
        data = path.read_bytes()
    try:
        return any(opcode.name in CALLS for opcode, _, _ in pickletools.genops(data))
    except Exception:  # noqa: BLE001 - no pickle, or a broken one
        return False


def _check_contents(path: Path, checkpoint: Mapping[str, Any]) -> None:
    """Refuse, naming the model file, a checkpoint that lacks what loading it needs or whose
    architecture this version of amt does not have."""
    missing = [key for key in REQUIRED if key not in checkpoint]
    if missing:
        raise AmtError(f"{path}: amt checkpoint lacks {', '.join(missing)}; it is damaged, retrain it")
    params, config = checkpoint["params"], checkpoint["model_config"]
    if not isinstance(params, Mapping) or not isinstance(params.get("evaluate"), Mapping):
        raise AmtError(f"{path}: amt checkpoint holds no evaluate settings in its params; retrain it")
    name = config.get("name") if isinstance(config, Mapping) else None
    if name not in MODELS:
        raise AmtError(
            f"{path}: holds a model of architecture {name!r}, which this version of amt does not have "
            f"(it has {', '.join(MODELS)})"
        )


def model_from_checkpoint(
    checkpoint: Mapping[str, Any], device: torch.device | str = "cpu", path: str | os.PathLike = "checkpoint"
) -> TranscriptionModel:
    """The model a loaded checkpoint (read from ``path``) describes, with its weights, in
    eval mode on ``device``."""
    config = checkpoint["model_config"]
    model = build_model(config["name"], ModelSizes.from_mapping(config, f"{path} model_config"))
    try:
        model.load_state_dict(checkpoint["model"])
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise AmtError(f"{path}: weights do not fit the {config['name']!r} model ({first})") from None
    return model.to(device).eval()


@dataclass(frozen=True)
class ModelFile:
    """A model file, loaded: the model ready for inference, the evaluate settings and params
    it was trained with, its step and its MLflow run."""

    path: Path
    model: TranscriptionModel
    evaluate: EvaluateConfig
    params: dict[str, Any]
    step: int
    run_id: str | None


def load_model_file(
    path: str | os.PathLike, device: torch.device | str = "cpu", expected_model: str | None = None
) -> ModelFile:
    """The model file (or checkpoint) at ``path``; any problem is an AmtError naming it."""
    checkpoint = load_checkpoint(path, expected_model)
    params = dict(checkpoint["params"])
    return ModelFile(
        path=Path(path),
        model=model_from_checkpoint(checkpoint, device, path),
        evaluate=EvaluateConfig.read(Reader(params, str(path))),
        params=params,
        step=int(checkpoint["step"]),
        run_id=checkpoint["run_id"],
    )
