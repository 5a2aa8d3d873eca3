"""Data sources: each turns ``params.yaml: data`` into the raw layout (see amt.core.metadata)."""

from collections.abc import Callable, Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

from amt.core.errors import AmtError
from amt.core.metadata import write_metadata
from amt.core.params import get

# name -> module holding ``build(params, raw_dir) -> list[dict]`` (one metadata row per piece)
SOURCES = {"synth": "amt.sources.synth", "maestro": "amt.sources.maestro", "local": "amt.sources.local"}


def builder(name: str) -> Callable[[Mapping[str, Any], Path], list[dict]]:
    """The ``build`` function of source ``name``."""
    if name not in SOURCES:
        raise AmtError(f"params.yaml: unknown data.source {name!r}; use one of {', '.join(SOURCES)}")
    return import_module(SOURCES[name]).build


def build_raw(params: Mapping[str, Any], raw_dir: str | Path) -> Path:
    """Build the raw layout for ``data.source`` in ``raw_dir``; return the metadata path."""
    raw_dir = Path(raw_dir)
    rows = builder(get(params, "data.source"))(params, raw_dir)
    return write_metadata(raw_dir, rows)
