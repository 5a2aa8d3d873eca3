"""The ``amt`` console command: ``amt transcribe MODEL AUDIO... [--out DIR]`` and
``amt profile NAME``."""

import argparse
import logging
import sys
from pathlib import Path

from amt.config import load_config
from amt.config.reader import threshold
from amt.core.errors import AmtError
from amt.core.log import configure
from amt.profiles import load_profile, set_options
from amt.profiles import names as profile_names

log = logging.getLogger("amt.cli")

OUTPUTS_HELP = """\
For each input, three files go to --out, named after the input's whole file name so that
inputs differing only in their extension stay apart: take1.flac gives take1.flac.mid (the
notes), take1.flac.npz (onset and frame probabilities and the notes) and
take1.flac.resynth.wav (the notes played back by FluidSynth; skipped with --no-wav or when
FluidSynth is missing). An input is never written over, nor are two inputs of the same
name from different folders transcribed into one --out. Outputs of an earlier run stop
the command before any work unless --overwrite or --skip-existing says what to do."""


def probability(text: str) -> float:
    """An argparse type: a threshold strictly between 0 and 1."""
    try:
        return threshold(float(text), text)
    except (ValueError, AmtError):
        message = f"{text!r} is not a number between 0 and 1 (both excluded)"
        raise argparse.ArgumentTypeError(message) from None


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="amt", description="Automatic piano transcription.")
    loudness = main.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_const", const=1, dest="verbosity", help="say more")
    loudness.add_argument(
        "-q", "--quiet", action="store_const", const=-1, dest="verbosity", help="only warnings and errors"
    )
    main.set_defaults(verbosity=0)
    commands = main.add_subparsers(dest="command", required=True)
    transcribe = commands.add_parser(
        "transcribe",
        help="audio files -> MIDI (.mid), probabilities (.npz) and a re-synthesised .wav",
        description="Transcribe piano recordings of any length with a trained model.",
        epilog=OUTPUTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    transcribe.add_argument("--onset-threshold", type=probability, help="overrides --thresholds")
    transcribe.add_argument("--frame-threshold", type=probability, help="overrides --thresholds")
    transcribe.add_argument("--no-wav", action="store_true", help="write no re-synthesised .wav")
    existing = transcribe.add_mutually_exclusive_group()
    existing.add_argument(
        "--overwrite",
        action="store_const",
        const="overwrite",
        dest="existing",
        help="replace earlier outputs",
    )
    existing.add_argument(
        "--skip-existing",
        action="store_const",
        const="skip",
        dest="existing",
        help="leave out inputs whose outputs exist",
    )
    transcribe.set_defaults(existing="refuse")
    profile = commands.add_parser(
        "profile",
        help="print a profile (profiles/NAME.yaml) as dvc exp run options",
        description="Print a named set of params as `dvc exp run` options: dvc exp run $(amt profile debug)",
    )
    profile.add_argument("name", help=f"one of: {', '.join(profile_names()) or 'none here'}")
    return main


def transcribe(args: argparse.Namespace) -> int:
    # Imported here: torch and its kin take seconds to load, which `amt profile` and `--help`
    # do without (and pyfluidsynth prints to stdout on import where CI is set).
    from amt.core.device import placement
    from amt.inference.decoding import Thresholds
    from amt.transcription.outputs import check_out_dir, plan_outputs
    from amt.transcription.resynth import resynthesiser
    from amt.transcription.transcriber import Transcriber, read_thresholds, transcribe_files

    check_out_dir(args.out)
    plan = plan_outputs(args.audio, args.out, args.existing)
    where = placement(args.device, "auto", device_key="--device")
    transcriber = Transcriber.load(args.model, where)
    base = transcriber.thresholds if args.thresholds is None else read_thresholds(args.thresholds)
    transcriber.thresholds = Thresholds(
        args.onset_threshold if args.onset_threshold is not None else base.onset,
        args.frame_threshold if args.frame_threshold is not None else base.frame,
    )
    render, why_not = (None, "") if args.no_wav else resynthesiser()
    if why_not:
        log.warning("writing no .resynth.wav files: %s", why_not)
    skipped = len(args.audio) - len(plan)
    if skipped:
        log.info("skipping %d inputs whose outputs exist (--skip-existing)", skipped)
    failures = transcribe_files(transcriber, plan, render)
    if failures:
        log.error("%d of %d files failed", failures, len(plan))
    return 1 if failures else 0


def print_profile(args: argparse.Namespace) -> int:
    """Print the profile as options (the command's output, so on stdout), once params.yaml
    with the profile applied is a valid config."""
    settings = load_profile(args.name)
    load_config().with_overrides(settings)
    print(" ".join(set_options(settings)))
    return 0


COMMANDS = {"transcribe": transcribe, "profile": print_profile}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure(args.command, args.verbosity)
    try:
        return COMMANDS[args.command](args)
    except AmtError as error:
        log.error("%s", error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
