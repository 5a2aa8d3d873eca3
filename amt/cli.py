"""The ``amt`` console command: ``amt transcribe MODEL AUDIO... [--out DIR]``,
``amt evaluate MODEL PATH... [--out DIR]`` and ``amt profile NAME``."""

import argparse
import logging
import sys
from pathlib import Path

from amt.config import load_config
from amt.config.reader import threshold
from amt.core.disk import disk_full, is_disk_full
from amt.core.errors import AmtError
from amt.core.log import configure
from amt.core.stage import INTERRUPTED_EXIT
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


EVALUATE_HELP = """\
PATH is a folder or zip of recordings and the MIDI of what was played, paired by base
name (take1.flac with take1.mid, in any subfolders) or listed by a csv with
audio_filename and midi_filename columns (the local source's layout). For each PATH the
results go to OUT/<PATH's name>/<model>-<run>/: scores.csv (one row per recording: frame,
note and note-with-offset precision, recall and F1, as the evaluate stage scores them),
scores.json (the means, thresholds, whether references were pedal-extended, the errors by
register, velocity and kind, every row) and midi/ (the decoded notes). Thresholds: the
flags, else --thresholds, else those the evaluate stage tuned on validation for the
model's MLflow run, else the model's own. When the model's MLflow run is in the store
its params name, the means are logged to it as real/<PATH's name>/<metric> (--no-log:
not). A file that cannot be scored is one line; the others are still scored."""


def model_command(
    commands: argparse._SubParsersAction, name: str, model_nargs: str | None = None, **texts: str
) -> argparse.ArgumentParser:
    """A sub-command that runs a model file (``texts``: help, description, epilog), with
    the model argument, --device and the thresholds."""
    command = commands.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **texts)
    command.add_argument(
        "model", type=Path, nargs=model_nargs, help="a model file from the train stage (runs/model.pt)"
    )
    command.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    add_thresholds(command)
    return command


def add_thresholds(command: argparse.ArgumentParser) -> None:
    """--thresholds, --onset-threshold and --frame-threshold, as transcribe and evaluate take them."""
    command.add_argument(
        "--thresholds",
        type=Path,
        help="JSON with onset_threshold and frame_threshold, e.g. the tuned ones in metrics/eval.json",
    )
    command.add_argument("--onset-threshold", type=probability, help="overrides --thresholds")
    command.add_argument("--frame-threshold", type=probability, help="overrides --thresholds")


def add_evaluate(commands: argparse._SubParsersAction) -> None:
    evaluate = model_command(
        commands,
        "evaluate",
        model_nargs="?",
        help="score a model on labelled recordings (folders or zips of audio + MIDI)",
        description="Score a trained model on labelled recordings, e.g. real piano takes.",
        epilog=EVALUATE_HELP,
    )
    evaluate.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="folder or zip of audio + MIDI")
    evaluate.add_argument(
        "--out", type=Path, default=Path("evaluations"), help="results root (default: evaluations)"
    )
    evaluate.add_argument("--overwrite", action="store_true", help="replace an earlier evaluation's results")
    evaluate.add_argument("--no-log", action="store_true", help="log nothing to the model's MLflow run")
    evaluate.add_argument(
        "--reference",
        metavar="NAME",
        help="score a published system (transkun, basic-pitch), not a model; every positional is a PATH",
    )


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="amt", description="Automatic piano transcription.")
    loudness = main.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_const", const=1, dest="verbosity", help="say more")
    loudness.add_argument(
        "-q", "--quiet", action="store_const", const=-1, dest="verbosity", help="only warnings and errors"
    )
    main.set_defaults(verbosity=0)
    commands = main.add_subparsers(dest="command", required=True)
    transcribe = model_command(
        commands,
        "transcribe",
        help="audio files -> MIDI (.mid), probabilities (.npz) and a re-synthesised .wav",
        description="Transcribe piano recordings of any length with a trained model.",
        epilog=OUTPUTS_HELP,
    )
    transcribe.add_argument(
        "audio", type=Path, nargs="+", help="wav, flac, ogg or mp3; any rate and channels"
    )
    transcribe.add_argument("--out", type=Path, default=Path("."), help="output folder (default: here)")
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
    add_evaluate(commands)
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
    from amt.transcription.outputs import check_out_dir, plan_outputs
    from amt.transcription.resynth import resynthesiser
    from amt.transcription.transcriber import Transcriber, read_thresholds, transcribe_files, with_flags

    check_out_dir(args.out)
    render, why_not = (None, "") if args.no_wav else resynthesiser()
    if why_not:
        log.warning("writing no .resynth.wav files: %s", why_not)
    plan = plan_outputs(args.audio, args.out, args.existing, with_wav=render is not None)
    where = placement(args.device, "auto", device_key="--device")
    transcriber = Transcriber.load(args.model, where)
    base = transcriber.thresholds if args.thresholds is None else read_thresholds(args.thresholds)
    transcriber.thresholds = with_flags(base, args.onset_threshold, args.frame_threshold)
    skipped = len(args.audio) - len(plan)
    if skipped:
        log.info("skipping %d inputs whose outputs exist (--skip-existing)", skipped)
    failures = transcribe_files(transcriber, plan, render)
    if failures:
        log.error("%d of %d files failed", failures, len(plan))
    return 1 if failures else 0


def evaluate(args: argparse.Namespace) -> int:
    if args.reference:
        return evaluate_reference(args)
    if args.model is None:
        raise AmtError("amt evaluate needs a MODEL file and a PATH (or --reference NAME and a PATH)")
    from amt.core.device import placement
    from amt.labelled.evaluate import choose_thresholds, evaluate_sets, model_scorer
    from amt.labelled.pairs import open_set
    from amt.labelled.runs import model_run
    from amt.models.checkpoint import load_model_file
    from amt.transcription.transcriber import Transcriber, read_thresholds

    where = placement(args.device, "auto", device_key="--device")
    loaded = load_model_file(args.model, where.device)
    sets = [open_set(path) for path in args.paths]
    run = model_run(loaded)
    from_file = None if args.thresholds is None else read_thresholds(args.thresholds)
    thresholds, source = choose_thresholds(loaded, run, from_file, args.onset_threshold, args.frame_threshold)
    log.info("thresholds onset %.3g, frame %.3g (%s)", thresholds.onset, thresholds.frame, source)
    scorer = model_scorer(loaded, Transcriber(loaded.model, loaded.evaluate, thresholds, where), run, source)
    return 0 if evaluate_sets(scorer, sets, args.out, args.overwrite, not args.no_log) else 1


def evaluate_reference(args: argparse.Namespace) -> int:
    """amt evaluate --reference NAME PATH...: a published system, logged to its run in the
    project's store (params.yaml here) when there is one."""
    from amt.labelled.evaluate import evaluate_sets
    from amt.labelled.pairs import open_set
    from amt.references.runs import project_reference_run
    from amt.references.score import reference_scorer
    from amt.references.systems import reference

    if args.thresholds or args.onset_threshold or args.frame_threshold:
        raise AmtError("--reference takes no thresholds: the system decodes with its own")
    system = reference(args.reference, "--reference")
    sets = [open_set(path) for path in ([args.model] if args.model else []) + args.paths]
    scorer = reference_scorer(system, None if args.no_log else project_reference_run(system))
    return 0 if evaluate_sets(scorer, sets, args.out, args.overwrite, not args.no_log) else 1


def print_profile(args: argparse.Namespace) -> int:
    """Print the profile as options (the command's output, so on stdout), once params.yaml
    with the profile applied is a valid config."""
    settings = load_profile(args.name)
    load_config().with_overrides(settings)
    print(" ".join(set_options(settings)))
    return 0


COMMANDS = {"transcribe": transcribe, "evaluate": evaluate, "profile": print_profile}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure(args.command, args.verbosity)
    try:
        return COMMANDS[args.command](args)
    except AmtError as error:
        log.error("%s", error)
        return 1
    except OSError as error:
        if not is_disk_full(error):
            raise
        log.error("%s", disk_full(error.filename or Path.cwd()))
        return 1
    except KeyboardInterrupt:
        log.warning("interrupted; every file written is complete, the one in progress was not kept")
        return INTERRUPTED_EXIT


if __name__ == "__main__":
    sys.exit(main())
