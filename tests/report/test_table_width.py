"""Default terminal tables fit 100 characters (docs/reports.md).

A table's width depends on the engine (its columns), the workload (layer names, sizes) and
the arch (magnitudes). The pairs below run every shipped workload on one arch of each fast
engine (roofline, systolic, FPGA) and every shipped arch on AlexNet (training AlexNet for
the clusters, whose table has no layer names). The cycle-level engines run their own
workloads only (EIE the nine EIE layers, SCNN the sparse AlexNet conv layers): on the rest
they take 10 s to 7 min each (measured here), longer than the whole suite.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.report.table import WIDTH

ROOT = Path(__file__).resolve().parents[2]
ARCHS = sorted(p.name for p in (ROOT / "archs").glob("*.yaml"))
WORKLOADS = sorted(p.name for p in (ROOT / "workloads").glob("*.json"))
CYCLE_LEVEL = {"eie.yaml": "eie_benchmarks.json", "scnn.yaml": "alexnet_conv_sparse.json"}
PAIRS = sorted({(a, w) for a in ("a100.yaml", "eyeriss_12x14.yaml", "vc707.yaml")
                for w in WORKLOADS}
               | {(a, "alexnet_train.json" if a.startswith("cluster") else
                   CYCLE_LEVEL.get(a, "alexnet_ssl.json")) for a in ARCHS})


@pytest.mark.parametrize("arch, workload", PAIRS)
def test_default_table_fits_100_characters(arch, workload):
    r = CliRunner().invoke(main, ["run", str(ROOT / "archs" / arch),
                                  str(ROOT / "workloads" / workload)])
    if r.exit_code == 2:  # the engine does not run this workload (one line says why)
        assert len(r.output.strip().splitlines()) == 1
        return
    assert r.exit_code == 0, r.output
    widest = max(r.output.splitlines(), key=len)
    assert len(widest) <= WIDTH, widest
