"""Regenerate every committed figure under reports/ (but reports/validation/, which
`accelsim validate` writes from its measurements): ``python reports/make_figures.py [NAME ...]``.

NAME picks some of: sparse (EIE FIFO depth and PE count, SCNN density; also
sparse_plots.txt), scaling (cluster_vgg_a_scaling), time_to_train (time_to_train_resnet50/),
steps (steps_digits/steps, from the committed steps.csv), and the sweeps dse_vc707,
dse_eie, dse_systolic, dse_cluster, dse_time_to_train (each swept afresh into its folder,
its manifest sweep.json replaced, then its Pareto plots and frontier CSVs drawn). With no NAME, all of them (minutes: the
sweeps are the slow part). Every figure is written as PNG and SVG.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from accelsim.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"

# sweep folder → its spec and the Pareto plots its README shows (x, y[, z])
SWEEPS = {
    "dse_vc707": ("vc707_fp32.yaml", [("latency_s", "dsp_used"),
                                      ("latency_s", "dsp_used", "bram18_used")]),
    "dse_eie": ("eie_sizing.yaml", [("latency_s", "energy_j"),
                                    ("pes", "latency_s", "fifo_depth")]),
    "dse_systolic": ("systolic_resnet50.yaml", [("sram_bytes", "latency_s", "pes"),
                                                ("latency_s", "energy_j")]),
    "dse_cluster": ("cluster_gtx1080.yaml", [("gpus", "images_per_s"),
                                             ("images_per_s", "gpu_s_per_image")]),
    "dse_time_to_train": ("resnet50_time_to_train.yaml", [("gpu_hours", "hours")]),
}


def accelsim(*args) -> str:
    """Run one accelsim command in-process; stop on failure."""
    result = CliRunner().invoke(cli, [str(Path(a).relative_to(ROOT)) if isinstance(a, Path)
                                      else str(a) for a in args])
    if result.exit_code != 0:
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        raise SystemExit(f"accelsim {' '.join(map(str, args))} failed:\n{result.output}")
    return result.output


def sparse() -> None:
    from accelsim.explore import sparse_studies as st
    from accelsim.report import sparse_plots as sp
    from accelsim.spec import load_arch, load_workload

    eie = load_arch(ROOT / "archs/eie.yaml")
    bench = load_workload(ROOT / "workloads/eie_benchmarks.json")
    steps = [2 ** i for i in range(9)]
    layers = f"{len(bench.layers)} Table III layers"
    fifo = st.eie_fifo_sweep(eie, bench, steps)
    sp.plot_eie_fifo(fifo, REPORTS / "eie_fifo_depth", f"EIE load efficiency vs FIFO depth "
                     f"({layers}, {eie.config.pes} PEs)")
    pes = st.eie_pe_sweep(eie, bench, steps)
    sp.plot_eie_pes(pes, REPORTS / "eie_pe_scaling", f"EIE speedup vs PE count "
                    f"({layers}, FIFO depth {eie.config.fifo_depth})")
    scnn = load_arch(ROOT / "archs/scnn.yaml")
    vgg = load_workload(ROOT / "workloads/vgg16_conv_sparse.json")
    densities = [1.0, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    sweep = st.scnn_density_sweep(scnn, vgg, densities, {"bank_samples": 2048})
    sp.plot_scnn_density(sweep, REPORTS / "scnn_density_sweep",
                         "SCNN vs DCNN on VGG-16 conv layers")
    lines = [f"{name} " + str({k: round(float(v), 4) if isinstance(v, float) else v
                               for k, v in row.items()})
             for name, rows in (("fifo", fifo), ("pes", pes), ("scnn", sweep)) for row in rows]
    (REPORTS / "sparse_plots.txt").write_text("\n".join(lines) + "\n")


def scaling() -> None:
    out = REPORTS / "cluster_vgg_a_scaling"
    for suffix in (".png", ".svg"):
        accelsim("run", ROOT / "archs/cluster_p100_ib.yaml", ROOT / "workloads/vgg_a_train.json",
                 "--gpus", "1,2,4,...,512", "--encoding", "fp32,terngrad", "--scheme",
                 "appendix-b", "--plot", out.with_suffix(suffix))


def time_to_train() -> None:
    folder = REPORTS / "time_to_train_resnet50"
    for cluster in ("dgx1_p100", "dgx1_v100"):
        for scheme in ("hierarchical", "appendix-b"):
            stem = folder / f"{cluster}_{scheme}"
            for suffix in (".png", ".svg"):
                accelsim("run", ROOT / f"archs/cluster_{cluster}.yaml",
                         ROOT / "workloads/resnet50_train.json", "--steps-model",
                         ROOT / "steps/resnet50_imagenet_90ep.yaml", "--gpus", "8,16,...,4096",
                         "--encoding", "fp32,terngrad", "--scheme", scheme, "--format",
                         "markdown", "-o", stem.with_suffix(".md"),
                         "--plot", stem.with_suffix(suffix))


def steps() -> None:
    import pandas as pd

    from accelsim.report.steps_plots import steps_plot
    from accelsim.spec.steps import load_steps_model

    folder = REPORTS / "steps_digits"
    frame = pd.read_csv(folder / "steps.csv").dropna(subset=["steps"])
    model = load_steps_model(folder / "steps_model.yaml")
    frame = frame[frame.sparsity.isin(list(model.curves))]
    steps_plot(frame, model, folder / "steps",
               title="digits LeNet-300-100: steps to 5% validation error "
                     "(32 trials per point)")


def sweep(name: str) -> None:
    spec, plots = SWEEPS[name]
    folder = REPORTS / name
    shutil.rmtree(folder / "points", ignore_errors=True)  # swept afresh with this code
    (folder / "sweep.json").unlink(missing_ok=True)
    accelsim("sweep", ROOT / "sweeps" / spec, "--out", folder, "--no-progress")
    for columns in plots:
        axes = [f"--{axis}" for axis in ("x", "y", "z")][:len(columns)]
        accelsim("pareto", folder, *[a for pair in zip(axes, columns) for a in pair])


JOBS = {"sparse": sparse, "scaling": scaling, "time_to_train": time_to_train, "steps": steps,
        **{name: (lambda n=name: sweep(n)) for name in SWEEPS}}


def main(names: list[str]) -> None:
    os.chdir(ROOT)  # paths as the READMEs give them (sweep manifests record them)
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        raise SystemExit(f"unknown figure set(s) {', '.join(unknown)} (known: {', '.join(JOBS)})")
    for name in names or JOBS:
        start = time.perf_counter()
        JOBS[name]()
        print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
