"""The kernel timer and the measured kernels on tiny shapes (fast)."""

import itertools

import numpy as np
import pytest

from accelsim.validate.kernels import KernelCase, kernel_call, measure, time_call


def test_time_call_reports_the_median_of_a_known_sleep():
    import time

    t = time_call(lambda: time.sleep(0.002), min_repeats=5, min_time_s=0.0, spread=1.0)
    assert 0.002 <= t.median_s < 0.02 and t.repeats >= 5


def test_time_call_stops_at_max_repeats_when_spread_stays_large():
    durations = itertools.cycle([1e-4, 3e-3])  # a 30x bimodal spread never settles

    def noisy():
        import time

        time.sleep(next(durations))
    t = time_call(noisy, min_repeats=4, max_repeats=12, spread=0.01, min_time_s=0.0)
    assert t.repeats == 12 and t.spread > 0.01


@pytest.mark.parametrize("kernel, extra", [
    ("dense", {}), ("csr", {"density": 0.2}),
    ("structured", {"row_sparsity": 0.5, "col_sparsity": 0.25}),
    ("lowrank", {"rank": 4}),
])
def test_kernel_calls_compute_the_right_shapes(kernel, extra):
    case = KernelCase("t", "tiny", kernel, m=8, k=12, n=5, groups=2, **extra)
    out = kernel_call(case, np.random.default_rng(0))()
    m = 4 if kernel == "structured" else 8
    assert len(out) == 2 and all(np.asarray(o).shape == (m, 5) for o in out)


def test_lowrank_call_equals_the_product_of_its_factors():
    """The pair of GEMMs is one rank-r matrix: its result has rank ≤ r."""
    case = KernelCase("t", "tiny", "lowrank", m=16, k=20, n=30, rank=3)
    (y,) = kernel_call(case, np.random.default_rng(1))()
    assert np.linalg.matrix_rank(y.astype(np.float64), tol=1e-3) == 3


def test_measure_records_machine_and_pins_threads():
    cases = [KernelCase("d", "tiny", "dense", 16, 16, 16), KernelCase("c", "tiny", "csr", 16, 16,
                                                                    16, density=0.1)]
    frame, info = measure(cases, threads=1, timing=dict(min_time_s=0.0, min_repeats=4))
    assert list(frame["name"]) == ["d", "c"] and (frame["time_s"] > 0).all()
    assert info["blas_threads"] == 1 and info["cores"] >= 1 and info["blas"]


def test_torch_kernels_match_the_numpy_shapes():
    """The torch path (the one used on a GPU), run on the CPU device."""
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for kernel, extra, m in (("dense", {}, 40), ("csr", {"density": 0.3}, 40),
                             ("lowrank", {"rank": 5}, 40),
                             ("structured", {"row_sparsity": 0.5, "col_sparsity": 0.5}, 20)):
        case = KernelCase("t", "tiny", kernel, m=40, k=60, n=7, groups=2, **extra)
        assert all(tuple(o.shape) == (m, 7) for o in kernel_call(case, rng, device="cpu")())
    conv = KernelCase("c", "tiny", "conv_lowrank", m=8, k=36, n=16, groups=2, rank=5, conv=dict(
        in_channels=8, out_channels=8, kernel=(3, 3), stride=(1, 1), padding=(1, 1), groups=2,
        in_hw=(4, 4)))
    assert tuple(kernel_call(conv, rng)().shape) == (1, 8, 4, 4)  # odd rank over 2 groups


def test_csr_masks_keep_the_requested_density():
    pytest.importorskip("torch")
    from accelsim.validate.kernels import _normal_quantile, _torch_random

    x = _torch_random(np.random.default_rng(0), "cpu")(200_000)
    assert float((x.abs() < _normal_quantile(0.3)).float().mean()) == pytest.approx(0.3, abs=0.01)


@pytest.mark.skipif("not __import__('accelsim.validate.kernels').validate.kernels.cuda_available()",
                    reason="no CUDA device: the GPU suite is skipped, not failed")
def test_gpu_suite_times_every_kernel_kind():
    cases = [KernelCase("d", "t", "dense", 64, 64, 64), KernelCase("c", "t", "csr", 64, 64, 64,
                                                               density=0.1)]
    frame, info = measure(cases, device="cuda", timing=dict(min_time_s=0.0, min_repeats=4))
    assert (frame.time_s > 0).all() and "gpu" in info


def test_transformer_kernels_shapes_and_absolute_errors():
    pytest.importorskip("torch")
    import pandas as pd

    from accelsim.engines.roofline import RooflineConfig
    from accelsim.validate.compare import absolute_errors
    from accelsim.validate.kernels import transformer_cases

    cases = transformer_cases(seqs=(128,))
    kinds = [c.kernel for c in cases]
    assert kinds == ["dense"] * 4 + ["bmm", "bmm", "layernorm", "softmax"]
    rng = np.random.default_rng(0)
    shapes = [tuple(kernel_call(c, rng)().shape) if c.kernel != "dense" else None
              for c in cases]
    assert shapes[4:] == [(12, 128, 128), (12, 128, 64), (128, 768), (1536, 128)]
    cfg = RooflineConfig(device="cpu", peak_fp32_flops=1e11, memory_bandwidth_bytes_per_s=1e10,
                         compute_units=1, tile_m=1, tile_n=1, max_efficiency=1.0, k_half=0.0,
                         memory_efficiency=1.0, launch_overhead_s=0.0, csr_efficiency=1.0,
                         csr_row_overhead=0.0, vector_flops=1e9)
    frame = pd.DataFrame([{k: getattr(c, k) for k in ("name", "kernel", "m", "k", "n",
                                                      "groups", "density", "row_sparsity",
                                                      "col_sparsity", "rank")}
                          for c in cases]).assign(time_s=2e-3, min_time_s=1e-3)
    err = absolute_errors(frame, cfg).set_index("name").error
    # layer norm 128 × 768: 5 FLOPs per element at 1 GFLOP/s = 491.52 µs (memory: 78.6 µs)
    assert err["s128 layernorm"] == pytest.approx(491.52e-6 / 1e-3 - 1)
    # Q·Kᵀ: 2 · 12 · 128 · 64 · 128 FLOPs at 100 GFLOP/s = 251.66 µs (memory 40.6 µs)
    assert err["s128 q·kT"] == pytest.approx(2 * 12 * 128 * 64 * 128 / 1e11 / 1e-3 - 1)


def test_a_measured_structured_kernel_and_its_prediction_share_the_model_shape():
    """Rows 5 x (1 - 0.5) = 2.5 and columns 7 x (1 - 0.5) = 3.5 are ties: the model rounds
    half-up to 3 x 4 (Python's round would give 2 x 4); the timed kernel multiplies a 3 x 4
    matrix and the prediction times the same 3 x 4 GEMM."""
    import pandas as pd

    from accelsim import load_arch
    from accelsim.engines.roofline import dense_time
    from accelsim.validate.compare import predicted_seconds
    from tests.conftest import ROOT

    case = KernelCase("tie", "t", "structured", m=5, k=7, n=4, row_sparsity=0.5,
                      col_sparsity=0.5)
    out = kernel_call(case, np.random.default_rng(0))()
    assert out[0].shape == (3, 4)
    cfg = load_arch(ROOT / "archs/xeon_e5_2630_1thread.yaml").config
    frame = pd.DataFrame([{"kernel": "structured", "groups": 1, "m": 5, "k": 7, "n": 4,
                           "row_sparsity": 0.5, "col_sparsity": 0.5}])
    assert predicted_seconds(cfg, frame)[0] == float(dense_time(cfg, 1, 3, 4, 4).seconds)
