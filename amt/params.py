"""Reading ``params.yaml`` and looking values up with errors that name the key."""

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from amt.errors import AmtError

PARAMS_FILE = "params.yaml"
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
