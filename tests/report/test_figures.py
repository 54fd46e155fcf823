"""Pareto figures take labels and units from the units table (SVG text is searchable:
the style keeps text as text)."""

import numpy as np
import pandas as pd

from hypothesis import given, settings, strategies as st

from accelsim.report.plots import _thinned, pareto_plot, pareto_title


def _frame():
    # EIE-like designs: 36-87 µJ and 35-214 µs, two workloads
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame({
        "workload": ["main"] * n + ["other"] * n, "workload_index": [0] * n + [1] * n,
        "pes": rng.choice([64, 128, 256], 2 * n),
        "fifo_depth": rng.choice([1, 8, 64], 2 * n),
        "latency_s": rng.uniform(35e-6, 214e-6, 2 * n),
        "energy_j": rng.uniform(36e-6, 87e-6, 2 * n),
    })


def _front(frame, columns):
    from accelsim.explore.pareto import pareto_mask

    front = np.zeros(len(frame), bool)
    for _, index in frame.groupby("workload_index").indices.items():
        front[index[pareto_mask(frame.loc[index, columns].to_numpy(float), [False] * 2)]] = True
    return front


def test_two_objectives_in_engineering_units(tmp_path):
    frame = _frame()
    title = pareto_title("eie_sizing", ["latency_s", "energy_j"], ["min", "min"])
    assert title == "eie_sizing: Pareto front, minimising latency and energy"
    paths = pareto_plot(frame, np.ones(len(frame), bool), _front(frame, ["latency_s", "energy_j"]),
                        x="latency_s", y="energy_j", z=None, parameters=["pes", "fifo_depth"],
                        title=title, out_stem=tmp_path / "p")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size for p in paths)
    svg = paths[1].read_text()
    assert "latency [µs]" in svg and "energy [µJ]" in svg  # not seconds and joules
    assert "latency_s" not in svg and "1e-5" not in svg and "e-05" not in svg
    assert "numbered designs" in svg and "activation FIFO depth" in svg


def test_three_objectives_colour_the_front_by_the_third(tmp_path):
    frame = _frame()
    front = _front(frame, ["latency_s", "energy_j"])
    svg = pareto_plot(frame, np.ones(len(frame), bool), front, x="latency_s", y="energy_j",
                      z="pes", parameters=["fifo_depth"], title="t",
                      out_stem=tmp_path / "p")[1].read_text()
    assert "front designs' PEs" in svg  # the colour bar
    # one panel per workload, titled with its front and feasible counts
    for name, index in (("main", 0), ("other", 1)):
        part = frame.workload_index == index
        assert f"{name}: {int(front[part].sum())} front designs of {int(part.sum())} feasible" in svg


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2000), st.integers(1, 30), st.integers(1, 30), st.booleans(),
       st.integers(0, 2 ** 32 - 1))
def test_thinning_draws_one_design_per_cell_and_leaves_none_uncovered(n, nx, ny, log_x, seed):
    # the designs drawn are designs, at most one in each cell, and each cell with a design
    # has one drawn (cells counted here by hand, on a log axis for log_x)
    rng = np.random.default_rng(seed)
    points = np.column_stack([10 ** rng.uniform(-6, -2, n), rng.integers(1, 50, n)])
    lo, hi = points.min(axis=0) if n else np.ones(2), points.max(axis=0) if n else np.ones(2)
    drawn = _thinned(points, lo, hi, (log_x, False), (nx, ny))

    def cell(p):  # the fraction of each axis' span, in the axis' scale, times its cells
        at = [np.log10(p[0]), p[1]] if log_x else list(p)
        ends = [np.log10(lo[0]), np.log10(hi[0])] if log_x else [lo[0], hi[0]]
        fx = (at[0] - ends[0]) / ((ends[1] - ends[0]) or 1.0) * nx
        fy = (at[1] - lo[1]) / ((hi[1] - lo[1]) or 1.0) * ny
        return min(int(fx), nx - 1), min(int(fy), ny - 1)

    assert {tuple(p) for p in drawn} <= {tuple(p) for p in points}
    assert len({cell(p) for p in drawn}) == len(drawn)
    assert {cell(p) for p in drawn} == {cell(p) for p in points}
