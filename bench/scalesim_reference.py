"""Reference data from SCALE-Sim itself (the cycle-level simulator the systolic engine follows).

Two steps, two interpreters (SCALE-Sim is not a project dependency):

1. ``python bench/scalesim_reference.py shapes`` (project venv): writes the unique GEMM shapes of
   AlexNet (``workloads/alexnet_dense.json``) and ResNet-50 (``accelsim.traces.zoo``) as SCALE-Sim
   topology rows to ``tests/data/scalesim/layers.csv``. SCALE-Sim has no padding and no groups:
   each row's ifmap is the *padded* input (cropped to what the windows use, see ``shape_row``)
   and its channels/filters are *one group's*, so the GEMM SCALE-Sim builds is exactly the
   engine's per-group GEMM.
2. ``python bench/scalesim_reference.py run CFG...`` (a venv with ``pip install scalesim``): runs
   every row of ``layers.csv`` on each config, one layer per process (SCALE-Sim's memory grows
   with the layer), and appends its report figures to ``tests/data/scalesim/results.csv``
   (rows already there are skipped, so the run resumes). ``--max-seconds`` skips a layer whose
   run exceeds it (recorded as ``status=timeout``).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "scalesim"
LAYERS = DATA / "layers.csv"
RESULTS = Path(os.environ.get("SCALESIM_RESULTS", DATA / "results.csv"))
LAYER_FIELDS = ["shape", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "filters",
                "stride"]
RESULT_FIELDS = ["config", "shape", "status", "compute_cycles", "total_cycles",
                 "total_cycles_incl_prefetch", "stall_cycles", "mapping_efficiency_pct",
                 "compute_util_pct", "ifmap_sram_reads", "filter_sram_reads",
                 "ofmap_sram_writes", "ifmap_dram_reads", "filter_dram_reads",
                 "ofmap_dram_writes", "seconds", "max_rss_bytes"]


def shape_row(layer) -> dict:
    """A layer as SCALE-Sim sees it: one group, square stride, and the padded ifmap cropped to
    the rows and columns the windows use, ``(out − 1)·stride + kernel``: SCALE-Sim sizes its
    ofmap as ⌈(in − kernel + stride)/stride⌉, one more than the layer's where the stride does
    not divide ``in − kernel``."""
    if layer.kind == "conv":
        (kh, kw), (oh, ow) = layer.kernel, layer.out_hw
        assert layer.stride[0] == layer.stride[1]
        h, w = (oh - 1) * layer.stride[0] + kh, (ow - 1) * layer.stride[1] + kw
        row = [h, w, kh, kw, layer.in_channels // layer.groups,
               layer.out_channels // layer.groups, layer.stride[0]]
    else:  # fc: a 1x1 ifmap with in_features channels
        g = layer.gemm(1)
        row = [1, 1, 1, 1, g.k, g.m, 1]
    return dict(zip(LAYER_FIELDS, ["x".join(map(str, row)), *row]))


def write_shapes() -> None:
    sys.path.insert(0, str(ROOT))
    from accelsim.spec import load_workload
    from accelsim.traces import zoo

    layers = list(load_workload(ROOT / "workloads" / "alexnet_dense.json").layers)
    layers += list(zoo.network("resnet50").workload.layers)
    rows = {}
    for layer in layers:
        row = shape_row(layer)
        rows.setdefault(row["shape"], row)
    DATA.mkdir(parents=True, exist_ok=True)
    with open(LAYERS, "w", newline="") as f:
        writer = csv.DictWriter(f, LAYER_FIELDS)
        writer.writeheader()
        writer.writerows(rows.values())
    print(f"{len(rows)} unique shapes -> {LAYERS}")


def run_one(cfg_path: str, row: dict) -> dict:
    """One layer through SCALE-Sim's single_layer_sim (called in a child process)."""
    from scalesim.layout_utils import layouts
    from scalesim.scale_config import scale_config
    from scalesim.single_layer_sim import single_layer_sim
    from scalesim.topology_utils import topologies

    config = scale_config()
    config.read_conf_file(cfg_path)
    topo = topologies()
    topo.load_layer_params_from_list(row["shape"], [row["shape"]] + [
        row[k] for k in LAYER_FIELDS[1:]] + [row["stride"], 1, 1])
    topo.topo_calc_hyperparams()
    start = time.perf_counter()
    sim = single_layer_sim()
    sim.set_params(layer_id=0, config_obj=config, topology_obj=topo, layout_obj=layouts(),
                   verbose=False)
    sim.run()
    overall, total, stalls, _util, mapping, compute_util = sim.get_compute_report_items()
    detail = sim.get_detail_report_items()
    seconds = time.perf_counter() - start
    return {"status": "ok", "compute_cycles": total - stalls, "total_cycles": total,
            "total_cycles_incl_prefetch": overall, "stall_cycles": stalls,
            "mapping_efficiency_pct": mapping, "compute_util_pct": compute_util,
            "ifmap_sram_reads": detail[2], "filter_sram_reads": detail[5],
            "ofmap_sram_writes": detail[8], "ifmap_dram_reads": detail[11],
            "filter_dram_reads": detail[14], "ofmap_dram_writes": detail[17],
            "seconds": seconds,
            "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def run(configs: list[str], max_seconds: float, only: set[str] | None) -> None:
    rows = list(csv.DictReader(open(LAYERS)))
    done = set()
    if RESULTS.exists():
        done = {(r["config"], r["shape"]) for r in csv.DictReader(open(RESULTS))}
    else:
        with open(RESULTS, "w", newline="") as f:
            csv.DictWriter(f, RESULT_FIELDS).writeheader()
    for cfg in configs:
        name = Path(cfg).stem
        for row in rows:
            if (name, row["shape"]) in done or (only and row["shape"] not in only):
                continue
            try:
                out = subprocess.run([sys.executable, __file__, "one", cfg, json.dumps(row)],
                                     capture_output=True, text=True, timeout=max_seconds)
                result = (json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0
                          else {"status": f"failed rc={out.returncode}"})
            except subprocess.TimeoutExpired:
                result = {"status": "timeout"}
            with open(RESULTS, "a", newline="") as f:
                csv.DictWriter(f, RESULT_FIELDS).writerow(
                    {"config": name, "shape": row["shape"], **result})
            print(name, row["shape"], result.get("status"), result.get("seconds"), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "shapes":
        write_shapes()
    elif sys.argv[1] == "one":
        row = json.loads(sys.argv[3])
        print(json.dumps(run_one(sys.argv[2], {k: (v if k == "shape" else int(v))
                                                for k, v in row.items()})))
    else:
        args = sys.argv[2:]
        max_s = float(os.environ.get("MAX_SECONDS", "900"))
        only = set(os.environ["ONLY"].split(",")) if os.environ.get("ONLY") else None
        run(args, max_s, only)
