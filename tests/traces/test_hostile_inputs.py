"""Hostile trace inputs (issue 17): ONNX with an inconsistent group or NaN weights, torch
bfloat16 / sparse tensors and mismatched pruning masks, npz files that are not npz, a
weight key that is not a name, SNIP samples of the wrong width: one line, nothing written."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from accelsim.cli import main

LAYERS = {"name": "tiny", "batch": 1, "layers": [
    {"name": "fc1", "kind": "fc", "in_features": 6, "out_features": 4, "weight": "w"},
    {"name": "fc2", "kind": "fc", "in_features": 4, "out_features": 3, "weight": "v"}]}


def _one_line(args, *words):
    result = CliRunner().invoke(main, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, (result.output, result.exception)
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def npz_source(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "w.npz", w=rng.normal(size=(4, 6)), v=rng.normal(size=(3, 4)))
    (tmp_path / "layers.json").write_text(json.dumps(LAYERS))
    return tmp_path / "w.npz", tmp_path / "layers.json"


def test_an_npy_renamed_npz_is_one_line(tmp_path, npz_source):
    np.save(tmp_path / "x.npy", np.ones((4, 6)))
    (tmp_path / "x.npy").rename(tmp_path / "x.npz")
    _one_line(["trace", "from-npz", str(tmp_path / "x.npz"), "--layers", str(npz_source[1]),
               "-o", str(tmp_path / "o.json")], "not an .npz file")
    assert not (tmp_path / "o.json").exists()


def test_a_weight_key_that_is_not_a_name_is_one_line(tmp_path, npz_source):
    layers = json.loads(json.dumps(LAYERS))
    layers["layers"][0]["weight"] = 5
    (tmp_path / "bad.json").write_text(json.dumps(layers))
    _one_line(["trace", "from-npz", str(npz_source[0]), "--layers", str(tmp_path / "bad.json"),
               "-o", str(tmp_path / "o.json")], "layers.0.weight", "must be an array name")


def test_nan_weights_are_one_line(tmp_path, npz_source):
    np.savez(tmp_path / "nan.npz", w=np.full((4, 6), np.nan), v=np.ones((3, 4)))
    _one_line(["trace", "from-npz", str(tmp_path / "nan.npz"), "--layers", str(npz_source[1]),
               "-o", str(tmp_path / "o.json"), "--rank-error", "0.1"], "NaN or infinity")
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "o.masks").exists()


def test_snip_samples_of_the_wrong_width_are_one_line(tmp_path, npz_source):
    np.savez(tmp_path / "s.npz", x=np.ones((5, 7)), y=np.zeros(5, dtype=np.int64))
    _one_line(["trace", "sparsify", str(npz_source[0]), "--layers", str(npz_source[1]),
               "--method", "snip", "--sparsity", "0.5", "--samples", str(tmp_path / "s.npz"),
               "-o", str(tmp_path / "o.json")], "x must be samples x 6")


def test_torch_bfloat16_sparse_and_mismatched_masks(tmp_path):
    torch = pytest.importorskip("torch")
    from accelsim.errors import AccelsimError
    from accelsim.traces import extract

    rng = np.random.default_rng(0)
    w, v = rng.normal(size=(4, 6)), rng.normal(size=(3, 4))
    (tmp_path / "layers.json").write_text(json.dumps(
        {**LAYERS, "layers": [{k: x for k, x in layer.items() if k != "weight"}
                              for layer in LAYERS["layers"]]}))
    state = {"fc1.weight": torch.tensor(w).to(torch.bfloat16),
             "fc2.weight": torch.tensor(v).to_sparse()}
    trace = extract.from_state_dict(state, tmp_path / "layers.json")
    assert trace.layers[0].weight.dtype == np.float64
    assert np.array_equal(trace.layers[1].weight, v)
    bad = {"fc1.weight_orig": torch.tensor(w), "fc1.weight_mask": torch.ones(4, 1),
           "fc2.weight": torch.tensor(v)}
    with pytest.raises(AccelsimError, match="fc1.weight_mask has shape"):
        extract.from_state_dict(bad, tmp_path / "layers.json")


def test_onnx_conv_group_inconsistent_with_its_input(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 1, 3, 3), dtype=np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", group=3)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 2, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 4, 6, 6])], [weight])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    _one_line(["trace", "from-onnx", str(path), "-o", str(tmp_path / "o.json")],
              str(path), "group 3 does not fit 2 input channels")
    assert not (tmp_path / "o.json").exists()
