"""Profiles: named sets of params for common situations, in ``profiles/<name>.yaml``.

A profile is a partial params.yaml. ``amt profile NAME`` prints it as ``dvc exp run``'s
``-S key=value`` options, so DVC records and tracks every value as it does any other
``-S``: ``dvc exp run $(amt profile debug)``.
"""

import json
from pathlib import Path
from typing import Any

import yaml

from amt.config.params import check_known_keys, flatten
from amt.core.errors import AmtError

PROFILES_DIR = Path("profiles")


def names(directory: Path = PROFILES_DIR) -> list[str]:
    """The profiles there are."""
    return sorted(path.stem for path in directory.glob("*.yaml"))


def load_profile(name: str, directory: Path = PROFILES_DIR) -> dict[str, Any]:
    """The params a profile sets, as dotted keys; an unknown profile or key is an AmtError."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(names(directory)) or "none"
        raise AmtError(f"no profile {name!r} in {directory}/ (there are: {known})")
    try:
        tree = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise AmtError(f"{path}: not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(tree, dict):
        raise AmtError(f"{path}: expected a mapping of parameters at the top level")
    check_known_keys(tree, path)
    return flatten(tree)


def set_options(settings: dict[str, Any]) -> list[str]:
    """``-S key=value`` options for ``dvc exp run``, values as DVC reads them (YAML; lists in
    JSON's flow style, without spaces); a value with white space in it is an AmtError, since
    ``$(amt profile ...)`` would split it."""
    options = []
    for key, value in settings.items():
        if isinstance(value, list):
            text = json.dumps(value, separators=(",", ":"))
        else:
            text = yaml.safe_dump(value).removesuffix("\n...\n").strip()
        if any(character.isspace() for character in text):
            raise AmtError(f"profile value of {key} holds white space: {text}; set it with -S by hand")
        options += ["-S", f"{key}={text}"]
    return options
