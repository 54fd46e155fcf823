"""Benchmark: the FPGA engine's time per layer on AlexNet (in-process, median of many
repeats). The cold start of `accelsim run` is measured by bench_startup.py."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    print(f"fpga engine: median {engine_s_per_layer() * 1e6:.1f} us per layer")
