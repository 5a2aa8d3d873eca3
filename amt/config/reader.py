"""Values looked up by dotted key and checked against a rule; each error is one line naming
the file (or model file) the value came from, the key and the rule."""

import math
from collections.abc import Callable, Mapping
from typing import Any

from amt.core.errors import AmtError

PARAMS_FILE = "params.yaml"
MISSING = object()


def is_whole(value: Any) -> bool:
    """Whether ``value`` is a whole number as YAML gives it: an int and not a bool (YAML's
    ``true`` is an int to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An int or float that is not a bool and not NaN."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def threshold(value: Any, name: str) -> float:
    """A decoding threshold: a number strictly between 0 and 1 (NaN and strings are refused).

    ``name`` says where the value came from: a params key, a file's key or a flag.
    """
    if not is_number(value) or not 0 < value < 1:
        raise AmtError(f"{name} must be a number between 0 and 1 (both excluded), got {value!r}")
    return float(value)


def threshold_grid(values: Any, name: str) -> list[float]:
    """The thresholds tried when tuning: a non-empty list of valid thresholds."""
    if not isinstance(values, list) or not values:
        raise AmtError(f"{name} must be a non-empty list of numbers between 0 and 1, got {values!r}")
    return [threshold(value, f"{name} entry") for value in values]


class Reader:
    """The values of one params mapping; errors name ``source`` and the dotted key."""

    def __init__(self, raw: Mapping[str, Any], source: str = PARAMS_FILE) -> None:
        self.raw, self.source = raw, source

    def fail(self, key: str, rule: str, value: Any) -> AmtError:
        return AmtError(f"{self.source}: {key} must be {rule}, got {value!r}")

    def value(self, key: str, default: Any = MISSING) -> Any:
        """The value at dotted ``key``; ``default`` when it is absent, else an error."""
        node: Any = self.raw
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                if default is not MISSING:
                    return default
                raise AmtError(f"{self.source}: missing parameter '{key}'")
            node = node[part]
        return node

    def number(
        self,
        key: str,
        accept: Callable[[float], bool],
        rule: str,
        default: Any = MISSING,
        optional: bool = False,
    ) -> float | None:
        """A number for which ``accept`` holds (``rule`` says it in words); null if ``optional``."""
        value = self.value(key, default)
        if value is None and optional:
            return None
        if not is_number(value) or not accept(value):
            raise self.fail(key, rule + (" or null" if optional else ""), value)
        return float(value)

    def integer(self, key: str, low: int, default: Any = MISSING, optional: bool = False) -> int | None:
        value = self.value(key, default)
        if value is None and optional:
            return None
        if not is_whole(value) or value < low:
            raise self.fail(key, f"an integer >= {low}" + (" or null" if optional else ""), value)
        return value

    def share(self, key: str, default: Any = MISSING) -> float:
        return self.number(key, lambda v: 0 <= v <= 1, "a number between 0 and 1", default)

    def flag(self, key: str, default: Any = MISSING) -> bool:
        value = self.value(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def choice(self, key: str, options: tuple[str, ...], default: Any = MISSING) -> str:
        value = self.value(key, default)
        if value not in options:
            raise self.fail(key, f"one of {', '.join(options)}", value)
        return value

    def text(self, key: str, default: Any = MISSING, optional: bool = False) -> str | None:
        value = self.value(key, default)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(key, "a non-empty string" + (" or null" if optional else ""), value)
        return value

    def names(self, key: str, default: Any, what: str) -> list[str]:
        """A list of non-empty strings (``what`` they name); an empty key (YAML null) lists none."""
        value = self.value(key, default)
        if value is None:
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(name, str) and name for name in value):
            raise self.fail(key, f"a list of {what}", value)
        return list(value)
