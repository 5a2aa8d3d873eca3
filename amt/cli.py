"""The ``amt`` console command: ``amt transcribe MODEL AUDIO... [--out DIR]``."""

import argparse
import sys
from pathlib import Path

import numpy as np

from amt.constants import SAMPLE_RATE
from amt.device import placement
from amt.errors import AmtError
from amt.evaluation import Thresholds
from amt.notes import notes_to_midi
from amt.transcribe import Transcriber, read_thresholds, transcribe_files

PEAK = 0.9  # re-synthesised audio is normalised to this peak


def resynthesise(notes: np.ndarray) -> np.ndarray:
    """The notes played back with FluidSynth (pretty_midi's bundled General MIDI piano)."""
    audio = notes_to_midi(notes).fluidsynth(fs=SAMPLE_RATE)
    peak = np.abs(audio).max() if audio.size else 0.0
    return audio * (PEAK / peak) if peak > 0 else audio


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="amt", description="Automatic piano transcription.")
    commands = main.add_subparsers(dest="command", required=True)
    transcribe = commands.add_parser(
        "transcribe", help="audio files -> MIDI (.mid), probabilities (.npz) and a re-synthesised .wav"
    )
    transcribe.add_argument("model", type=Path, help="a model file from the train stage (runs/model.pt)")
    transcribe.add_argument(
        "audio", type=Path, nargs="+", help="wav, flac, ogg or mp3; any rate and channels"
    )
    transcribe.add_argument("--out", type=Path, default=Path("."), help="output folder (default: here)")
    transcribe.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    transcribe.add_argument(
        "--thresholds",
        type=Path,
        help="JSON with onset_threshold and frame_threshold, e.g. the tuned ones in metrics/eval.json "
        "(default: the model's evaluate settings)",
    )
    transcribe.add_argument("--onset-threshold", type=float, help="overrides --thresholds")
    transcribe.add_argument("--frame-threshold", type=float, help="overrides --thresholds")
    return main


def transcribe(args: argparse.Namespace) -> int:
    where = placement(args.device, "auto")
    transcriber = Transcriber.load(args.model, where)
    base = transcriber.thresholds if args.thresholds is None else read_thresholds(args.thresholds)
    transcriber.thresholds = Thresholds(
        args.onset_threshold if args.onset_threshold is not None else base.onset,
        args.frame_threshold if args.frame_threshold is not None else base.frame,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    failures = transcribe_files(transcriber, args.audio, args.out, resynthesise)
    if failures:
        print(f"amt transcribe: {failures} of {len(args.audio)} files failed", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return transcribe(args)
    except AmtError as error:
        print(f"amt {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
