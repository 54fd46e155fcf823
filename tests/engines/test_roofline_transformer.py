"""Roofline on transformer layers: vector kernels, batched matmuls, precision, N:M."""

from dataclasses import replace
from pathlib import Path

import pytest

from accelsim.engines import roofline
from accelsim.registry import simulate
from accelsim.errors import EngineError
from accelsim.model import Layer, Workload
from accelsim.spec import load_arch
from accelsim.traces.zoo import network

ROOT = Path(__file__).resolve().parents[2]
A100 = load_arch(ROOT / "archs" / "a100.yaml")
H100 = load_arch(ROOT / "archs" / "h100.yaml")


def _one(layer, batch=1):
    return Workload(name="w", source="test", batch=batch, layers=(layer,))


def test_vector_layer_is_launch_plus_bytes_over_bandwidth():
    cfg = A100.config
    norm = Layer(name="ln", kind="norm", elements=128 * 768)
    row = simulate(A100, _one(norm, batch=8), {"precision": "fp16"}).layers[0]
    # read and write 8 × 128 × 768 fp16 values once each
    nbytes = 2 * 8 * 128 * 768 * 2
    assert row.dram_bytes == nbytes
    assert row.seconds == pytest.approx(cfg.launch_overhead_s + nbytes / (
        cfg.memory_bandwidth_bytes_per_s * cfg.memory_efficiency))
    assert row.bound == "memory" and row.effective_macs == 0


def test_batched_matmul_is_one_launch_and_causal_halves_the_work():
    qk = Layer(name="qk", kind="bmm", heads=12, rows=1024, inner=64, columns=1024)
    causal = replace(qk, causal="qk")
    assert causal.causal_fraction == pytest.approx(1025 / 2048)  # Σ_i (i + 1) / 1024²
    full = simulate(A100, _one(qk), {"precision": "fp16"}).layers[0]
    half = simulate(A100, _one(causal), {"precision": "fp16"}).layers[0]
    assert full.dense_macs == half.dense_macs == 12 * 1024 * 64 * 1024
    assert half.effective_macs == pytest.approx(full.dense_macs * 1025 / 2048, rel=1e-6)
    # 12 matrices in one kernel: a single launch, not 12
    t = roofline.batched_time(A100.config, 12, 1024, 64, 1024, "fp16")
    assert float(t.seconds) < 2 * A100.config.launch_overhead_s + float(t.flops) / 312e12


def _ideal_cpu(**fields) -> roofline.RooflineConfig:
    """A one-unit CPU with no tile, launch, k-loop or CSR losses, plus ``fields``."""
    return roofline.RooflineConfig(**{
        "device": "cpu", "compute_units": 1, "tile_m": 1, "tile_n": 1, "max_efficiency": 1.0,
        "k_half": 0.0, "memory_efficiency": 1.0, "launch_overhead_s": 0.0,
        "csr_efficiency": 1.0, "csr_row_overhead": 0.0, **fields})


def test_batched_library_efficiency_and_narrow_n_replace_the_gemm_ones_for_bmm_only():
    cpu = _ideal_cpu(peak_fp32_flops=100e9, memory_bandwidth_bytes_per_s=1e15, n_half=24.0)
    flops = 2 * 2 * 64 * 64 * 64  # 2 matrices of 64 × 64 · 64 × 64
    # without the batched values a bmm is a GEMM: η = n / (n + n_half) = 64 / 88
    assert float(roofline.batched_time(cpu, 2, 64, 64, 64).seconds) == pytest.approx(
        flops / (100e9 * 64 / 88))
    own = replace(cpu, batched_efficiency=0.5, batched_n_half=0.0)
    assert float(roofline.batched_time(own, 2, 64, 64, 64).seconds) == pytest.approx(
        flops / (100e9 * 0.5))
    assert float(roofline.dense_time(own, 2, 64, 64, 64).seconds) == pytest.approx(
        flops / (100e9 * 64 / 88))  # the weight GEMM keeps its own library's terms


def test_write_allocate_reads_every_written_line_and_keeps_the_footprint_for_the_cache():
    cpu = _ideal_cpu(peak_fp32_flops=1e15, memory_bandwidth_bytes_per_s=1e9, vector_flops=1e15)
    norm = Layer(name="ln", kind="norm", elements=1_000_000)
    # 10^6 fp32 values read and 10^6 written: 8 MB at 1 GB/s, + 4 MB of write-allocate reads
    assert float(roofline.vector_time(cpu, norm, 1).seconds) == pytest.approx(8e-3)
    rfo = replace(cpu, write_allocate=True)
    assert float(roofline.vector_time(rfo, norm, 1).seconds) == pytest.approx(12e-3)
    # the 8 MB footprint (not the 12 MB of traffic) fits a 10 MB cache that streams 2x faster
    cached = replace(rfo, cache_bytes=10e6, cache_spill_penalty=1.0)
    assert float(roofline.vector_time(cached, norm, 1).seconds) == pytest.approx(6e-3)


def test_gpt2_on_a100_times_every_layer():
    result = simulate(A100, network("gpt2_small").workload, {"precision": "fp16"})
    kinds = {row.kind for row in result.layers}
    assert {"bmm", "softmax", "norm", "eltwise", "embedding", "matmul"} <= kinds
    assert all(row.seconds > 0 for row in result.layers)
    vector = sum(r.seconds for r in result.layers if r.extra["kernel"] == "vector")
    assert 0.1 < vector / sum(r.seconds for r in result.layers) < 0.9
    assert any("vector layers" in note for note in result.notes)


def test_a_dtype_the_device_lacks_is_an_error_naming_both():
    with pytest.raises(EngineError, match="a100_sxm4_80g has no fp8 peak"):
        simulate(A100, network("bert_base").workload, {"precision": "fp8"})
    with pytest.raises(EngineError, match="h100_sxm5 has no int4 peak"):
        simulate(H100, network("bert_base").workload, {"precision": "int4"})


def test_int8_doubles_a_compute_bound_gemm_and_halves_its_bytes():
    big = Layer(name="ffn", kind="matmul", in_features=4096, out_features=16384, columns=8192)
    fp16 = simulate(A100, _one(big), {"precision": "fp16"}).layers[0]
    int8 = simulate(A100, _one(big), {"precision": "int8"}).layers[0]
    assert fp16.bound == int8.bound == "compute"
    assert fp16.seconds / int8.seconds == pytest.approx(624 / 312, rel=0.02)  # datasheet peaks
    assert int8.dram_bytes == pytest.approx(fp16.dram_bytes / 2, rel=1e-6)


def test_per_layer_dtype_overrides_the_run():
    big = Layer(name="ffn", kind="matmul", in_features=4096, out_features=16384, columns=8192)
    row = simulate(A100, _one(replace(big, dtype="int8")), {"precision": "fp16"}).layers[0]
    assert row.extra["dtype"] == "int8"


def test_two_four_sparsity_on_sparse_tensor_cores():
    big = Layer(name="ffn", kind="matmul", in_features=4096, out_features=16384, columns=8192)
    dense = simulate(A100, _one(big), {"precision": "fp16"}).layers[0]
    sparse = simulate(A100, _one(replace(big, nm=(2, 4))), {"precision": "fp16"}).layers[0]
    assert sparse.extra["kernel"] == "nm"
    assert sparse.effective_macs == dense.dense_macs // 2
    assert dense.seconds / sparse.seconds == pytest.approx(2.0, rel=0.02)  # 624 / 312
    # weights: half the values plus 2 bits of metadata per kept value (fp16)
    w = 4096 * 16384
    assert dense.dram_bytes - sparse.dram_bytes == pytest.approx(2 * w - (2 * w / 2 + w / 2 / 4))


def test_nm_limits_run_dense_with_a_note():
    small = Layer(name="fc", kind="matmul", in_features=768, out_features=768, columns=8,
                  nm=(2, 4))
    fp32 = simulate(A100, _one(small), {"precision": "fp32", "kernel": "nm"})
    assert fp32.layers[0].extra["kernel"] == "dense"
    assert any("do not run fp32" in note and "runs dense" in note for note in fp32.notes)
    auto = simulate(A100, _one(small), {"precision": "fp32"})
    assert auto.layers[0].extra["kernel"] != "nm"
    assert any("do not run fp32" in note and "another kernel" in note for note in auto.notes)
    wrong = simulate(A100, _one(replace(small, nm=(1, 4))), {"precision": "fp16"})
    assert any("need 2:4" in note for note in wrong.notes)
    # at 8 columns the GEMM is memory- and launch-bound: 2:4 helps little (its limit)
    dense = simulate(A100, _one(replace(small, nm=None)), {"precision": "fp16"}).layers[0]
    sparse = simulate(A100, _one(small), {"precision": "fp16"}).layers[0]
    speedup = dense.seconds / sparse.seconds
    assert speedup > 1.0
    # bounded by the fall in weight bytes: 768·768·2 B dense against 768·768 B of kept values
    # plus 2 bits per kept value, 1,179,648 / 663,552 = 1.78; the 22 µs launch keeps it below 1.2
    assert speedup < 1_179_648 / 663_552
    assert speedup < 1.2


def test_other_engines_list_what_they_do_not_run():
    vc707 = load_arch(ROOT / "archs" / "vc707.yaml")
    wl = network("bert_base").workload
    result = simulate(vc707, wl, {})
    assert {row.kind for row in result.layers} <= {"matmul", "fc"}
    note = next(n for n in result.notes if n.startswith("not run on fpga"))
    bmm = sum(layer.dense_macs(1) for layer in wl.layers if layer.kind == "bmm")
    assert f"{bmm:,} MACs" in note
    assert f"{100 * bmm / wl.dense_macs():.1f}%" in note


def test_nm_and_dtype_on_engines_without_them_are_noted():
    vc707 = load_arch(ROOT / "archs" / "vc707.yaml")
    fc = Layer(name="fc", kind="fc", in_features=512, out_features=256, nm=(2, 4), dtype="int8")
    notes = " ".join(simulate(vc707, _one(fc), {}).notes)
    assert "1 N:M layers (fc): run dense" in notes
    assert "per-layer dtype of 1 layers ignored" in notes
    eie = simulate(load_arch(ROOT / "archs" / "eie.yaml"), _one(fc), {})
    assert eie.layers[0].effective_macs == pytest.approx(512 * 256 / 2, rel=0.05)  # N/M
    assert any("unstructured sparsity at density N/M" in n for n in eie.notes)
