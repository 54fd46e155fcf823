"""Invalid sweep files: one line naming the file, the field and the problem; exit code 2."""

import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.errors import SpecError
from accelsim.explore.runner import run_sweep
from accelsim.spec.sweep import load_sweep
from tests.explore.conftest import SMALL

PARAMS = "  macs_per_pe: {values: [4, 8, 16]}\n"


@pytest.mark.parametrize("change, field, words", [
    (("name: small", "nme: small"), None, "unknown field 'nme' (did you mean 'name'?)"),
    (("layer_kinds: [conv]", "layer_kinds: [convv]"), "layer_kinds.0", "allowed: conv"),
    ((PARAMS, "  macs_per_pe: {values: [4, 0]}\n"), "parameters.macs_per_pe",
     "value 0 gives an invalid arch: fpga.macs_per_pe got 0, must be >= 1"),
    ((PARAMS, "  macs_per_pe: {values: [4], range: {from: 1, to: 2, step: 1}}\n"),
     "parameters.macs_per_pe", "exactly one of values, range"),
    ((PARAMS, "  macs_per_pee: {values: [4]}\n"), "parameters.macs_per_pee",
     "not a field of the fpga arch"),
    ((PARAMS, "  macs_per_pe: {range: {from: 9, to: 2, step: 1}}\n"),
     "parameters.macs_per_pe.range", "'to' (2) is below 'from' (9)"),
    ((PARAMS, "  macs_per_pe: {range: {from: 1, to: 9, step: 0}}\n"),
     "parameters.macs_per_pe.range.step", "must be > 0"),
    ((PARAMS, "  macs_per_pe: {uniform: {from: 1, to: 9, integer: true}}\n"),
     "parameters.macs_per_pe",
     "needs sampling method random"),
    ((PARAMS, "  dram_efficiency: {uniform: {from: 0.5, to: 1}}\n  macs_per_pe: {values: [4]}\n"
      "  bram18_blocks: {uniform: {from: 100, to: 2001}}\n"),
     "parameters.bram18_blocks", "must be an integer"),
    (("objectives:", "sampling: {method: random}\nobjectives:"), "sampling",
     "missing required field 'points'"),
    (("objectives:", "sampling: {method: grid, points: 3}\nobjectives:"), "sampling.points",
     "drop 'points' or sample"),
    (("latency_s <= 0.1", "latency_s <="), "constraints.1", "not an expression"),
    (("latency_s <= 0.1", "__import__('os')"), "constraints.1", "must be a comparison"),
    (("workloads: [", "workloads: [nowhere.json, "), None, "file not found"),
])
def test_invalid_spec_is_one_line(write_spec, change, field, words):
    path = write_spec(SMALL.replace(*change))
    with pytest.raises(SpecError) as info:
        load_sweep(path)
    line = info.value.one_line()
    assert "\n" not in line and words in line, line
    if field:
        assert info.value.field == field and line.startswith(f"{path}: {field}: ")


@pytest.mark.parametrize("change, field, words", [
    (("latency_s <= 0.1", "latency_ms <= 0.1"), "constraints.1", "unknown name 'latency_ms'"),
    (("column: dsp_used", "column: dsps"), "objectives.1.column", "unknown column 'dsps'"),
])
def test_unknown_columns_fail_before_any_point_runs(write_spec, tmp_path, change, field, words):
    sweep = load_sweep(write_spec(SMALL.replace(*change)))
    with pytest.raises(SpecError, match=words) as info:
        run_sweep(sweep, tmp_path / "out", workers=1, progress=False)
    assert info.value.field == field
    assert not (tmp_path / "out").exists()


def test_cli_reports_one_line_and_exit_2(write_spec, tmp_path):
    path = write_spec(SMALL.replace(PARAMS, "  macs_per_pe: {values: [4, 0]}\n"))
    result = CliRunner().invoke(main, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"error: {path}: parameters.macs_per_pe: value 0")


def test_out_folder_of_another_sweep_is_refused(write_spec, tmp_path):
    run_sweep(load_sweep(write_spec()), tmp_path / "o", workers=1, progress=False)
    other = load_sweep(write_spec(SMALL.replace("to: 64", "to: 56"), "other.yaml"))
    with pytest.raises(SpecError, match="different sweep"):
        run_sweep(other, tmp_path / "o", workers=1, progress=False)
