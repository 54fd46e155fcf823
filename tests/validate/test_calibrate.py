"""The CPU calibration fit on synthetic timings with a known answer."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from accelsim.engines.roofline import RooflineConfig
from accelsim.validate import calibrate as cal
from accelsim.validate.compare import crossover_sparsity, predicted_seconds

TRUTH = RooflineConfig(device="cpu", peak_fp32_flops=50e9, memory_bandwidth_bytes_per_s=20e9,
                       compute_units=1, tile_m=16, tile_n=8, max_efficiency=1.0, k_half=32.0,
                       memory_efficiency=1.0, launch_overhead_s=float(cal.ROOFLINE_GRID[
                           "launch_overhead_s"][9]), csr_efficiency=float(cal.CSR_GRID[
                               "csr_efficiency"][30]), csr_row_overhead=0.0,
                       csr_nnz_overhead=16.0, csr_narrow_overhead=2.0,
                       write_allocate=True)  # fit_cpu states it (x86 caches), fits nothing


def _synthetic_frame(cfg):
    cases = cal.calibration_cases()
    frame = pd.DataFrame([{k: getattr(c, k) for k in (
        "name", "group", "kernel", "m", "k", "n", "groups", "density", "row_sparsity",
        "col_sparsity", "rank")} | {"dense_flops": c.dense_flops} for c in cases])
    return frame.assign(min_time_s=predicted_seconds(cfg, frame))


def test_fit_recovers_known_parameters():
    frame = _synthetic_frame(TRUTH)
    fit = cal.fit_cpu(frame, bandwidth_bytes_per_s=TRUTH.memory_bandwidth_bytes_per_s,
                      threads=1)
    p = fit["params"]
    fitted = replace(TRUTH, **{k: v for k, v in p.items() if k != "peak_fp32_flops"},
                     peak_fp32_flops=p["peak_fp32_flops"])
    assert np.allclose(predicted_seconds(fitted, frame), frame.min_time_s, rtol=0.02)
    assert fit["gemm_fit_error"] < 0.01 and fit["csr_fit_error"] < 0.01
    assert p["peak_fp32_flops"] == pytest.approx(TRUTH.peak_fp32_flops, rel=0.01)
    for key in ("tile_m", "tile_n", "k_half", "launch_overhead_s", "csr_nnz_overhead",
                "csr_narrow_overhead"):
        assert p[key] == pytest.approx(getattr(TRUTH, key)), key


def test_arch_text_is_a_valid_cpu_arch(tmp_path):
    from accelsim.spec import load_arch

    fit = cal.fit_cpu(_synthetic_frame(TRUTH), bandwidth_bytes_per_s=20e9, threads=1)
    info = {"cores": 2, "cpu": "x", "blas": "b", "blas_threads": 1, "numpy": "n"}
    path = tmp_path / "cpu.yaml"
    path.write_text(cal.cpu_arch_text(fit, info, name="t", clock_hz=2e9))
    arch = load_arch(path)
    assert arch.engine == "cpu" and arch.config.csr_nnz_overhead == 16.0


def test_crossover_interpolates_where_speedup_crosses_one():
    assert crossover_sparsity([0.5, 0.8, 0.9], [0.5, 0.8, 1.2]) == pytest.approx(0.85)
    assert crossover_sparsity([0.1, 0.5], [0.2, 0.9]) is None


def test_vector_rate_is_recovered_from_layer_norm_and_softmax_timings():
    pytest.importorskip("torch")
    truth = replace(TRUTH, vector_flops=2e9)  # compute-bound, as on a CPU (exp, divides)
    p = cal.fit_cpu(_synthetic_frame(truth), bandwidth_bytes_per_s=20e9, threads=1)["params"]
    # each kernel also pays the fitted launch (µs) on ≥ 64k elements × 5 FLOPs: < 3%
    assert p["vector_flops"] == pytest.approx(2e9, rel=0.03)


def test_batched_library_terms_are_recovered_from_bmm_timings_with_held_out_errors():
    pytest.importorskip("torch")
    truth = replace(TRUTH, batched_efficiency=0.8, batched_n_half=16.0)
    fit = cal.fit_cpu(_synthetic_frame(truth), bandwidth_bytes_per_s=20e9, threads=1)
    assert fit["params"]["batched_efficiency"] == pytest.approx(0.8)
    assert fit["params"]["batched_n_half"] == 16.0
    assert fit["bmm_kernels"] == len(cal.CALIBRATION_BMM)
    # the other nine bmm kernels pin the same or the next grid point (the GEMM peak under
    # them is itself recovered to within its 2% grid step): each held-out one within 2%
    assert max(abs(e) for e in fit["bmm_held_out"].values()) < 0.02


def test_a_frame_without_bmm_kernels_leaves_the_batched_terms_to_the_gemm_values():
    frame = _synthetic_frame(TRUTH)
    fit = cal.fit_cpu(frame[frame.kernel != "bmm"], bandwidth_bytes_per_s=20e9, threads=1)
    assert "batched_n_half" not in fit["params"] and "bmm_fit_error" not in fit
