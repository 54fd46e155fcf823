"""Loading the shipped files, and the one-line errors for specific malformed inputs."""

import json

import pytest

from accelsim import SpecError, load_arch, load_workload


def test_shipped_files_load(root):
    for path in sorted((root / "archs").glob("*.yaml")):
        assert load_arch(path).name
    for path in sorted((root / "workloads").glob("*.json")):
        assert load_workload(path).layers


def test_alexnet_ssl_carries_table_2_4_and_table_1_sparsity(alexnet_ssl):
    conv3, fc6 = alexnet_ssl.layer("conv3"), alexnet_ssl.layer("fc6")
    assert (conv3.row_sparsity, conv3.col_sparsity) == (0.406, 0.769)
    assert (fc6.row_sparsity, fc6.col_sparsity) == (0.097, 0.475)
    assert "Table 2.4" in alexnet_ssl.source and "Table I" in alexnet_ssl.source


def _write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(json.dumps(doc) if name.endswith(".json") else doc)
    return path


def _base_workload():
    return {"schema_version": 1, "name": "w", "source": "test", "batch": 1,
            "layers": [{"name": "fc", "kind": "fc", "in_features": 8, "out_features": 4}]}


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["layers"][0].update(kernal=3), "layers.0", "unknown field 'kernal'"),
    (lambda d: d["layers"][0].update(kernel=3), "layers.0.kernel", "does not apply to a fc"),
    (lambda d: d["layers"][0].pop("in_features"), "layers.0", "missing required field"),
    (lambda d: d["layers"][0].update(row_sparsity=1.5), "layers.0.row_sparsity", "must be <"),
    (lambda d: d.update(batch="8"), "batch", "must be an integer"),
    (lambda d: d.update(schema_version=2), "schema_version", "must be 1"),
    (lambda d: d["layers"][0].update(kind="attention"), "layers.0.kind", "allowed: conv, fc"),
    (lambda d: d["layers"].append(dict(d["layers"][0])), "layers.1.name", "duplicate"),
    (lambda d: d["layers"][0].update(row_sparsity=0.5, weight_density=0.9),
     "layers.0.weight_density", "exceeds"),
])
def test_workload_errors_name_file_and_field(tmp_path, mutate, field, words):
    doc = _base_workload()
    mutate(doc)
    path = _write(tmp_path, "w.json", doc)
    with pytest.raises(SpecError) as info:
        load_workload(path)
    line = str(info.value)
    assert line.startswith(f"{path}: {field}: ") and words in line and "\n" not in line


def test_conv_channel_and_kernel_checks(tmp_path):
    doc = _base_workload()
    doc["layers"] = [{"name": "c", "kind": "conv", "in_channels": 3, "out_channels": 8,
                      "kernel": 5, "groups": 2, "in_hw": 4}]
    with pytest.raises(SpecError, match="in_channels: 3 is not divisible by groups=2"):
        load_workload(_write(tmp_path, "w.json", doc))
    doc["layers"][0]["groups"] = 1
    with pytest.raises(SpecError, match="kernel: kernel height 5 exceeds"):
        load_workload(_write(tmp_path, "w.json", doc))


def test_arch_errors(tmp_path, root):
    text = (root / "archs" / "vc707.yaml").read_text()
    cases = [
        (text.replace("macs_per_pe: 16", "macs_per_pe: -16"), "fpga.macs_per_pe", ">= 1"),
        (text.replace("macs_per_pe: 16", "macs_pe: 16"), "fpga", "unknown field 'macs_pe'"),
        (text.replace("engine: fpga", "engine: tpu"), "engine", "allowed: fpga"),
        (text.replace("clock_hz: 200.0e6", "clock_hz: fast"), "clock_hz", "must be a number"),
        (text + "  bogus: [\n", None, "invalid YAML at line"),
        ("- a list\n", None, "the top level must be a mapping"),
    ]
    for content, field, words in cases:
        path = _write(tmp_path, "a.yaml", content)
        with pytest.raises(SpecError) as info:
            load_arch(path)
        line = str(info.value)
        prefix = f"{path}: {field}: " if field else f"{path}: "
        assert line.startswith(prefix) and words in line, line


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="file not found"):
        load_arch(tmp_path / "nope.yaml")


def test_yaml_1_2_floats_are_numbers(tmp_path, root):
    text = (root / "archs" / "vc707.yaml").read_text().replace("200.0e6", "2e8")
    assert load_arch(_write(tmp_path, "a.yaml", text)).clock_hz == 2e8


def test_duplicate_yaml_keys_are_errors(tmp_path, root):
    text = (root / "archs" / "vc707.yaml").read_text() + "  macs_per_pe: 32\n"
    with pytest.raises(SpecError, match=r"invalid YAML at line \d+ column \d+: duplicate key 'macs_per_pe'"):
        load_arch(_write(tmp_path, "a.yaml", text))
