"""Cluster scaling reports: the table (one row per GPU count × encoding) and the
throughput-vs-GPUs plot."""

from __future__ import annotations

from accelsim.report.table import Table, render_table, result_header


def scaling_rows(result) -> list[dict]:
    return [{"gpus": r.extra["gpus"], "nodes": r.extra["nodes"],
             "encoding": r.extra["encoding"], "iteration_s": r.seconds,
             **{k: r.extra[k] for k in ("compute_s", "comm_s", "exposed_comm_s",
                                         "comm_bytes_per_gpu", "images_per_s",
                                         "speedup_vs_1gpu", "speedup_vs_fp32")},
             "bound": r.bound} for r in result.layers]


# the default columns (nodes and the compute and communication times behind --wide)
COLUMNS = ("gpus", "encoding", "iteration_s", "exposed_comm_s", "comm_bytes_per_gpu",
           "images_per_s", "speedup_vs_1gpu", "speedup_vs_fp32", "bound")


def render(result, fmt: str, columns=None, wide: bool = False) -> str:
    table = Table(f"{result.workload} on {result.arch} ({result.engine} engine)",
                  scaling_rows(result), COLUMNS, list(result.notes),
                  header=result_header(result))
    return render_table(table, fmt, columns, wide)


def scaling_plot(result, path: str) -> None:
    """Images/s against GPUs, one line per encoding, log-log (like S000 Fig 4.5 / S001 Fig 10),
    with the ideal linear scaling of one fp32 GPU for reference. PNG or SVG by suffix."""
    from accelsim.report import style
    from accelsim.report.figures import new_figure, save_figure

    fig, ax = new_figure(figsize=style.size("single", 0.8))
    encodings = dict.fromkeys(r.extra["encoding"] for r in result.layers)
    for encoding in encodings:
        rows = [r for r in result.layers if r.extra["encoding"] == encoding]
        gpus = [r.extra["gpus"] for r in rows]
        ax.plot(gpus, [r.extra["images_per_s"] for r in rows], marker="o", ms=4, label=encoding)
    first = result.layers[0].extra
    one = first["images_per_s"] / first["speedup_vs_1gpu"] / first["speedup_vs_fp32"]
    gpus = sorted({r.extra["gpus"] for r in result.layers})
    ax.plot(gpus, [one * n for n in gpus], "k:", lw=1, label="linear (fp32, 1 GPU × N)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    style.plain_ticks(ax)
    ax.set_xlabel("GPUs")
    ax.set_ylabel("training throughput [images/s]")
    ax.set_title(style.wrap(f"{result.workload} on {result.arch}\n{result.notes[0]}", fig, 7),
                 fontsize=7)
    ax.legend()
    save_figure(fig, path)
