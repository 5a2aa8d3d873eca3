import math

import numpy as np
import pytest
import torch

from amt.config import load_config
from amt.config.augment import AugmentConfig, Draw
from amt.core.constants import SAMPLE_RATE
from amt.core.errors import AmtError
from amt.models import build_model
from amt.training.augment import Augmenter, Draws, add_noise, compress, filtered, pitch_shift
from amt.training.settings import TrainSettings
from amt.training.trainer import Trainer

EVERY = {
    "gain": Draw(1.0, -6.0, 6.0),
    "eq": Draw(1.0, -6.0, 6.0),
    "reverb": Draw(1.0, 0.2, 1.0),
    "compress": Draw(1.0, 2.0, 6.0),
    "noise": Draw(1.0, 20.0, 40.0),
    "pitch": Draw(1.0, -0.3, 0.3),
    "lowpass": Draw(1.0, 3000.0, 7500.0),
    "highpass": Draw(1.0, 40.0, 200.0),
}


def sine(hz: float, seconds: float = 1.0, size: int = 2) -> torch.Tensor:
    t = torch.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.1 * torch.sin(2 * math.pi * hz * t)).repeat(size, 1)


def draws(size: int = 2, **chosen: Draw) -> Draws:
    return Draws(AugmentConfig(chosen), seed=0, step=0, segments=range(size))


def peak_hz(audio: torch.Tensor) -> float:
    spectrum = torch.fft.rfft(audio).abs()
    return float(torch.fft.rfftfreq(audio.shape[-1], 1 / SAMPLE_RATE)[spectrum.argmax()])


def test_every_augmentation_keeps_shape_dtype_and_finite_samples():
    audio = torch.randn(4, 20480) * 0.1
    out = Augmenter(AugmentConfig(EVERY), seed=0)(audio, step=5)
    assert out.shape == audio.shape and out.dtype == audio.dtype and torch.isfinite(out).all()
    assert not torch.equal(out, audio)


def test_draws_repeat_for_the_same_seed_rank_and_step_only():
    audio = torch.randn(4, 8192) * 0.1
    one = Augmenter(AugmentConfig(EVERY), seed=0)
    assert torch.equal(one(audio, 3), Augmenter(AugmentConfig(EVERY), seed=0)(audio, 3))
    assert not torch.equal(one(audio, 3), one(audio, 4))
    assert not torch.equal(one(audio, 3), one(audio, 3, first=4))
    assert not torch.equal(one(audio, 3), Augmenter(AugmentConfig(EVERY), seed=1)(audio, 3))


def test_a_batch_shared_among_processes_draws_as_it_would_whole():
    audio = torch.randn(4, 8192) * 0.1
    augment = Augmenter(AugmentConfig(EVERY), seed=0)
    whole = augment(audio, 7)
    shares = torch.cat([augment(audio[:2], 7), augment(audio[2:], 7, first=2)])
    assert torch.allclose(whole, shares, atol=1e-6)


def test_off_is_the_identity():
    audio = torch.randn(2, 4096)
    assert Augmenter(AugmentConfig({}), seed=0)(audio, 1) is audio
    never = AugmentConfig({name: Draw(0.0, draw.low, draw.high) for name, draw in EVERY.items()})
    assert Augmenter(never, 0)(audio, 1) is audio
    untouched = draws()  # nothing chosen: every step below must give the input back
    assert torch.allclose(filtered(audio, untouched), audio, atol=1e-5)
    assert torch.equal(pitch_shift(audio, untouched.amount("pitch")), audio)
    assert torch.allclose(
        compress(audio, untouched.amount("compress"), torch.full((2,), -20.0)), audio, atol=1e-6
    )
    assert torch.equal(add_noise(audio, untouched.amount("noise"), torch.zeros(2), untouched), audio)


def test_gain_scales_by_the_drawn_decibels():
    audio = sine(440)
    out = filtered(audio, draws(gain=Draw(1.0, 6.0, 6.0)))
    assert torch.allclose(out.abs().amax(1), audio.abs().amax(1) * 10 ** (6 / 20), rtol=1e-3)


def test_pitch_shift_moves_a_tone_by_the_ratio_and_pads_the_end():
    audio = sine(440)
    out = pitch_shift(audio, torch.tensor([1.0, -1.0]))
    assert peak_hz(out[0]) == pytest.approx(440 * 2 ** (1 / 12), abs=2)
    assert peak_hz(out[1]) == pytest.approx(440 * 2 ** (-1 / 12), abs=2)
    assert out[0, -100:].abs().max() == 0  # raised: the segment runs out of samples


def test_lowpass_removes_the_treble():
    audio = sine(440) + sine(7000)
    out = filtered(audio, draws(lowpass=Draw(1.0, 2000.0, 2000.0)))
    spectrum = torch.fft.rfft(out[0]).abs()
    hz = torch.fft.rfftfreq(out.shape[-1], 1 / SAMPLE_RATE)
    assert spectrum[hz.sub(7000).abs().argmin()] < 0.01 * spectrum[hz.sub(440).abs().argmin()]


def test_highpass_removes_a_bass_fundamental_and_keeps_its_partials():
    audio = sine(55) + sine(440)
    out = filtered(audio, draws(highpass=Draw(1.0, 150.0, 150.0)))
    spectrum, before = torch.fft.rfft(out[0]).abs(), torch.fft.rfft(audio[0]).abs()
    hz = torch.fft.rfftfreq(out.shape[-1], 1 / SAMPLE_RATE)
    low, high = hz.sub(55).abs().argmin(), hz.sub(440).abs().argmin()
    assert spectrum[low] < 0.03 * before[low]  # 4th order: -35 dB 1.4 octaves under the cut-off
    assert float(spectrum[high]) == pytest.approx(float(before[high]), rel=0.01)


def test_reverb_leaves_the_onset_where_it_was_and_adds_a_tail():
    audio = torch.zeros(2, 16000)
    audio[:, 4000:4400] = sine(440, 400 / SAMPLE_RATE)
    out = filtered(audio, draws(reverb=Draw(1.0, 0.8, 0.8)))
    assert out[:, :3999].abs().max() < 1e-4  # nothing before the note starts
    assert torch.allclose(out[:, 4000:4010], audio[:, 4000:4010], atol=0.05)
    assert out[:, 6000:].abs().max() > 1e-3  # the room rings on after the note


def test_compression_keeps_the_peak_and_lifts_the_quiet_part():
    audio = torch.cat([sine(440, 0.5) * 0.05, sine(440, 0.5)], dim=1)
    out = compress(audio, torch.tensor([8.0, 8.0]), torch.tensor([-20.0, -20.0]))
    assert torch.allclose(out.abs().amax(1), audio.abs().amax(1), rtol=1e-4)
    assert out[:, :4000].abs().amax(1).min() > 2 * audio[:, :4000].abs().amax(1).max()


def test_noise_comes_at_the_drawn_signal_to_noise_ratio():
    audio = sine(440, size=3)
    out = add_noise(audio, torch.tensor([20.0, 40.0, math.nan], dtype=torch.float64), torch.ones(3), draws(3))
    snr = 10 * torch.log10(audio.pow(2).mean(1) / (out - audio).pow(2).mean(1))
    assert np.allclose(snr[:2], [20.0, 40.0], atol=0.01) and torch.equal(out[2], audio[2])


def test_training_segments_are_augmented_and_labels_are_not():
    config = load_config().with_overrides(
        {"train.device": "cpu", "train.augment": {"gain": {"p": 1, "db": [6, 6]}}}
    )
    settings = TrainSettings.from_config(config)
    tiny = {"cnn_unit": 2, "fc_unit": 8, "lstm_units": 4, "lstm_layers": 1}
    trainer = Trainer(build_model("baseline", tiny), settings)
    seen = []
    trainer.network.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    labels = torch.zeros(2, 41, 88)
    batch = {"audio": torch.randn(2, 20480) * 0.1, "onset": labels, "frame": labels.clone()}
    before = {name: value.clone() for name, value in batch.items()}
    trainer.step(batch)
    assert torch.allclose(seen[0], before["audio"] * 10 ** (6 / 20), atol=1e-5)
    assert all(torch.equal(batch[name], before[name]) for name in batch)


def test_mix_is_read_apart_from_the_waveform_augmentations():
    mixing = load_config().with_overrides({"train.augment": {"mix": {"p": 0.5, "db": [-3, 0]}}})
    assert mixing.train.augment.mix == Draw(0.5, -3.0, 0.0)
    assert not mixing.train.augment.active
    audio = torch.randn(2, 4096)
    assert Augmenter(mixing.train.augment, seed=0)(audio, step=0) is audio
    off = load_config().with_overrides({"train.augment": {"mix": {"p": 0, "db": [0, 0]}}})
    assert off.train.augment.mix is None


@pytest.mark.parametrize(
    ("augment", "message"),
    [
        ({"gain": {"p": 2, "db": [0, 1]}}, "train.augment.gain.p must be a number between 0 and 1, got 2"),
        ({"noise": {"p": 0.5, "snr_db": [30, 10]}}, "train.augment.noise.snr_db must be [low, high]"),
        ({"pitch": {"p": 0.5, "semitones": [-3, 3]}}, "-1 <= low <= high <= 1, got [-3, 3]"),
        ({"reverb": {"p": 0.5}}, "missing parameter 'train.augment.reverb.rt60'"),
        ({"mix": {"p": 0.5, "db": [0, 12]}}, "train.augment.mix.db must be [low, high] decibels"),
    ],
)
def test_bad_augmentations_name_the_key_and_rule(augment, message):
    with pytest.raises(AmtError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config().with_overrides({"train.augment": augment})
