"""Default terminal tables fit 100 characters (docs/reports.md).

A table's width depends on the engine (its columns), the workload (layer names, sizes) and
the arch (magnitudes), so every shipped arch runs every shipped workload but the slow
cycle-level pairs (measured here, one process each, at load 3-8 on 2 cores): every
roofline, systolic, FPGA and cluster pair runs in under 1 s (300 pairs: 33 s of CPU
together), and EIE refuses every workload with a conv layer in one line at once. Left out:
EIE on ``eie_fc_dense.json`` (19 s: VGG fc6's 10^8 dense weights, event by event) and SCNN
on all but its own sparse AlexNet conv layers (2-20 s each: every conv layer's non-zeros,
sampled cycle by cycle); the cycle-level engines' own workloads (EIE's nine layers, 6 s;
SCNN's, 5 s) stay in.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.report.table import WIDTH

ROOT = Path(__file__).resolve().parents[2]
ARCHS = sorted(p.name for p in (ROOT / "archs").glob("*.yaml"))
WORKLOADS = sorted(p.name for p in (ROOT / "workloads").glob("*.json"))
SLOW = {("eie.yaml", "eie_fc_dense.json")} | {
    ("scnn.yaml", w) for w in WORKLOADS if w != "alexnet_conv_sparse.json"}
PAIRS = [(a, w) for a in ARCHS for w in WORKLOADS if (a, w) not in SLOW]


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
