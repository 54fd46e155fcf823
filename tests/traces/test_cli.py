"""The trace commands end to end: zoo, sparsify (every method), lowrank, show."""

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.spec import load_workload

MLP = {"name": "mlp", "layers": [
    {"name": "fc1", "kind": "fc", "in_features": 16, "out_features": 12},
    {"name": "fc2", "kind": "fc", "in_features": 12, "out_features": 4}]}


def _invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def mlp(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "w.npz", fc1=rng.normal(size=(12, 16)), fc2=rng.normal(size=(4, 12)))
    np.savez(tmp_path / "samples.npz", x=rng.normal(size=(32, 16)), y=rng.integers(0, 4, 32))
    (tmp_path / "layers.json").write_text(json.dumps(MLP))
    return tmp_path


@pytest.mark.parametrize("method, extra", [
    ("magnitude", ["--scope", "layer"]), ("magnitude", []), ("random", []),
    ("ssl", ["--structure", "shape", "--scope", "layer"]),
    ("snip", ["--samples", "samples.npz"]),
])
def test_sparsify_methods_hit_the_target(mlp, method, extra):
    extra = [str(mlp / e) if e.endswith(".npz") else e for e in extra]
    out = mlp / "s.json"
    _invoke("trace", "sparsify", mlp / "w.npz", "--layers", mlp / "layers.json",
            "--method", method, "--sparsity", "0.5", "-o", out, *extra)
    layers = load_workload(out).layers
    kept = sum(l.weight_count * l.density for l in layers)
    assert kept == pytest.approx(0.5 * sum(l.weight_count for l in layers), abs=0.5)
    if method == "ssl":
        assert all(l.col_sparsity == 0.5 for l in layers)
    _invoke("run", "archs/vc707.yaml", out)


def test_random_sparsify_of_a_zoo_workload_and_show(tmp_path):
    _invoke("trace", "zoo", "cifar_convnet", "-o", tmp_path / "c.json")
    _invoke("trace", "sparsify", tmp_path / "c.json", "--method", "random", "--sparsity", "0.8",
            "-o", tmp_path / "r.json")
    shown = _invoke("trace", "show", tmp_path / "r.json")
    assert "2D sp. %" in shown and shown.count(" conv ") == 3
    wl = load_workload(tmp_path / "r.json")
    assert sum(l.nonzero_weights for l in wl.layers) == pytest.approx(0.2 * 89440, abs=4)
    # the total row: 89,440 weights, 20% of them kept (global random pruning to 0.8)
    rows = list(csv.DictReader(io.StringIO(_invoke("trace", "show", tmp_path / "r.json",
                                                   "--format", "csv"))))
    total = rows[-1]
    assert total["layer"] == "TOTAL" and int(total["weights"]) == 89440
    assert float(total["density_pct"]) == pytest.approx(20.0, abs=0.01)
    assert "TOTAL" in shown and "89,440" in shown
    doc = json.loads(_invoke("trace", "show", tmp_path / "r.json", "--format", "json"))
    assert doc["totals"]["weights"] == 89440 and len(doc["layers"]) == len(wl.layers)


def test_sparsify_needs_weights_for_magnitude(tmp_path):
    _invoke("trace", "zoo", "lenet5_caffe", "-o", tmp_path / "l.json")
    r = CliRunner().invoke(main, ["trace", "sparsify", str(tmp_path / "l.json"), "--method",
                                  "magnitude", "--sparsity", "0.5", "-o", str(tmp_path / "o.json")])
    assert r.exit_code == 2 and "needs real weights" in r.output
    assert not (tmp_path / "o.json").exists()


def test_lowrank_decomposes_low_rank_layers(tmp_path):
    rng = np.random.default_rng(1)
    conv = rng.normal(size=(32, 2)) @ rng.normal(size=(2, 72))      # rank 2 filters
    np.savez(tmp_path / "w.npz", conv=conv.reshape(32, 8, 3, 3), fc=rng.normal(size=(5, 512)))
    (tmp_path / "layers.json").write_text(json.dumps({"layers": [
        {"name": "conv", "kind": "conv", "in_channels": 8, "out_channels": 32, "kernel": 3,
         "padding": 1, "in_hw": 8},
        {"name": "fc", "kind": "fc", "in_features": 512, "out_features": 5}]}))
    out = _invoke("trace", "lowrank", tmp_path / "w.npz", "--layers", tmp_path / "layers.json",
                  "--error", "0.05", "-o", tmp_path / "lr.json")
    wl = load_workload(tmp_path / "lr.json")
    assert [l.name for l in wl.layers] == ["conv.basis", "conv.mix", "fc"]
    assert wl.layer("conv.basis").out_channels == 2 and wl.layer("conv.mix").kernel == (1, 1)
    assert "theoretical speedup" in out and "fc" in out and "kept" in out
    dense = 32 * 72 * 64
    lowrank = wl.layer("conv.basis").dense_macs() + wl.layer("conv.mix").dense_macs()
    assert f"{dense / lowrank:.2f}x" in out
    _invoke("run", "archs/vc707.yaml", tmp_path / "lr.json")


def test_zoo_listing():
    listing = _invoke("trace", "zoo")
    assert "caffenet" in listing and "60,965,224" in listing
