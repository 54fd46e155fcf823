"""Systolic engine: SCALE-Sim's own outputs (committed), hand-derived folds, sparsity, batch."""

import configparser
import csv
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelsim.engines import systolic as sy
from accelsim.engines.energy import EnergyTable
from accelsim.errors import SpecError
from accelsim.model import Gemm, Layer, Workload
from accelsim.spec import load_arch
from accelsim.spec.arch import arch_from_dict

from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "scalesim"


# ---- SCALE-Sim reference data --------------------------------------------------------------
def _scalesim_arch(config_name: str):
    """The engine arch equivalent to a committed SCALE-Sim config: its SRAM kB are 1024 one-byte
    words (SCALE-Sim has one word size, partial sums included: 8-bit accumulators here); its
    Bandwidth is words per cycle on each of the three ports."""
    cfg = configparser.ConfigParser()
    cfg.read(DATA / "configs" / f"{config_name}.cfg")
    a = cfg["architecture_presets"]
    block = {"rows": int(a["ArrayHeight"]), "cols": int(a["ArrayWidth"]),
             "dataflow": a["Dataflow"].strip(), "word_bytes": 1, "accumulator_bits": 8,
             "ifmap_sram_bytes": 1024 * int(a["IfmapSramSzkB"]),
             "filter_sram_bytes": 1024 * int(a["FilterSramSzkB"]),
             "ofmap_sram_bytes": 1024 * int(a["OfmapSramSzkB"]),
             "dram_bytes_per_cycle": 3 * float(a["Bandwidth"])}
    return arch_from_dict({"schema_version": 1, "name": config_name, "engine": "systolic",
                           "clock_hz": 1e9, "systolic": block})


def _reference_cases():
    shapes = {r["shape"]: r for r in csv.DictReader(open(DATA / "layers.csv"))}
    cases = []
    for row in csv.DictReader(open(DATA / "results.csv")):
        if row["status"] == "ok":
            cases.append(pytest.param(row, shapes[row["shape"]],
                                      id=f"{row['config']}-{row['shape']}"))
    return cases


CASES = _reference_cases()
# SCALE-Sim 3.0.0 with upstream fix 22f88b1 (stalls counted once), run where 3.0.0 stalls
FIXED = {(r["config"], r["shape"]): r for r in csv.DictReader(open(DATA / "results_fixed.csv"))
         if r["status"] == "ok"}


def _run(row, shape):
    """The engine on one SCALE-Sim row: its layer is a padded, ungrouped conv (layers.csv)."""
    arch = _scalesim_arch(row["config"])
    h, w, fh, fw, ch, nf, s = (int(shape[k]) for k in (
        "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "filters", "stride"))
    layer = Layer(name="l", kind="conv", in_channels=ch, out_channels=nf, kernel=(fh, fw),
                  stride=(s, s), in_hw=(h, w))
    return arch.config, sy.run_mapping(arch.config, sy.mapping(layer, 1, 1),
                                       arch.config.dataflow)[1]


@pytest.mark.parametrize("row,shape", CASES)
def test_compute_cycles_and_sram_accesses_equal_scalesim(row, shape):
    cfg, f = _run(row, shape)
    # SCALE-Sim's "Total Cycles" is the last cycle's zero-based index, stalls included
    assert f["compute_cycles"] == int(row["compute_cycles"]) + 1
    assert f["ifmap_sram_reads"] == int(row["ifmap_sram_reads"])
    assert f["filter_sram_reads"] == int(row["filter_sram_reads"])
    # its os counter adds each fold's padded R + C to the ofmap writes (no write happens)
    artefact = f["folds"] * (cfg.rows + cfg.cols) if cfg.dataflow == "os" else 0
    assert f["ofmap_sram_writes"] + artefact == int(row["ofmap_sram_writes"])
    assert f["mapping_efficiency"] == pytest.approx(
        float(row["mapping_efficiency_pct"]) / 100, rel=1e-9)
    if cfg.dataflow == "os":  # ws/is: SCALE-Sim divides by 2R + 2C + T - 3 cycles per fold
        assert f["compute_utilization"] == pytest.approx(
            float(row["compute_util_pct"]) / 100, rel=1e-9)
    else:
        assert f["compute_utilization"] > float(row["compute_util_pct"]) / 100


@pytest.mark.parametrize("row,shape", [c for c in CASES if int(c.values[0]["stall_cycles"]) == 0
                                       or (c.values[0]["config"], c.values[0]["shape"]) in FIXED])
def test_array_cycles_within_10_percent_of_scalesim_total_cycles(row, shape):
    """The engine's compute + stall cycles (the array's run, without the first fill and the
    last write-back) against SCALE-Sim's ``total_cycles`` column, which counts the same (its
    ``total_cycles_incl_prefetch`` is compared below). With stalls counted once: 3.0.0 adds
    each late prefetch's wait twice (fixed upstream in 22f88b1), so a layer where it stalls
    is compared with the fixed run. A miss is expected only where SCALE-Sim's own DRAM count
    shows at least one more half-buffer refill of a read SRAM than the engine's sliding-window
    sweep (``_read_port``): it reads flipped stationary folds and skewed fold boundaries
    backwards, which sends its forward-only window round the stream (not modelled)."""
    _, f = _run(row, shape)
    reference = row if int(row["stall_cycles"]) == 0 else FIXED[(row["config"], row["shape"])]
    assert f["compute_cycles"] == int(reference["compute_cycles"]) + 1
    total = int(reference["total_cycles"]) + 1
    array = f["compute_cycles"] + f["stall_cycles"]
    assert f["cycles"] == array + f["fill_cycles"] + f["drain_cycles"]
    if array != pytest.approx(total, rel=0.10):
        cfg = _scalesim_arch(row["config"]).config
        for port in ("ifmap", "filter"):
            fetched = int(reference[f"{port}_dram_reads"])
            refill = getattr(cfg, f"{port}_sram_bytes") / 2  # one half-buffer, in words
            if fetched >= f[f"{port}_dram_reads"] + refill:  # at least one more refill
                pytest.xfail(f"SCALE-Sim refilled the {port} SRAM more: {fetched:,} words "
                             f"fetched, {f[port + '_dram_reads']:,.0f} in the engine's sweep; "
                             f"array cycles {array:,.0f} vs {total:,}")
    assert array == pytest.approx(total, rel=0.10)


@pytest.mark.parametrize("row,shape", [c for c in CASES
                                       if int(c.values[0]["stall_cycles"]) == 0])
def test_cycles_with_fill_and_write_back_approach_scalesim_incl_prefetch(row, shape):
    """The engine's latency (first fill + compute + stalls + last write-back) against SCALE-Sim's
    ``total_cycles_incl_prefetch`` column, on the 45 layers where neither stalls. Its fill and
    write-back are lower bounds of what SCALE-Sim does before its cycle 0 and after its last
    compute cycle (the first half of each read SRAM at the port rate, both ports at once; the
    last, partial ofmap half after the array stops; every ofmap word across its port), so:
    never above SCALE-Sim, and nearer to it than compute + stalls alone. (Measured: median
    miss 3.8 %, worst −24 % on 56x56x1x1x64x64 ws, where SCALE-Sim adds three times the 3,136
    cycles of its ifmap fill; compute + stalls alone miss SCALE-Sim's column by median 40 %.)"""
    _, f = _run(row, shape)
    with_prefetch = int(row["total_cycles_incl_prefetch"]) + 1
    array = f["compute_cycles"] + f["stall_cycles"]
    assert array == int(row["total_cycles"]) + 1  # no stall on either side
    assert array < f["cycles"] <= with_prefetch + 1  # fill and write-back rounded up
    assert with_prefetch - f["cycles"] < with_prefetch - array


def test_fix_only_changes_stall_counts():
    """The fixed runs repeat 3.0.0's compute cycles and SRAM counts and stall no more."""
    rows = {(c.values[0]["config"], c.values[0]["shape"]): c.values[0] for c in CASES}
    assert FIXED
    for key, fixed in FIXED.items():
        released = rows[key]
        for column in ("compute_cycles", "ifmap_sram_reads", "filter_sram_reads",
                       "ofmap_sram_writes"):
            assert fixed[column] == released[column]
        assert int(fixed["stall_cycles"]) <= int(released["stall_cycles"])


@pytest.mark.parametrize("row,shape", CASES)
def test_ofmap_dram_writes_equal_scalesim_sram_writes(row, shape):
    """Every ofmap SRAM write (partial sums included) goes to DRAM in SCALE-Sim; its DRAM
    write count adds at most one ``Bandwidth``-wide line of padding per drain."""
    cfg, f = _run(row, shape)
    artefact = f["folds"] * (cfg.rows + cfg.cols) if cfg.dataflow == "os" else 0
    written = int(row["ofmap_dram_writes"])
    assert f["ofmap_dram_writes"] <= written
    assert written - f["ofmap_dram_writes"] <= artefact + 0.01 * written


def test_reference_covers_both_arrays_and_all_dataflows():
    configs = {c.values[0]["config"] for c in CASES}
    assert {"sa32_ws", "sa128_ws", "sa128_os", "sa128_is"} <= configs


# ---- closed forms by hand ------------------------------------------------------------------
def _cfg(rows=4, cols=4, dataflow="ws", sram=1 << 20, bytes_per_cycle=1e6, word_bytes=1):
    return sy.SystolicConfig(clock_hz=1e9, rows=rows, cols=cols, dataflow=dataflow,
                             ifmap_sram_bytes=sram, filter_sram_bytes=sram, ofmap_sram_bytes=sram,
                             word_bytes=word_bytes, accumulator_bits=32,
                             dram_bytes_per_cycle=bytes_per_cycle,
                             energy=EnergyTable())


def _fc(m, k, **kw):
    return Layer(name="fc", kind="fc", in_features=k, out_features=m, **kw)


@pytest.mark.parametrize("dataflow,cycles", [
    # m=6 filters, k=10 window, n=3 (batch); 4x4 array
    ("ws", 3 * 2 * (8 + 4 + 3 - 2)),   # folds ⌈10/4⌉·⌈6/4⌉ = 6, each 2R + C + T - 2 = 13
    ("os", 1 * 2 * (4 + 4 + 10 - 2)),  # folds ⌈3/4⌉·⌈6/4⌉ = 2, each R + C + T - 2 = 16
    ("is", 3 * 1 * (8 + 4 + 6 - 2)),   # folds ⌈10/4⌉·⌈3/4⌉ = 3, each 2R + C + T - 2 = 16
])
def test_fold_counts_by_hand(dataflow, cycles):
    _, f = sy.run_mapping(_cfg(), sy.mapping(_fc(6, 10), 3, 1), dataflow)
    assert f["compute_cycles"] == cycles
    assert f["stall_cycles"] == 0  # 1 MB SRAMs, unlimited bandwidth


def test_memory_bound_layer_waits_for_refills():
    """ws, 4x4, m=4, k=4, n=1000: ifmap stream 4000 words through a 2000-byte SRAM (active half
    1000 words) at 1 word/cycle per port: the first 1000 arrive before the array starts (1000
    cycles; the 16 filter words take 16), then 3 refills of 1000 cycles, then 1/4 of the
    compute. The 1 MB ofmap SRAM holds all 4000 writes (final outputs: K fits the 4 rows, so
    no partial sums), 1 byte each: they cross the port (4000 cycles) after the array stops."""
    cfg = replace(_cfg(bytes_per_cycle=3.0), ifmap_sram_bytes=2000)
    _, f = sy.run_mapping(cfg, sy.mapping(_fc(4, 4), 1000, 1), "ws")
    compute = 1 * (8 + 4 + 1000 - 2)
    assert f["compute_cycles"] == compute
    assert f["ifmap_dram_reads"] == 4000
    array = math.ceil(3 * 1000 + compute * (4000 - 3000) / 4000)
    assert f["stall_cycles"] == array - compute
    assert (f["fill_cycles"], f["drain_cycles"]) == (1000, 4000)
    assert f["cycles"] == 1000 + array + 4000
    assert sy.BOUNDS[int(f["bound_port"])] == "ofmap"  # its 4000 cycles come last


def test_partial_sums_are_accumulator_words():
    """tpu_like: 4 MiB of 32-bit accumulators is 1,048,576 partial sums (4,194,304 one-byte
    words before). ws fc 4096 × 4096 at batch 256 on 256 × 256: F_r = 16 row folds each write
    N·M = 256·4096 sums, 16,777,216 ofmap writes: the last fold's are the outputs (1 byte),
    the 15 others partial sums (4 bytes); the ifmap (4096·256 words, within the 24 MiB SRAM)
    and the filter (4096² words streamed once through the 256 KiB FIFO) are fetched once."""
    arch = load_arch(ROOT / "archs" / "tpu_like.yaml")
    assert sy._sram_words(arch.config)[2] == 1_048_576
    result = sy.simulate(arch, Workload("w", "test", 256, (_fc(4096, 4096),)), {})
    row = result.layers[0]
    assert row.extra["ofmap_dram_writes"] == 16 * 256 * 4096
    assert row.extra["ifmap_dram_reads"] == 4096 * 256
    assert row.extra["filter_dram_reads"] == 4096 * 4096
    assert row.dram_bytes == 4096 * 256 + 4096 * 4096 + 256 * 4096 + 4 * 15 * 256 * 4096


def test_counts_past_two_to_the_64_do_not_wrap():
    """fc 2^24 × 2^24 at batch 2^24 (the workload schema's bounds), ws on 256 × 256: F_r =
    F_c = 2^24 / 256 = 2^16, so ifmap reads F_c·N·K = 2^16·2^24·2^24 = 2^64 and ofmap
    writes F_r·N·M = 2^64 (an int64 count wraps to 0); compute 2^32 folds × (2·256 + 256 +
    2^24 − 2) cycles."""
    arch = load_arch(ROOT / "archs" / "tpu_like.yaml")
    _, f = sy.run_mapping(arch.config, sy.mapping(_fc(2 ** 24, 2 ** 24), 2 ** 24, 1), "ws")
    assert f["ifmap_sram_reads"] == 2.0 ** 64
    assert f["ofmap_sram_writes"] == 2.0 ** 64
    assert f["compute_cycles"] == 2.0 ** 32 * (3 * 256 + 2 ** 24 - 2)
    assert f["cycles"] >= f["compute_cycles"]


def test_a_stream_the_window_holds_whole_is_fetched_once_per_pass_count():
    """1980-byte ifmap SRAM (1-byte words): active half 990 words, sets of ⌈1980/100⌉ = 20
    words, a window of ⌈990/20⌉ = 50 sets = 1000 words. A 995-word stream (⌈995/20⌉ = 50
    sets) fits that window whole: fetched once, 995 words, however many passes read it (the
    window used to advance by 0 sets: 990 words for one pass, 1,980 for two or four)."""
    window = sy._window(1980.0, 1.0)
    assert window[:5] == (990, 20, 990, 50, 50)
    for passes in (1, 2, 4):
        fetched, need, fill = sy._read_port(995.0, 995.0, 1.0, float(passes), window, 1.0,
                                            5000.0)
        assert fetched == 995 and need == 5000.0, passes


def test_structured_sparsity_is_compacted_before_mapping():
    dense = sy.mapping(_fc(64, 64), 8, 1)
    ssl = sy.mapping(_fc(64, 64, row_sparsity=0.5, col_sparsity=0.25), 8, 1)
    assert (ssl.gemm.m, ssl.gemm.k) == (32, 48)
    _, fd = sy.run_mapping(_cfg(8, 8), dense, "ws")
    _, fs = sy.run_mapping(_cfg(8, 8), ssl, "ws")
    assert fd["compute_cycles"] == 8 * 8 * (16 + 8 + 8 - 2)   # folds 8 x 8
    assert fs["compute_cycles"] == 6 * 4 * (16 + 8 + 8 - 2)   # folds ⌈48/8⌉ x ⌈32/8⌉


def test_nm_halves_the_window_and_streams_index_bits():
    m = sy.mapping(_fc(16, 64, nm=(2, 4)), 1, 1)
    assert m.gemm.k == 32 and m.index_bits == 2
    assert m.filter_words_per_weight == 1 + 2 / 8
    _, f = sy.run_mapping(_cfg(8, 8), m, "ws")
    assert f["compute_cycles"] == 4 * 2 * (16 + 8 + 1 - 2)
    assert f["filter_sram_reads"] == 16 * 32 * 1.25  # weights plus their 2-bit indices


def test_unstructured_density_is_noted_not_exploited():
    arch = load_arch(ROOT / "archs" / "tpu_like.yaml")
    wl = Workload("w", "test", 1, (_fc(256, 256, weight_density=0.3),))
    dense = Workload("w", "test", 1, (_fc(256, 256),))
    result = sy.simulate(arch, wl, {})
    assert result.layers[0].cycles == sy.simulate(arch, dense, {}).layers[0].cycles
    assert any(n.startswith("ignored: weight_density of fc layers (fc)") for n in result.notes)


@pytest.mark.parametrize("field,value,noted", [
    ("activation_density", 0.3, "ignored: activation_density"),
    ("rank", 16, "ignored: rank"),
    ("dtype", "fp32", "per-layer dtype of 1 layers ignored"),
    ("weight_density", 0.2, "ignored: weight_density"),  # 2:4 leaves 0.5
])
def test_every_input_the_array_ignores_is_noted(field, value, noted):
    """A 2:4 fc layer with one more field: each is ignored (same cycles as without it) and
    says so; N:M's own density (0.5) is exploited, so it alone gives no ignored note."""
    arch = load_arch(ROOT / "archs" / "tpu_like.yaml")
    plain = sy.simulate(arch, Workload("w", "test", 1, (_fc(1024, 1024, nm=(2, 4)),)), {})
    result = sy.simulate(arch, Workload("w", "test", 1, (
        _fc(1024, 1024, nm=(2, 4), **{field: value}),)), {})
    assert result.layers[0].cycles == plain.layers[0].cycles
    assert any(n.startswith(noted) for n in result.notes), result.notes
    exact = sy.simulate(arch, Workload("w", "test", 1, (
        _fc(1024, 1024, nm=(2, 4), weight_density=0.5),)), {})
    assert not any(n.startswith("ignored") for n in exact.notes + plain.notes)


# ---- properties ------------------------------------------------------------------------------
layers = st.builds(lambda m, k, n: (m, k, n), st.integers(1, 300), st.integers(1, 600),
                   st.integers(1, 400))
designs = st.tuples(st.integers(1, 64), st.integers(1, 64), st.integers(6, 22),
                    st.floats(0.5, 512))


@settings(max_examples=60, deadline=None)
@given(layer=layers, design=designs, dataflow=st.sampled_from(sy.DATAFLOWS))
def test_no_layer_beats_the_peak_and_more_bandwidth_never_hurts(layer, design, dataflow):
    (m, k, n), (r, c, log_sram, bw) = layer, design
    cfg = _cfg(r, c, dataflow, 2 ** log_sram, bw)
    gemm = sy.Mapping(Gemm(1, m, k, n), 1.0, 0)
    _, f = sy.run_mapping(cfg, gemm, dataflow)
    assert f["cycles"] >= f["compute_cycles"] >= m * k * n / (r * c)
    # nor the DRAM: every byte it moves crosses one of the three ports (1-byte operands and
    # outputs, the other ofmap writes 4-byte partial sums)
    port_bytes = (f["ifmap_dram_reads"], f["filter_dram_reads"],
                  m * n + 4 * (f["ofmap_dram_writes"] - m * n))
    assert f["cycles"] >= sum(port_bytes) / bw * (1 - 1e-12)
    for moved in port_bytes:
        assert f["cycles"] >= moved / (bw / 3) * (1 - 1e-12)
    assert 0 < f["mapping_efficiency"] <= 1
    _, faster = sy.run_mapping(replace(cfg, dram_bytes_per_cycle=2 * bw), gemm, dataflow)
    assert faster["cycles"] <= f["cycles"]


@settings(max_examples=40, deadline=None)
@given(layer=layers, design=designs)
def test_auto_picks_the_fastest_dataflow(layer, design):
    (m, k, n), (r, c, log_sram, bw) = layer, design
    cfg = _cfg(r, c, "auto", 2 ** log_sram, bw)
    gemm = sy.Mapping(Gemm(1, m, k, n), 1.0, 0)
    chosen, f = sy.run_mapping(cfg, gemm, "auto")
    each = {d: sy.run_mapping(cfg, gemm, d)[1]["cycles"] for d in sy.DATAFLOWS}
    assert f["cycles"] == min(each.values()) == each[chosen]


_SWEPT = """schema_version: 1
name: batch_vs_single
arch: {arch}
workloads: [{workload}]
parameters:
  rows: {{uniform: {{from: 1, to: 300, integer: true}}}}
  cols: {{uniform: {{from: 1, to: 300, integer: true}}}}
  ifmap_sram_bytes: {{log_range: {{from: 1024, to: 16777216, factor: 2}}}}
  filter_sram_bytes: {{log_range: {{from: 1024, to: 16777216, factor: 2}}}}
  ofmap_sram_bytes: {{log_range: {{from: 1024, to: 4194304, factor: 2}}}}
  clock_hz: {{uniform: {{from: 1.0e8, to: 2.0e9}}}}
  {bandwidth}: {{uniform: {{from: {low}, to: {high}}}}}
  dataflow: {{values: [ws, os, is, auto]}}
sampling: {{method: random, points: 150, seed: 7}}
"""


def _per_cycle_arch(tmp_path):
    """archs/tpu_like.yaml with its DRAM bandwidth given per cycle (48.6 B at 700 MHz)."""
    text = (ROOT / "archs" / "tpu_like.yaml").read_text()
    path = tmp_path / "tpu_per_cycle.yaml"
    path.write_text(text.replace("dram_bandwidth_bytes_per_s: 34.0e9",
                                 "dram_bytes_per_cycle: 48.57"))
    return path


@pytest.mark.parametrize("per_cycle", [False, True], ids=["per_second", "per_cycle"])
def test_batch_equals_point_by_point_through_the_sweep(tmp_path, per_cycle):
    """150 random designs (array 1…300 per side, SRAMs, clock, bandwidth and dataflow all
    swept) through the sweep machinery: the batch path (``evaluate``) gives the totals that
    ``simulate`` gives on the point's arch (``Sweep.with_arch_values``). Layers: grouped conv,
    N:M fc, SSL fc, an activation product (matmul)."""
    from accelsim.explore.evaluate import evaluate
    from accelsim.explore.space import Space
    from accelsim.spec import load_workload
    from accelsim.spec.sweep import load_sweep

    workload = tmp_path / "w.json"
    workload.write_text(json.dumps({"schema_version": 1, "name": "w", "source": "test",
                                    "batch": 2, "layers": [
        {"name": "c1", "kind": "conv", "in_channels": 16, "out_channels": 48, "kernel": 3,
         "padding": 1, "in_hw": 20, "groups": 2},
        {"name": "f1", "kind": "fc", "in_features": 300, "out_features": 100, "nm": [2, 4]},
        {"name": "f2", "kind": "fc", "in_features": 100, "out_features": 100,
         "row_sparsity": 0.5},
        {"name": "mm", "kind": "matmul", "in_features": 64, "out_features": 40,
         "columns": 30}]}))
    arch = _per_cycle_arch(tmp_path) if per_cycle else ROOT / "archs" / "tpu_like.yaml"
    bandwidth = (("dram_bytes_per_cycle", 0.5, 512.0) if per_cycle
                 else ("dram_bandwidth_bytes_per_s", 1.0e8, 1.0e11))
    spec = tmp_path / "sweep.yaml"
    spec.write_text(_SWEPT.format(arch=arch, workload=workload, bandwidth=bandwidth[0],
                                  low=bandwidth[1], high=bandwidth[2]))
    sweep = load_sweep(spec)
    wl = load_workload(workload)
    params = Space(sweep).points(0, 150)
    batch = evaluate(sweep, wl, params)
    assert not any(batch["error"])
    # no design beats its DRAM or its PEs (latency includes the first fill and last write-back)
    bytes_per_cycle = params[bandwidth[0]] / (1.0 if per_cycle else params["clock_hz"])
    assert np.all(batch["cycles"] >= batch["dram_bytes"] / bytes_per_cycle * (1 - 1e-12))
    assert np.all(batch["cycles"] * batch["pes"] >= batch["effective_macs"])
    for i in range(150):
        point = sweep.with_arch_values({k: v[i] for k, v in params.items()})
        totals = sy.simulate(point, wl, {}).totals()
        assert totals["cycles"] >= totals["dram_bytes"] / bytes_per_cycle[i] * (1 - 1e-12)
        for key in ("cycles", "seconds", "dram_bytes", "energy_j", "utilization",
                    "mean_utilization"):
            assert batch[key][i] == pytest.approx(totals[key], rel=1e-9), (i, key)


@pytest.mark.parametrize("per_cycle", [False, True], ids=["per_second", "per_cycle"])
def test_a_clock_change_keeps_the_bandwidth_as_the_file_gives_it(tmp_path, per_cycle):
    """``Arch.with_(clock_hz=…)`` gives the config that rebuilding the arch from its changed
    document gives: 34 GB/s at 350 MHz is 34e9 / 350e6 = 97.14 B/cycle; 48.57 B/cycle stays
    48.57 (and so is 17 GB/s at 350 MHz)."""
    arch = load_arch(_per_cycle_arch(tmp_path) if per_cycle else ROOT / "archs" / "tpu_like.yaml")
    slow = arch.with_(clock_hz=350e6)
    rebuilt = arch_from_dict(slow.document)
    expected = 48.57 if per_cycle else 34e9 / 350e6
    assert slow.config.dram_rate_bytes_per_cycle == pytest.approx(expected, rel=1e-12)
    assert rebuilt.config.dram_rate_bytes_per_cycle == pytest.approx(expected, rel=1e-12)
    assert slow.config == rebuilt.config


def test_bandwidth_swept_in_the_form_the_arch_does_not_give_is_refused(tmp_path):
    from accelsim.spec.sweep import load_sweep

    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"""schema_version: 1
name: s
arch: {ROOT / "archs" / "tpu_like.yaml"}
workloads: [{ROOT / "workloads" / "alexnet_ssl.json"}]
parameters:
  dram_bytes_per_cycle: {{values: [8.0, 16.0]}}
""")
    with pytest.raises(SpecError) as err:
        load_sweep(spec)
    assert "dram_bytes_per_cycle" in str(err.value) and "\n" not in str(err.value)


def test_batch_counts_folds_exactly_when_the_array_divides_the_layer():
    """ws, K = 1116 on 186 rows is exactly 6 row folds, M = 1272 on 219 columns 6 column folds:
    36 folds of 2·186 + 219 + 646 − 2 = 1235 cycles = 44,460 (SRAMs and bandwidth too large
    to stall). Guards the kernels' IEEE division: with fast-math, a batch kernel that hoists
    ``1/186`` out of its layer loop counts ⌈1116 · (1/186)⌉ = ⌈6.000…01⌉ = 7 row folds."""
    arch = load_arch(ROOT / "archs" / "tpu_like.yaml")
    wl = Workload("w", "test", 646, (_fc(1272, 1116),))
    big = 1 << 30
    params = {"rows": np.array([186, 186]), "cols": np.array([219, 219]),
              "ifmap_sram_bytes": np.array([big, big]), "filter_sram_bytes": np.array([big, big]),
              "ofmap_sram_bytes": np.array([big, big]),
              "dram_bandwidth_bytes_per_s": np.array([1e18, 1e18]),
              "dataflow": np.array(["ws", "auto"], dtype=object)}
    batch = sy.simulate_batch(arch, wl, params)
    # + 1 fill and 1 write-back cycle: ceilings of a fraction of a cycle at 1e18 B/s
    assert batch["cycles"][0] == 36 * 1235 + 2
    assert batch["cycles"][1] <= 36 * 1235 + 2


# ---- arch files ------------------------------------------------------------------------------
def test_shipped_archs_load_and_run(alexnet_ssl):
    for name in ("tpu_like", "eyeriss_12x14"):
        arch = load_arch(ROOT / "archs" / f"{name}.yaml")
        result = sy.simulate(arch, alexnet_ssl, {"dataflow": "auto"})
        assert all(r.extra["dataflow"] in sy.DATAFLOWS for r in result.layers)
        assert result.totals()["energy_j"] > 0


@pytest.mark.parametrize("block,message", [
    ({"dataflow": "rs"}, "dataflow"),
    ({"dram_bytes_per_cycle": 8.0}, "systolic"),  # both bandwidth forms given
])
def test_bad_arch_block_is_one_line_error(block, message):
    doc = {"schema_version": 1, "name": "x", "engine": "systolic", "clock_hz": 1e9,
           "systolic": {"rows": 8, "cols": 8, "ifmap_sram_bytes": 1024,
                        "filter_sram_bytes": 1024, "ofmap_sram_bytes": 1024,
                        "dram_bandwidth_bytes_per_s": 1e9, **block}}
    with pytest.raises(SpecError) as err:
        arch_from_dict(doc, file="x.yaml")
    assert message in str(err.value) and "\n" not in str(err.value)
