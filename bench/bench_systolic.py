"""Speed of the systolic engine against SCALE-Sim, and of its batch path.

1. ResNet-50 (``workloads/resnet50.json``) on the 128×128 array of
   ``tests/data/scalesim/configs/sa128_*.cfg`` for ws, os and is: ``simulate`` in-process
   (median of ``--repeats``) and its peak Python memory (tracemalloc).
2. SCALE-Sim on the same case: the per-layer wall times and peak RSS that
   ``bench/scalesim_reference.py`` recorded (``tests/data/scalesim/results.csv``; one process
   per unique shape, so a shape repeated in ResNet-50 counts as often as it occurs). With
   ``--scalesim-python`` (a venv with ``pip install scalesim``) one layer is also run live in this
   run, next to the engine on the same layer. The fc layer is excluded on both sides when
   SCALE-Sim has no row for it.
3. ``simulate_batch``: ``--points`` random designs (rows and columns 8…256 independently, ifmap
   and filter SRAM 64 KiB…16 MiB, ofmap 64 KiB…4 MiB, dataflow ws/os/is) on ResNet-50, points
   per second on one core: median of ``--batch-repeats`` calls, on the wall clock and on this
   process's CPU time (what a shared machine leaves it).

Timings on a shared machine are noisy: medians of repeats (``bench/timing.py``); run it under
``nice`` there and read the CPU-time rate.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scalesim_reference import LAYERS, RESULTS, shape_row  # noqa: E402
from timing import timed  # noqa: E402

from accelsim.engines import systolic as sy  # noqa: E402
from accelsim.model import Gemm, Workload  # noqa: E402
from accelsim.spec import load_workload  # noqa: E402
from tests.engines.test_systolic import _scalesim_arch  # noqa: E402


def engine_case(workload: Workload, repeats: int) -> dict:
    out = {}
    for df in sy.DATAFLOWS:
        arch = _scalesim_arch(f"sa128_{df}")
        sy.simulate(arch, workload, {})  # compile / warm
        seconds = timed(lambda: sy.simulate(arch, workload, {}), repeats)
        tracemalloc.start()
        sy.simulate(arch, workload, {})
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out[df] = {"seconds": seconds, "peak_bytes": peak}
    return out


def scalesim_recorded(workload: Workload) -> tuple[dict, set]:
    """SCALE-Sim's recorded time and peak RSS per dataflow over the ResNet-50 layers whose
    shape it ran for all three dataflows; and the shapes left out."""
    counts = Counter(shape_row(layer)["shape"] for layer in workload.layers)
    rows = {(r["config"], r["shape"]): r for r in csv.DictReader(open(RESULTS))
            if r["status"] == "ok"}
    have = {s for s in counts if all((f"sa128_{df}", s) in rows for df in sy.DATAFLOWS)}
    out = {}
    for df in sy.DATAFLOWS:
        ran = [rows[(f"sa128_{df}", s)] for s in have]
        out[df] = {"seconds": sum(float(r["seconds"]) * counts[r["shape"]] for r in ran),
                   "peak_rss_bytes": max((int(r["max_rss_bytes"]) for r in ran), default=0),
                   "layers": sum(counts[s] for s in have)}
    return out, set(counts) - have


def live_layer(python: str, shape: str) -> dict:
    """SCALE-Sim on one shape, now, in a child process; and the engine on the same layer."""
    row = next(r for r in csv.DictReader(open(LAYERS)) if r["shape"] == shape)
    cfg = ROOT / "tests/data/scalesim/configs/sa128_ws.cfg"
    proc = subprocess.run([python, str(ROOT / "bench/scalesim_reference.py"), "one", str(cfg),
                           json.dumps(row)], capture_output=True, text=True, check=True)
    scalesim = json.loads(proc.stdout.strip().splitlines()[-1])
    arch = _scalesim_arch("sa128_ws")
    gemm = sy.Mapping(Gemm(1, int(row["filters"]), int(row["filter_h"]) * int(row["filter_w"])
                           * int(row["channels"]), ((int(row["ifmap_h"]) - int(row["filter_h"]))
                                                    // int(row["stride"]) + 1) ** 2), 1.0, 0)
    engine = timed(lambda: sy.run_mapping(arch.config, gemm, "ws"), 100)
    return {"shape": shape, "scalesim_s": scalesim["seconds"],
            "scalesim_rss_bytes": scalesim["max_rss_bytes"], "engine_s": engine}


def batch_speed(workload: Workload, points: int, repeats: int) -> tuple[float, float]:
    """Design points per wall second and per CPU second (medians of ``repeats``)."""
    arch = _scalesim_arch("sa128_ws")
    rng = np.random.default_rng(0)
    params = {"rows": rng.integers(8, 257, points), "cols": rng.integers(8, 257, points),
              "ifmap_sram_bytes": 2 ** rng.integers(16, 25, points),
              "filter_sram_bytes": 2 ** rng.integers(16, 25, points),
              "ofmap_sram_bytes": 2 ** rng.integers(16, 23, points),
              "dataflow": rng.choice(np.array(sy.DATAFLOWS, dtype=object), points)}
    sy.simulate_batch(arch, workload, {k: v[:8] for k, v in params.items()})  # compile
    def run():
        return sy.simulate_batch(arch, workload, params)
    return points / timed(run, repeats), points / timed(run, repeats, time.process_time)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--batch-repeats", type=int, default=7)
    ap.add_argument("--scalesim-python", default=None)
    ap.add_argument("--live-shape", default="7x7x1x1x2048x512x1")
    args = ap.parse_args()
    workload = load_workload(ROOT / "workloads" / "resnet50.json")
    recorded, missing = scalesim_recorded(workload)
    compared = Workload(workload.name, workload.source, workload.batch, tuple(
        layer for layer in workload.layers if shape_row(layer)["shape"] not in missing))
    engine = engine_case(compared, args.repeats)
    total_engine = sum(e["seconds"] for e in engine.values())
    total_scalesim = sum(r["seconds"] for r in recorded.values())
    print(f"ResNet-50 on 128x128, {len(compared.layers)} of {len(workload.layers)} layers "
          f"(SCALE-Sim has no row for: {', '.join(sorted(missing)) or 'none'})")
    for df in sy.DATAFLOWS:
        print(f"  {df}: engine {engine[df]['seconds'] * 1e3:.2f} ms (peak "
              f"{engine[df]['peak_bytes'] / 1e6:.2f} MB traced) | SCALE-Sim "
              f"{recorded[df]['seconds']:.0f} s recorded for {recorded[df]['layers']} layers "
              f"(peak RSS {recorded[df]['peak_rss_bytes'] / 1e9:.2f} GB per layer process)")
    print(f"  all three dataflows: engine {total_engine * 1e3:.2f} ms, SCALE-Sim "
          f"{total_scalesim:.0f} s: ratio {total_scalesim / total_engine:,.0f}x")
    if args.scalesim_python:
        live = live_layer(args.scalesim_python, args.live_shape)
        print(f"  live, one layer {live['shape']} ws: SCALE-Sim {live['scalesim_s']:.1f} s "
              f"({live['scalesim_rss_bytes'] / 1e9:.2f} GB RSS), engine "
              f"{live['engine_s'] * 1e6:.1f} us: ratio {live['scalesim_s'] / live['engine_s']:,.0f}x")
    wall, cpu = batch_speed(workload, args.points, args.batch_repeats)
    print(f"simulate_batch: {cpu:,.0f} design points per CPU-second, {wall:,.0f} per wall "
          f"second (ResNet-50, {args.points:,} random points, one core, medians of "
          f"{args.batch_repeats})")


if __name__ == "__main__":
    main()
