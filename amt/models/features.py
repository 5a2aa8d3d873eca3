"""The log-mel front end every model starts from.

Frame ``t`` of the output is centred on sample ``t * HOP_LENGTH`` (``center=True``), so
it describes the same instant as label frame ``t`` (see amt.core.constants).
"""

import torch
import torchaudio
from torch import nn

from amt.core.constants import HOP_LENGTH, MEL_FMAX, MEL_FMIN, N_FFT, N_MELS, SAMPLE_RATE

LOG_FLOOR = 1e-5  # magnitude floor before the log: silence maps to log(1e-5) ~ -11.5


class LogMel(nn.Module):
    """Audio ``[B, N]`` -> log mel magnitudes ``[B, N // HOP_LENGTH + 1, N_MELS]`` in float32.

    Magnitude (not power) mel with Slaney filters and a log floor, as in the widely
    used PyTorch Onsets-and-Frames re-implementation. The edges are reflect-padded
    (torchaudio's default), so ``N`` must exceed ``N_FFT // 2`` samples. The STFT and
    the filterbank run in float32 even under autocast: bfloat16 would lose the quiet
    partials the log is there to show.
    """

    def __init__(self) -> None:
        super().__init__()
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=SAMPLE_RATE,
            n_fft=N_FFT,
            hop_length=HOP_LENGTH,
            f_min=MEL_FMIN,
            f_max=MEL_FMAX,
            n_mels=N_MELS,
            power=1.0,
            center=True,
            norm="slaney",
            mel_scale="slaney",
        )

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        with torch.autocast(audio.device.type, enabled=False):
            mel = self.mel(audio.float())
        return torch.log(mel.clamp(min=LOG_FLOOR)).transpose(-1, -2)
