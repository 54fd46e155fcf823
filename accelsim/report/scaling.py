"""Scaling tables of a cluster Result: one row per GPU count × encoding."""

from __future__ import annotations

from accelsim.report.table import render_json, render_rows

# column → (header, formatter)
SHOWN = {
    "gpus": ("GPUs", lambda v: f"{v:,}"),
    "nodes": ("nodes", lambda v: f"{v:,}"),
    "encoding": ("encoding", str),
    "iteration_s": ("iter ms", lambda v: f"{v * 1e3:,.1f}"),
    "compute_s": ("compute ms", lambda v: f"{v * 1e3:,.1f}"),
    "comm_s": ("comm ms", lambda v: f"{v * 1e3:,.1f}"),
    "exposed_comm_s": ("exposed ms", lambda v: f"{v * 1e3:,.1f}"),
    "comm_bytes_per_gpu": ("MB/GPU", lambda v: f"{v / 1e6:,.1f}"),
    "images_per_s": ("images/s", lambda v: f"{v:,.0f}"),
    "speedup_vs_1gpu": ("x 1 GPU", lambda v: f"{v:,.2f}"),
    "speedup_vs_fp32": ("x fp32", lambda v: f"{v:.2f}"),
    "bound": ("bound", str),
}


def scaling_rows(result) -> list[dict]:
    return [{"gpus": r.extra["gpus"], "nodes": r.extra["nodes"],
             "encoding": r.extra["encoding"], "iteration_s": r.seconds,
             **{k: r.extra[k] for k in ("compute_s", "comm_s", "exposed_comm_s",
                                         "comm_bytes_per_gpu", "images_per_s",
                                         "speedup_vs_1gpu", "speedup_vs_fp32")},
             "bound": r.bound} for r in result.layers]


def render(result, fmt: str) -> str:
    if fmt == "json":
        return render_json(result)
    return render_rows(result, scaling_rows(result), fmt, SHOWN, list(result.notes),
                       total_row=False)
