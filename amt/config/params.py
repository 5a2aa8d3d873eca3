"""Reading ``params.yaml`` as it is written: YAML in, unknown keys refused, dotted keys for MLflow and DVC."""

import copy
import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from amt.config.augment import AUGMENTATIONS
from amt.config.reader import PARAMS_FILE
from amt.core.errors import AmtError

# Every key params.yaml may hold: a section maps to its keys, a leaf is None, and ANY stands
# for keys the user names (models in train.schedules). A key that is not here (a misspelt
# ``trian:`` or ``stpes:``) would be silently ignored, so it is refused, with the nearest
# known key.
LEAF = None
ANY = "*"
KNOWN_KEYS: dict[str, Any] = {
    "model": LEAF,
    "references": LEAF,
    "data": {
        "source": LEAF,
        "seed": LEAF,
        "workers": LEAF,
        "synth": {
            "pieces": {"train": LEAF, "validation": LEAF, "test": LEAF},
            "turns": {ANY: LEAF},
            **dict.fromkeys(
                [
                    "max_seconds",
                    "corpus_share",
                    "pedal_share",
                    "soundfonts",
                    "training_only_soundfonts",
                    "heldout_soundfonts",
                    "heldout_share",
                    "sample_shift_share",
                    "sample_shift_max",
                    "acoustics",
                ]
            ),
        },
        "maestro": dict.fromkeys(("url", "archive", "subset", "max_pieces")),
        "local": dict.fromkeys(("path", "validation_share", "test_share")),
    },
    "models": dict.fromkeys(
        [
            "cnn_unit",
            "fc_unit",
            "lstm_units",
            "lstm_layers",
            "lstm_input_norm",
            "lstm_skip",
            "conv_dropout",
            "fc_dropout",
        ]
    ),
    "train": dict.fromkeys(
        [
            "steps",
            "sequence_length",
            "batch_size",
            "learning_rate",
            "lr_decay_steps",
            "lr_decay_rate",
            "weight_decay",
            "clip_grad_norm",
            "ema_decay",
            "validation_interval",
            "checkpoint_interval",
            "seed",
            "precision",
            "device",
            "workers",
            "processes",
        ]
    )
    | {
        "schedules": {ANY: dict.fromkeys(("steps", "lr_decay_steps"))},
        "augment": {name: dict.fromkeys(("p", spec[0])) for name, spec in AUGMENTATIONS.items()},
    },
    "evaluate": dict.fromkeys(
        [
            "tune_thresholds",
            "threshold_grid",
            "onset_threshold",
            "frame_threshold",
            "chunk_seconds",
            "overlap_seconds",
        ]
    ),
    "tracking": dict.fromkeys(("uri", "experiment")),
}


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
    check_known_keys(params, path)
    return params


def check_known_keys(
    params: Mapping[str, Any], path: str | Path = PARAMS_FILE, known: Mapping[str, Any] = KNOWN_KEYS
) -> None:
    """Refuse a key that amt does not read, naming it and the nearest key it does."""
    for dotted, section in _unknown_keys(params, known):
        leaf = dotted.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(leaf, list(section), n=1, cutoff=0.6)
        parent = dotted.rpartition(".")[0]
        if close:
            hint = f"did you mean '{parent + '.' if parent else ''}{close[0]}'?"
        else:
            hint = f"known here: {', '.join(section)}"
        raise AmtError(f"{path}: unknown parameter '{dotted}'; {hint}")


def _unknown_keys(params: Mapping[str, Any], known: Mapping[str, Any], prefix: str = "") -> Iterator:
    """(dotted key, the section's known keys) for each key of ``params`` not in ``known``."""
    for key, value in params.items():
        if key not in known and ANY not in known:
            yield f"{prefix}{key}", known
            continue
        expected = known[key] if key in known else known[ANY]
        if isinstance(expected, Mapping) and isinstance(value, Mapping):
            yield from _unknown_keys(value, expected, f"{prefix}{key}.")


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
