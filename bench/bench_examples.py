"""Benchmark: wall time of the README's example scripts, as a user runs them (fresh
processes, median of ``--repeats``), the source of every run-time claim the docs make about
them. Outputs go to a temporary folder; the load average is printed beside the times
because they are measured on a shared machine.

    python bench/bench_examples.py [--repeats 3] [--only lenet]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHS = ["archs/vc707.yaml", "archs/xeon_e5_2630_1thread.yaml", "archs/scnn.yaml"]
EXAMPLES = {  # name → the README's command (outputs redirected into OUT)
    "lenet": ["examples/lenet_digits_ssl.py", *ARCHS, "-o", "{out}/lenet.json"],
    "steps_quick": ["examples/steps_to_result_digits.py", "--quick", "-o", "{out}/steps"],
}


def wall_s(args: list[str], repeats: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, *(a.format(out=out) for a in args)]
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=sorted(EXAMPLES), action="append")
    args = parser.parse_args()
    for name in args.only or EXAMPLES:
        load = os.getloadavg()[0]
        times = wall_s(EXAMPLES[name], args.repeats)
        print(f"{name:12s} median {statistics.median(times):6.1f} s  min {min(times):6.1f} s  "
              f"({args.repeats} runs; load average {load:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
