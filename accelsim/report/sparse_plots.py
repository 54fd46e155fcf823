"""Plots of the sparse-engine studies (EIE FIFO depth and PE count, SCNN density) from the
rows ``accelsim.explore.sparse_studies`` returns, in the report style (PNG and SVG)."""

from __future__ import annotations

from accelsim.report import style
from accelsim.report.figures import new_figure


def _figure():
    return new_figure(figsize=style.size("single", 0.72))


def plot_eie_fifo(rows, stem, title) -> None:
    fig, ax = _figure()
    ax.semilogx([r["fifo_depth"] for r in rows], [100 * r["load_efficiency"] for r in rows],
                "o-", base=2)
    ax.set(xlabel="activation FIFO depth", ylabel="load efficiency [%]",
           title=style.wrap(title, fig), ylim=(0, 100))
    style.plain_ticks(ax)
    style.save(fig, stem)


def plot_eie_pes(rows, stem, title) -> None:
    fig, ax = _figure()
    x = [r["pes"] for r in rows]
    ax.loglog(x, [r["speedup"] for r in rows], "o-", base=2, label="simulated")
    ax.loglog(x, x, "--", base=2, color="0.5", lw=1, label="linear")
    ax.set(xlabel="PEs", ylabel="speedup over 1 PE [×]", title=style.wrap(title, fig))
    style.plain_ticks(ax)
    ax.legend()
    style.save(fig, stem)


def plot_scnn_density(rows, stem, title) -> None:
    fig, ax = _figure()
    x = [100 * r["density"] for r in rows]
    ax.semilogy(x, [r["speedup"] for r in rows], "o-", label="speed")
    ax.semilogy(x, [1 / r["energy_vs_dcnn"] for r in rows], "s-", label="energy efficiency")
    ax.axhline(1.0, color="0.5", ls="--", lw=1)
    ax.set(xlabel="weight and activation density [%]", ylabel="SCNN / DCNN [×]",
           title=style.wrap(title, fig))
    style.plain_ticks(ax)
    ax.invert_xaxis()
    ax.legend()
    style.save(fig, stem)
