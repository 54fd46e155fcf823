"""Masks: seeded generation, densities, and .npz mask files checked at load time."""

import json

import numpy as np
import pytest

from accelsim.errors import SpecError
from accelsim.model import Layer
from accelsim.model import masks as mk
from accelsim.spec import load_workload


def test_bernoulli_positions_density_and_seed():
    a = mk.bernoulli_positions(200_000, 0.1, np.random.default_rng(1))
    b = mk.bernoulli_positions(200_000, 0.1, np.random.default_rng(1))
    assert np.array_equal(a, b) and np.all(np.diff(a) > 0) and a[-1] < 200_000
    assert a.size / 200_000 == pytest.approx(0.1, abs=0.005)
    assert mk.bernoulli_positions(10, 1.0, np.random.default_rng(0)).size == 10


def test_generated_masks_shapes_and_counts():
    layer = Layer(name="c", kind="conv", in_channels=4, out_channels=6, kernel=(3, 3),
                  in_hw=(10, 10), groups=2, weight_density=0.5, activation_density=0.3)
    assert mk.weight_mask(layer, 0).shape == (6, 2, 3, 3)
    acts = mk.activation_mask(layer, 2, 0)
    assert acts.shape == (2, 4, 10, 10)
    assert list(acts.reshape(2, -1).sum(axis=1)) == [120, 120]
    fc = Layer(name="f", kind="fc", in_features=50, out_features=7, weight_density=0.2)
    t = mk.weight_positions(fc, 0, transpose=True)
    assert t.max() < 350


def _workload(tmp_path, arrays, **layer):
    np.savez(tmp_path / "m.npz", **arrays)
    spec = {"name": "f", "kind": "fc", "in_features": 40, "out_features": 30,
            "weight_density": 0.25, "activation_density": 0.5, "mask": "m.npz", **layer}
    doc = {"schema_version": 1, "name": "w", "source": "test", "batch": 2, "layers": [spec]}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    return path


def _weights(density, shape=(30, 40), seed=0):
    return np.random.default_rng(seed).random(shape) < density


def test_real_mask_is_used(tmp_path):
    w = _weights(0.25)
    acts = np.zeros((2, 40), bool)
    acts[:, :20] = True
    wl = load_workload(_workload(tmp_path, {"weight": w, "activation": acts},
                                 weight_density=float(w.mean())))
    layer = wl.layers[0]
    assert np.array_equal(mk.weight_mask(layer, 0), w)
    assert np.array_equal(mk.activation_mask(layer, 2, 5), acts)
    assert np.array_equal(mk.weight_positions(layer, 0, transpose=True), np.flatnonzero(w.T))


W = _weights(0.25)


@pytest.mark.parametrize("arrays,message", [
    ({"weight": W.T.copy()}, "has shape"),
    ({"weight": _weights(0.6)}, "contradicts the layer's weight density"),
    ({"weight": W.astype(int)}, "must be boolean"),
    ({"activation": np.ones((2, 40), bool)}, "missing array 'weight'"),
    ({"weight": W, "activation_density": np.array([0.9, 0.9])},
     "contradicts activation_density"),
    ({"weight": W, "activation_density": np.array([0.5])}, "the batch is 2"),
    ({"weight": W, "extra": np.ones(2)}, "unknown array 'extra'"),
])
def test_bad_mask_files(tmp_path, arrays, message):
    path = _workload(tmp_path, arrays, weight_density=float(W.mean()))
    with pytest.raises(SpecError, match=message) as info:
        load_workload(path)
    assert "layers.0.mask" in str(info.value)


def test_missing_mask_file(tmp_path):
    path = _workload(tmp_path, {"weight": _weights(0.25)}, mask="nope.npz")
    with pytest.raises(SpecError, match="nope.npz: file not found"):
        load_workload(path)


def test_unknown_distribution_is_an_error(tmp_path):
    path = _workload(tmp_path, {"weight": _weights(0.25)}, mask_distribution="zipf")
    with pytest.raises(SpecError, match="mask_distribution"):
        load_workload(path)


def test_mask_density_tolerance_is_relative(tmp_path):
    """Issue 11 item 9: the loader accepted a mask within 1 pp absolute, so a layer declared
    at 4% could hold 4.9% (+22%). Now within 1% of the stated density (+ half a count):
    4.9% of 1,200 weights (59 non-zeros) against a declared 4% is refused; exactly 48 (4.0%)
    is accepted."""
    w = np.zeros((30, 40), bool)
    w.flat[:59] = True
    with pytest.raises(SpecError, match="contradicts the layer's weight density"):
        load_workload(_workload(tmp_path, {"weight": w}, weight_density=0.04))
    w.flat[48:] = False
    assert load_workload(_workload(tmp_path, {"weight": w}, weight_density=0.04)).layers[0]
