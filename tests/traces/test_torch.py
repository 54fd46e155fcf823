"""PyTorch extraction (module with hooks, state_dict files) and the trained-network example."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch")
import torch.nn.utils.prune  # noqa: E402
from torch import nn  # noqa: E402

from accelsim.cli import main  # noqa: E402
from accelsim.spec import load_workload  # noqa: E402
from accelsim.traces import extract  # noqa: E402
from accelsim.traces.groups import sparsity_statistics  # noqa: E402
from accelsim.traces.trace import layer_mask  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding="same", groups=1)
        self.bn = nn.BatchNorm2d(8)
        self.proj = nn.Linear(8, 6)
        self.rnn = nn.LSTM(6, 5, num_layers=2, batch_first=True)
        self.unused = nn.Linear(2, 2)

    def forward(self, x):
        h = torch.relu(self.bn(self.conv(x)))          # (B, 8, 4, 4)
        seq = h.flatten(2).transpose(1, 2)             # (B, 16, 8)
        return self.rnn(self.proj(seq))[0]


def test_module_trace_shapes_activations_and_notes(tmp_path):
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        net.conv.weight[:, 1] = 0                      # one dead input channel
    x = torch.relu(torch.randn(4, 3, 4, 4))
    trace = extract.from_module(net, x, name="net")
    assert [l.name for l in trace.layers] == ["conv", "proj", "rnn.l0", "rnn.l1"]
    # the batch norm module and the functional relu run outside the traced modules (flatten
    # and transpose are views): named, with the tracer that sees them
    assert trace.notes[0] == "not modelled: BatchNorm2d×1, Linear (never ran)×1"
    assert trace.notes[1].startswith("not traced by the hook tracer")
    assert ": native_batch_norm×1, relu×1; `accelsim trace from-torch`" in trace.notes[1]
    assert len(trace.notes) == 2  # no functional GEMM
    workload = trace.write(tmp_path / "net.json")
    conv = workload.layer("conv")
    assert (conv.padding, conv.in_hw, conv.out_hw) == ((1, 1), (4, 4), (4, 4))
    assert conv.activation_density == pytest.approx(float((x != 0).float().mean()))
    stats = sparsity_statistics(layer_mask(conv), "conv")
    assert stats["channel_sparsity"] == pytest.approx(1 / 3)
    assert conv.col_sparsity == pytest.approx(1 / 3)
    proj = workload.layer("proj")
    assert (proj.kind, proj.columns) == ("matmul", 16)
    l1 = workload.layer("rnn.l1")
    assert (l1.input_size, l1.hidden_size, l1.timesteps) == (5, 5, 16)
    assert layer_mask(l1).shape == (20, 10)
    with np.load(tmp_path / "net.masks" / "000_conv.npz") as data:
        assert data.files == ["weight"]  # activations: only the measured mean is recorded


class Functional(nn.Module):
    """GEMMs written as functions of parameters, the way attention blocks often are."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(32, 16))
        self.kernel = nn.Parameter(torch.randn(4, 3, 3, 3))
        self.fc = nn.Linear(32, 32)

    def forward(self, x):                                     # x: (B, 8, 16)
        h = nn.functional.linear(x, self.w)                   # (B, 8, 32)
        q = h.view(x.shape[0], 8, 2, 16).transpose(1, 2)      # 2 heads of 16
        a = nn.functional.scaled_dot_product_attention(q, q, q)
        scores = torch.matmul(h, h.transpose(1, 2))           # (B, 8, 8)
        image = nn.functional.conv2d(torch.zeros(x.shape[0], 3, 5, 5), self.kernel)
        return self.fc(h).sum() + a.sum() + scores.sum() + image.sum()


def test_module_trace_names_the_functional_gemms_it_cannot_see():
    trace = extract.from_module(Functional(), torch.randn(2, 8, 16), batch=2)
    assert [layer.name for layer in trace.layers] == ["fc"]  # the one nn.Linear
    note = next(n for n in trace.notes if n.startswith("not seen by the hook tracer"))
    # by hand, batch 2: linear 2·8 tokens·16·32 = 8,192; attention Q·Kᵀ and A·V, 2 heads,
    # 8 queries, 8 keys, d 16: 2·2·8·8·(16 + 16) = 8,192; matmul 2·8·32·8 = 4,096;
    # conv 2·4 channels·3·3 outputs · 3·3·3 = 1,944: 22,424
    assert "22,424 multiply-adds" in note
    assert all(op in note for op in ("mm×1", "bmm×1", "convolution×1", "scaled_dot_product"))
    assert trace.notes[-1].endswith("`accelsim trace from-torch` (traces.torch_trace."
                                    "trace_module) traces every op")
    # the ATen tracer records all four as layers
    from accelsim.traces.torch_trace import trace_module

    kinds = sorted(layer.spec["kind"] for layer in trace_module(Functional(), (2, 8, 16)).layers
                   if layer.spec["kind"] in ("matmul", "bmm", "conv"))
    assert kinds == ["bmm", "bmm", "bmm", "conv", "matmul", "matmul"]


def test_state_dict_file_with_pruning_reparametrization(tmp_path):
    net = nn.Sequential(nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 4))
    torch.nn.utils.prune.l1_unstructured(net[0], "weight", amount=0.75)
    torch.save(net.state_dict(), tmp_path / "sd.pt")
    (tmp_path / "layers.json").write_text(json.dumps({"name": "mlp", "layers": [
        {"name": "0", "kind": "fc", "in_features": 20, "out_features": 10},
        {"name": "2", "kind": "fc", "in_features": 10, "out_features": 4}]}))
    out = tmp_path / "mlp.json"
    r = CliRunner().invoke(main, ["trace", "from-torch", str(tmp_path / "sd.pt"), "--layers",
                                  str(tmp_path / "layers.json"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert load_workload(out).layer("0").weight_density == 0.25
    r = CliRunner().invoke(main, ["run", str(ROOT / "archs/vc707.yaml"), str(out)])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("write, problem", [
    (lambda p: p.write_bytes(b"PK\x03\x04 truncated zip"), "not a readable PyTorch state_dict"),
    (lambda p: torch.save([1, 2, 3], p), "holds a list, not a state_dict"),
    (lambda p: torch.save(nn.Linear(2, 2), p), "not a readable PyTorch state_dict"),
    (lambda p: torch.save({"w": 3}, p), "entry 'w' is a int, not a tensor"),
])
def test_bad_state_dict_one_line_nothing_written(tmp_path, write, problem):
    source = tmp_path / "bad.pt"
    write(source)
    (tmp_path / "layers.json").write_text(json.dumps({"layers": [
        {"name": "w", "kind": "fc", "in_features": 2, "out_features": 2}]}))
    r = CliRunner().invoke(main, ["trace", "from-torch", str(source), "--layers",
                                  str(tmp_path / "layers.json"), "-o", str(tmp_path / "o.json")])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: {source}: ") and problem in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "o.masks").exists()


def test_trained_network_example_small_budget(tmp_path):
    spec = importlib.util.spec_from_file_location("lenet_example",
                                                  ROOT / "examples/lenet_digits_ssl.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "lenet.json"
    run = example.main(["--epochs", "4", "--finetune-epochs", "1", "--train-samples", "800",
                        "--lam", "5e-2", "--threshold", "0.3", "-o", str(out),
                        str(ROOT / "archs/vc707.yaml")])
    assert run["accuracy"] > 0.5
    workload = load_workload(out)
    assert [l.name for l in workload.layers] == ["conv1", "conv2", "fc1", "fc2"]
    for layer in workload.layers:
        stats = sparsity_statistics(layer_mask(layer), layer.kind, layer.groups)
        assert layer.weight_density == stats["weight_density"]
        assert layer.row_sparsity == stats["row_sparsity"]
    assert min(layer.weight_density for layer in workload.layers) < 1.0  # SSL removed groups
    result = run["results"][str(ROOT / "archs/vc707.yaml")]
    assert result.totals()["effective_macs"] < result.totals()["dense_macs"]
