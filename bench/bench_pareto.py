"""Benchmark: Pareto fronts of 10^6 points (target: 3 objectives in under 2 s), median of
repeats after one warm-up call (numba's compiled sweep is cached on disk), on i.i.d. uniform
points and on sweep-like integer objectives with many ties.

    python bench/bench_pareto.py [--points 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from timing import timed

from accelsim.explore.pareto import pareto_mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.points
    sets = {
        "uniform": rng.random((n, 3)),
        "ties": np.column_stack([rng.random(n), rng.integers(1, 2800, n),
                                 rng.integers(1, 2060, n)]).astype(float),
    }
    print(f"{n:,} points, median of {args.repeats}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    for name, values in sets.items():
        for k in (2, 3):
            pareto_mask(values[:1000, :k])  # compile or load the cached kernel
            seconds = timed(lambda: pareto_mask(values[:, :k]), args.repeats)
            front = int(pareto_mask(values[:, :k]).sum())
            print(f"  {name:8s} {k} objectives: {seconds:6.3f} s  ({front:,} on the front)")


if __name__ == "__main__":
    main()
