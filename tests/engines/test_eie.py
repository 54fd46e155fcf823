"""EIE engine: FIFO invariants (property tests), Table IV, FIFO depth, LSTM and batch."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelsim.engines import eie
from accelsim.model import Layer, Workload
from accelsim.explore.sparse_studies import eie_fifo_sweep, eie_pe_sweep
from accelsim.spec import load_arch, load_workload
from accelsim.validate.published import published


@pytest.fixture(scope="module")
def arch(root):
    return load_arch(root / "archs/eie.yaml")


@pytest.fixture(scope="module")
def bench(root):
    return load_workload(root / "workloads/eie_benchmarks.json")


@pytest.fixture(scope="module")
def result(arch, bench):
    return eie.simulate(arch, bench, {})


def _fc(k, m, wd, ad):
    return Layer(name="fc", kind="fc", in_features=k, out_features=m, weight_density=wd,
                 activation_density=ad)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(8, 300), m=st.integers(8, 300), wd=st.floats(0.01, 1.0),
       ad=st.floats(0.05, 1.0), pes=st.integers(1, 16), depth=st.integers(1, 8),
       seed=st.integers(0, 3))
def test_cycles_bounded_by_busiest_pe(arch, k, m, wd, ad, pes, depth, seed):
    cfg = replace(arch.config, pes=pes, fifo_depth=depth)
    layer = _fc(k, m, wd, ad)
    run = eie.run_layer(layer, 1, cfg, seed)
    entries, _ = eie.weight_structure(layer, cfg, seed)
    acts = np.flatnonzero(eie.mk.activation_mask(layer, 1, seed)[0])
    busiest_entries = entries[acts].sum(axis=0).max() if acts.size else 0
    assert run.cycles >= run.max_pe_work >= busiest_entries
    infinite = eie.run_layer(layer, 1, replace(cfg, fifo_depth=10 ** 9), seed)
    assert infinite.cycles == infinite.max_pe_work == run.max_pe_work


def test_padding_follows_the_4_bit_index(arch):
    cfg = replace(arch.config, pes=1)
    rows = np.array([0, 16, 40, 41])          # runs of 0, 15, 23, 0 zeros → 1 padding entry
    entries, nnz = eie.column_entries(np.zeros(4, np.int64), rows, 1, 1, cfg.max_zero_run)
    assert (entries[0, 0], nnz[0, 0]) == (5, 4)
    rows = np.array([16])                     # 16 zeros before the first entry → 1 padding
    entries, _ = eie.column_entries(np.zeros(1, np.int64), rows, 1, 1, cfg.max_zero_run)
    assert entries[0, 0] == 2


def test_deterministic_for_a_seed(arch, bench):
    small = replace(bench, layers=bench.layers[6:8])
    a, b = eie.simulate(arch, small, {"seed": 3}), eie.simulate(arch, small, {"seed": 3})
    c = eie.simulate(arch, small, {"seed": 4})
    assert [r.cycles for r in a.layers] == [r.cycles for r in b.layers]
    assert [r.cycles for r in a.layers] != [r.cycles for r in c.layers]


TABLE4 = published()["eie_table4"]
# measured misses (issue 11 investigation; the numbers are in the comments). Rounding Table
# III's densities does not explain them: at +0.5 pp Alex-8 and VGG-6 are still -13.8% / -10.6%.
ACTUAL_MISS = {"Alex-8", "VGG-6"}
THEORETICAL_MISS = {"Alex-7", "Alex-8", "VGG-6"}
ACTUAL_REASON = (
    "mostly the theoretical-work miss (THEORETICAL_REASON): the model's theoretical time is "
    "-15.3% (Alex-8: 7.53 vs 8.9 us) and -16.8% (VGG-6: 23.38 vs 28.1 us), so even the "
    "published actual/theoretical (1.112, 1.224) on it gives 8.38 and 28.6 us, -15.3% and "
    "-16.8% of 9.9 and 34.4 us, outside +-15%; second, i.i.d. masks understate load "
    "imbalance (the model's actual/theoretical is 1.079 and 1.068: another -3.0% and -12.7%). "
    "Masks whose per-row density varies (CV 0.5-1) are no fix: they take Alex-8 to "
    "11.7-13.2 us, past the published 9.9; the paper's masks are not available")
THEORETICAL_REASON = (
    "the total work differs from the published op counts in a way no per-entry or per-column "
    "cost fits: beyond the MACs the paper implies 1.19, 0.70, 0.72, 2.33 cycles per (activation, "
    "PE) for Alex-6/7/8, VGG-6, the model's 4-bit-index padding gives 1.11, 1.11, 0.00, 1.44 "
    "(residuals change sign); a pointer-read cycle per column slice overshoots Alex-6/7 by "
    "13-22%, and the LNZD broadcast (1 activation/cycle) is busy at most 22% of the cycles")


def _row(result, name):
    return next(r for r in result.layers if r.name == name)


@pytest.mark.parametrize("name", list(TABLE4["actual_us"]))
def test_table4_actual_time(result, name, request):
    if name in ACTUAL_MISS:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=ACTUAL_REASON))
    error = _row(result, name).seconds * 1e6 / TABLE4["actual_us"][name] - 1
    assert abs(error) <= TABLE4["tolerance"]["actual"]


@pytest.mark.parametrize("name", list(TABLE4["theoretical_us"]))
def test_table4_theoretical_time(result, name, request):
    if name in THEORETICAL_MISS:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=THEORETICAL_REASON))
    error = _row(result, name).extra["theoretical_s"] * 1e6 / TABLE4["theoretical_us"][name] - 1
    assert abs(error) <= TABLE4["tolerance"]["theoretical"]


def test_fifo_depth_one_leaves_about_half_idle(arch, bench):
    rows = eie_fifo_sweep(arch, bench, [1, 8, 64])
    eff = [r["load_efficiency"] for r in rows]
    target = published()["eie_fifo_depth1"]["load_efficiency"]
    assert abs(eff[0] - target) <= 0.1
    assert eff[0] < eff[1] < eff[2] and eff[2] - eff[1] < 0.05   # small gain beyond 8


def test_pe_sweep_speedup_is_over_one_simulated_pe(arch):
    """The speedup at 2 PEs is cycles(1 PE) / cycles(2 PEs) whether or not the sweep starts
    at 1 PE (it was scaled from the sweep's first count: 2.0 exactly when it started at 2)."""
    small = Workload("w", "test", 1, (_fc(200, 100, 0.1, 0.4),))
    with_one = {r["pes"]: r for r in eie_pe_sweep(arch, small, [1, 2])}
    assert with_one[1]["speedup"] == 1.0
    two = eie_pe_sweep(arch, small, [2])[0]
    assert two["speedup"] == with_one[1]["cycles"] / with_one[2]["cycles"] == \
        with_one[2]["speedup"]


def test_batch_and_lstm(arch):
    lstm = Layer(name="lstm", kind="lstm", input_size=60, hidden_size=40, timesteps=3,
                 weight_density=0.1)
    fc = _fc(200, 100, 0.1, 0.4)
    one = eie.simulate(arch, Workload("w", "test", 1, (lstm, fc)), {})
    four = eie.simulate(arch, Workload("w", "test", 4, (lstm, fc)), {})
    for a, b in zip(one.layers, four.layers):
        assert b.effective_macs > 3 * a.effective_macs
        assert b.cycles > 3 * a.cycles and b.energy_j > 3 * a.energy_j
    lstm_run = eie.run_layer(lstm, 1, arch.config, 0)
    assert lstm_run.cycles >= 3 * 1      # three barriered steps
    assert lstm_run.macs == pytest.approx(160 * 100 * 0.1 * 3, rel=0.25)


def test_rejects_conv(arch):
    from accelsim.errors import EngineError

    conv = Layer(name="c", kind="conv", in_channels=3, out_channels=4, kernel=(3, 3),
                 in_hw=(8, 8))
    with pytest.raises(EngineError, match="eie engine runs"):
        eie.simulate(arch, Workload("w", "test", 1, (conv,)), {})


def test_result_columns(result):
    row = result.layers[0]
    assert row.energy_j > 0 and row.extra["sram_reads"] > 0 and row.extra["gop_per_s"] > 0
    assert 0 < row.extra["load_efficiency"] <= 1


# ---- issue 11 ---------------------------------------------------------------------------------
def test_balanced_layer_is_not_imbalance_bound(arch):
    """Item 8: EIE reported 'imbalance' whenever cycles > Σwork/N. A dense 64 x 64 matrix on
    64 PEs with dense inputs: every PE has one entry per column, work 64 cycles each, 64
    cycles: imbalance 1, bound compute."""
    row = eie.simulate(arch, Workload("w", "t", 1, (_fc(64, 64, 1.0, 1.0),)), {}).layers[0]
    assert row.cycles == 64
    assert row.extra["imbalance"] == pytest.approx(1.0) and row.bound == "compute"


def test_sram_fill_counts_the_mask(arch):
    """Item 9: sram_fill used the declared density. 1,000 non-zeros of 64 x 64 (no run over
    15 zeros inside a PE's column slice: every row of a 64-PE design is its own PE, a
    column slice has one entry): 1,000 entries x 8 bits / (64 x 128 KB)."""
    from accelsim.model.masks import LayerMasks

    w = np.zeros((64, 64), bool)
    w.flat[:1000] = True
    layer = replace(_fc(64, 64, 0.5, 1.0), masks=LayerMasks(weights=w))
    row = eie.simulate(arch, Workload("w", "t", 1, (layer,)), {}).layers[0]
    assert row.extra["sram_fill"] == pytest.approx(1000 / (64 * 128 * 1024))


def test_overflowing_designs_are_infeasible(arch, bench):
    """Item 10: 4 PEs hold 8.3x less than the benchmark's largest compressed matrix; the
    Result says so and a sweep row of it is not feasible."""
    from accelsim.explore.evaluate import result_columns

    small = eie.simulate(replace(arch, config=replace(arch.config, pes=4)), bench, {})
    assert small.summary["sram_fill"] > 8 and small.summary["feasible"] is False
    columns = result_columns(small)
    assert columns["feasible"] is False and columns["sram_fill"] > 8
    assert any("infeasible" in n for n in small.notes)


def test_seed_none_means_the_workloads_seed(arch):
    w = Workload("w", "t", 1, (_fc(64, 64, 0.3, 0.5),), seed=2)
    assert eie.simulate(arch, w, {"seed": None}).layers[0].cycles == \
        eie.simulate(arch, w, {}).layers[0].cycles


def test_rank_is_said_out_loud(arch):
    """Every engine states what it ignores: EIE runs a layer's rank as full rank."""
    layer = replace(_fc(64, 64, 0.3, 1.0), rank=8)
    notes = eie.simulate(arch, Workload("w", "t", 1, (layer,)), {}).notes
    assert sum(n.startswith("ignored: rank of fc layers (fc)") for n in notes) == 1


def test_four_pes_eight_by_eight_counted_by_hand(arch):
    """4 PEs; PE p holds rows p and p + 4. Non-zeros (row, column): column 0: rows 0-3;
    column 1: rows 0, 4; column 3: rows 1, 5, 2; column 4: row 7. Input non-zeros at columns
    0, 1, 3, 4 (broadcast at cycles 0, 1, 2, 3). Work per PE (an empty slice costs its one
    pointer cycle): col 0 [1,1,1,1], col 1 [2,1,1,1], col 3 [1,2,1,1], col 4 [1,1,1,1].
    Deep FIFOs: PE 0 finishes at 1, 3, 4, 5 and PE 1 at 1, 2, 4, 5 -> 5 cycles; work 18,
    theoretical 18/4 = 4.5, load efficiency 18/20 = 0.9, imbalance 5/4.5 = 1.11 > 1.1 ->
    bound imbalance; MACs 4 + 2 + 3 + 1 = 10. Depth 1 (lockstep): 1 + 2 + 2 + 1 = 6."""
    from accelsim.model.masks import LayerMasks

    w = np.zeros((8, 8), bool)
    for row, col in [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (4, 1), (1, 3), (5, 3), (2, 3),
                     (7, 4)]:
        w[row, col] = True
    acts = np.zeros((1, 8), bool)
    acts[0, [0, 1, 3, 4]] = True
    layer = replace(_fc(8, 8, 10 / 64, 0.5), masks=LayerMasks(weights=w, activations=acts))
    deep = replace(arch, config=replace(arch.config, pes=4, fifo_depth=8))
    row = eie.simulate(deep, Workload("w", "t", 1, (layer,)), {}).layers[0]
    assert (row.cycles, row.effective_macs) == (5, 10)
    assert row.extra["load_efficiency"] == pytest.approx(0.9)
    assert row.extra["theoretical_s"] * arch.config.clock_hz == pytest.approx(4.5)
    assert row.bound == "imbalance"
    lockstep = replace(arch, config=replace(arch.config, pes=4, fifo_depth=1))
    assert eie.simulate(lockstep, Workload("w", "t", 1, (layer,)), {}).layers[0].cycles == 6
