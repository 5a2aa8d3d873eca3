"""The reference systems by name: each loads its pretrained weights from its wheel and turns a
recording into the MIDI its own post-processing writes (sustain pedal included when it has one).

They are an optional extra (requirements-references.txt, ``scripts/setup.sh --references``):
a system whose package is missing is one line saying how to install it.
"""

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pretty_midi

from amt.config.references import REFERENCE_SYSTEMS, checked_reference
from amt.core.errors import AmtError

INSTALL = "bash scripts/setup.sh --references installs them"


class System(Protocol):
    """A loaded reference system."""

    def transcribe(self, audio: Path) -> pretty_midi.PrettyMIDI: ...


@dataclass(frozen=True)
class Reference:
    """A reference system: its PyPI package, and where its loader lives."""

    name: str
    package: str
    loader: str  # module:function of amt.references that returns a System

    @property
    def version(self) -> str:
        """The installed package's version; an AmtError when the extra is not installed."""
        try:
            return importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            raise self.not_installed(self.package) from None

    def not_installed(self, missing: str) -> AmtError:
        return AmtError(f"reference {self.name}: {missing} is not installed; {INSTALL}")

    def installed(self) -> "Reference":
        """This system, once its package is known to be installed (else an AmtError)."""
        self.version  # noqa: B018 - the lookup is the check
        return self

    def load(self) -> System:
        """The system with its pretrained weights; an AmtError when the extra is not installed."""
        module, function = self.loader.split(":")
        try:
            make: Callable[[], System] = getattr(importlib.import_module(module), function)
            return make()
        except ImportError as error:
            raise self.not_installed(error.name or str(error)) from None


def reference(name: str, key: str) -> Reference:
    """The reference system called ``name`` (``key``: where the name came from), its package
    installed: checked before any work."""
    return Reference(checked_reference(name, key), *REFERENCE_SYSTEMS[name]).installed()
