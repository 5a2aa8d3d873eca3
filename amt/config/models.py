"""``models``: the layer sizes and rates shared by the four architectures, validated."""

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

from amt.config.reader import PARAMS_FILE, is_whole
from amt.core.errors import AmtError

MODEL_NAMES = ("baseline", "lstm", "crnn", "onf")  # amt.models.registry has one class for each
FLAGS = ("lstm_input_norm", "lstm_skip")
RATES = ("conv_dropout", "fc_dropout")
LEVELS = 256  # dropout rates are multiples of 1/LEVELS: values of one random byte (amt.models.dropout)


def is_byte_rate(p: float) -> bool:
    """Whether ``p`` is a dropout rate ByteDropout can draw: a multiple of 1/256 in [0, 1)."""
    return 0.0 <= p < 1.0 and p * LEVELS == round(p * LEVELS)


@dataclass(frozen=True)
class ModelSizes:
    """Layer sizes and rates shared by the four architectures (params.yaml: models).

    Fields with a default may be absent: params.yaml files and model files written before
    they existed keep working.
    """

    cnn_unit: int  # ConvStack channels (its third conv layer has twice as many)
    fc_unit: int  # ConvStack output features per frame
    lstm_units: int  # per direction
    lstm_layers: int
    lstm_input_norm: bool = True  # layer-normalise every BiLSTM's inputs (see recurrent.BiLSTM)
    # The read-out after a BiLSTM on ConvStack features sees them too (see recurrent.BiLSTM).
    # Absent means off: model files saved before the switch existed were built without it.
    lstm_skip: bool = False
    # ConvStack dropout after each frequency pooling and after its linear layer; absent means
    # the homework's rates.
    conv_dropout: float = 0.25
    fc_dropout: float = 0.5

    @classmethod
    def from_mapping(cls, sizes: Mapping[str, Any], source: str = PARAMS_FILE) -> "ModelSizes":
        """Validated sizes from ``sizes``; keys that are not sizes (``name``) are ignored.
        Errors name ``source``, the file the sizes came from."""
        if not isinstance(sizes, Mapping):
            raise AmtError(f"{source}: models must be a mapping of layer sizes, got {sizes!r}")
        values = {}
        for field in fields(cls):
            if field.name not in sizes:
                if field.default is not MISSING:
                    continue
                raise AmtError(f"{source}: missing parameter 'models.{field.name}'")
            values[field.name] = check_size(field.name, sizes[field.name], source)
        return cls(**values)


def check_size(name: str, value: Any, source: str = PARAMS_FILE) -> Any:
    """``value`` if it suits size ``name``: true/false for the FLAGS, a dropout rate for the
    RATES, else a positive int."""
    if name in FLAGS:
        if not isinstance(value, bool):
            raise AmtError(f"{source}: models.{name} must be true or false, got {value!r}")
    elif name in RATES:
        if isinstance(value, bool) or not isinstance(value, int | float) or not is_byte_rate(value):
            raise AmtError(
                f"{source}: models.{name} must be a multiple of 1/{LEVELS} in [0, 1) "
                f"(0, 0.125, 0.25, 0.5, ...), got {value!r}"
            )
        return float(value)
    elif not is_whole(value) or value < 1:
        raise AmtError(f"{source}: models.{name} must be a positive integer, got {value!r}")
    return value
