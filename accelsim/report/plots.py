"""Pareto plots of a sweep (matplotlib, report style): PNG and SVG.

Two objectives: one panel; every feasible design drawn faint (one colour per workload,
rasterised so the SVG stays small; designs within half a point of one already drawn are
not drawn again, which looks the same under markers of 1.4 pt or more and bounds the cost
of 10^6 designs by the figure's size) and the front on top as a staircase (the best y
attainable up to each x). Three objectives: one panel per workload (small multiples on
shared axes), the feasible designs grey (thinned alike) and the front's designs a
scatter coloured by the third objective (viridis, scaled to the front: a 3-objective front
projected on two axes is not a staircase). Axis labels and units come from
``report.units``; an axis goes logarithmic when its values span more than two decades. A
few front designs get a number (the two ends and the knee, skipped where the number would
overlap another), explained by a numbered key under the plot with their parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accelsim.explore.pareto import pareto_mask
from accelsim.report import units

_MARKERS = "os^Dv<>p"
_CELL_PT = 0.5  # grid of the drawn feasible designs, in points (the smallest marker: 1.4)


def pareto_title(name: str, columns: list[str], goals: list[str]) -> str:
    """``vc707_fp32: Pareto front, minimising latency and DSPs used``."""
    def words(labels):
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    parts = [f"{verb} {words([units.column(c).label for c, g in zip(columns, goals) if g == goal])}"
             for goal, verb in (("min", "minimising"), ("max", "maximising"))
             if goal in goals]
    return f"{name}: Pareto front, " + "; ".join(parts)


def _log_helps(values: np.ndarray) -> bool:
    values = values[np.isfinite(values)]
    return len(values) > 1 and values.min() > 0 and values.max() / values.min() > 100


def _pick(best, x: str, y: str, log: tuple[bool, bool]) -> list[int]:
    """Positions in ``best`` (sorted by x) worth a number: both ends and the knee (the
    design nearest the ideal corner in axes scaled to [0, 1])."""
    if len(best) <= 2:
        return list(range(len(best)))
    xy = np.array(best[[x, y]], dtype=float)  # a copy: logged in place
    for i, is_log in enumerate(log):
        if is_log:
            xy[:, i] = np.log10(xy[:, i])
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1.0
    scaled = (xy - xy.min(axis=0)) / span
    corner = np.array([0.0 if scaled[0, 0] <= scaled[-1, 0] else 1.0,
                       scaled[:, 1].min() if scaled[0, 1] > scaled[-1, 1] else
                       scaled[:, 1].max()])
    knee = int(np.argmin(np.hypot(*(scaled - corner).T)))
    return list(dict.fromkeys([0, knee, len(best) - 1]))


def _number_points(ax, picks, taken: list[np.ndarray], start: int) -> list[int]:
    """Write the numbers start, start+1, ... beside the picked points (data coordinates,
    colour) unless one would land within 14 pixels of a number already drawn; returns the
    picks drawn (their index in ``picks``)."""
    import matplotlib.patheffects as pe

    drawn = []
    for k, (px, py, color) in enumerate(picks):
        at = ax.transData.transform((px, py))
        if any(np.hypot(*(at - t)) < 14 for t in taken):
            continue
        taken.append(at)
        ax.annotate(str(start + len(drawn)), (px, py), xytext=(4, 4),
                    textcoords="offset points", fontsize=7, fontweight="bold", color=color,
                    path_effects=[pe.withStroke(linewidth=2, foreground="white")], zorder=5)
        drawn.append(k)
    return drawn


def _thinned(points: np.ndarray, lo: np.ndarray, hi: np.ndarray, log: tuple[bool, bool],
             cells: tuple[int, int]) -> np.ndarray:
    """``points`` (x, y rows) less those in a cell of a ``cells`` grid over [lo, hi] (in
    the axes' scale) that holds an earlier one: with cells under a marker's width the
    drawing looks the same, and costs at most one marker per cell however many designs."""
    if len(points) == 0:
        return points
    at = np.array(points, dtype=float)
    edges = np.array([lo, hi], dtype=float)
    for i, is_log in enumerate(log):
        if is_log:
            at[:, i], edges[:, i] = np.log10(at[:, i]), np.log10(edges[:, i])
    span = edges[1] - edges[0]
    span[span == 0] = 1.0
    n = np.array(cells)
    index = np.clip(((at - edges[0]) / span * n).astype(np.int64), 0, n - 1)
    return points[np.sort(np.unique(index[:, 0] * n[1] + index[:, 1], return_index=True)[1])]


def _setting(name: str, value) -> str:
    """A parameter in the key: a word value alone (``ws``), a number with its label."""
    return value if isinstance(value, str) else units.describe(name, value)


def pareto_plot(frame, feasible: np.ndarray, front: np.ndarray, *, x: str, y: str,
                z: str | None, parameters: list[str], title: str, out_stem: str | Path,
                maximize: tuple[bool, bool] = (False, False)) -> list[Path]:
    """Draw ``frame``'s feasible rows and front rows (masks) and write PNG + SVG."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.lines import Line2D

    from accelsim.report import style
    from accelsim.report.figures import new_figure

    # row positions per workload; columns taken as arrays (no copy of the other columns)
    groups = [np.asarray(rows) for rows in
              frame.groupby("workload_index", sort=True).indices.values()]
    panels = len(groups) if z else 1
    xs, ys = (frame[c].to_numpy(dtype=float) for c in (x, y))
    ux = units.scaled(x, xs[feasible])[0]
    uy = units.scaled(y, ys[feasible])[0]
    sx, sy = (ux.size if ux else 1.0), (uy.size if uy else 1.0)
    log = (_log_helps(xs[feasible]), _log_helps(ys[feasible]))
    width = style.DOUBLE_COLUMN_IN
    height = width * (0.5 if panels == 1 else 0.4)
    keys = 3 * len(groups)  # numbered designs at most, listed under the plot
    fig, axes = new_figure(ncols=panels, sharex=True, sharey=True, squeeze=False,
                           figsize=(width, height + 0.12 * keys + 0.25))
    axes = axes[0]
    norm, uz = None, None
    if z:
        zs = frame.loc[front, z].to_numpy(dtype=float)
        uz = units.scaled(z, zs)[0]
        zs = zs / (uz.size if uz else 1.0)
        lo, hi = (np.nanmin(zs), np.nanmax(zs)) if len(zs) else (0.0, 1.0)
        norm = LogNorm(lo, hi) if lo > 0 and hi / lo > 100 else Normalize(lo, hi)
    # the feasible designs drawn: one per cell of _CELL_PT (under the smallest marker)
    lo = np.array([np.nanmin(v[feasible]) if feasible.any() else 0.0 for v in (xs, ys)])
    hi = np.array([np.nanmax(v[feasible]) if feasible.any() else 0.0 for v in (xs, ys)])
    cells = (int(72 * width / panels / _CELL_PT), int(72 * height / _CELL_PT))
    dense = len(frame) > 20_000  # many designs: small and faint
    picks, handles = [], []
    for i, rows in enumerate(groups):
        ax = axes[i if z else 0]
        color = style.COLORS[i % len(style.COLORS)]
        workload = frame["workload"].iat[rows[0]]
        ok = rows[feasible[rows]]
        cloud = _thinned(np.column_stack([xs[ok], ys[ok]]), lo, hi, log, cells)
        ax.scatter(cloud[:, 0] / sx, cloud[:, 1] / sy, s=2 if dense else 6,
                   color="0.6" if z else color, alpha=0.15 if dense else 0.35,
                   linewidths=0, rasterized=True)
        best = frame.iloc[rows[front[rows]]].sort_values([x, y])
        bx, by = best[x].to_numpy(dtype=float) / sx, best[y].to_numpy(dtype=float) / sy
        if z:
            ax.scatter(bx, by, c=best[z].to_numpy(dtype=float) / (uz.size if uz else 1.0),
                       cmap=style.SEQUENTIAL, norm=norm, s=16, marker=_MARKERS[i % 8],
                       edgecolors="black", linewidths=0.3, zorder=3)
            ax.set_title(f"{workload}: {len(best)} front designs of {len(ok):,} "
                         "feasible", fontsize=8)
        else:
            line = best[pareto_mask(best[[x, y]].to_numpy(dtype=float), maximize)]
            ax.plot(line[x] / sx, line[y] / sy, color=color, linewidth=1.2,
                    drawstyle="steps-pre" if maximize[0] else "steps-post", zorder=2)
            ax.scatter(bx, by, s=14, color=color, zorder=3, linewidths=0)
            handles.append(Line2D([], [], color=color, marker="o", ms=3.5, lw=1.2,
                                  label=f"{workload}: front of {len(best)}; "
                                        f"{len(ok):,} of {len(rows):,} feasible"))
        picks.append((ax, best, color, [(bx[k], by[k], color) for k in
                                        _pick(best, x, y, log)]))
    for ax in axes:
        if log[0]:
            ax.set_xscale("log")
        if log[1]:
            ax.set_yscale("log")
        ax.set_xlabel(units.axis_label(x, ux))
        ax.grid(True, which="major", alpha=0.3)
        style.plain_ticks(ax)
    axes[0].set_ylabel(units.axis_label(y, uy))
    if handles:
        axes[0].legend(handles=handles, loc="best", framealpha=0.85, frameon=True,
                       edgecolor="none")
    if z:
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=style.SEQUENTIAL),
                           ax=list(axes), label=f"front designs' {units.axis_label(z, uz)}",
                           shrink=0.9, pad=0.02)
        style.plain_ticks(bar.ax)
    fig.suptitle(style.wrap(title, fig))
    for ax in axes:
        ax.autoscale_view()
    fig.draw_without_rendering()  # lay out once, so numbers are placed in final pixels
    key, taken = [], {id(ax): [] for ax in axes}
    for ax, best, color, points in picks:
        drawn = _number_points(ax, points, taken[id(ax)], len(key) + 1)
        rows = [best.iloc[_pick(best, x, y, log)[k]] for k in drawn]
        swept = {p.removeprefix("options.") for p in parameters}
        objectives = [c for c in (x, y, z) if c and c not in swept]
        key += [f"{len(key) + n + 1}  {best['workload'].iloc[0]}: "
                + ", ".join(_setting(p, row[p]) for p in parameters) + " → "
                + ", ".join(units.describe(c, row[c]) for c in objectives)
                for n, row in enumerate(rows)]
    if key:
        fig.legend(handles=[Line2D([], [], lw=0)] * len(key), labels=key,
                   loc="outside lower left", handlelength=0, handletextpad=0, fontsize=6,
                   title="numbered designs: parameters → objectives", title_fontsize=6.5,
                   alignment="left", labelspacing=0.25)
    fig.get_layout_engine().execute(fig)  # the final layout, once for both files
    fig.set_layout_engine("none")
    paths = [Path(f"{out_stem}.png"), Path(f"{out_stem}.svg")]
    style.save(fig, out_stem)
    return paths
