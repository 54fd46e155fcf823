"""The reading boundary (issue 17's reproducers): every hostile file gives one SpecError line
naming the file (and the field where there is one), never a traceback, a hang or a blow-up."""

import json
import os

import pytest

from accelsim.errors import SpecError
from accelsim.spec import load_arch, load_workload
from accelsim.spec.validate import MAX_DEPTH, parse_json, parse_yaml, read_document
from tests.conftest import ROOT

EIE = (ROOT / "archs" / "eie.yaml").read_text()
ALEXNET = json.loads((ROOT / "workloads" / "alexnet_ssl.json").read_text())


def _refused(path, *words, field=None, loader=read_document):
    with pytest.raises(SpecError) as info:
        loader(path)
    line = info.value.one_line()
    assert "\n" not in line and line.startswith(str(path)), line
    for word in words:
        assert word in line, line
    if field is not None:
        assert info.value.field == field, line
    return line


@pytest.mark.parametrize("suffix, text", [
    (".json", "[" * 1000 + "]" * 1000),
    (".json", '{"a":' * 1000 + "1" + "}" * 1000),
    (".yaml", "[" * 400 + "]" * 400),
    (".yaml", "".join(f"{' ' * i}a{i}:\n" for i in range(400)) + " " * 400 + "x: 1\n"),
])
def test_deep_nesting_is_refused(tmp_path, suffix, text):
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    _refused(path, f"nested deeper than {MAX_DEPTH} levels")


@pytest.mark.parametrize("text, words", [
    ("description: 2020-01-01\n", None),                 # an unquoted date stays a string
    ("x: !!binary aGVsbG8=\n", "tag !!binary is not allowed"),
    ("x: !!set {a, b}\n", "tag !!set is not allowed"),
    ("x: !!timestamp 2020-01-01\n", "tag !!timestamp is not allowed"),
    ("description: &d [*d]\n", "aliases (*name) are not allowed"),
    ("? [a, b]\n: 1\n", "keys must be strings"),
    ("1: one\nzz: 2\n", "keys must be strings"),
    ("a: &x [1, 2]\nb: *x\n", "aliases (*name) are not allowed"),
    ("x: " + "9" * 5000 + "\n", "integer of 5000 digits"),
    ("x: .nan\n", "must be a finite number"),
    ("x: -.inf\n", "must be a finite number"),
    ("x: 1\nx: 2\n", "duplicate key 'x'"),
    ("x: \x1b\n", "special characters are not allowed"),
])
def test_yaml_beyond_json_is_refused(tmp_path, text, words):
    path = tmp_path / "a.yaml"
    path.write_text(text)
    if words is None:
        assert read_document(path) == {"description": "2020-01-01"}
    else:
        _refused(path, "invalid YAML" if "finite" not in words else "", words)


def test_billion_laughs_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\ndescription: *a9\n")
    _refused(path, "aliases (*name) are not allowed")


@pytest.mark.parametrize("text, words", [
    ('{"batch": 1, "batch": 1000}', "duplicate key 'batch'"),
    ('{"x": NaN}', "NaN is not a number allowed here"),
    ('{"x": -Infinity}', "-Infinity is not a number allowed here"),
    ('{"x": 1e999}', "must be a finite number"),
    ('{"x": ' + "7" * 5000 + "}", "integer of 5000 digits"),
    ('{"x": 1e31}', "magnitude at most"),
])
def test_json_values_beyond_numbers_are_refused(tmp_path, text, words):
    path = tmp_path / "w.json"
    path.write_text(text)
    _refused(path, words)


def test_duplicate_json_keys_in_a_workload_are_refused(tmp_path):
    text = json.dumps(ALEXNET).replace('"batch": ', '"batch": 1000, "batch": ', 1)
    path = tmp_path / "w.json"
    path.write_text(text)
    _refused(path, "duplicate key 'batch'", loader=load_workload)


def test_unreadable_paths_are_one_line(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop.yaml")
    _refused(loop, "cannot read")
    long_name = tmp_path / ("x" * 300 + ".yaml")
    _refused(long_name, "cannot read")
    _refused(tmp_path, "is a directory", loader=load_arch)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    _refused(empty, "the top level must be a mapping")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00")
    _refused(binary, "not UTF-8")
    with pytest.raises(SpecError, match="cannot read"):
        read_document("a\0b.yaml")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_not_read():
    with pytest.raises(SpecError, match="not a regular file"):
        read_document("/dev/zero")


@pytest.mark.parametrize("field, value, words", [
    ("kernel", 3.0, "must be a positive integer or a list of two"),
    ("in_channels", 3.0, "must be an integer, got a number 3.0"),
    ("in_channels", 10 ** 12, "must be <= 16777216"),
    ("in_channels", 10 ** 30, "integer of 31 digits"),  # refused while parsing
])
def test_workload_integers_are_integers_and_bounded(tmp_path, field, value, words):
    doc = json.loads(json.dumps(ALEXNET))
    doc["layers"][0][field] = value
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    line = _refused(path, words, loader=load_workload)
    assert "digits" in words or f": layers.0.{field}: " in line


@pytest.mark.parametrize("old, new, field, words", [
    ("clock_hz: 800.0e6", "clock_hz: .nan", "clock_hz", "finite"),
    ("clock_hz: 800.0e6", "clock_hz: .inf", "clock_hz", "finite"),
    ("pes: 64", "pes: 64.0", "eie.pes", "must be an integer"),
    ("pes: 64", "pes: 1099511627776", "eie.pes", "must be <= 65536"),
])
def test_arch_values_are_finite_integral_and_bounded(tmp_path, old, new, field, words):
    assert old in EIE
    path = tmp_path / "eie.yaml"
    path.write_text(EIE.replace(old, new))
    _refused(path, words, field=field, loader=load_arch)


@pytest.mark.parametrize("arch, old, new, field", [
    ("h100.yaml", "peak_fp32_flops:", "peak_fp32_flops: 1.0e-300 #", "gpu.peak_fp32_flops"),
    ("h100.yaml", "memory_bandwidth_bytes_per_s:", "memory_bandwidth_bytes_per_s: .inf #",
     "gpu.memory_bandwidth_bytes_per_s"),
    ("scnn.yaml", "pe_rows:", "pe_rows: 8.0 #", "scnn.pe_rows"),
])
def test_roofline_and_scnn_fields_are_bounded(tmp_path, arch, old, new, field):
    text = (ROOT / "archs" / arch).read_text()
    assert old in text
    path = tmp_path / arch
    path.write_text(text.replace(old, new, 1))
    _refused(path, field=field, loader=load_arch)


def test_parsers_accept_what_json_can_say():
    assert parse_yaml("a: 200e6\nb: [1, x]\nc: {d: null}\n") == {
        "a": 2e8, "b": [1, "x"], "c": {"d": None}}
    assert parse_json('{"a": [1.5, "x", true]}') == {"a": [1.5, "x", True]}


def test_a_read_allocates_the_file_not_the_limit(tmp_path):
    """A read asks for the file's size: asking for the limit allocated it first (a 16 GiB
    buffer per store chunk, a MemoryError under ``ulimit -v``; 1 TiB fails anywhere)."""
    from accelsim.spec.validate import read_bytes

    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 1000)
    assert read_bytes(path, limit=1 << 40) == b"x" * 1000
    with pytest.raises(SpecError, match="larger than"):
        read_bytes(path, limit=999)
