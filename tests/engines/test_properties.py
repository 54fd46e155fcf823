"""Properties every engine must keep (issue 11), 200 hypothesis cases each on small layers of
every kind the engine runs (conv incl. grouped and strided, fc, matmul, lstm): time at least
the compute and memory bounds; more bandwidth, more compute or more sparsity never slower;
effective MACs ≤ dense MACs; every figure finite and non-negative; the same on rerun and in
another process."""

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accelsim.engines import cluster, declared, eie, fpga, roofline, scnn
from accelsim.model import Layer, Workload
from accelsim.model.masks import LayerMasks, activation_mask, weight_mask
from accelsim.registry import simulate
from accelsim.spec import load_arch

ROOT = Path(__file__).resolve().parents[2]
ARCHS = {name: load_arch(ROOT / "archs" / f"{name}.yaml")
         for name in ("vc707", "eie", "scnn", "a100", "xeon_e5_2630", "cluster_gtx1080_1gbe")}
# this machine's calibrated CPU: caches 2.5x and 5x faster than its DRAM rate
ARCHS["local_cpu"] = load_arch(ROOT / "reports" / "validation" / "local_cpu.yaml")
CASES = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])
density = st.floats(0.05, 1.0)


@st.composite
def convs(draw, structured=False):
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    c = groups * draw(st.integers(1, 4))
    o = groups * draw(st.integers(1, 6))
    k = draw(st.sampled_from([1, 3]))
    hw = draw(st.integers(k, 10))
    extra = dict(row_sparsity=draw(st.floats(0, 0.8)), col_sparsity=draw(st.floats(0, 0.8))) \
        if structured else dict(weight_density=draw(density))
    return Layer(name="conv", kind="conv", in_channels=c, out_channels=o, kernel=(k, k),
                 stride=(draw(st.integers(1, 2)),) * 2, padding=(k // 2, k // 2),
                 groups=groups, in_hw=(hw, hw), activation_density=draw(density), **extra)


@st.composite
def gemm_layers(draw, structured=False):
    kind = draw(st.sampled_from(["fc", "matmul", "lstm"]))
    extra = dict(row_sparsity=draw(st.floats(0, 0.8)), col_sparsity=draw(st.floats(0, 0.8))) \
        if structured else dict(weight_density=draw(density))
    if kind == "lstm":
        shape = dict(input_size=draw(st.integers(1, 12)), hidden_size=draw(st.integers(1, 8)),
                     timesteps=draw(st.integers(1, 3)))
    else:
        shape = dict(in_features=draw(st.integers(1, 48)), out_features=draw(st.integers(1, 48)),
                     columns=draw(st.integers(1, 4)) if kind == "matmul" else 1)
    return Layer(name=kind, kind=kind, activation_density=draw(density), **shape, **extra)


def all_kinds(structured=False):
    return st.one_of(convs(structured), gemm_layers(structured))


def _config(name, **changes):
    arch = ARCHS[name]
    return replace(arch, config=replace(arch.config, **changes))


def _one(layer, batch=1):
    return Workload("w", "test", batch, (layer,))


def _sane(row):
    figures = [row.dense_macs, row.effective_macs, row.cycles, row.seconds, row.utilization,
               row.dram_bytes] + ([row.energy_j] if row.energy_j is not None else [])
    assert all(math.isfinite(v) and v >= 0 for v in figures), row
    assert row.effective_macs <= row.dense_macs


# ---- FPGA -----------------------------------------------------------------------------------
@CASES
@given(layer=all_kinds(structured=True), batch=st.integers(1, 3), eff=st.floats(0.05, 1.0),
       more=st.floats(1.0, 8.0), dsp=st.integers(100, 3000), sc=st.integers(1, 16))
@example(layer=Layer(name="conv", kind="conv", in_channels=3, out_channels=6, kernel=(3, 3),
                     stride=(2, 2), padding=(1, 1), in_hw=(3, 3), col_sparsity=0.5625),
         batch=1, eff=0.05078125, more=1.0, dsp=100, sc=1)
def test_fpga_properties(layer, batch, eff, more, dsp, sc):
    arch = _config("vc707", dram_efficiency=eff, dsp_slices=dsp, macs_per_pe=sc)
    row = simulate(arch, _one(layer, batch)).layers[0]
    _sane(row)
    cfg, pes = arch.config, row.extra["pes"]
    assert row.cycles >= row.effective_macs / (pes * sc) - 1e-6
    assert row.cycles >= row.dram_bytes / (cfg.words_per_cycle * cfg.data_width_bits / 8) - 1
    fast = _config("vc707", dram_efficiency=eff, dsp_slices=dsp, macs_per_pe=sc,
                   dram_bandwidth_bytes_per_s=cfg.dram_bandwidth_bytes_per_s * more)
    assert simulate(fast, _one(layer, batch)).layers[0].cycles <= row.cycles
    bigger = _config("vc707", dram_efficiency=eff, dsp_slices=int(dsp * more), macs_per_pe=sc)
    assert simulate(bigger, _one(layer, batch)).layers[0].cycles <= row.cycles
    # More sparsity on the SAME design: S001 sizes the array from the network's reuse, so a
    # sparser network alone can get fewer PEs (3->6 conv, stride 2, in_hw 3, dsp 100, S_c 1:
    # 408 -> 680 cycles). Both layers in one workload share one sized array.
    sparser = replace(layer, name="sparser", row_sparsity=min(0.95, layer.row_sparsity + 0.1))
    both = simulate(arch, Workload("w", "test", batch, (layer, sparser))).layers
    assert both[1].cycles <= both[0].cycles


# ---- roofline (GPU and CPU) -------------------------------------------------------------------
@CASES
@given(layer=all_kinds(), batch=st.integers(1, 4),
       device=st.sampled_from(["a100", "xeon_e5_2630", "local_cpu"]),
       mode=st.sampled_from(["inference", "training"]), more=st.floats(1.0, 8.0),
       sparser=st.floats(0.0, 1.0))
def test_roofline_properties(layer, batch, device, mode, more, sparser):
    arch = ARCHS[device]
    cfg = arch.config
    row = simulate(arch, _one(layer, batch), {"mode": mode}).layers[0]
    _sane(row)
    assert row.utilization <= 1.0 + 1e-9                       # time >= FLOPs / peak
    dram_rate = cfg.memory_bandwidth_bytes_per_s * cfg.memory_efficiency
    assert row.dram_bytes / row.seconds <= dram_rate * (1 + 1e-9)    # DRAM bytes at its rate
    assert row.extra["speedup"] >= 1.0 - 1e-12                 # auto: never below dense
    for changes in ({"memory_bandwidth_bytes_per_s": cfg.memory_bandwidth_bytes_per_s * more},
                    {"peak_fp32_flops": cfg.peak_fp32_flops * more}):
        faster = replace(arch, config=replace(cfg, **changes))
        assert simulate(faster, _one(layer, batch), {"mode": mode}).layers[0].seconds <= \
            row.seconds * (1 + 1e-12)
    thinner = replace(layer, weight_density=layer.weight_density * sparser)
    if thinner.weight_density > 0:
        assert simulate(arch, _one(thinner, batch), {"mode": mode}).layers[0].seconds <= \
            row.seconds * (1 + 1e-12)


# ---- EIE ------------------------------------------------------------------------------------------
def _nested(layer, seed, keep):
    """The layer with its generated masks made real, and a copy with each non-zero weight and
    activation kept with probability ``keep`` (a sparser layer, nested in the first)."""
    w, a = weight_mask(layer, seed), activation_mask(layer, 1, seed)
    rng = np.random.default_rng(seed)
    dense = replace(layer, masks=LayerMasks(weights=w, activations=a))
    sparse = replace(layer, masks=LayerMasks(weights=w & (rng.random(w.shape) < keep),
                                             activations=a & (rng.random(a.shape) < keep)))
    return dense, sparse


@CASES
@given(layer=gemm_layers(), pes=st.integers(1, 16), depth=st.integers(1, 8),
       deeper=st.integers(0, 8), keep=st.floats(0.0, 1.0), seed=st.integers(0, 3))
def test_eie_properties(layer, pes, depth, deeper, keep, seed):
    arch = _config("eie", pes=pes, fifo_depth=depth)
    dense, sparse = _nested(layer, seed, keep)
    row = simulate(arch, _one(dense)).layers[0]
    _sane(row)
    assert row.cycles * pes >= row.extra["theoretical_s"] * arch.config.clock_hz * pes - 1e-6
    assert row.cycles >= row.extra["theoretical_s"] * arch.config.clock_hz - 1e-6
    deep = _config("eie", pes=pes, fifo_depth=depth + deeper)
    assert simulate(deep, _one(dense)).layers[0].cycles <= row.cycles
    assert simulate(arch, _one(sparse)).layers[0].cycles <= row.cycles


# ---- SCNN -----------------------------------------------------------------------------------------
@CASES
@given(layer=all_kinds(), keep=st.floats(0.0, 1.0), more=st.floats(1.0, 8.0),
       seed=st.integers(0, 3))
def test_scnn_properties(layer, keep, more, seed):
    """Bank conflicts are sampled (``bank_samples``); with none sampled (0) the schedule is
    deterministic in the masks, so a nested sparser layer can be compared."""
    arch = ARCHS["scnn"]
    cfg = arch.config
    row = scnn.simulate(arch, _one(layer), {"seed": seed, "bank_samples": 64}).layers[0]
    _sane(row)
    assert row.cycles >= row.extra["products"] / cfg.peak_macs_per_cycle - 1e-9
    assert row.cycles >= row.dram_bytes / (cfg.dram_bandwidth_bytes_per_s / cfg.clock_hz) - 1
    fast = replace(arch, config=replace(cfg, dram_bandwidth_bytes_per_s=cfg.dram_bandwidth_bytes_per_s
                                        * more, halo_words_per_cycle=cfg.halo_words_per_cycle
                                        * more))
    assert scnn.simulate(fast, _one(layer), {"seed": seed, "bank_samples": 64}
                         ).layers[0].cycles <= row.cycles
    if layer.kind == "conv":
        dense, sparse = _nested(replace(layer, groups=1, in_channels=layer.in_channels
                                        // layer.groups), seed, keep)
    else:
        dense, sparse = _nested(layer, seed, keep)
    a = scnn.run_layer(dense, 1, cfg, seed, 0)
    b = scnn.run_layer(sparse, 1, cfg, seed, 0)
    assert b.cycles <= a.cycles and b.valid_macs <= a.valid_macs


# ---- cluster --------------------------------------------------------------------------------------
@CASES
@given(gpus=st.lists(st.integers(1, 64), min_size=1, max_size=4),
       scheme=st.sampled_from(declared.SCHEMES), more=st.floats(1.0, 16.0),
       encoding=st.sampled_from(cluster.ENCODINGS), batch=st.integers(1, 64))
def test_cluster_properties(gpus, scheme, more, encoding, batch):
    arch = ARCHS["cluster_gtx1080_1gbe"]
    cfg = arch.config
    layers = (Layer(name="c", kind="conv", in_channels=16, out_channels=32, kernel=(3, 3),
                    padding=(1, 1), in_hw=(16, 16)),
              Layer(name="f", kind="fc", in_features=2048, out_features=256))
    w = Workload("w", "t", batch, layers)
    opts = {"gpus": tuple(gpus), "scheme": scheme, "encoding": (encoding,)}
    base = cluster.sweep(cfg, w, opts)[encoding]
    faster = replace(cfg, network=replace(cfg.network, bandwidth_bytes_per_s=cfg.network
                                          .bandwidth_bytes_per_s * more),
                     intra_node=replace(cfg.intra_node, bandwidth_bytes_per_s=cfg.intra_node
                                        .bandwidth_bytes_per_s * more),
                     host=replace(cfg.host, bandwidth_bytes_per_s=cfg.host
                                  .bandwidth_bytes_per_s * more))
    fast = cluster.sweep(faster, w, opts)[encoding]
    for s in (base, fast):
        for values in (s.compute_s, s.comm_s, s.exposed_s, s.images_per_s):
            assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert np.all(fast.iteration_s <= base.iteration_s * (1 + 1e-12))
    assert np.all(base.iteration_s >= base.compute_s)


# ---- the same numbers in another process ----------------------------------------------------------
_LAYERS = [
    {"name": "conv", "kind": "conv", "in_channels": 8, "out_channels": 16, "kernel": 3,
     "padding": 1, "in_hw": 12, "weight_density": 0.4, "activation_density": 0.5},
    {"name": "fc", "kind": "fc", "in_features": 256, "out_features": 64,
     "weight_density": 0.2, "activation_density": 0.5},
    {"name": "lstm", "kind": "lstm", "input_size": 32, "hidden_size": 16, "timesteps": 2,
     "weight_density": 0.3},
]
_RUNS = {"vc707": ("conv", "fc", "lstm"), "eie": ("fc", "lstm"), "scnn": ("conv", "fc"),
         "a100": ("conv", "fc", "lstm"), "xeon_e5_2630": ("conv", "fc"),
         "cluster_gtx1080_1gbe": ("conv", "fc")}
_SCRIPT = """
import json, sys
from accelsim.registry import simulate
from accelsim.spec import load_arch, load_workload
out = {}
for arch in json.loads(sys.argv[1]):
    r = simulate(load_arch("archs/" + arch + ".yaml"), load_workload(sys.argv[2] + "/" + arch
                 + ".json"), {"gpus": (1, 8)} if arch.startswith("cluster") else {})
    out[arch] = [[x.cycles, x.seconds, x.effective_macs, x.energy_j] for x in r.layers]
print(json.dumps(out))
"""


def _figures(folder):
    from accelsim.spec import load_workload

    out = {}
    for arch in _RUNS:
        r = simulate(ARCHS[arch], load_workload(folder / f"{arch}.json"),
                     {"gpus": (1, 8)} if arch.startswith("cluster") else {})
        out[arch] = [[x.cycles, x.seconds, x.effective_macs, x.energy_j] for x in r.layers]
    return out


def test_identical_on_rerun_and_across_processes(tmp_path):
    """Every engine: the same figures twice in this process and once in a fresh one (masks
    and SCNN's bank samples are seeded)."""
    for arch, names in _RUNS.items():
        doc = {"schema_version": 1, "name": arch, "source": "test", "batch": 2,
               "layers": [x for x in _LAYERS if x["name"] in names]}
        (tmp_path / f"{arch}.json").write_text(json.dumps(doc))
    here = _figures(tmp_path)
    assert _figures(tmp_path) == here
    done = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(list(_RUNS)),
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == json.loads(json.dumps(here))
