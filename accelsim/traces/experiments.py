"""The papers' pruning experiments, re-run on their networks: SNIP on S002 Table 4.1's
7-layer MLP, and S000 Tables 2.1/2.2's structured LeNet-5 masks and their FLOP shares."""

from __future__ import annotations

import numpy as np

def snip_mlp_sparsity(init_variance: float, global_sparsity: float, draws: int = 10
                      ) -> np.ndarray:
    """Per-layer sparsity SNIP leaves on S002 Table 4.1's 7-layer tanh MLP (784-100×6-10,
    N(0, ``init_variance``) weights, ``global_sparsity`` overall; the paper: 1e-2, 90%), on
    MNIST-like digits (scikit-learn's; MNIST is not available here), mean of ``draws``
    initialisations."""
    from accelsim.traces import sparsify
    from accelsim.traces.digits import mnist_like_digits

    x, y = mnist_like_digits()
    sizes = [784] + [100] * 6 + [10]
    names = [f"fc{i + 1}" for i in range(7)]
    per_layer = []
    for seed in range(draws):
        rng = np.random.default_rng(seed)
        w = [rng.normal(0, np.sqrt(init_variance), (sizes[i + 1], sizes[i]))
             for i in range(7)]
        grads = sparsify.mlp_gradients(w, x, y, "tanh")
        masks = sparsify.snip(dict(zip(names, w)), dict(zip(names, grads)),
                              global_sparsity)
        per_layer.append([1 - masks[n].mean() for n in names])
    return np.mean(per_layer, axis=0)


def lenet_masks(row: dict) -> tuple[np.ndarray, np.ndarray]:
    """conv1/conv2 masks of LeNet-5 (Caffe) with S000 Table 2.1/2.2 ``row``'s structure:
    remaining filters and channels (2.1), or filter size (2.2)."""
    m1 = np.zeros((20, 1, 5, 5), dtype=bool)
    m2 = np.zeros((50, 20, 5, 5), dtype=bool)
    if "filters" in row:            # filter-wise + channel-wise
        m1[: row["filters"][0]] = True
        m2[: row["filters"][1], : row["channels"][1]] = True
    else:                            # shape-wise: conv1 feeds only conv2's channels
        used = row["channels"][1]            # conv2's input channels in use
        m1[:used].reshape(used, 25)[:, : row["filter_size"][0]] = True
        size = row["filter_size"][1]         # conv2's columns, spread over those channels
        columns = np.arange(size) % used * 25 + np.arange(size) // used
        m2.reshape(50, 500)[:, columns] = True
    return m1, m2


def lenet_flop_pct(row: dict) -> list[float]:
    """conv1/conv2 FLOP % of LeNet-5 (Caffe) pruned with ``lenet_masks(row)``."""
    from accelsim.traces.trace import Trace, TraceLayer, layer_spec
    from accelsim.traces.zoo import lenet5_caffe

    conv1, conv2 = lenet5_caffe().workload.layers[:2]
    m1, m2 = lenet_masks(row)
    trace = Trace("lenet", "S000 Tables 2.1/2.2", (TraceLayer(layer_spec(conv1), mask=m1),
                                                   TraceLayer(layer_spec(conv2), mask=m2)))
    return [round(100 * layer.compacted_gemm().macs / layer.dense_macs(), 1)
            for layer in trace.workload().layers]
