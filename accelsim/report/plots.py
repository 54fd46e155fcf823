"""Pareto plots of a sweep (matplotlib, Agg): PNG and SVG.

All feasible points are drawn faint (one colour per workload, duplicates merged and
rasterised so the SVG stays small), the frontier on top, connected as a staircase, and a few
frontier points are labelled with their parameters. With a third objective the frontier
markers are coloured by it and the staircase follows the (x, y) part of the frontier. Axes carry units and go logarithmic when the data spans more
than two decades.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accelsim.explore.pareto import pareto_mask

_LABELS = {
    "latency_s": "latency per batch [s]", "seconds": "time per batch [s]",
    "images_per_s": "throughput [images/s]", "dsp_used": "DSP slices used",
    "bram18_used": "BRAM18 blocks used", "energy_j": "energy per batch [J]",
    "utilization": "utilization [fraction of peak]", "dram_bytes": "DRAM traffic [bytes]",
    "pes": "PEs", "cycles": "cycles", "gpus": "GPUs",
    "gpu_s_per_image": "cost: GPU-seconds per image [s]",
}
_UNITS = (("_per_s", "1/s"), ("_bytes", "bytes"), ("_hz", "Hz"), ("_j", "J"), ("_s", "s"),
          ("_usd", "USD"), ("_w", "W"))


def axis_label(column: str) -> str:
    """A readable label with the unit its name carries (``_s`` → s, ``_j`` → J, ...)."""
    if column in _LABELS:
        return _LABELS[column]
    for suffix, unit in _UNITS:
        if column.endswith(suffix):
            return f"{column[: -len(suffix)].replace('_', ' ')} [{unit}]"
    return column.replace("_", " ")


def _log_helps(values: np.ndarray) -> bool:
    values = values[np.isfinite(values)]
    return len(values) > 1 and values.min() > 0 and values.max() / values.min() > 100


def _short(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.3g}"
    return str(value)


def _label(ax, row, x: str, y: str, parameters: list[str], color, stagger: int) -> None:
    """Annotate a frontier point with its parameters, the text pointing into the axes."""
    fx, fy = ax.transLimits.transform(ax.transScale.transform((row[x], row[y])))
    dx = -1 if fx > 0.55 else 1
    dy = -1 if fy > 0.55 else 1
    pairs = [f"{p.removeprefix('options.')}={_short(row[p])}" for p in parameters]
    text = "\n".join(", ".join(pairs[i:i + 2]) for i in range(0, len(pairs), 2))
    ax.annotate(text, (row[x], row[y]),
                xytext=(dx * 18, dy * (18 + 34 * stagger)), textcoords="offset points",
                ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top",
                fontsize=7, color=color, arrowprops={"arrowstyle": "-", "color": color,
                                                     "lw": 0.6},
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "alpha": 0.85,
                      "lw": 0.5})


def pareto_plot(frame, feasible: np.ndarray, front: np.ndarray, *, x: str, y: str,
                z: str | None, parameters: list[str], title: str, out_stem: str | Path,
                maximize: tuple[bool, bool] = (False, False)) -> list[Path]:
    """Draw ``frame``'s feasible rows and frontier rows (masks) and write PNG + SVG. The
    staircase joins the frontier points that are also non-dominated in (x, y) alone (with
    ``maximize`` per axis), the way the best attainable y changes along x."""
    from accelsim.report.figures import new_figure, save_figure

    fig, ax = new_figure(figsize=(9, 6), layout="constrained")
    import matplotlib.pyplot as plt

    shown = frame[feasible]
    for axis, column in (("x", x), ("y", y)):
        if _log_helps(shown[column].to_numpy(dtype=float)):
            getattr(ax, f"set_{axis}scale")("log")
    colors = plt.get_cmap("tab10").colors
    zs = frame.loc[front, z].to_numpy(dtype=float) if z else None
    norm = plt.Normalize(np.nanmin(zs), np.nanmax(zs)) if z and len(zs) else None
    labelled = []
    groups = frame["workload_index"].nunique()
    labels_per_workload = 3 if groups < 3 else 2
    dense = len(frame) > 20_000  # many points: small and faint
    for i, (_, group) in enumerate(frame.groupby("workload_index", sort=True)):
        color = colors[i % len(colors)]
        workload = group["workload"].iloc[0]
        cloud = np.unique(group.loc[feasible[group.index], [x, y]].to_numpy(dtype=float),
                          axis=0)
        ax.scatter(cloud[:, 0], cloud[:, 1], s=3 if dense else 9, color=color,
                   alpha=0.12 if dense else 0.3, linewidths=0,
                   rasterized=True, label=f"{workload}: {int(feasible[group.index].sum()):,} "
                                          f"feasible of {len(group):,}")
        best = group[front[group.index]].sort_values([x, y])
        line = best[pareto_mask(best[[x, y]].to_numpy(dtype=float), maximize)]
        ax.plot(line[x], line[y], drawstyle="steps-pre" if maximize[0] else "steps-post", color=color, linewidth=1.5,
                label=f"{workload}: frontier ({len(best)} designs)")
        ax.scatter(best[x], best[y], s=22, zorder=3, edgecolors=color, linewidths=1.2,
                   c=best[z] if z else [color], cmap="viridis" if z else None, norm=norm)
        picks = np.unique(np.linspace(0, len(best) - 1, labels_per_workload).round()
                          .astype(int)) if len(best) else []
        labelled += [(best.iloc[k], color, i) for k in picks]
    ax.autoscale_view()
    for row, color, i in labelled:
        _label(ax, row, x, y, parameters, color, i)
    if z and norm is not None:
        fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap="viridis"), ax=ax,
                     label=f"frontier marker colour: {axis_label(z)}")
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="best", markerscale=3)
    paths = [Path(f"{out_stem}.png"), Path(f"{out_stem}.svg")]
    save_figure(fig, *paths, dpi=150)
    return paths
