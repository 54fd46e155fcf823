"""The CSR-form choice and the cache model on the measured grids (committed CSVs, no timing)."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from accelsim.engines.roofline import csr_time
from accelsim.spec import load_arch
from accelsim.validate import grids

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = ROOT / "reports" / "validation"


def synthetic_grid(cfg):
    """The grid's CSR cases timed by the model itself with known CSR parameters."""
    rows = [{"m": c.m, "k": c.k, "n": c.n, "density": c.density, "kernel": c.kernel}
            for c in grids.csr_grid_cases()]
    f = pd.DataFrame(rows)
    t = csr_time(cfg, 1, f.m.to_numpy(float), f.k.to_numpy(float), f.n.to_numpy(float),
                 np.round(f.m * f.k * f.density).to_numpy(float)).seconds
    return f.assign(min_time_s=t)


def test_fit_recovers_known_csr_parameters_and_holds_out_exactly():
    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    truth = {"csr_efficiency": grids.FORM_GRID["csr_efficiency"][40], "csr_nnz_overhead": 8,
             "csr_narrow_overhead": 2}
    true_cfg = replace(cfg, csr_row_overhead=0.0, **truth)
    frame = synthetic_grid(true_cfg)
    free = tuple(truth)
    fit = grids.fit_csr_form(cfg, frame, free)
    assert fit["params"] == pytest.approx(truth) and fit["fit_error"] < 1e-9
    held = grids.held_out_by_shape(cfg, frame, free)
    assert held.error.abs().max() < 1e-9


def test_a_form_without_the_needed_term_misses_on_held_out_shapes():
    """Times made with a narrow-n term cannot be predicted by the n-only form."""
    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    true_cfg = replace(cfg, csr_row_overhead=0.0, csr_efficiency=0.05, csr_nnz_overhead=0,
                       csr_narrow_overhead=6)
    held = grids.held_out_by_shape(cfg, synthetic_grid(true_cfg), ("csr_efficiency",))
    assert held.error.abs().median() > 0.2


def test_regression_measured_grid_needs_the_narrow_n_term():
    """Regression test on the committed measurements (reports/validation): on held-out
    shapes the forms without the narrow-n term miss the measured CSR times by 20% or more
    (median: 25-37% in grids.md), the chosen form meets issue 12's 15% (12.5%)."""
    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    frame = pd.read_csv(VALIDATION / "csr_grid_measured.csv")
    form = grids.choose_csr_form(cfg, frame)
    assert "csr_narrow_overhead" in form["forms"][form["chosen"]]["free"]
    for name, f in form["forms"].items():
        if "csr_narrow_overhead" not in f["free"]:
            assert f["median_abs_error"] > 0.2, name
    assert form["forms"][form["chosen"]]["median_abs_error"] <= 0.15


def test_regression_crossover_within_5pp_at_every_measured_n():
    """Regression test on the committed measurements: the CSR-beats-dense sparsity predicted
    for each held-out shape (its fold's CSR fit against the calibrated dense time) lies within
    5 pp of the measured one at every (shape, n) (largest miss 3.1 pp in grids.md). With the
    narrow-n cost padded to the tiles (the earlier form) the dense n = 10 GEMMs came out 1.36x
    too slow and 384x2304 at n = 10 missed by 5.9 pp."""
    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    frame = pd.read_csv(VALIDATION / "csr_grid_measured.csv")
    held = grids.held_out_by_shape(cfg, frame, ("csr_efficiency", "csr_nnz_overhead",
                                                "csr_narrow_overhead"))
    cross = grids.crossovers(cfg, frame, held)
    assert len(cross) == 12
    for c in cross:
        assert abs(c["predicted"] - c["measured"]) <= 0.05, c


def test_regression_lstm_sweep_within_15_percent_at_both_batches():
    """Regression test on the committed LSTM sweep (1500 x 3000, batch 10 and 100, CSR and
    structured sparsity 10-99%, reports/validation/kernels.md): the median |error| of the
    predicted speedups is within issue 12's 15% at each batch (11.4% and 13.5%; 40% at
    batch 10 when the narrow-n cost was padded to the tiles)."""
    from accelsim.validate.suite import compare_kernels

    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    frame = pd.read_csv(VALIDATION / "kernels_measured.csv")
    lstm = frame[frame.group.str.startswith("lstm")]
    by_group = compare_kernels(lstm, cfg, {})["summary"]["median_abs_error_by_group"]
    assert set(by_group) == {"lstm_b10", "lstm_b100"}
    assert max(by_group.values()) <= 0.15, by_group


def test_regression_cache_model_on_the_held_out_cache_curve():
    """The committed cache curve (no calibration kernel among its GEMMs) against the
    calibrated arch: the GEMVs (n = 1, memory-bound) are predicted within 25% (median; 17.7%
    in grids.md) only with the caches' stream speed-ups: at the DRAM rate alone (17.4 GB/s,
    from the merged copy minimum) the in-cache GEMVs come out up to 2x too slow (median 61%),
    over three times the calibrated model's error."""
    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    curve = pd.read_csv(VALIDATION / "cache_curve_measured.csv")
    summary = grids.cache_summary(cfg, curve)
    assert summary["calibrated"]["by_n"][1] <= 0.25
    assert summary["no_cache"]["by_n"][1] > max(0.5, 3 * summary["calibrated"]["by_n"][1])


def test_regression_blocked_gemms_are_not_slowed_by_the_l2():
    """The BERT-base weight GEMMs (working sets 2.4-11 MB, past the 2 MiB L2) measured here
    (reports/validation/transformer): the last session's compute-side spill penalty predicted
    them 2x too slow (+85% to +119%); with the cache acting on traffic none is predicted more
    than 10% too slow."""
    from accelsim.validate.compare import absolute_errors

    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    frame = pd.read_csv(VALIDATION / "transformer" / "transformer_measured.csv")
    dense = absolute_errors(frame[frame.kernel == "dense"], cfg)
    assert len(dense) == 8 and dense.error.max() <= 0.10
