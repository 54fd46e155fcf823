"""Time-to-train reports: the table (one row per encoding × sparsity × batch per GPU × GPU
count, the fastest and cheapest marked) and the hours / GPU-hours vs GPUs plot."""

from __future__ import annotations

from accelsim.report.table import render_json, render_rows

# column → (header, formatter)
SHOWN = {
    "encoding": ("encoding", str),
    "sparsity": ("sparsity", lambda v: f"{v:.0%}"),
    "batch_per_gpu": ("batch/GPU", lambda v: f"{v:,}"),
    "gpus": ("GPUs", lambda v: f"{v:,}"),
    "global_batch": ("global batch", lambda v: f"{v:,}"),
    "steps": ("steps", lambda v: f"{v:,.0f}"),
    "step_s": ("step ms", lambda v: f"{v * 1e3:,.1f}"),
    "hours": ("hours", lambda v: f"{v:,.3g}"),
    "gpu_hours": ("GPU-hours", lambda v: f"{v:,.4g}"),
    "bound": ("bound", str),
    "mark": ("best", str),
}


def rows(result) -> list[dict]:
    return [{**{k: r.extra[k] for k in SHOWN if k in r.extra}, "bound": r.bound,
             "mark": r.extra["mark"]} for r in result.layers]


def render(result, fmt: str) -> str:
    if fmt == "json":
        return render_json(result)
    lines = [f"fastest: {result.summary['fastest']}; cheapest: {result.summary['cheapest']}",
             *result.notes]
    return render_rows(result, rows(result), fmt, SHOWN, lines, total_row=False)


def _label(extra: dict, varied: list[str]) -> str:
    parts = {"encoding": extra["encoding"], "sparsity": f"{extra['sparsity']:.0%} sparse",
             "batch_per_gpu": f"{extra['batch_per_gpu']}/GPU"}
    return ", ".join(parts[k] for k in varied) or extra["encoding"]


def time_to_train_plot(result, path: str) -> None:
    """Hours (left) and GPU-hours (right) against GPUs, log-log, one line per encoding ×
    sparsity × batch per GPU; the fastest and cheapest points circled. PNG or SVG."""
    from accelsim.report.figures import new_figure, save_figure

    fig, axes = new_figure(ncols=2, figsize=(10.5, 4.4), dpi=120)
    keys = ("encoding", "sparsity", "batch_per_gpu")
    varied = [k for k in keys if len({r.extra[k] for r in result.layers}) > 1] or ["encoding"]
    lines = dict.fromkeys(tuple(r.extra[k] for k in keys) for r in result.layers)
    for index, line in enumerate(lines):
        rows_ = [r.extra for r in result.layers if tuple(r.extra[k] for k in keys) == line]
        gpus = [e["gpus"] for e in rows_]
        for ax, column in zip(axes, ("hours", "gpu_hours")):
            ax.plot(gpus, [e[column] for e in rows_], marker="o", ms=3, color=f"C{index % 10}",
                    label=_label(rows_[0], varied))
    for ax, column, mark in zip(axes, ("hours", "gpu_hours"), ("fastest", "cheapest")):
        for r in result.layers:
            if mark in r.extra["mark"]:
                ax.plot(r.extra["gpus"], r.extra[column], "o", ms=12, mfc="none", color="k",
                        label=mark)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("GPUs")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("hours to train")
    axes[1].set_ylabel("GPU-hours")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    fig.suptitle(f"{result.workload} on {result.arch}: time to train "
                 f"({result.summary['steps_model']}, scheme {result.summary['scheme']})",
                 fontsize=9)
    save_figure(fig, path)
