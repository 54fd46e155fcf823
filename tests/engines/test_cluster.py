"""Cluster engine: S000's TernGrad scaling results and the model's invariants."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.engines import cluster, declared
from accelsim.errors import SpecError
from accelsim.spec import load_arch, load_workload
from accelsim.validate.calibrate import fit_cluster_compute_efficiency
from accelsim.validate.published import published

ROOT = Path(__file__).resolve().parents[2]
TARGET = published()["s000_terngrad_scaling"]
ETH = load_arch(ROOT / "archs/cluster_gtx1080_1gbe.yaml")
IB = load_arch(ROOT / "archs/cluster_p100_ib.yaml")
NETS = {n: load_workload(ROOT / f"workloads/{n}_train.json")
        for n in ("alexnet", "vgg_a", "googlenet")}


def gain(arch, net, gpus, **options):
    runs = cluster.sweep(arch.config, NETS[net], {"gpus": (gpus,), **options})
    return float(runs["terngrad"].images_per_s[0] / runs["fp32"].images_per_s[0])


def cases():
    return [(ETH, NETS["alexnet"], TARGET["alexnet_ethernet"]["gpus"],
             TARGET["alexnet_ethernet"]["gain"]),
            (IB, NETS["vgg_a"], TARGET["vgg_a_infiniband"]["gpus"],
             TARGET["vgg_a_infiniband"]["gain"])]


def test_one_compute_efficiency_is_fitted_on_both_terngrad_gains():
    """Regression test of the calibration: both clusters carry the one shared value the
    minimax fit on the two published gains returns."""
    fit = fit_cluster_compute_efficiency(cases())
    assert ETH.config.compute_efficiency == IB.config.compute_efficiency
    assert fit["compute_efficiency"] == ETH.config.compute_efficiency


def test_the_two_clusters_disagree_and_the_miss_is_stated():
    """Known tension, reported: fitted alone, the Ethernet point wants compute_efficiency
    ~0.33 (S000's profiled GTX 1080 iteration is ~3x the roofline's) and the InfiniBand point
    wants >= 1.0; so each leave-one-out prediction misses the other point by more than its
    tolerance (AlexNet 4.3x vs 3.04, VggNet-A 1.33x vs ~2), and the shared value misses both
    by about the same factor (AlexNet ~+25%, VggNet-A ~-21%)."""
    fit = fit_cluster_compute_efficiency(cases())
    eth, ib = fit["leave_one_out"]
    assert eth["own_best_efficiency"] < 0.4 and ib["own_best_efficiency"] == 1.0
    assert eth["gain"] / 3.04 - 1 > 0.3 and ib["gain"] / 2.0 - 1 < -0.3
    shared = [gain(ETH, "alexnet", 8) / 3.04 - 1, gain(IB, "vgg_a", 512) / 2.0 - 1]
    assert 0.15 < shared[0] < 0.35 and -0.3 < shared[1] < -0.15


@pytest.mark.parametrize("arch,gpus", [(ETH, 8), (IB, 512)])
def test_googlenet_gains_less_than_alexnet_and_vgg_a(arch, gpus):
    g = {net: gain(arch, net, gpus) for net in NETS}
    assert g["googlenet"] < g["alexnet"] and g["googlenet"] < g["vgg_a"]


def test_appendix_b_weak_scaling_by_hand():
    cfg = ETH.config
    runs = cluster.sweep(cfg, NETS["alexnet"], {"gpus": (8,), "encoding": ("fp32",)})
    g = 4.0 * 60_965_224
    comm = g / 16e9 + g / 16e9 * 2 + (50e-6 + g / 0.125e9) * 1
    assert runs["fp32"].comm_s[0] == pytest.approx(comm)
    assert runs["fp32"].images_per_s[0] == pytest.approx(8 * 128 / (runs["fp32"].compute_s[0] + comm))


def test_terngrad_bytes_follow_s000():
    push, pull = cluster.encoded_bytes([1_000_000, 1000], [2, 8, 512], "terngrad")
    assert push[0] == pytest.approx(np.full(3, 250_004.0))
    assert pull[0] == pytest.approx([375_004.0, 625_004.0, 1_375_004.0])  # 3, 5, 11 bits
    assert (push[1] == 4000).all() and (pull[1] == 4000).all()            # last layer fp32


schemes = st.sampled_from(declared.SCHEMES)
counts = st.lists(st.integers(1, 512), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(scheme=schemes, gpus=counts, net=st.sampled_from(list(NETS)),
       encoding=st.sampled_from(cluster.ENCODINGS), overlap=st.booleans(),
       arch=st.sampled_from([ETH, IB]))
def test_throughput_never_above_n_times_one_gpu(scheme, gpus, net, encoding, overlap, arch):
    overlap = overlap and scheme != "appendix-b"
    opts = {"gpus": tuple(gpus) + (1,), "encoding": (encoding,), "scheme": scheme,
            "overlap": overlap}
    s = cluster.sweep(arch.config, NETS[net], opts)[encoding]
    assert np.all(s.images_per_s <= s.gpus * s.images_per_s[-1] * (1 + 1e-12))


@settings(max_examples=40, deadline=None)
@given(scheme=schemes, gpus=counts, factor=st.floats(1.0, 100.0), which=st.sampled_from(
    ["intra_node", "host", "network"]))
def test_comm_monotone_in_bytes_and_bandwidth(scheme, gpus, factor, which):
    cfg = ETH.config
    n = np.array(gpus, dtype=float)
    i = np.minimum(n, cfg.gpus_per_node)
    j = np.ceil(n / i)
    small, big = 1e6, 1e6 * factor
    base = cluster.comm_s(cfg, scheme, small, small, i, j)
    assert np.all(cluster.comm_s(cfg, scheme, big, big, i, j) >= base)
    link = getattr(cfg, which)
    faster = replace(cfg, **{which: replace(link, bandwidth_bytes_per_s=link.bandwidth_bytes_per_s * factor)})
    assert np.all(cluster.comm_s(faster, scheme, small, small, i, j) <= base)


@settings(max_examples=40, deadline=None)
@given(scheme=schemes, gpus=counts, net=st.sampled_from(list(NETS)), overlap=st.booleans(),
       arch=st.sampled_from([ETH, IB]), last=st.booleans())
def test_terngrad_never_slower_than_fp32(scheme, gpus, net, overlap, arch, last):
    opts = {"gpus": tuple(gpus), "scheme": scheme, "overlap": overlap and scheme != "appendix-b",
            "float_last_layer": last}
    runs = cluster.sweep(arch.config, NETS[net], opts)
    assert np.all(runs["terngrad"].iteration_s <= runs["fp32"].iteration_s * (1 + 1e-12))


@pytest.mark.parametrize("scheme", declared.SCHEMES)
def test_strong_and_weak_scaling_agree_at_one_gpu(scheme):
    for net in NETS:
        w = cluster.sweep(ETH.config, NETS[net], {"gpus": (1,), "scheme": scheme})
        s = cluster.sweep(ETH.config, NETS[net], {"gpus": (1,), "scheme": scheme,
                                                  "scaling": "strong"})
        for enc in w:
            assert s[enc].images_per_s[0] == pytest.approx(w[enc].images_per_s[0])


def test_missing_or_wrong_node_file_is_one_line_naming_the_field(tmp_path):
    text = (ROOT / "archs/cluster_gtx1080_1gbe.yaml").read_text()
    bad = tmp_path / "c.yaml"
    bad.write_text(text.replace("node: gtx1080.yaml", "node: missing.yaml"))
    with pytest.raises(SpecError, match="cluster.node: node file .* not found"):
        load_arch(bad)
    (tmp_path / "cpu.yaml").write_text((ROOT / "archs/i7_5930k.yaml").read_text())
    bad.write_text(text.replace("node: gtx1080.yaml", "node: cpu.yaml"))
    with pytest.raises(SpecError, match="cluster.node: .*cpu engine, need gpu"):
        load_arch(bad)


# ---- issue 11: hand-derived communication times, csr workloads, totals ----------------------
def _toy_cluster():
    """4 GPUs per node, 2 nodes; intra 1e10 B/s + 1 us, host 1e9 B/s + 10 us, network
    1e8 B/s + 100 us, all at efficiency 1."""
    return cluster.ClusterConfig(
        node=ETH.config.node, node_name="toy", gpus_per_node=4, max_nodes=2,
        intra_node=cluster.Link(1e10, 1e-6, 1.0), host=cluster.Link(1e9, 1e-5, 1.0),
        network=cluster.Link(1e8, 1e-4, 1.0), compute_efficiency=1.0)


def test_parameter_server_ring_and_hierarchical_by_hand():
    """8 GPUs = i 4 per node x j 2 nodes, push = pull = 1 MB per worker.
    PS (one server per node, s = 2): into a server's NIC (8 - 4)/2 = 2 shards, out of a node
    4 (1 - 1/2) = 2 -> crossing 2; a phase = 10 us + 4 MB/1e9 + 100 us + 2 MB/1e8 = 24.11 ms,
    push + pull = 48.22 ms.
    Ring over 8 GPUs across nodes (network paced): 2 * 7/8 * 1 MB / 1e8 + 2 * 7 * 100 us
    = 17.5 + 1.4 = 18.9 ms.
    Hierarchical: inside 3/4 * 1 MB / 1e10 + 3 us = 78 us (reduce-scatter, and again for the
    all-gather); across 2 * 1/2 * 1 MB / 1e8 + 2 * 100 us = 10.2 ms; total 10.356 ms."""
    cfg = _toy_cluster()
    b = np.array(1e6)
    assert cluster.comm_s(cfg, "ps", b, b, 4, 2) == pytest.approx(48.22e-3)
    assert cluster.comm_s(cfg, "ring", b, b, 4, 2) == pytest.approx(18.9e-3)
    assert cluster.comm_s(cfg, "hierarchical", b, b, 4, 2) == pytest.approx(10.356e-3)


def test_topk_bytes_by_hand():
    """Top-k 1% of P = 1e6: push 0.01 * 1e6 * (4 value + 4 index) = 80 kB; pull at 8 GPUs
    min(8 * 0.01 * 8, 4) * P = 640 kB; at 100 GPUs the union is capped at fp32, 4 MB."""
    push, pull = cluster.encoded_bytes([1_000_000], [8, 100], "topk", topk_fraction=0.01)
    assert push[0] == pytest.approx([80_000, 80_000])
    assert pull[0] == pytest.approx([640_000, 4_000_000])


def test_workloads_with_weight_density_run():
    """Item 2: any workload with weight_density failed ('the lowrank kernel needs a rank').
    auto never trains slower than dense; csr is a kernel the cluster can train with."""
    l1 = load_workload(ROOT / "workloads/alexnet_l1.json")
    node = ETH.config.node
    auto = cluster.sweep(ETH.config, l1, {"gpus": (1, 8)})
    dense = cluster.sweep(ETH.config, l1, {"gpus": (1, 8), "kernel": "dense"})
    csr = cluster.sweep(ETH.config, l1, {"gpus": (8,), "kernel": "csr"})
    assert (auto["fp32"].compute_s <= dense["fp32"].compute_s * (1 + 1e-12)).all()
    assert csr["fp32"].compute_s[0] > 0
    fwd, bwd = cluster.roofline.forward_backward_s(node, l1, "auto")
    assert np.all(fwd > 0) and np.all(bwd > 0)


def test_totals_do_not_sum_gpu_counts():
    """Item 12: totals() and the JSON summed iteration seconds across GPU counts."""
    import json

    from accelsim.report import render

    result = cluster.simulate(ETH, NETS["alexnet"], {"gpus": (1, 8), "encoding": "fp32"})
    with pytest.raises(ValueError, match="alternatives"):
        result.totals()
    assert json.loads(render(result, "json"))["totals"] is None
    one = cluster.simulate(ETH, NETS["alexnet"], {"gpus": (8,), "encoding": "fp32"})
    assert one.totals()["seconds"] == one.layers[0].seconds


def test_effective_macs_are_the_work_of_the_kernels_timed():
    """A 0.1%-dense fc trains on CSR kernels: the row's effective MACs are what those do
    (forward 2·nnz·n for activations and input gradient, plus the dense weight gradient m·k·n),
    not three dense passes, and the row never beats the node's peak. Hand count, batch 1,
    4096 × 4096: nnz = 16,777,216 × 0.001 = 16,777 (rounded by the layer), so effective =
    2 · nnz + 16,777,216 ≈ 16.81 M, against 3 × 16.78 M = 50.3 M dense. Found by a fuzz draw
    (an lstm at density 1e-9 reported dense MACs at 1% above peak)."""
    from accelsim.model import Layer, Workload
    from accelsim.registry import simulate

    arch = load_arch("archs/cluster_p100_ib.yaml")
    layer = Layer(name="fc", kind="fc", in_features=4096, out_features=4096,
                  weight_density=0.001)
    work = Workload(name="sparse_fc", batch=1, layers=(layer,), source="hand-made")
    result = simulate(arch, work, {"gpus": (1,), "encoding": ("fp32",), "kernel": "csr"})
    row = result.layers[0]
    dense = 4096 * 4096
    assert row.dense_macs == 3 * dense
    assert row.effective_macs == 2 * layer.nonzero_weights + dense
    assert row.cycles * result.peak_macs_per_cycle >= row.effective_macs
