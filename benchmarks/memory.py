"""Peak memory of `amt transcribe` against the length of the recording.

``python -m benchmarks.memory [--minutes 2.5 10 60 180]`` writes a 44.1 kHz stereo FLAC of
each length (decaying tones on random keys over faint noise, written block by block),
transcribes it in a fresh process with an untrained onf at params.yaml's sizes and evaluate
settings (``amt transcribe --no-wav``; the weights do not change the cost), and prints that
process's peak RSS and its compute seconds per audio minute.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from amt.cli import main as amt_main
from amt.config import Config
from amt.config.params import load_params
from amt.models import build_model
from amt.models.checkpoint import save_checkpoint

RATE = 44100
BLOCK_SECONDS = 10


def write_recording(path: Path, minutes: float, seed: int = 0) -> None:
    """A stereo FLAC of ``minutes``: every 0.25 s a tone on a random key, decaying over 1 s."""
    rng = np.random.default_rng(seed)
    t = np.arange(BLOCK_SECONDS * RATE) / RATE
    with sf.SoundFile(str(path), "w", RATE, 2, format="FLAC", subtype="PCM_16") as out:
        for _ in range(int(np.ceil(minutes * 60 / BLOCK_SECONDS))):
            block = rng.normal(0, 1e-3, len(t))
            for onset in np.arange(0, BLOCK_SECONDS, 0.25):
                hz = 440 * 2 ** ((rng.integers(21, 109) - 69) / 12)
                ring = t[t >= onset] - onset
                block[t >= onset] += 0.05 * np.exp(-4 * ring) * np.sin(2 * np.pi * hz * ring)
            out.write(np.repeat(block[:, None], 2, axis=1))


def write_model(path: Path) -> None:
    params = load_params()
    model = build_model("onf", Config.from_params(params).models)
    state = {"model_config": model.config, "model": model.state_dict(), "step": 0, "params": params}
    save_checkpoint(path, state | {"run_id": None})


def child(args: list[str]) -> None:
    """Run `amt transcribe` in this process, then print its peak RSS in MB."""
    code = amt_main(args)
    print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    sys.exit(code)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, nargs="+", default=[2.5, 10, 60])
    args = parser.parse_args()
    print(f"onf, {torch.get_num_threads()} threads; 44.1 kHz stereo FLAC in, `amt transcribe --no-wav`")
    with tempfile.TemporaryDirectory() as scratch:
        model = Path(scratch) / "model.pt"
        write_model(model)
        for minutes in args.minutes:
            audio = Path(scratch) / f"{minutes:g}min.flac"
            write_recording(audio, minutes)
            command = [sys.executable, "-m", "benchmarks.memory", "--child", "transcribe", str(model)]
            command += [str(audio), "--out", str(Path(scratch) / "out"), "--no-wav", "--overwrite"]
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            elapsed = time.perf_counter() - start
            peak = result.stdout.strip().splitlines()[-1]
            print(f"{minutes:>6g} min: peak RSS {peak} MB, {elapsed / minutes:.1f} s per audio minute")
            audio.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
