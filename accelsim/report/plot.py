"""Plots (matplotlib, Agg backend): training throughput against GPU count."""

from __future__ import annotations


def scaling_plot(result, path: str) -> None:
    """Images/s against GPUs, one line per encoding, log-log (like S000 Fig 4.5 / S001 Fig 10),
    with the ideal linear scaling of one fp32 GPU for reference. PNG or SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
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
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
