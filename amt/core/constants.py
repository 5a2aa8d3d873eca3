"""Audio and label conventions shared by every module (the one place they live).

Frame convention: a signal of ``n`` samples has ``n // HOP_LENGTH + 1`` frames and frame
``t`` is centred on sample ``t * HOP_LENGTH`` (torchaudio's ``center=True``). Label frame
``t`` describes the same instant, so a note starting at ``s`` seconds has its onset in
frame ``round(s * SAMPLE_RATE / HOP_LENGTH)``.
"""

SAMPLE_RATE = 16000
HOP_LENGTH = 512
N_MELS = 229
N_FFT = 2048
MEL_FMIN = 30.0
MEL_FMAX = 8000.0

MIN_MIDI = 21
MAX_MIDI = 108
N_KEYS = MAX_MIDI - MIN_MIDI + 1

SUSTAIN_CC = 64
SUSTAIN_THRESHOLD = 64

SPLITS = ("train", "validation", "test")
HEADS = ("onset", "frame")  # the probability rolls every model outputs and decoding reads


def n_frames(n_samples: int) -> int:
    """Number of label/feature frames for a signal of ``n_samples`` samples."""
    return n_samples // HOP_LENGTH + 1


def time_to_frame(seconds: float) -> int:
    """Index of the frame whose centre is nearest to ``seconds``."""
    return int(round(seconds * SAMPLE_RATE / HOP_LENGTH))


def frame_to_time(frame: float) -> float:
    """Time in seconds of the centre of frame ``frame``."""
    return frame * HOP_LENGTH / SAMPLE_RATE


# Where the stages read and write, relative to the repository root.
RAW_DIR = "data/raw"
CACHE_DIR = "data/cache"
MODEL_FILE = "runs/model.pt"
CHECKPOINT_FILE = "runs/checkpoints/last.pt"
EVAL_DIR = "runs/eval"
METRICS_DIR = "metrics"
REPORTS_DIR = "reports"
