"""Sweeps of the sparse engines and their plots (EIE FIFO depth and PE count, SCNN density).

Each sweep re-runs the engine on modified configs or densities and returns plain rows; the
``plot_*`` functions draw them with matplotlib's Agg backend into a PNG.
"""

from __future__ import annotations

from accelsim.report.figures import new_figure, save_figure

from dataclasses import replace

from accelsim.registry import simulate


def _with_config(arch, **changes):
    return replace(arch, config=replace(arch.config, **changes))


def eie_fifo_sweep(arch, workload, depths) -> list[dict]:
    """Load efficiency (work / (PEs · cycles), all layers) for each FIFO depth."""
    rows = []
    for depth in depths:
        result = simulate(_with_config(arch, fifo_depth=int(depth)), workload)
        work = sum(r.extra["load_efficiency"] * r.cycles for r in result.layers)
        rows.append({"fifo_depth": int(depth), "load_efficiency": work / result.totals()["cycles"]})
    return rows


def eie_pe_sweep(arch, workload, pes) -> list[dict]:
    """Speedup over one PE and load efficiency for each PE count (all layers)."""
    rows = []
    for n in pes:
        result = simulate(_with_config(arch, pes=int(n)), workload)
        cycles = result.totals()["cycles"]
        work = sum(r.extra["load_efficiency"] * r.cycles for r in result.layers)
        rows.append({"pes": int(n), "cycles": cycles, "load_efficiency": work / cycles})
    for row in rows:
        row["speedup"] = rows[0]["cycles"] / row["cycles"] * rows[0]["pes"]
    return rows


def scnn_density_sweep(arch, workload, densities, options=None) -> list[dict]:
    """SCNN speedup and energy relative to DCNN with every layer's weight and activation
    density set to each value."""
    rows = []
    for d in densities:
        layers = tuple(replace(layer, weight_density=float(d), activation_density=float(d))
                       for layer in workload.layers)
        result = simulate(arch, replace(workload, layers=layers), options)
        energy = result.totals()["energy_j"]
        dcnn_energy = sum(r.extra["dcnn_energy_j"] for r in result.layers)
        rows.append({"density": float(d), "speedup": result.summary["speedup_vs_dcnn"],
                     "energy_vs_dcnn": energy / dcnn_energy})
    return rows


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
