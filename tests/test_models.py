import numpy as np
import pytest
import torch
import torch.nn.functional as F

from amt.core.constants import N_KEYS, SAMPLE_RATE, n_frames
from amt.core.device import cpu_supports_bf16
from amt.core.errors import AmtError
from amt.core.notes import make_notes, notes_to_rolls
from amt.models import MODELS, build_model, count_parameters, init_output_biases
from amt.models.convstack import ConvStack
from amt.models.dropout import ByteDropout

torch.set_num_threads(2)

DEFAULT_SIZES = {"cnn_unit": 24, "fc_unit": 256, "lstm_units": 88, "lstm_layers": 2}
SMALL_SIZES = {"cnn_unit": 4, "fc_unit": 32, "lstm_units": 16, "lstm_layers": 1}
CLIP_NOTES = [(0.1, 0.6, 48, 90), (0.4, 1.2, 60, 70), (0.4, 0.9, 64, 70), (1.0, 1.8, 71, 100)]


def harmonic_clip(notes: np.ndarray, seconds: float) -> np.ndarray:
    """Decaying additive harmonic tones for ``notes``: a piano-like clip without a synthesiser."""
    time = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    audio = np.zeros_like(time)
    for onset, offset, pitch, velocity in notes:
        sounding = (time >= onset) & (time < offset)
        since = time[sounding] - onset
        f0 = 440.0 * 2 ** ((pitch - 69) / 12)
        partials = sum(np.sin(2 * np.pi * k * f0 * since) / k for k in range(1, 6) if k * f0 < 7000)
        audio[sounding] += velocity / 127 * np.exp(-3 * since) * partials
    return (0.3 * audio / np.abs(audio).max()).astype(np.float32)


@pytest.fixture(scope="module")
def clip() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    seconds = 2.0
    notes = make_notes(CLIP_NOTES)
    audio = harmonic_clip(notes, seconds)
    rolls = notes_to_rolls(notes, n_frames(len(audio)))
    labels = {name: torch.from_numpy(rolls[name]).float()[None] for name in ("onset", "frame")}
    return torch.from_numpy(audio)[None], labels


def loss_of(model: torch.nn.Module, audio: torch.Tensor, labels: dict[str, torch.Tensor]) -> torch.Tensor:
    outputs = model(audio)
    return sum(F.binary_cross_entropy_with_logits(outputs[k].float(), labels[k]) for k in labels)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("n_samples", [16000, 20480])
def test_default_sizes_give_onset_and_frame_logits_per_frame(name, n_samples):
    model = build_model(name, DEFAULT_SIZES).eval()
    with torch.no_grad():
        outputs = model(torch.randn(2, n_samples))
    assert set(outputs) == {"onset", "frame"}
    for logits in outputs.values():
        assert logits.shape == (2, n_frames(n_samples), N_KEYS)
        assert torch.isfinite(logits).all()


@pytest.mark.skipif(
    not cpu_supports_bf16(),
    reason="this CPU has no oneDNN bf16 kernels: precision auto trains in fp32 here",
)
@pytest.mark.parametrize("name", MODELS)
def test_forward_and_backward_under_bf16_autocast(name):
    model = build_model(name, SMALL_SIZES)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        outputs = model(torch.randn(2, 8192))
    sum(logits.float().mean() for logits in outputs.values()).backward()
    assert outputs["frame"].shape == (2, n_frames(8192), N_KEYS)
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", MODELS)
def test_model_rebuilds_from_its_config(name):
    flags = {"lstm_input_norm": False, "lstm_skip": False, "conv_dropout": 0.125, "fc_dropout": 0.0}
    model = build_model(name, {**DEFAULT_SIZES, **flags})
    rebuilt = build_model(model.config["name"], model.config)
    assert rebuilt.config == model.config == {"name": name, **DEFAULT_SIZES, **flags}
    rebuilt.load_state_dict(model.state_dict())
    assert count_parameters(rebuilt) == count_parameters(model)


def test_unknown_model_names_the_valid_ones():
    with pytest.raises(AmtError, match="unknown model 'transformer'.*baseline, lstm, crnn, onf"):
        build_model("transformer", DEFAULT_SIZES)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"cnn_unit": 48, "fc_unit": 256, "lstm_units": 88}, "missing parameter 'models.lstm_layers'"),
        ({**DEFAULT_SIZES, "fc_unit": 0}, "models.fc_unit must be a positive integer"),
        ({**DEFAULT_SIZES, "lstm_units": "88"}, "models.lstm_units must be a positive integer"),
        ({**DEFAULT_SIZES, "lstm_input_norm": "yes"}, "models.lstm_input_norm must be true or false"),
        ({**DEFAULT_SIZES, "lstm_skip": 1}, "models.lstm_skip must be true or false"),
        ({**DEFAULT_SIZES, "conv_dropout": 0.1}, r"models.conv_dropout must be a multiple of 1/256 in \[0"),
        ({**DEFAULT_SIZES, "fc_dropout": 1}, "models.fc_dropout must be a multiple of 1/256"),
        ({**DEFAULT_SIZES, "fc_dropout": "0.5"}, "models.fc_dropout must be a multiple of 1/256"),
        ({**DEFAULT_SIZES, "conv_dropout": True}, "models.conv_dropout must be a multiple of 1/256"),
    ],
)
def test_bad_sizes_name_the_parameter(sizes, message):
    with pytest.raises(AmtError, match=message):
        build_model("crnn", sizes)


@pytest.mark.parametrize(("name", "stacks"), [("crnn", ("onset", "frame")), ("onf", ("onset", "combined"))])
def test_skip_feeds_the_convstack_features_to_the_read_out_after_each_bilstm(name, stacks):
    with_skip = build_model(name, {**SMALL_SIZES, "lstm_skip": True})
    without = build_model(name, {**SMALL_SIZES, "lstm_skip": False})
    lstm_outputs = 2 * SMALL_SIZES["lstm_units"]
    for stack in stacks:
        inputs = getattr(without, f"{stack}_stack")[-2].lstm.input_size
        assert getattr(with_skip, f"{stack}_stack")[-1].in_features == lstm_outputs + inputs
        assert getattr(without, f"{stack}_stack")[-1].in_features == lstm_outputs


def test_sizes_without_the_skip_switch_build_the_model_files_saved_before_it():
    model = build_model("crnn", SMALL_SIZES)
    assert model.config["lstm_skip"] is False
    assert model.onset_stack[-1].in_features == 2 * SMALL_SIZES["lstm_units"]


def dropout_rates(model: torch.nn.Module) -> list[tuple[float, float]]:
    """(rate after the poolings, rate after the linear layer) of each ConvStack in ``model``."""
    return [(stack.cnn[-1].p, stack.fc[-1].p) for stack in model.modules() if isinstance(stack, ConvStack)]


@pytest.mark.parametrize("name", ["baseline", "crnn", "onf"])
def test_dropout_rates_reach_every_convstack(name):
    model = build_model(name, {**SMALL_SIZES, "conv_dropout": 0.125, "fc_dropout": 0})
    assert dropout_rates(model) == [(0.125, 0.0), (0.125, 0.0)]
    assert all(m.p == 0.125 for m in model.modules() if isinstance(m, ByteDropout) and m.p != 0.0)


def test_sizes_without_dropout_rates_build_the_homeworks():
    model = build_model("onf", SMALL_SIZES)
    assert dropout_rates(model) == [(0.25, 0.5), (0.25, 0.5)]
    assert (model.config["conv_dropout"], model.config["fc_dropout"]) == (0.25, 0.5)


@pytest.mark.parametrize(("rates", "deterministic"), [((0, 0), True), ((0.25, 0.5), False)])
def test_training_mode_is_random_only_with_dropout(rates, deterministic):
    model = build_model("baseline", {**SMALL_SIZES, "conv_dropout": rates[0], "fc_dropout": rates[1]}).train()
    audio = torch.randn(1, 8192)
    with torch.no_grad():
        assert torch.equal(model(audio)["onset"], model(audio)["onset"]) == deterministic


def test_skip_is_not_added_to_the_lstm_model_which_reads_log_mel():
    model = build_model("lstm", {**SMALL_SIZES, "lstm_skip": True})
    assert model.onset_stack[-1].in_features == 2 * SMALL_SIZES["lstm_units"]


@pytest.mark.parametrize("skip", [True, False])
def test_skip_gives_the_convstack_a_gradient_that_bypasses_the_bilstm(skip):
    model = build_model("crnn", {**SMALL_SIZES, "lstm_skip": skip}).eval()
    with torch.no_grad():
        for parameter in model.onset_stack[1].lstm.parameters():
            parameter.zero_()  # an LSTM with zero weights outputs 0 whatever its input
    model(torch.randn(1, 8192))["onset"].sum().backward()
    assert (model.onset_stack[0].fc[0].weight.grad.abs().sum() > 0) == skip


def test_onf_frame_loss_does_not_train_the_onset_stack_but_sees_its_output():
    model = build_model("onf", SMALL_SIZES).eval()
    audio = torch.randn(1, 8192)
    F.binary_cross_entropy_with_logits(model(audio)["frame"], torch.zeros(1, 17, N_KEYS)).backward()
    assert all(p.grad is None for p in model.onset_stack.parameters())
    assert all(p.grad is not None for p in model.frame_stack.parameters())
    with torch.no_grad():
        before = model(audio)["frame"]
        model.onset_stack[-1].bias.add_(5.0)
        assert not torch.allclose(model(audio)["frame"], before)


def test_output_biases_start_at_the_base_rates():
    model = build_model("onf", SMALL_SIZES).eval()
    init_output_biases(model, onset_rate=0.01, frame_rate=0.1)
    with torch.no_grad():
        for layer in model.output_layers().values():
            layer.weight.zero_()
        outputs = model(torch.randn(1, 4096))
    assert torch.allclose(torch.sigmoid(outputs["onset"]), torch.tensor(0.01), atol=1e-4)
    assert torch.allclose(torch.sigmoid(outputs["frame"]), torch.tensor(0.1), atol=1e-4)


@pytest.mark.parametrize("name", MODELS)
def test_model_overfits_one_clip(name, clip):
    torch.manual_seed(0)
    audio, labels = clip
    model = build_model(name, SMALL_SIZES)
    init_output_biases(model, labels["onset"].mean().item(), labels["frame"].mean().item())
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    start = loss_of(model.eval(), audio, labels).item()
    model.train()
    for _ in range(40):
        optimiser.zero_grad()
        loss_of(model, audio, labels).backward()
        optimiser.step()
    assert loss_of(model.eval(), audio, labels).item() < 0.5 * start
