"""Regenerate the sparse-engine plots in reports/: python reports/make_sparse_plots.py"""

from pathlib import Path

from accelsim.explore import sparse_studies as st
from accelsim.report import sparse_plots as sp
from accelsim.spec import load_arch, load_workload

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    eie = load_arch(ROOT / "archs/eie.yaml")
    bench = load_workload(ROOT / "workloads/eie_benchmarks.json")
    steps = [2 ** i for i in range(9)]
    fifo = st.eie_fifo_sweep(eie, bench, steps)
    sp.plot_eie_fifo(fifo, ROOT / "reports/eie_fifo_depth.png",
                     "EIE load efficiency vs FIFO depth (9 Table III layers, 64 PEs)")
    pes = st.eie_pe_sweep(eie, bench, steps)
    sp.plot_eie_pes(pes, ROOT / "reports/eie_pe_scaling.png",
                    "EIE speedup vs PE count (9 Table III layers, FIFO 8)")
    scnn = load_arch(ROOT / "archs/scnn.yaml")
    vgg = load_workload(ROOT / "workloads/vgg16_conv_sparse.json")
    densities = [1.0, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    sweep = st.scnn_density_sweep(scnn, vgg, densities, {"bank_samples": 2048})
    sp.plot_scnn_density(sweep, ROOT / "reports/scnn_density_sweep.png",
                         "SCNN vs DCNN on VGG-16 conv layers")
    for name, rows in (("fifo", fifo), ("pes", pes), ("scnn", sweep)):
        for row in rows:
            print(name, {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()})


if __name__ == "__main__":
    main()
