"""``accelsim run CLUSTER WORKLOAD --steps-model FILE``, the time-to-train sweep, and the
small real steps-to-result study (--quick)."""

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from accelsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLUSTERS = ("dgx1_p100", "dgx1_v100", "dgx_a100", "dgx_h100")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("name", CLUSTERS)
def test_time_to_train_table_on_every_shipped_dgx_cluster(name, tmp_path):
    plot = tmp_path / "t.png"
    r = invoke("run", ROOT / f"archs/cluster_{name}.yaml", ROOT / "workloads/resnet50_train.json",
               "--steps-model", ROOT / "steps/resnet50_imagenet_90ep.yaml",
               "--gpus", "8,16,...,4096", "--encoding", "fp32,terngrad",
               "--scheme", "hierarchical", "--plot", plot, "--format", "markdown")
    assert r.exit_code == 0, r.output
    body = [line for line in r.output.splitlines() if line.startswith("| ")][1:]
    assert len(body) == 10 * 2
    assert sum("fastest" in line for line in body) == 1
    assert sum("cheapest" in line for line in body) == 1
    assert plot.stat().st_size > 1000


def test_bad_steps_model_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("schema_version: 1\nname: x\nsource: y\nform: sideways\n")
    r = invoke("run", ROOT / "archs/cluster_dgx1_v100.yaml", ROOT / "workloads/resnet50_train.json",
               "--steps-model", bad)
    assert r.exit_code == 2
    assert len(r.output.strip().splitlines()) == 1 and "form" in r.output


def test_time_to_train_is_a_sweep_objective(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"""schema_version: 1
name: t
arch: {ROOT}/archs/cluster_dgx_a100.yaml
workloads: [{ROOT}/workloads/resnet50_train.json]
options: {{scheme: hierarchical, steps_model: {ROOT}/steps/resnet50_imagenet_90ep.yaml}}
parameters:
  options.gpus: {{values: [8, 64, 512]}}
  options.batch_per_gpu: {{values: [32, 64]}}
  options.encoding: {{values: [fp32, terngrad]}}
objectives:
  - {{column: hours, goal: min}}
  - {{column: gpu_hours, goal: min}}
""")
    out = tmp_path / "out"
    r = invoke("sweep", spec, "--out", out, "--workers", "1", "--no-progress")
    assert r.exit_code == 0, r.output
    r = invoke("pareto", out, "--x", "gpu_hours", "--y", "hours")
    assert r.exit_code == 0, r.output
    import pandas as pd

    front = pd.read_csv(out / "pareto_gpu_hours_hours.csv")
    # a frontier: sorted by GPU-hours, hours strictly fall
    front = front.sort_values("gpu_hours")
    assert len(front) >= 2 and (front.hours.diff().dropna() < 0).all()
    assert set(front.columns) >= {"steps", "global_batch", "hours", "gpu_hours"}


def test_real_steps_study_quick(tmp_path):
    """The digits study at CI size (torch and scikit-learn from the test extra): a CSV, a fit
    and a plot are written, and larger batches need fewer steps (a measured property)."""
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("steps_example",
                                                  ROOT / "examples/steps_to_result_digits.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    run = example.main(["--quick", "-o", str(tmp_path)])
    frame = run["frame"]
    assert set(frame.sparsity) == {0.0, 0.9} and len(frame) == 6
    dense = frame[frame.sparsity == 0].set_index("batch").steps
    assert dense[512] < dense[8]
    for name in ("steps.csv", "fit.md", "steps.png"):
        assert (tmp_path / name).stat().st_size > 100
