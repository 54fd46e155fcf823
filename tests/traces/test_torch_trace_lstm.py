"""nn.LSTM through the ATen tracer (trace_module): lstm layers whose MACs match a count made
independently of accelsim (FlopCounterMode does not count aten.lstm, so the same recurrence
is unrolled by hand with the module's own weights and counted there)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.utils.prune as prune  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from accelsim.traces.torch_trace import trace_module  # noqa: E402


class Tagger(nn.Module):
    def __init__(self, bidirectional=False, batch_first=True, proj_size=0):
        super().__init__()
        self.rnn = nn.LSTM(16, 32, num_layers=2, batch_first=batch_first,
                           bidirectional=bidirectional, proj_size=proj_size)
        self.head = nn.Linear(32 * (2 if bidirectional else 1) if not proj_size else proj_size,
                              10)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


def _unrolled(lstm: nn.LSTM, x: torch.Tensor) -> torch.Tensor:
    """The LSTM recurrence written out (batch first, one direction): i, f, g, o gates from
    x·W_ihᵀ + h·W_hhᵀ + biases, step by step, layer by layer."""
    seq = x
    for k in range(lstm.num_layers):
        w_ih, w_hh = getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"weight_hh_l{k}")
        b = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")
        h = torch.zeros(x.shape[0], lstm.hidden_size)
        c = torch.zeros_like(h)
        out = []
        for t in range(seq.shape[1]):
            i, f, g, o = (seq[:, t] @ w_ih.T + h @ w_hh.T + b).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(h)
        seq = torch.stack(out, dim=1)
    return seq


def test_lstm_traced_as_lstm_layers_with_macs_of_the_unrolled_recurrence():
    torch.manual_seed(0)
    model = Tagger().eval()
    x = torch.randn(3, 5, 16)
    with torch.no_grad():
        assert torch.allclose(_unrolled(model.rnn, x), model.rnn(x)[0], atol=1e-5)
        with FlopCounterMode(display=False) as counter:
            _unrolled(model.rnn, x)
    trace = trace_module(model, (3, 5, 16))
    workload = trace.workload()
    lstm = [layer for layer in workload.layers if layer.kind == "lstm"]
    assert [(l.name, l.input_size, l.hidden_size, l.timesteps) for l in lstm] == [
        ("rnn.l0", 16, 32, 5), ("rnn.l1", 32, 32, 5)]
    assert workload.batch == 3
    # the unrolled gates are 2 mm per step and layer: FLOPs / 2 = MACs
    assert sum(l.dense_macs(3) for l in lstm) == counter.get_total_flops() // 2
    assert not any(note.startswith("not modelled") for note in trace.notes)
    assert any(note.startswith("nn.LSTM rnn: its ATen ops") and "not timed" in note
               for note in trace.notes)


def test_bidirectional_seq_first_lstm_hand_count():
    # per sample and step, one layer and direction: 4·hidden·(input + hidden) multiply-adds;
    # l0 and l0_reverse: 4·32·(16 + 32) = 6,144; l1 and l1_reverse read both directions
    # (input 64): 4·32·(64 + 32) = 12,288; 5 steps, 3 samples: 3·5·2·(6,144 + 12,288)
    model = Tagger(bidirectional=True, batch_first=False).eval()
    trace = trace_module(model, (5, 3, 16), batch=3)  # sequence first: the batch is axis 1
    workload = trace.workload()
    lstm = [layer for layer in workload.layers if layer.kind == "lstm"]
    assert [l.name for l in lstm] == ["rnn.l0", "rnn.l0_reverse", "rnn.l1", "rnn.l1_reverse"]
    assert {l.timesteps for l in lstm} == {5}
    assert sum(l.dense_macs(3) for l in lstm) == 3 * 5 * 2 * (6144 + 12288)
    head = workload.layer("head.addmm")  # 15 output vectors of 64 → 10
    assert head.dense_macs(3) == 15 * 64 * 10


def test_pruned_lstm_keeps_its_mask():
    model = Tagger().eval()
    prune.l1_unstructured(model.rnn, "weight_hh_l0", amount=0.5)
    trace = trace_module(model, (2, 4, 16))
    l0 = next(layer for layer in trace.layers if layer.spec["name"] == "rnn.l0")
    hh = l0.weight[:, 16:]  # 4·32 × 32 recurrent weights beside the 16 input columns
    assert np.mean(hh == 0) == pytest.approx(0.5)


def test_lstm_with_projection_is_reported_not_guessed():
    trace = trace_module(Tagger(proj_size=8).eval(), (2, 4, 16))
    assert not any(layer.spec["kind"] == "lstm" for layer in trace.layers)
    assert any("rnn lstm ×1 (a projection (proj_size) has no accelsim layer)" in note
               for note in trace.notes)


def test_torch_and_onnx_routes_give_the_same_lstm_layers(tmp_path):
    import warnings

    pytest.importorskip("onnx")
    from accelsim.traces.extract import from_onnx

    model = Tagger().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(3, 5, 16),), str(tmp_path / "tagger.onnx"),
                          dynamo=False, opset_version=17)
    routes = [from_onnx(tmp_path / "tagger.onnx", batch=3).workload(),
              trace_module(model, (3, 5, 16)).workload()]
    shapes = [[(l.input_size, l.hidden_size, l.timesteps) for l in w.layers if l.kind == "lstm"]
              for w in routes]
    assert shapes[0] == shapes[1] == [(16, 32, 5), (32, 32, 5)]
    # 3 samples · 5 steps · (4·32·(16 + 32) + 4·32·(32 + 32)) = 215,040
    assert [sum(l.dense_macs(3) for l in w.layers if l.kind == "lstm") for w in routes] == \
        [215040, 215040]
