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
    shapes the forms without the narrow-n term miss the measured CSR times by 40% or more
    (median), the chosen form by about 20% (issue 12 asks for 15%: not met on this shared
    machine, see grids.md)."""
    cfg = load_arch(VALIDATION / "local_cpu.yaml").config
    frame = pd.read_csv(VALIDATION / "csr_grid_measured.csv")
    form = grids.choose_csr_form(cfg, frame)
    assert "csr_narrow_overhead" in form["forms"][form["chosen"]]["free"]
    for name, f in form["forms"].items():
        if "csr_narrow_overhead" not in f["free"]:
            assert f["median_abs_error"] > 0.35, name
    assert form["forms"][form["chosen"]]["median_abs_error"] < 0.25
