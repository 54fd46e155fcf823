"""Time-to-train reports: the table (one row per encoding × sparsity × batch per GPU × GPU
count, the fastest and cheapest marked) and the hours / GPU-hours vs GPUs plot."""

from __future__ import annotations

from accelsim.report.table import Table, render_table, result_header

COLUMNS = ("encoding", "sparsity", "batch_per_gpu", "gpus", "global_batch", "steps", "step_s",
           "hours", "gpu_hours", "bound", "mark")


def rows(result) -> list[dict]:
    return [{**{k: r.extra[k] for k in COLUMNS if k in r.extra}, "bound": r.bound,
             "mark": r.extra["mark"]} for r in result.layers]


def render(result, fmt: str, columns=None, wide: bool = False) -> str:
    lines = [f"fastest: {result.summary['fastest']}; cheapest: {result.summary['cheapest']}",
             *result.notes]
    table = Table(f"{result.workload} on {result.arch} ({result.engine} engine)",
                  rows(result), COLUMNS, lines, header=result_header(result))
    return render_table(table, fmt, columns, wide)


def _label(extra: dict, varied: list[str]) -> str:
    parts = {"encoding": extra["encoding"], "sparsity": f"{extra['sparsity']:.0%} sparse",
             "batch_per_gpu": f"{extra['batch_per_gpu']}/GPU"}
    return ", ".join(parts[k] for k in varied) or extra["encoding"]


def time_to_train_plot(result, path: str) -> None:
    """Hours (left) and GPU-hours (right) against GPUs, log-log, one line per encoding ×
    sparsity × batch per GPU; the fastest and cheapest points circled. PNG or SVG."""
    from accelsim.report import style
    from accelsim.report.figures import new_figure, save_figure

    fig, axes = new_figure(ncols=2, figsize=style.size("double", 0.42))
    keys = ("encoding", "sparsity", "batch_per_gpu")
    varied = [k for k in keys if len({r.extra[k] for r in result.layers}) > 1] or ["encoding"]
    lines = dict.fromkeys(tuple(r.extra[k] for k in keys) for r in result.layers)
    for index, line in enumerate(lines):
        rows_ = [r.extra for r in result.layers if tuple(r.extra[k] for k in keys) == line]
        gpus = [e["gpus"] for e in rows_]
        for ax, column in zip(axes, ("hours", "gpu_hours")):
            ax.plot(gpus, [e[column] for e in rows_], marker="o", ms=3,
                    color=style.COLORS[index % len(style.COLORS)],
                    label=_label(rows_[0], varied))
    for ax, column, mark in zip(axes, ("hours", "gpu_hours"), ("fastest", "cheapest")):
        for r in result.layers:
            if mark in r.extra["mark"]:
                ax.plot(r.extra["gpus"], r.extra[column], "o", ms=12, mfc="none", color="k",
                        label=mark)
        ax.set_xscale("log", base=2)
        values = [r.extra[column] for r in result.layers]
        if min(values) > 0 and max(values) / min(values) > 10:  # else a linear axis reads
            ax.set_yscale("log")
        style.plain_ticks(ax)
        ax.set_xlabel("GPUs")
        ax.legend()
    axes[0].set_ylabel("time to train [h]")
    axes[1].set_ylabel("cost [GPU-hours]")
    fig.suptitle(style.wrap(f"{result.workload} on {result.arch}: time to train "
                            f"({result.summary['steps_model']}, scheme "
                            f"{result.summary['scheme']})", fig))
    save_figure(fig, path)
