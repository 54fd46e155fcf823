"""Hostile sweep files (issue 17): unbounded domains, expressions that hang or crash, derived
columns that would replace real ones, objectives on text: one line before any work."""

import time

import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.errors import SpecError
from accelsim.explore.runner import run_sweep
from accelsim.spec.sweep import load_sweep
from tests.explore.conftest import SMALL

RANGE = "max_pes: {range: {from: 8, to: 64, step: 8}}"


@pytest.mark.parametrize("old, new, field, words", [
    (RANGE, "max_pes: {range: {from: 8, to: 64, step: 1.0e-9}}", "parameters.max_pes.range",
     "at most 1,000,000"),
    (RANGE, "max_pes: {range: {from: 8, to: 64, step: .nan}}", "parameters.max_pes.range.step",
     "finite"),
    ("objectives:", "sampling: {method: random, points: 1000000000000}\nobjectives:",
     "sampling.points", "must be <= 10000000"),
    (RANGE, "max_pes: {values: [8, 16]}\n  dsp_per_mac: {range: {from: 1, to: 100000, "
     "step: 0.001}}", "parameters.dsp_per_mac.range", "at most 1,000,000"),
    ("latency_s <= 0.1", "latency_s <= 10**10**10", "constraints.1", "'**' takes a number"),
    ("latency_s <= 0.1", "latency_s <= 1/0", "constraints.1", "ZeroDivisionError"),
    ("latency_s <= 0.1", "not latency_s", "constraints.1", "and/or/not combine comparisons"),
    ("latency_s <= 0.1", "latency_s and dsp_used", "constraints.1", "combine comparisons"),
    ("latency_s <= 0.1", "latency_s <= " + " + ".join(["1"] * 20000), "constraints.1",
     "longer than 1000 characters"),
    ("latency_s <= 0.1", "latency_s <= (9e99 ** 16) ** 16", "constraints.1",
     "OverflowError"),
])
def test_hostile_sweep_specs_fail_at_load(write_spec, old, new, field, words):
    assert old in SMALL
    began = time.monotonic()
    with pytest.raises(SpecError) as info:
        load_sweep(write_spec(SMALL.replace(old, new)))
    line = info.value.one_line()
    assert time.monotonic() - began < 10
    assert "\n" not in line and words in line and info.value.field == field, line


@pytest.mark.parametrize("derived, objective, field, words", [
    ("latency_s: dsp_used * 2", None, "derived.latency_s", "would replace the column"),
    ("error: dsp_used * 2", None, "derived.error", "would replace the column"),
    ("cost: dsp_used * 2", "workload", "objectives.2.column", "holds text"),
])
def test_derived_names_and_objectives_are_checked_before_work(write_spec, tmp_path, derived,
                                                              objective, field, words):
    text = SMALL.replace("constraints:", f"derived: {{{derived}}}\nconstraints:")
    if objective:
        text = text.replace("  - {column: dsp_used, goal: min}",
                            f"  - {{column: dsp_used, goal: min}}\n  - {{column: {objective}, "
                            "goal: min}")
    sweep = load_sweep(write_spec(text))
    with pytest.raises(SpecError, match=words) as info:
        run_sweep(sweep, tmp_path / "o", workers=1, progress=False)
    assert info.value.field == field
    assert not (tmp_path / "o").exists()


def test_an_option_the_engine_lacks_is_refused_at_load(write_spec):
    text = SMALL.replace(RANGE, RANGE + "\n  options.gpus: {values: [1, 2]}")
    with pytest.raises(SpecError, match="the fpga engine has no option 'gpus'"):
        load_sweep(write_spec(text))


def test_pareto_on_a_text_column_is_one_line(write_spec, tmp_path):
    out = tmp_path / "o"
    run_sweep(load_sweep(write_spec()), out, workers=1, progress=False)
    result = CliRunner().invoke(main, ["pareto", str(out), "--x", "latency_s", "--y",
                                       "workload"])
    assert result.exit_code == 2 and "holds text" in result.stderr, result.output


def test_an_error_in_a_named_file_names_the_sweep_file_and_field(write_spec, tmp_path):
    (tmp_path / "bad.json").write_text('{"batch": 1, "batch": 2}')
    path = write_spec(SMALL.replace("workloads: [", f"workloads: [{tmp_path / 'bad.json'}, "))
    with pytest.raises(SpecError) as info:
        load_sweep(path)
    line = info.value.one_line()
    assert line.startswith(f"{path}: workloads.0: {tmp_path / 'bad.json'}: ")
    assert "duplicate key 'batch'" in line
