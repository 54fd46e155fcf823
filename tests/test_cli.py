"""The command line: run in every format, list, version."""

import csv
import io
import json

from click.testing import CliRunner

from accelsim import __version__
from accelsim.cli import main


def _run(root, *extra):
    return CliRunner().invoke(main, ["run", str(root / "archs" / "vc707.yaml"),
                                     str(root / "workloads" / "alexnet_ssl.json"), *extra])


def test_run_prints_per_layer_table_with_totals(root):
    result = _run(root)
    assert result.exit_code == 0, result.output
    for name in ("conv1", "conv5", "fc8", "TOTAL", "util %", "bound", "binding bound: bram"):
        assert name in result.output
    assert "conv total:" in result.output and "mean of layers" in result.output


def test_run_csv_and_json_agree(root):
    rows = list(csv.DictReader(io.StringIO(_run(root, "--format", "csv").output)))
    doc = json.loads(_run(root, "--format", "json").output)
    assert [r["layer"] for r in rows[:-1]] == [r["layer"] for r in doc["layers"]]
    assert rows[-1]["layer"] == "TOTAL"
    assert int(rows[-1]["cycles"]) == doc["totals"]["cycles"] == sum(
        r["cycles"] for r in doc["layers"])


def test_run_writes_output_file(root, tmp_path):
    out = tmp_path / "r.md"
    result = _run(root, "--format", "markdown", "--output", str(out))
    assert result.exit_code == 0 and out.read_text().startswith("| layer |")


def test_missing_file_is_one_line_exit_2(root, tmp_path):
    result = CliRunner().invoke(main, ["run", str(tmp_path / "x.yaml"),
                                       str(root / "workloads" / "alexnet_ssl.json")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'x.yaml'}: file not found"


def test_list_and_version(root):
    listing = CliRunner().invoke(main, ["list", "--root", str(root)])
    assert "archs/vc707.yaml" in listing.output and "workloads/alexnet_ssl.json" in listing.output
    assert __version__ in CliRunner().invoke(main, ["--version"]).output
