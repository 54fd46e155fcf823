"""A notebook user's calls of every name ``accelsim`` exports, checked by ``mypy --strict``
(tests/test_api.py; type-checked only, never run): a missing or loose type hint on the
public API fails the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any, assert_type

import pandas as pd

import accelsim


def api_usage(root: Path) -> None:
    arch = accelsim.load_arch(root / "archs/vc707.yaml")
    assert_type(arch, accelsim.Arch)
    workload = accelsim.load_workload(str(root / "workloads/alexnet_ssl.json"))
    assert_type(workload, accelsim.Workload)
    result = accelsim.simulate(arch, workload)
    assert_type(result, accelsim.Result)
    assert_type(accelsim.simulate(root / "archs/a100.yaml", "workloads/alexnet_ssl.json",
                                  {"kernel": "csr"}), accelsim.Result)
    assert_type(arch.with_(macs_per_pe=32), accelsim.Arch)
    assert_type(result.to_frame(), pd.DataFrame)
    assert_type(result._repr_html_(), str)
    assert_type(result.totals(kinds=("conv",)), dict[str, Any])
    row = result.layers[0]
    assert_type(row, accelsim.LayerResult)
    assert_type(row.seconds, float)
    assert_type(row.energy_j, float | None)
    layer = workload.layers[0]
    assert_type(layer, accelsim.Layer)
    assert_type(layer.dense_macs(workload.batch), int)
    doc: dict[str, Any] = {"schema_version": 1, "name": "tiny", "source": "by hand", "batch": 1,
                           "layers": [{"name": "fc", "kind": "fc", "in_features": 4,
                                       "out_features": 2}]}
    assert_type(accelsim.workload_from_dict(doc), accelsim.Workload)
    assert_type(accelsim.arch_from_dict({"engine": "fpga"}, file="x.yaml",
                                        base_dir=root), accelsim.Arch)
    sweep = accelsim.load_sweep(root / "sweeps/vc707_fp32.yaml")
    assert_type(sweep, accelsim.Sweep)
    summary = accelsim.run_sweep(sweep, root / "out", workers=1, progress=False)
    assert_type(summary, accelsim.RunSummary)
    results = accelsim.SweepResults(root / "out")
    assert_type(results.frame, pd.DataFrame)
    assert_type(accelsim.__version__, str)
    try:
        accelsim.load_arch("missing.yaml")
    except accelsim.SpecError as exc:
        assert_type(exc.one_line(), str)
    except (accelsim.WorkloadError, accelsim.EngineError, accelsim.AccelsimError):
        pass
    trace = accelsim.from_module(object(), object(), name="m", batch=1)
    assert_type(trace.document(), dict[str, Any])
