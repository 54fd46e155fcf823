"""Cluster scaling reports: the table (one row per GPU count × encoding) and the
throughput-vs-GPUs plot."""

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


def scaling_plot(result, path: str) -> None:
    """Images/s against GPUs, one line per encoding, log-log (like S000 Fig 4.5 / S001 Fig 10),
    with the ideal linear scaling of one fp32 GPU for reference. PNG or SVG by suffix."""
    from accelsim.report.figures import new_figure, save_figure

    fig, ax = new_figure(figsize=(6.4, 4.4), dpi=120)
    encodings = dict.fromkeys(r.extra["encoding"] for r in result.layers)
    for encoding in encodings:
        rows = [r for r in result.layers if r.extra["encoding"] == encoding]
        gpus = [r.extra["gpus"] for r in rows]
        ax.plot(gpus, [r.extra["images_per_s"] for r in rows], marker="o", ms=4, label=encoding)
    first = result.layers[0].extra
    one = first["images_per_s"] / first["speedup_vs_1gpu"] / first["speedup_vs_fp32"]
    gpus = sorted({r.extra["gpus"] for r in result.layers})
    ax.plot(gpus, [one * n for n in gpus], "k:", lw=1, label="linear (fp32, 1 GPU x N)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("GPUs")
    ax.set_ylabel("training throughput (images/s)")
    ax.set_title(f"{result.workload} on {result.arch}\n{result.notes[0]}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path)
