"""Studies that run a sparse engine many times: EIE load efficiency over FIFO depths and PE
counts (EIE §VI sweeps both), SCNN speed and energy relative to DCNN over densities (SCNN's
density sweep). Each returns plain rows; ``accelsim.report.sparse_plots`` draws them.
"""

from __future__ import annotations

from dataclasses import replace

from accelsim.registry import simulate
from accelsim.spec.arch import with_fields


def eie_fifo_sweep(arch, workload, depths) -> list[dict]:
    """Load efficiency (work / (PEs · cycles), all layers) for each FIFO depth."""
    rows = []
    for depth in depths:
        result = simulate(with_fields(arch, {("eie", "fifo_depth"): int(depth)}), workload)
        work = sum(r.extra["load_efficiency"] * r.cycles for r in result.layers)
        rows.append({"fifo_depth": int(depth), "load_efficiency": work / result.totals()["cycles"]})
    return rows


def eie_pe_sweep(arch, workload, pes) -> list[dict]:
    """Speedup over one PE (simulated, whatever counts ``pes`` holds) and load efficiency
    for each PE count (all layers)."""
    def run(n):
        return simulate(with_fields(arch, {("eie", "pes"): int(n)}), workload)

    one_pe = run(1).totals()["cycles"]
    rows = []
    for n in pes:
        result = run(n)
        cycles = result.totals()["cycles"]
        work = sum(r.extra["load_efficiency"] * r.cycles for r in result.layers)
        rows.append({"pes": int(n), "cycles": cycles, "load_efficiency": work / cycles,
                     "speedup": one_pe / cycles})
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
