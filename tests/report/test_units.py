"""The column → (label, unit) table shared by tables and figures (accelsim.report.units)."""

import csv
import io
import json

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from accelsim.cli import main
from accelsim.report import units as u


def test_unit_is_the_largest_that_keeps_the_peak_at_least_one():
    # 8.934 ms peak -> ms; 118.7 µs -> µs; 3.57 s -> s; 4.3-77 MB -> MB; 36 µJ -> µJ
    assert u.choose("time", [1.234e-3, 8.934e-3]).symbol == "ms"
    assert u.choose("time", [2.87e-5, 1.187e-4]).symbol == "µs"
    assert u.choose("time", [0.5, 3.57]).symbol == "s"
    assert u.choose("bytes", [4.3e6, 77.04e6]).symbol == "MB"
    assert u.choose("energy", [3.6e-5, 8.7e-5]).symbol == "µJ"
    assert u.choose("frequency", [3e8]).symbol == "MHz"
    # no non-zero value: the base unit; below the smallest unit: the smallest
    assert u.choose("bytes", [0, 0]).symbol == "B"
    assert u.choose("time", [1e-12]).symbol == "ns"


@given(st.floats(min_value=1e-9, max_value=1e3, allow_nan=False))
def test_the_peak_reads_between_1_and_1000_in_its_unit(peak):
    unit = u.choose("time", [peak / 7, peak])
    reading = unit.of(peak)
    assert reading >= 1 / (1 + 1e-9)      # a larger unit would read below 1
    assert reading < 1000 * (1 + 1e-9)    # a smaller unit would read 1000 or more


@given(st.lists(st.one_of(st.floats(-1e4, 1e4), st.just(0.0), st.just(float("nan")),
                          st.just(float("inf"))), max_size=20))
def test_a_numpy_column_gets_the_unit_its_list_gets(values):
    # the array path (a sweep's 10^6 values at once) skips zeros, NaN and inf as the list does
    import numpy as np

    assert u.choose("time", np.array(values, dtype=float)) == u.choose("time", values)
    assert u.choose("time", np.array(values, dtype=float).astype(np.float32)) == u.choose(
        "time", [float(np.float32(v)) for v in values])


def test_one_unit_per_quantity_in_a_table():
    # a 2 s layer and a 10 µs theoretical time share seconds; energy chooses its own unit
    rows = [{"seconds": 2.0, "theoretical_s": 1e-5, "energy_j": 3e-3}]
    units = u.units_for(["seconds", "theoretical_s", "energy_j"], rows)
    assert units["seconds"] == units["theoretical_s"] and units["seconds"].symbol == "s"
    assert units["energy_j"].symbol == "mJ"


def test_names_labels_and_machine_names_agree():
    ms = u.choose("time", [1e-3])
    assert (u.header("seconds", ms), u.machine_name("seconds", ms)) == ("time ms", "time_ms")
    mb = u.choose("bytes", [1e6])
    assert (u.header("dram_bytes", mb), u.machine_name("dram_bytes", mb)) == ("DRAM MB",
                                                                              "dram_mb")
    assert u.axis_label("latency_s", ms) == "latency [ms]"
    # a column read from its suffix
    assert u.column("theoretical_s").quantity == "time"
    assert u.machine_name("theoretical_s", u.choose("time", [1e-6])) == "theoretical_us"
    # CSV/JSON names: one fixed SI unit per quantity
    assert [u.machine_name(n) for n in ("seconds", "dram_bytes", "energy_j", "dense_macs",
                                        "utilization", "theoretical_s", "clock_hz")] == [
        "time_s", "dram_bytes", "energy_j", "dense_macs", "util_pct", "theoretical_s",
        "clock_hz"]


def _run(root, *extra):
    return CliRunner().invoke(main, ["run", str(root / "archs" / "vc707.yaml"),
                                     str(root / "workloads" / "alexnet_ssl.json"), *extra])


def test_csv_and_json_names_have_fixed_si_units_the_table_its_own(root):
    table = _run(root).output
    rows = list(csv.DictReader(io.StringIO(_run(root, "--format", "csv").output)))
    doc = json.loads(_run(root, "--format", "json").output)
    header_line = table.splitlines()[1]
    for header, name in (("time ms", "time_s"), ("DRAM MB", "dram_bytes"), ("util %", "util_pct"),
                         ("dense MMAC", "dense_macs")):
        assert header in header_line and name in rows[0] and name in doc["totals"]
    # time = cycles / clock (vc707: 200 MHz): TOTAL 1,786,762 cycles -> 8.93381 ms
    total = rows[-1]
    assert float(total["time_s"]) == doc["totals"]["time_s"]
    assert abs(float(total["time_s"]) - int(total["cycles"]) / 200e6) < 1e-12
    total_line = next(line for line in table.splitlines() if line.startswith("TOTAL"))
    assert "8.934" in total_line.split()


def test_csv_names_do_not_change_with_the_data(root, tmp_path):
    """A 16 x 8 fc takes nanoseconds, AlexNet milliseconds: the tables say ``time ns`` and
    ``time ms``, the CSVs both ``time_s`` (files of different runs join on their names)."""
    tiny = tmp_path / "tiny.json"
    tiny.write_text(json.dumps({"schema_version": 1, "name": "tiny", "source": "test",
                                "batch": 1, "layers": [{"name": "f", "kind": "fc",
                                                        "in_features": 16, "out_features": 8}]}))
    small = CliRunner().invoke(main, ["run", str(root / "archs" / "vc707.yaml"), str(tiny)])
    assert "time ns" in small.output and "time ms" in _run(root).output
    small_csv = CliRunner().invoke(main, ["run", str(root / "archs" / "vc707.yaml"), str(tiny),
                                          "--format", "csv"]).output
    assert small_csv.splitlines()[0] == _run(root, "--format", "csv").output.splitlines()[0]


def test_columns_and_wide(root):
    narrow = _run(root, "--columns", "layer,time,pes").output
    assert narrow.splitlines()[1].split() == ["layer", "time", "ms", "PEs"]
    wide = _run(root, "--wide").output
    assert "DSPs used" in wide and "DSPs used" not in _run(root).output
    picked = list(csv.DictReader(io.StringIO(_run(root, "--format", "csv", "--columns",
                                                  "layer,time_ms").output)))
    assert list(picked[0]) == ["layer", "time_s"]  # picked by its table name, SI in CSV
    wrong = _run(root, "--columns", "layer,speed")
    assert wrong.exit_code == 2 and "--columns: unknown column 'speed'" in wrong.output
