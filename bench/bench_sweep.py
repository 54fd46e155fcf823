"""Benchmark: design-space sweeps on the FPGA engine (AlexNet dense conv layers, fp32 VC707).

1. Batch path: ``fpga.simulate_batch`` on 65,536 random design points, points/s, median of
   repeats, in one process and in one process per core at once (aggregate); also the worst
   case where no two points share their layer costs (the engine evaluates layers once per
   distinct combination of PE count, S_c, bandwidth, clock, width and overhead).
2. End to end: ``accelsim sweep`` of a 1,048,576-point grid in a fresh process, every row
   written to Parquet, wall time median of 3 (target <= 60 s on the 2-core machine).
3. Point by point: the cluster study (``sweeps/cluster_gtx1080.yaml``, 160 points per
   workload) evaluated in this process, points/s, median of repeats; each point builds its
   arch from the parsed base, so this measures the per-point overhead around ``simulate``.
The machine may be shared: figures are medians, and runs differ by tens of percent.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
POINTS = 1 << 16
SPEC = f"""
schema_version: 1
name: bench_1m
arch: {ROOT / 'archs/vc707_fp32.yaml'}
workloads: [{ROOT / 'workloads/alexnet_dense.json'}]
layer_kinds: [conv]
parameters:
  macs_per_pe: {{range: {{from: 1, to: 64, step: 1}}}}
  max_pes: {{range: {{from: 1, to: 1024, step: 1}}}}
  pe_buffer_words: {{log_range: {{from: 4096, to: 32768, factor: 2}}}}
  bram_fraction_for_buffers: {{values: [0.25, 0.5, 0.75, 1.0]}}
"""


def _setup(all_distinct: bool = False):
    from accelsim import load_arch, load_workload
    from accelsim.spec.sweep import _only_kinds

    arch = load_arch(ROOT / "archs/vc707_fp32.yaml")
    workload = _only_kinds(load_workload(ROOT / "workloads/alexnet_dense.json"), ("conv",),
                           file="", field="")
    rng = np.random.default_rng(0)
    params = {"macs_per_pe": rng.integers(1, 65, POINTS), "max_pes": rng.integers(1, 1025, POINTS),
              "pe_buffer_words": 2 ** rng.integers(12, 16, POINTS),
              "bram_fraction_for_buffers": rng.choice([0.25, 0.5, 0.75, 1.0], POINTS)}
    if all_distinct:  # no two points share their layer costs: no reuse between points
        params["dram_efficiency"] = rng.uniform(0.5, 1.0, POINTS)
    return arch, workload, params


def batch_seconds(repeats: int = 9, all_distinct: bool = False) -> list[float]:
    from accelsim.engines.fpga import simulate_batch

    arch, workload, params = _setup(all_distinct)
    simulate_batch(arch, workload, params)  # warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        simulate_batch(arch, workload, params)
        times.append(time.perf_counter() - start)
    return times


def parallel_points_per_s(workers: int) -> tuple[float, list[float]]:
    """Every worker times its own repeats while all run at once; the aggregate is the sum of
    the workers' median rates."""
    with ProcessPoolExecutor(workers) as pool:
        per_worker = list(pool.map(batch_seconds, [15] * workers))
    rates = [POINTS / statistics.median(times) for times in per_worker]
    return sum(rates), rates


def end_to_end_seconds(repeats: int = 3) -> list[float]:
    exe = shutil.which("accelsim") or str(Path(sys.executable).with_name("accelsim"))
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(SPEC)
        for i in range(repeats):
            start = time.perf_counter()
            subprocess.run([exe, "sweep", str(spec), "--out", f"{tmp}/out{i}", "--no-progress"],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            rows = sum(1 for _ in Path(f"{tmp}/out{i}/points").glob("*.parquet"))
            assert rows == 16, rows
    return times


def point_by_point_per_s(spec: Path = ROOT / "sweeps/cluster_gtx1080.yaml",
                         repeats: int = 5) -> dict[str, list[float]]:
    """Points/s of the whole point-by-point evaluation, by wall time and by this process's
    CPU time (steadier on a shared machine), and of building each point's arch alone."""
    from accelsim.explore.evaluate import evaluate
    from accelsim.explore.space import Space
    from accelsim.spec.sweep import load_sweep

    sweep = load_sweep(spec)
    space = Space(sweep)
    params = space.points(0, space.size)
    points = space.size * len(sweep.workloads)
    rates = {"wall": [], "cpu": [], "arch_cpu": []}
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for workload in sweep.workloads:
            evaluate(sweep, workload, params)
        rates["wall"].append(points / (time.perf_counter() - wall))
        rates["cpu"].append(points / (time.process_time() - cpu))
        cpu = time.process_time()
        for i in range(space.size):
            sweep.with_arch_values({k: v[i] for k, v in params.items()})
        rates["arch_cpu"].append(space.size / (time.process_time() - cpu))
    return rates


if __name__ == "__main__":
    pbp = point_by_point_per_s()
    print("cluster study point by point, 1 process (medians): "
          f"{statistics.median(pbp['wall']):,.0f} points/s wall, "
          f"{statistics.median(pbp['cpu']):,.0f} points/s of CPU time; building the points' "
          f"archs alone: {statistics.median(pbp['arch_cpu']):,.0f} points/s of CPU time")
    single = [POINTS / t for t in batch_seconds()]
    print(f"fpga simulate_batch, 1 process: median {statistics.median(single):,.0f} points/s "
          f"(min {min(single):,.0f}, max {max(single):,.0f}; {POINTS:,} points x 5 conv layers)")
    worst = [POINTS / t for t in batch_seconds(all_distinct=True)]
    print(f"  same, every point with distinct layer costs (random dram_efficiency): median "
          f"{statistics.median(worst):,.0f} points/s")
    cores = os.cpu_count() or 1
    total, rates = parallel_points_per_s(cores)
    print(f"fpga simulate_batch, {cores} processes at once: {total:,.0f} points/s aggregate "
          f"(per-process medians {', '.join(f'{r:,.0f}' for r in rates)}; target >= 1e6)")
    wall = end_to_end_seconds()
    print(f"`accelsim sweep` of 1,048,576 points to Parquet: median {statistics.median(wall):.1f} s"
          f" (min {min(wall):.1f}, max {max(wall):.1f}; target <= 60 s)")
