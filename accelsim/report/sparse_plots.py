"""Plots of the sparse-engine studies (EIE FIFO depth and PE count, SCNN density) from the
rows ``accelsim.explore.sparse_studies`` returns, drawn with matplotlib's Agg backend."""

from __future__ import annotations

from accelsim.report.figures import new_figure, save_figure


def _figure():
    fig, ax = new_figure(figsize=(6.4, 4.2), dpi=120)
    ax.grid(True, alpha=0.3)
    return fig, ax


def plot_eie_fifo(rows, path, title) -> None:
    fig, ax = _figure()
    ax.semilogx([r["fifo_depth"] for r in rows], [100 * r["load_efficiency"] for r in rows],
                "o-", base=2)
    ax.set(xlabel="activation FIFO depth", ylabel="load efficiency (%)", title=title,
           ylim=(0, 100))
    save_figure(fig, path)


def plot_eie_pes(rows, path, title) -> None:
    fig, ax = _figure()
    x = [r["pes"] for r in rows]
    ax.loglog(x, [r["speedup"] for r in rows], "o-", base=2, label="simulated")
    ax.loglog(x, x, "--", base=2, color="gray", label="linear")
    ax.set(xlabel="PEs", ylabel="speedup over 1 PE", title=title)
    ax.legend()
    save_figure(fig, path)


def plot_scnn_density(rows, path, title) -> None:
    fig, ax = _figure()
    x = [r["density"] for r in rows]
    ax.semilogy(x, [r["speedup"] for r in rows], "o-", label="SCNN speed / DCNN")
    ax.semilogy(x, [1 / r["energy_vs_dcnn"] for r in rows], "s-",
                label="SCNN energy efficiency / DCNN")
    ax.axhline(1.0, color="gray", ls="--")
    ax.set(xlabel="weight = activation density", ylabel="relative to DCNN", title=title)
    ax.invert_xaxis()
    ax.legend()
    save_figure(fig, path)
