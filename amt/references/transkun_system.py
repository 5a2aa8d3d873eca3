"""Transkun 2.0 (Yan and Duan, MIT): the transformer + semi-CRF piano model trained on MAESTRO,
its weights and configuration from the wheel, loaded and run as its ``transkun`` command does
(audio resampled with soxr to its 44.1 kHz); its MIDI holds the sustain pedal it hears."""

import contextlib
import importlib.resources
import warnings
from collections.abc import Iterator
from pathlib import Path

import moduleconf
import pretty_midi
import soundfile
import soxr
import torch
from transkun.Data import writeMidi

from amt.core.errors import AmtError

WEIGHTS, CONF = "pretrained/2.0.pt", "pretrained/2.0.conf"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Transkun's torch deprecation notes (torch.jit.script, the checkpoint's use_reentrant) are
    the package's to act on, not the user's: silenced while it loads and transcribes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="torch.jit")
        warnings.filterwarnings(
            "ignore", message=".*use_reentrant.*|.*requires_grad=True.*", category=UserWarning
        )
        yield


class Transkun:
    """The pretrained model, on the CPU."""

    def __init__(self) -> None:
        package = importlib.resources.files("transkun")
        with _quiet():
            conf = moduleconf.parseFromFile(str(package / CONF))["Model"]
            self.model = conf.module.TransKun(conf=conf.config)
        checkpoint = torch.load(str(package / WEIGHTS), map_location="cpu")
        self.model.load_state_dict(checkpoint.get("best_state_dict") or checkpoint["state_dict"])  # every key
        self.model.eval()

    def transcribe(self, audio: Path) -> pretty_midi.PrettyMIDI:
        try:
            samples, rate = soundfile.read(str(audio), dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AmtError(f"{audio}: cannot read the audio ({error})") from None
        if rate != self.model.fs:
            samples = soxr.resample(samples, rate, self.model.fs)
        with torch.no_grad(), _quiet():
            notes = self.model.transcribe(torch.from_numpy(samples))
        return writeMidi(notes)


def load() -> Transkun:
    return Transkun()
