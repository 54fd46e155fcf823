"""Time to train = K(global batch) × the cluster engine's step time, over GPU counts."""

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from accelsim.engines import cluster, time_to_train
from accelsim.registry import simulate
from accelsim.errors import EngineError, SpecError
from accelsim.model.steps import Curve, StepsModel
from accelsim.spec import load_arch, load_workload
from accelsim.spec.steps import load_steps_model

ROOT = Path(__file__).resolve().parents[2]
V100 = load_arch(ROOT / "archs/cluster_dgx1_v100.yaml")
RESNET = load_workload(ROOT / "workloads/resnet50_train.json")
EPOCHS = load_steps_model(ROOT / "steps/resnet50_imagenet_90ep.yaml")
THEORY = StepsModel("theory", {0.0: Curve("theorem", {"C": 1.0e5, "T": 2048.0})})


def rows(result):
    return [r.extra for r in result.layers]


def test_hours_are_steps_times_the_plain_cluster_step_time():
    """Two code paths: the cluster engine run on its own at 64 images per GPU gives the step
    time; steps = ⌈90 · 1,281,167 / (64 · N)⌉ by hand; hours = steps · step / 3600."""
    gpus = (8, 64, 512)
    result = simulate(V100, RESNET, {"gpus": gpus, "encoding": ("terngrad",),
                                     "scheme": "hierarchical", "steps_model": EPOCHS,
                                     "batch_per_gpu": (64,)})
    plain = simulate(V100, replace(RESNET, batch=64),
                     {"gpus": gpus, "encoding": ("terngrad",), "scheme": "hierarchical"})
    for row, base in zip(rows(result), plain.layers):
        steps = math.ceil(90 * 1_281_167 / (64 * row["gpus"]))
        assert row["global_batch"] == 64 * row["gpus"]
        assert row["steps"] == steps
        assert row["step_s"] == pytest.approx(base.seconds, rel=1e-12)
        assert row["hours"] == pytest.approx(steps * base.seconds / 3600, rel=1e-12)
        assert row["gpu_hours"] == pytest.approx(row["hours"] * row["gpus"], rel=1e-12)


def test_fastest_and_cheapest_are_the_minima_over_every_row():
    result = simulate(V100, RESNET, {"gpus": (8, 16, 32, 64, 128, 256, 512, 1024),
                                     "encoding": ("fp32", "terngrad"), "steps_model": THEORY,
                                     "batch_per_gpu": (16, 64)})
    extra = rows(result)
    hours = [e["hours"] for e in extra]
    gpu_hours = [e["gpu_hours"] for e in extra]
    assert [e for e in extra if "fastest" in e["mark"]] == [extra[int(np.argmin(hours))]]
    assert [e for e in extra if "cheapest" in e["mark"]] == [extra[int(np.argmin(gpu_hours))]]
    assert len(extra) == 8 * 2 * 2


def test_past_the_critical_batch_more_gpus_stop_paying():
    """Theorem shape, B_crit = 4096: below it doubling GPUs (batch) halves the steps, so the
    GPU-hours change only by the step time's growth; far above it steps approach the plateau
    C/T and GPU-hours grow almost linearly with GPUs."""
    result = simulate(V100, RESNET, {"gpus": (8, 16, 2048, 4096), "encoding": ("fp32",),
                                     "steps_model": THEORY, "batch_per_gpu": (32,)})
    e = rows(result)
    assert e[1]["steps"] == pytest.approx(e[0]["steps"] / 2)  # B = 256 → 512, both ≤ 2T
    # B = 65,536 and 131,072 (≫ 2T): K = C(1/T + 1/(B − T)) ≈ C/T = 48.8 steps
    assert e[3]["steps"] / e[2]["steps"] == pytest.approx(
        (1 / 2048 + 1 / (131072 - 2048)) / (1 / 2048 + 1 / (65536 - 2048)))
    assert e[3]["gpu_hours"] / e[2]["gpu_hours"] > 1.9


def test_sparsity_picks_the_level_and_a_missing_level_is_an_error():
    model = StepsModel("m", {0.0: Curve("epochs", {"epochs": 90, "dataset_size": 1_281_167})},
                       factors={0.9: 2.0})
    g = time_to_train.grid(V100.config, RESNET, {"gpus": (8,), "encoding": ("fp32",),
                                                 "steps_model": model, "sparsity": (0.0,),
                                                 "batch_per_gpu": (32,)})
    assert g.steps[0] == math.ceil(90 * 1_281_167 / 256)
    with pytest.raises(EngineError, match="no curve for sparsity 0.5"):
        simulate(V100, RESNET, {"gpus": (8,), "steps_model": model, "sparsity": (0.5,)})


def test_options_that_do_not_apply_are_refused():
    with pytest.raises(EngineError, match="weak scaling"):
        simulate(V100, RESNET, {"steps_model": EPOCHS, "scaling": "strong"})
    with pytest.raises(EngineError, match="give a steps model"):
        simulate(V100, RESNET, {"batch_per_gpu": (32,)})


def test_extrapolated_batches_are_noted():
    fitted = Curve("theorem", {"C": 1e3, "T": 64.0}, points=10, batch_range=(2.0, 1024.0))
    result = simulate(V100, RESNET, {"gpus": (8, 64), "encoding": ("fp32",),
                                     "steps_model": StepsModel("fit", {0.0: fitted}),
                                     "batch_per_gpu": (32,)})
    assert any("extrapolated" in n for n in result.notes)


def test_vectorised_grid_equals_one_gpu_count_at_a_time():
    """1 .. 65,536 GPUs in one call give what each count gives alone (speed: bench/)."""
    cfg = replace(V100.config, max_nodes=8192)
    opts = {"encoding": ("fp32", "terngrad"), "steps_model": EPOCHS, "scheme": "hierarchical"}
    counts = tuple(2 ** p for p in range(17))
    g = time_to_train.grid(cfg, RESNET, {**opts, "gpus": counts})
    for n in (1, 8, 4096, 65536):
        one = time_to_train.grid(cfg, RESNET, {**opts, "gpus": (n,)})
        at_n = g.gpus == n
        np.testing.assert_allclose(g.time_to_train_s[at_n], one.time_to_train_s, rtol=1e-12)


def test_shipped_clusters_hold_4096_gpus():
    for name in ("dgx1_p100", "dgx1_v100", "dgx_a100", "dgx_h100"):
        cfg = load_arch(ROOT / f"archs/cluster_{name}.yaml").config
        assert cfg.gpus_per_node * cfg.max_nodes >= 4096
        runs = cluster.sweep(cfg, RESNET, {"gpus": (4096,)})
        assert runs["fp32"].iteration_s[0] > 0


def test_steps_file_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nname: x\nsource: y\nform: theorem\n"
                   "levels: [{sparsity: 0, C: 1}]\n")
    with pytest.raises(SpecError, match="levels.0: form theorem takes C and T: missing T"):
        load_steps_model(bad)
    bad.write_text("schema_version: 1\nname: x\nsource: y\nform: epochs\nepochs: 90\n")
    with pytest.raises(SpecError, match="dataset_size"):
        load_steps_model(bad)


def test_steps_file_fits_a_csv(tmp_path):
    """Points on the theorem curve C = 2000, T = 50 (exact): the fit returns them."""
    batch = 2.0 ** np.arange(1, 11)
    steps = 2000 * np.where(batch <= 100, 4 / batch, 1 / 50 + 1 / np.maximum(batch - 50, 50))
    (tmp_path / "s.csv").write_text("sparsity,batch,steps\n" + "".join(
        f"0,{b:g},{float(k)!r}\n" for b, k in zip(batch, steps)) + "0,2048,\n")
    (tmp_path / "m.yaml").write_text("schema_version: 1\nname: x\nsource: y\nform: theorem\n"
                                     "fit: {csv: s.csv, bootstrap: 20}\n")
    curve = load_steps_model(tmp_path / "m.yaml").curve(0.0)
    assert curve.params["C"] == pytest.approx(2000, rel=1e-3)
    assert curve.params["T"] == pytest.approx(50, rel=1e-3)
    assert curve.batch_range == (2.0, 1024.0)
