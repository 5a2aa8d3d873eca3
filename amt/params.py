"""Reading ``params.yaml`` and looking values up with errors that name the key."""

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from amt.errors import AmtError

PARAMS_FILE = "params.yaml"
DEFAULT_DATA_WORKERS = 2  # data.workers when params.yaml has none
_MISSING = object()


def load_params(path: str | Path = PARAMS_FILE) -> dict[str, Any]:
    """Load the parameters file, or fail with one line that names it."""
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise AmtError(f"{path}: parameters file not found; run from the repository root") from None
    except yaml.YAMLError as error:
        raise AmtError(f"{path}: not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(params, dict):
        raise AmtError(f"{path}: expected a mapping of parameters at the top level")
    return params


def get(params: Mapping[str, Any], key: str, default: Any = _MISSING) -> Any:
    """Value at dotted ``key`` (``"data.synth.max_seconds"``); a missing key is an AmtError."""
    node: Any = params
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            if default is not _MISSING:
                return default
            raise AmtError(f"params.yaml: missing parameter '{key}'")
        node = node[part]
    return node


def is_whole(value: Any) -> bool:
    """Whether ``value`` is a whole number as YAML gives it: an int and not a bool (YAML's
    ``true`` is an int to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def data_workers(params: Mapping[str, Any]) -> int:
    """``data.workers``, the processes that render and cache pieces: a whole number >= 1."""
    workers = get(params, "data.workers", DEFAULT_DATA_WORKERS)
    if not is_whole(workers) or workers < 1:
        raise AmtError(f"params.yaml: data.workers must be a whole number >= 1, got {workers!r}")
    return workers


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested params to dotted keys, as MLflow and DVC name them."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def with_overrides(params: dict, overrides: dict) -> dict:
    """A copy of ``params`` with dotted keys set, as ``dvc exp run -S key=value`` sets them."""
    result = copy.deepcopy(params)
    for key, value in overrides.items():
        *parents, leaf = key.split(".")
        node = result
        for part in parents:
            node = node[part]
        node[leaf] = value
    return result
