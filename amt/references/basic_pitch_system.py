"""Spotify's basic-pitch (ICASSP 2022, Apache-2.0): its ONNX model from the wheel, run through
onnxruntime (no TensorFlow), decoded by its own ``predict`` with its default thresholds."""

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pretty_midi

from amt.core.errors import AmtError

ONNX_MODEL = "saved_models/icassp_2022/nmp.onnx"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """basic-pitch warns on import of every backend it lacks (and resampy of pkg_resources'
    deprecation) and prints each file it reads: none of it is the user's to act on. Its warnings
    go to the root logger, which gives itself a handler on the first (``logging.basicConfig``):
    left there, it would print amt's own messages a second time."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    root.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


class BasicPitch:
    """The pretrained model, checked to run on onnxruntime."""

    def __init__(self) -> None:
        with _quiet():
            from basic_pitch import inference
        self.inference = inference
        self.model = inference.Model(Path(inference.__file__).parent / ONNX_MODEL)
        if self.model.model_type != inference.Model.MODEL_TYPES.ONNX:
            raise AmtError(f"basic-pitch loaded its model as {self.model.model_type.name}, not ONNX")

    def transcribe(self, audio: Path) -> pretty_midi.PrettyMIDI:
        with _quiet():
            _, midi, _ = self.inference.predict(audio, self.model)
        return midi


def load() -> BasicPitch:
    return BasicPitch()
