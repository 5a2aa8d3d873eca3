"""Data sources: each turns params.yaml's ``data`` section into the raw layout (see amt.core.metadata)."""

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from amt.config.data import DataConfig
from amt.core.metadata import write_metadata

# name -> module holding ``build(data, raw_dir) -> list[dict]`` (one metadata row per piece)
SOURCES = {"synth": "amt.sources.synth", "maestro": "amt.sources.maestro", "local": "amt.sources.local"}


def builder(name: str) -> Callable[[DataConfig, Path], list[dict]]:
    """The ``build`` function of source ``name`` (one of amt.config.data.SOURCES)."""
    return import_module(SOURCES[name]).build


def build_raw(data: DataConfig, raw_dir: str | Path) -> Path:
    """Build the raw layout for ``data.source`` in ``raw_dir``; return the metadata path."""
    raw_dir = Path(raw_dir)
    rows = builder(data.source)(data, raw_dir)
    return write_metadata(raw_dir, rows)
