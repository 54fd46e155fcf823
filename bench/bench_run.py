"""Benchmark: cold `accelsim run archs/vc707.yaml workloads/alexnet_ssl.json` wall time
(median of 5 fresh processes; target ≤ 1.0 s on the 2-core machine) and the FPGA engine's
time per layer (in-process, median of many repeats)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["run", "archs/vc707.yaml", "workloads/alexnet_ssl.json"]


def cold_run_s(repeats: int = 5) -> list[float]:
    exe = shutil.which("accelsim") or str(Path(sys.executable).with_name("accelsim"))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([exe, *ARGS], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def engine_s_per_layer(repeats: int = 200) -> float:
    from accelsim import load_arch, load_workload, simulate

    arch = load_arch(ROOT / "archs/vc707.yaml")
    workload = load_workload(ROOT / "workloads/alexnet_ssl.json")
    simulate(arch, workload)  # warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        simulate(arch, workload)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(workload.layers)


if __name__ == "__main__":
    cold = cold_run_s()
    print(f"cold `accelsim {' '.join(ARGS)}`: median {statistics.median(cold):.3f} s "
          f"(min {min(cold):.3f}, max {max(cold):.3f}; target <= 1.0 s)")
    print(f"fpga engine: median {engine_s_per_layer() * 1e6:.1f} us per layer")
