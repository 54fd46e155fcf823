"""Sweeps: rerun, SIGKILL and resume, Dask backend, point-by-point path, CLI."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.engines import fpga
from accelsim import registry
from accelsim.explore.results import SweepResults
from accelsim.explore.runner import run_sweep
from accelsim.explore.store import Store
from accelsim.spec.sweep import load_sweep
from tests.conftest import ROOT
from tests.explore.conftest import SMALL


def _rows(out_dir) -> pd.DataFrame:
    return Store(out_dir).read()


def _run(spec_path, out_dir, **options):
    options = {"workers": 1, "progress": False, **options}
    return run_sweep(load_sweep(spec_path), out_dir, **options)


def test_rows_hold_parameters_and_totals(write_spec, tmp_path):
    summary = _run(write_spec(), tmp_path / "o", chunk_points=10)
    rows = _rows(tmp_path / "o")
    assert summary.rows == summary.computed == len(rows) == 72 * 2
    assert set(rows["workload"]) == {"alexnet_ssl", "alexnet_dense"}
    for column in ("macs_per_pe", "max_pes", "pe_buffer_words", "latency_s", "cycles",
                   "dsp_used", "utilization", "point_id", "error"):
        assert column in rows.columns
    assert rows.groupby("workload")["point"].apply(lambda p: p.is_unique and len(p) == 72).all()
    # dense conv3 has 2,304 weights per row: pe_buffer_words 1024 and 2048 are rejected
    dense = rows[rows["workload"] == "alexnet_dense"]
    assert ((dense["pe_buffer_words"] < 2304) == (dense["error"] != "")).all()
    assert dense.loc[dense["error"] != "", "latency_s"].isna().all()


def test_rerun_skips_finished_points_and_gives_identical_content(write_spec, tmp_path):
    spec = write_spec()
    _run(spec, tmp_path / "a", chunk_points=16)
    first = _rows(tmp_path / "a")
    again = _run(spec, tmp_path / "a", chunk_points=16)
    assert again.computed == 0
    _run(spec, tmp_path / "b", chunk_points=16)
    pd.testing.assert_frame_equal(first, _rows(tmp_path / "a"))
    pd.testing.assert_frame_equal(first, _rows(tmp_path / "b"))


def test_sigkilled_sweep_resumes_to_the_uninterrupted_result(write_spec, tmp_path):
    spec = write_spec(SMALL.replace("to: 64, step: 8", "to: 256, step: 1"))  # 2,304 points
    total_chunks = 2 * 2304 // 8
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "accelsim.cli", "sweep", str(spec), "--out", str(out),
         "--workers", "1", "--chunk-points", "8", "--no-progress"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(list((out / "points").glob("*.parquet"))) < 5 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list((out / "points").glob("*.parquet")))
    assert 5 <= written < total_chunks
    resumed = _run(spec, out, chunk_points=8)
    assert resumed.computed == resumed.rows - 8 * written
    _run(spec, tmp_path / "whole", chunk_points=8)
    pd.testing.assert_frame_equal(_rows(out), _rows(tmp_path / "whole"))
    assert not list((out / "points").glob(".*"))  # no temporary leftovers


def test_process_pool_and_dask_give_the_same_rows_as_in_process(write_spec, tmp_path):
    from dask.distributed import LocalCluster

    spec = write_spec()
    _run(spec, tmp_path / "serial", chunk_points=20)
    _run(spec, tmp_path / "pool", chunk_points=20, workers=2)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        _run(spec, tmp_path / "dask", chunk_points=20, scheduler=cluster.scheduler_address)
    serial = _rows(tmp_path / "serial")
    pd.testing.assert_frame_equal(serial, _rows(tmp_path / "pool"))
    pd.testing.assert_frame_equal(serial, _rows(tmp_path / "dask"))


def test_point_by_point_path_matches_the_batch_path(write_spec, tmp_path, monkeypatch):
    spec = write_spec()
    _run(spec, tmp_path / "batch")
    plain = replace(registry.engine("fpga"), simulate_batch=None)  # no batch path
    monkeypatch.setattr(registry, "engine", lambda name: plain)
    _run(spec, tmp_path / "points")
    batch, points = _rows(tmp_path / "batch"), _rows(tmp_path / "points")
    assert (points["error"] != "").sum() == (batch["error"] != "").sum() > 0
    assert "pe_buffer_words=" in points.loc[points["error"] != "", "error"].iloc[0]
    pd.testing.assert_frame_equal(batch.drop(columns="error"), points.drop(columns="error"))


def test_feasibility_applies_constraints_with_arch_fields(write_spec, tmp_path):
    _run(write_spec(), tmp_path / "o")
    results = SweepResults(tmp_path / "o")
    rows = results.frame
    expected = (rows["error"] == "") & (rows["dsp_used"] <= 2800) & (rows["latency_s"] <= 0.1)
    assert np.array_equal(results.feasible(), expected.to_numpy())
    assert 0 < expected.sum() < len(rows)


def test_cli_sweep_and_pareto_write_plot_and_frontier(write_spec, tmp_path):
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["sweep", str(write_spec()), "--out", str(out),
                                       "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "144 rows" in result.stdout
    result = CliRunner().invoke(main, ["pareto", str(out), "--x", "latency_s", "--y",
                                       "dsp_used", "--z", "bram18_used"])
    assert result.exit_code == 0, result.output
    stem = out / "pareto_latency_s_dsp_used_bram18_used"
    assert stem.with_suffix(".png").stat().st_size > 10_000
    assert "<svg" in stem.with_suffix(".svg").read_text()[:500]
    front = pd.read_csv(stem.with_suffix(".csv"))
    rows = SweepResults(out).frame
    feasible = rows[SweepResults(out).feasible()]
    for name, group in front.groupby("workload"):
        others = feasible[feasible["workload"] == name]
        for _, row in group.iterrows():  # no feasible point dominates a frontier point
            better = ((others["latency_s"] <= row["latency_s"])
                      & (others["dsp_used"] <= row["dsp_used"])
                      & (others["bram18_used"] <= row["bram18_used"]))
            strictly = ((others["latency_s"] < row["latency_s"])
                        | (others["dsp_used"] < row["dsp_used"])
                        | (others["bram18_used"] < row["bram18_used"]))
            assert not (better & strictly).any()
    result = CliRunner().invoke(main, ["pareto", str(out), "--x", "latency", "--y", "dsp_used"])
    assert result.exit_code == 2 and "--x: unknown column 'latency'" in result.stderr


@pytest.mark.parametrize("seed, efficiencies", [(0, None), (1, None), (2, [0.5, 0.79])])
def test_fpga_batch_equals_simulate(vc707, seed, efficiencies):
    """Also with many points sharing their layer costs (evaluated once per combination)."""
    from dataclasses import replace

    from accelsim import load_workload, simulate
    from accelsim.errors import EngineError
    from accelsim.explore.evaluate import result_columns

    workload = load_workload(ROOT / "workloads" / "alexnet_dense.json")
    rng = np.random.default_rng(seed)
    params = {"macs_per_pe": rng.integers(1, 64 if efficiencies is None else 4, 40),
              "max_pes": rng.integers(1, 600, 40),
              "pe_buffer_words": 2 ** rng.integers(10, 17, 40),
              "dram_efficiency": rng.choice(efficiencies, 40) if efficiencies else rng.uniform(
                  0.2, 1.0, 40),
              "dsp_slices": rng.integers(10, 3000, 40), "clock_hz": rng.uniform(1e8, 3e8, 40)}
    batch = fpga.simulate_batch(vc707, workload, params)
    for i in range(40):
        arch = replace(vc707, config=replace(vc707.config, **{k: v[i].item()
                                                             for k, v in params.items()}))
        try:
            expected = result_columns(simulate(arch, workload))
        except EngineError:
            assert batch["error"][i] != ""
            continue
        for key, value in expected.items():
            got = batch[key][i]
            assert got == value or (value is None and np.isnan(got)), (i, key, value, got)


CLUSTER = f"""
schema_version: 1
name: cluster
arch: {ROOT / 'archs' / 'cluster_gtx1080_1gbe.yaml'}
workloads: [{ROOT / 'workloads' / 'alexnet_train.json'}]
options: {{scaling: weak}}
parameters:
  options.gpus: {{values: [1, 8]}}
  options.encoding: {{values: [fp32, terngrad, bogus]}}
derived:
  gpu_s_per_image: gpus / images_per_s
objectives: [{{column: images_per_s, goal: max}}, {{column: gpu_s_per_image, goal: min}}]
"""


def test_engine_options_and_derived_columns(write_spec, tmp_path):
    _run(write_spec(CLUSTER), tmp_path / "o", chunk_points=1)  # a chunk per point
    rows = _rows(tmp_path / "o")
    bad = rows["options.encoding"] == "bogus"
    assert rows.loc[bad, "error"].str.contains("got 'bogus', allowed: fp32").all()
    assert rows.loc[bad, "images_per_s"].isna().all()  # its chunk has the common schema
    good = rows[~bad]
    assert (good["gpus"] == good["options.gpus"]).all()
    assert (good["encoding"] == good["options.encoding"]).all()
    batch = good["batch"]  # weak scaling: every GPU trains the batch
    assert np.allclose(good["images_per_s"], good["gpus"] * batch / good["seconds"])
    assert np.allclose(good["gpu_s_per_image"], good["gpus"] / good["images_per_s"])
    eight = good[good["gpus"] == 8].set_index("encoding")["images_per_s"]
    assert eight["terngrad"] > eight["fp32"]


def test_derived_column_with_unknown_name_fails_before_running(write_spec, tmp_path):
    from accelsim.errors import SpecError

    sweep = load_sweep(write_spec(CLUSTER.replace("gpus / images_per_s", "gpus / speed")))
    with pytest.raises(SpecError, match="unknown name 'speed'") as info:
        run_sweep(sweep, tmp_path / "o", workers=1, progress=False)
    assert info.value.field == "derived.gpu_s_per_image"
