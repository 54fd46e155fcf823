"""Speed of the sparse engines: python bench/bench_sparse.py (prints medians of 5 runs).

EIE: the nine Table III layers together (target ≤ 1 s). SCNN: VGG-16's 13 conv layers at
30–40 % densities (target ≤ 10 s). Non-zero MACs per second = simulated effective MACs over
wall time. Runs once first so that numba's compilation is not timed.
"""

import statistics
import time
from pathlib import Path

from accelsim.registry import simulate
from accelsim.spec import load_arch, load_workload

ROOT = Path(__file__).resolve().parent.parent
CASES = (("eie", "archs/eie.yaml", "workloads/eie_benchmarks.json", 1.0),
         ("scnn", "archs/scnn.yaml", "workloads/vgg16_conv_sparse.json", 10.0))


def main(repeats: int = 5) -> None:
    for name, arch_file, workload_file, budget_s in CASES:
        arch, workload = load_arch(ROOT / arch_file), load_workload(ROOT / workload_file)
        result = simulate(arch, workload)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            simulate(arch, workload)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        macs = result.totals()["effective_macs"]
        print(f"{name}: {workload.name} median {median:.3f} s (budget {budget_s:g} s, "
              f"{'ok' if median <= budget_s else 'OVER'}), {macs:,} non-zero MACs, "
              f"{macs / median:,.0f} MACs/s")


if __name__ == "__main__":
    main()
