"""Steps-to-result plots: measured steps vs batch per sparsity, log-log, with the fitted
K(B) curves and their critical batch sizes."""

from __future__ import annotations

import math

import numpy as np


def steps_plot(frame, model, path, *, title: str = "") -> None:
    """``frame``: columns sparsity, batch, steps; ``model``: a StepsModel with a curve per
    sparsity in the frame (dashed lines; a dotted vertical at each finite B_crit). ``path``
    with a suffix: that file; without: PNG and SVG."""
    from pathlib import Path

    from accelsim.report import style
    from accelsim.report.figures import new_figure, save_figure

    fig, ax = new_figure(figsize=style.size("single", 0.8))
    batches = np.geomspace(frame.batch.min() / 1.5, frame.batch.max() * 1.5, 200)
    for index, (sparsity, group) in enumerate(frame.groupby("sparsity")):
        colour = f"C{index}"
        ax.plot(group.batch, group.steps, "o", color=colour, label=f"{sparsity:.0%} sparse")
        curve = model.curve(sparsity)
        ax.plot(batches, curve.steps(batches), "--", color=colour, lw=1)
        crit = curve.critical_batch
        if math.isfinite(crit) and batches[0] <= crit <= batches[-1]:
            ax.axvline(crit, color=colour, ls=":", lw=1)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("steps to result K")
    ax.set_title(style.wrap(title, fig))
    style.plain_ticks(ax)
    from matplotlib.lines import Line2D

    handles = ax.get_legend_handles_labels()[0] + [
        Line2D([], [], color="0.4", ls="--", lw=1, label="Theorem 5.3.1 fit"),
        Line2D([], [], color="0.4", ls=":", lw=1, label="B_crit = 2T")]
    ax.legend(handles=handles)
    if Path(path).suffix:
        save_figure(fig, path)
    else:
        style.save(fig, path)
