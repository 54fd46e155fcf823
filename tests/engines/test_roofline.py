"""Roofline engine: S000 Table 2.4, EIE Table IV, S000 Tables 3.4 and 3.6, kernel properties."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from accelsim.engines import roofline
from accelsim.registry import simulate
from accelsim.spec import load_arch, load_workload
from accelsim.validate.calibrate import fit_memory_eie, fit_roofline_table24
from accelsim.validate.published import published, table24_direction, table24_predictions

ROOT = Path(__file__).resolve().parents[2]
T24 = published()["s000_table24"]


def run(arch, workload, **options):
    return simulate(load_arch(ROOT / arch), load_workload(ROOT / workload), options)


def test_table24_directions_all_20_right():
    pred = table24_predictions(ROOT)
    wrong = [(d, m, layer) for (d, m), layers in pred.items() for layer, pub in
             T24["speedup"][d][m].items() if table24_direction(layers[layer]) != table24_direction(pub)]
    assert len([1 for d in T24["speedup"].values() for m in d.values() for _ in m]) == 20
    assert wrong == []


@pytest.mark.parametrize("device,method", [("gpu", "csr"), ("gpu", "structured"),
                                           ("cpu", "csr"), ("cpu", "structured")])
def test_table24_geomean_error_within_goal(device, method):
    pred = table24_predictions(ROOT)[device, method]
    pub = T24["speedup"][device][method]
    err = np.mean([abs(np.log(pred[k] / v)) for k, v in pub.items()])
    assert np.exp(err) - 1 <= T24["goal_geomean_abs_log_error"]


def test_table24_kernels_come_from_the_workload():
    result = run("archs/gtx_titan_black.yaml", "workloads/alexnet_l1.json")
    assert {r.extra["kernel"] for r in result.layers if r.kind == "conv"} == {"csr"}
    result = run("archs/gtx_titan_black.yaml", "workloads/alexnet_ssl.json")
    assert {r.extra["kernel"] for r in result.layers if r.kind == "conv"} == {"structured"}


def test_table24_fit_recovers_the_arch_parameters():
    """The GPU device file's fitted values are the optimum of their grid (neighbours included)."""
    arch = load_arch(ROOT / "archs/gtx_titan_black.yaml")
    grid = {"tile_m": [8, 16, 32], "tile_n": [64, 96, 128], "k_half": [128, 192, 256],
            "launch_overhead_s": [5e-6, 10e-6, 20e-6], "csr_efficiency": [0.12, 0.1354, 0.15],
            "csr_row_overhead": [384, 512, 768]}
    fit = fit_roofline_table24(arch.config, load_workload(ROOT / "workloads/alexnet_l1.json"),
                               load_workload(ROOT / "workloads/alexnet_ssl.json"),
                               T24["speedup"]["gpu"], grid)
    cfg = arch.config
    assert fit["params"] == {k: getattr(cfg, k) for k in grid}


@pytest.mark.parametrize("arch,key", [("archs/titan_x_maxwell.yaml", "gpu_titan_x_us"),
                                      ("archs/i7_5930k.yaml", "cpu_i7_5930k_us")])
def test_eie_table4_dense_batch1_times_within_30_percent(arch, key):
    target = published()["eie_table4_dense"]
    result = run(arch, target["workload"])
    for r in result.layers:
        assert abs(r.seconds * 1e6 / target[key][r.name] - 1) <= target["tolerance"], r.name


def test_eie_fit_recovers_the_i7_parameters():
    """The i7's two fitted values are the minimax optimum; the worst layer (Alex-6, whose
    published bandwidth is 2x Alex-7's for the same kernel) sits near the 30% edge."""
    arch = load_arch(ROOT / "archs/i7_5930k.yaml")
    fit = fit_memory_eie(arch.config, load_workload(ROOT / "workloads/eie_fc_dense.json"),
                         published()["eie_table4_dense"]["cpu_i7_5930k_us"])
    assert fit["memory_efficiency"] == arch.config.memory_efficiency
    assert fit["launch_overhead_s"] == pytest.approx(arch.config.launch_overhead_s)
    assert 0.28 < fit["max_abs_relative_error"] < 0.30


@pytest.mark.parametrize("force", ["none", "l2"])
def test_table34_theoretical_lra_speedups_exact(force):
    target = published()["s000_table34"]
    dense = load_workload(ROOT / "workloads/alexnet_dense.json")
    layers = tuple(replace(x, rank=target["rank"][force].get(x.name)) for x in dense.layers)
    result = simulate(load_arch(ROOT / "archs/xeon_e5_2630_1thread.yaml"),
                      replace(dense, layers=layers), {})
    got = {r.name: round(r.extra["ideal_speedup"], 2) for r in result.layers}
    assert {k: got[k] for k in target["theoretical_speedup"][force]} == \
        target["theoretical_speedup"][force]


def test_table36_totals_from_per_layer_speedups():
    t = published()["s000_table36"]
    fractions = list(t["time_fraction"].values())
    for method, per_layer in t["per_layer_speedup"].items():
        total = roofline.total_speedup(fractions, [per_layer[k] for k in t["time_fraction"]])
        assert round(total, 2) == t["total_speedup"][method]


def test_csr_slower_than_dense_when_not_sparse_and_training_is_about_3x():
    cfg = load_arch(ROOT / "archs/gtx_titan_black.yaml").config
    dense = roofline.dense_time(cfg, 1, 384, 2304, 169).seconds
    assert roofline.csr_time(cfg, 1, 384, 2304, 169, 384 * 2304 * 0.5).seconds > dense
    layer = load_workload(ROOT / "workloads/alexnet_dense.json").layer("conv3")
    fwd = roofline.layer_time(cfg, layer, 1, "dense", "inference").flops
    assert roofline.layer_time(cfg, layer, 1, "dense", "training").flops == 3 * fwd


def test_efficiency_grows_with_gemm_size_and_bandwidth_never_slows():
    cfg = load_arch(ROOT / "archs/a100.yaml").config
    sizes = np.array([64, 256, 1024, 4096, 16384])
    eff = roofline.gemm_efficiency(cfg, sizes, sizes, sizes)
    assert np.all(np.diff(eff) > 0) and eff[-1] <= cfg.max_efficiency
    fast = replace(cfg, memory_bandwidth_bytes_per_s=2 * cfg.memory_bandwidth_bytes_per_s)
    for shape in [(1, 4096, 9216, 1), (1, 64, 64, 8192), (2, 128, 1200, 729)]:
        assert roofline.dense_time(fast, *shape).seconds <= roofline.dense_time(cfg, *shape).seconds
