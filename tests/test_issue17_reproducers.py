"""Issue 17's reproducers, one test each, through the command line a user types (which the
code before the issue already had, so each of these fails there and passes here).

A bad input must end in one line on stderr and exit 2, naming its cause; a valid input must
give finite numbers. Every case runs in-process under a time limit (SIGALRM) and an address
space limit (RLIMIT_AS), so a hang or a memory blow-up fails the case instead of the machine.
Each id is the reproducer's words in the issue; the report maps the rest (store kills, full
disks, hypothesis fuzzing) to their own tests.
"""

import io
import json
import math
import os
import resource
import shutil
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from accelsim.cli import main
from tests.conftest import ROOT
from tests.model.test_hostile_masks import _huge_header_zip
from tests.explore.conftest import SMALL

CASE_SECONDS = 60           # the "past 60 s"; a healthy case takes well under 5 s
PEAK_GROWTH_BYTES = 1 << 30     # resident memory a case may add (EIE at batch 10^6: 3.8 GiB)
ADDRESS_GROWTH_BYTES = 6 << 30  # address space (a guard: thread arenas reserve much)
CASES = {}


def case(name):
    def register(build):
        CASES[name] = build
        return build
    return register


class _TimeUp(Exception):
    pass


def _status_bytes(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {key} in /proc/self/status")


@contextmanager
def bounded(seconds=CASE_SECONDS):
    """At most ``seconds`` of wall time, ``PEAK_GROWTH_BYTES`` more resident memory at the
    peak (the peak is reset through /proc/self/clear_refs) and ``ADDRESS_GROWTH_BYTES``
    more address space (so a blow-up fails the case, not the machine)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _status_bytes("VmSize") + ADDRESS_GROWTH_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY
                                            else min(limit, hard), hard))
    Path("/proc/self/clear_refs").write_text("5")
    resident = _status_bytes("VmRSS")

    def alarm(*_):
        raise _TimeUp(f"past {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    grown = _status_bytes("VmHWM") - resident
    assert grown < PEAK_GROWTH_BYTES, f"resident memory grew by {grown / 2 ** 30:.2f} GiB"


def invoke(args):
    with bounded():
        return CliRunner().invoke(main, [str(a) for a in args])


def refused(*words):
    """Exit 2 with one line on stderr (besides a progress bar) holding ``words``, no
    traceback."""
    def check(result, tmp_path):
        lines = [line for line in result.stderr.strip().splitlines() if "━" not in line]
        assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
        assert len(lines) == 1 and "Traceback" not in result.output, result.output
        for word in words:
            assert word in lines[0], lines[0]
    return check


def finite(extra=None):
    """Exit 0 and every number of the JSON result finite (``extra`` checks more)."""
    def check(result, tmp_path):
        assert result.exit_code == 0, (result.output, result.exception)
        doc = json.loads(result.stdout)
        numbers = [v for row in doc["layers"] for v in row.values()
                   if isinstance(v, float)] + [v for v in (doc["totals"] or {}).values()
                                               if isinstance(v, float)]
        assert numbers and all(math.isfinite(v) for v in numbers), doc["layers"]
        if extra:
            extra(doc, tmp_path)
    return check


# ---- inputs ------------------------------------------------------------------------------
def _arch(tmp_path, name, old, new, count=1):
    text = (ROOT / "archs" / name).read_text()
    assert old in text, (name, old)
    path = tmp_path / name
    path.write_text(text.replace(old, new, count))
    return path


def _workload(tmp_path, layers, batch=1, name="w.json", extra=""):
    doc = {"schema_version": 1, "name": "w", "source": "test", "batch": batch,
           "layers": layers}
    text = json.dumps(doc)
    if extra:
        text = text[:-1] + ", " + extra + "}"
    path = tmp_path / name
    path.write_text(text)
    return path


CONV = {"name": "c", "kind": "conv", "in_channels": 3, "out_channels": 8, "kernel": 3,
        "in_hw": 8}
FC = {"name": "f", "kind": "fc", "in_features": 40, "out_features": 30}
VC707, H100 = ROOT / "archs" / "vc707.yaml", ROOT / "archs" / "h100.yaml"
EIE, SCNN = ROOT / "archs" / "eie.yaml", ROOT / "archs" / "scnn.yaml"
ALEXNET = ROOT / "workloads" / "alexnet_ssl.json"


def _run(arch, workload, *flags):
    return ["run", arch, workload, "--format", "json", *flags]


def _yaml_arch(tmp_path, line):
    """eie.yaml with one more top-level line."""
    path = tmp_path / "eie.yaml"
    path.write_text(EIE.read_text() + "\n" + line + "\n")
    return path


# ---- parsing -----------------------------------------------------------------------------
@case("deep nesting: JSON at 1000 levels")
def _(t):
    (t / "w.json").write_text('{"layers": ' + "[" * 1000 + "]" * 1000 + "}")
    return _run(VC707, t / "w.json"), refused("w.json", "nested deeper")


@case("deep nesting: YAML at ~400 levels")
def _(t):
    return _run(_yaml_arch(t, "extra: " + "[" * 400 + "]" * 400), ALEXNET), refused(
        "eie.yaml", "nested deeper")


for _name, _line, _words in [
    ("YAML !!binary", "extra: !!binary aGVsbG8=", ("!!binary",)),
    ("YAML !!set", "extra: !!set {a, b}", ("!!set",)),
    ("YAML recursive alias (description: &d [*d])", "description: &d [*d]", ("alias",)),
    ("YAML non-scalar key (? [a, b])", "? [a, b]\n: 1", ("keys must be strings",)),
    ("YAML unknown keys of mixed types (1: one beside zz: 2)", "1: one\nzz: 2",
     ("keys must be strings",)),
]:
    def _yaml_case(t, line=_line, words=_words):
        return _run(_yaml_arch(t, line), ALEXNET), refused("eie.yaml", *words)
    CASES[_name] = _yaml_case


@case("YAML date as a value (stays the string it reads as)")
def _(t):
    path = _arch(t, "eie.yaml", "name: eie", "name: 2020-01-01")
    return _run(path, _workload(t, [FC])), finite(
        lambda doc, _: doc["arch"] == "2020-01-01" or pytest.fail(doc["arch"]))


@case("billion-laughs alias used as a value")
def _(t):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    text = EIE.read_text().replace("\ndescription:", "\n" + "\n".join(lines)
                                   + "\ndescription: *a9\nold_description:", 1)
    (t / "eie.yaml").write_text(text)
    return _run(t / "eie.yaml", ALEXNET), refused("eie.yaml", "alias")


@case("an integer of 5,000 digits")
def _(t):
    return _run(VC707, _workload(t, [CONV], extra='"seed_digits": ' + "9" * 5000)), refused(
        "w.json", "5000 digits")


@case("a symlink loop")
def _(t):
    (t / "loop.yaml").symlink_to(t / "loop.yaml")
    return _run(t / "loop.yaml", ALEXNET), refused("loop.yaml", "cannot read")


@case("a 300-character file name")
def _(t):
    return _run(t / ("x" * 300 + ".yaml"), ALEXNET), refused("x" * 300, "cannot read")


def _cluster(t, name, node):
    path = _arch(t, "cluster_gtx1080_1gbe.yaml", "node: gtx1080.yaml", f"node: {node}")
    return path.rename(t / name)


@case("a cluster node that names itself")
def _(t):
    return _run(_cluster(t, "self.yaml", "self.yaml"), ALEXNET), refused("cluster.node")


@case("cluster nodes that form a cycle")
def _(t):
    _cluster(t, "b.yaml", "a.yaml")
    return _run(_cluster(t, "a.yaml", "b.yaml"), ALEXNET), refused("cluster.node")


@case("duplicate JSON keys (batch 1 then 1000)")
def _(t):
    path = _workload(t, [CONV])
    path.write_text(path.read_text().replace('"batch": 1', '"batch": 1, "batch": 1000'))
    return _run(VC707, path), refused("w.json", "duplicate key 'batch'")


# ---- values the schemas let through ------------------------------------------------------
for _name, _file, _old, _new, _field in [
    ("clock_hz: .nan on EIE", "eie.yaml", "clock_hz: 800.0e6", "clock_hz: .nan", "clock_hz"),
    ("clock_hz: .inf on EIE", "eie.yaml", "clock_hz: 800.0e6", "clock_hz: .inf", "clock_hz"),
    ("memory_bandwidth_bytes_per_s: .inf", "h100.yaml", "memory_bandwidth_bytes_per_s:",
     "memory_bandwidth_bytes_per_s: .inf #", "memory_bandwidth_bytes_per_s"),
    ("pe_rows: 8.0 on SCNN", "scnn.yaml", "pe_rows:", "pe_rows: 8.0 #", "pe_rows"),
    ("pes: 64.0 on EIE", "eie.yaml", "pes: 64", "pes: 64.0", "pes"),
    ("EIE pes: 2^40", "eie.yaml", "pes: 64", "pes: 1099511627776", "pes"),
    ("peak_fp32_flops: 1e-300", "h100.yaml", "peak_fp32_flops:", "peak_fp32_flops: 1.0e-300 #",
     "peak_fp32_flops"),
]:
    def _value_case(t, f=_file, old=_old, new=_new, field=_field):
        layer = FC if f == "eie.yaml" else CONV
        return _run(_arch(t, f, old, new), _workload(t, [layer])), refused(f, field)
    CASES[_name] = _value_case


for _name, _arch_path, _layer, _batch, _field in [
    ('"kernel": 3.0', VC707, {**CONV, "kernel": 3.0}, 1, "kernel"),
    ('"batch": 1.0 on SCNN', SCNN, CONV, 1.0, "batch"),
    ("10^30 features", H100, {**FC, "in_features": 10 ** 30}, 1, "digits"),
    ("1e308 counts", H100, {**CONV, "out_channels": 1e308}, 1, "out_channels"),
]:
    def _layer_case(t, arch=_arch_path, layer=_layer, batch=_batch, field=_field):
        return _run(arch, _workload(t, [layer], batch=batch)), refused("w.json", field)
    CASES[_name] = _layer_case


@case("--profiled-iteration-s -1")
def _(t):
    return _run(ROOT / "archs" / "cluster_gtx1080_1gbe.yaml", ALEXNET,
                "--profiled-iteration-s", "-1"), refused("--profiled-iteration-s")


# ---- valid inputs that crash or mislead an engine ----------------------------------------
for _name, _arch_path, _layer in [
    ("roofline: conv of 8 filters at row_sparsity 0.99 (0 rows)", H100,
     {**CONV, "row_sparsity": 0.99}),
    ("cluster: conv of 8 filters at row_sparsity 0.99 (0 rows)",
     ROOT / "archs" / "cluster_p100_ib.yaml", {**CONV, "row_sparsity": 0.99}),
    ("roofline: CSR with 0 non-zeros (weight_density 1e-9)", H100,
     {**CONV, "weight_density": 1e-9}),
]:
    def _total_case(t, arch=_arch_path, layer=_layer):
        return _run(arch, _workload(t, [layer])), finite()
    CASES[_name] = _total_case


@case("SCNN with 0 total cycles (a 1x1 conv pruned to nothing)")
def _(t):
    np.savez(t / "m.npz", weight=np.zeros((8, 3, 1, 1), dtype=bool))
    layer = {**CONV, "kernel": 1, "weight_density": 0.01, "mask": "m.npz"}
    return _run(SCNN, _workload(t, [layer])), finite()


@case("GPU cycles round to 0 at a tiny clock_hz")
def _(t):
    arch = _arch(t, "h100.yaml", "clock_hz:", "clock_hz: 1.0e-3 #")

    def started_cycles_count(doc, _):
        assert all(row["cycles"] >= 1 for row in doc["layers"]), doc["layers"]
    return _run(arch, _workload(t, [CONV])), finite(started_cycles_count)


def _scnn_scales(key, layer):
    """SCNN at ``key`` = 10 against 1: ten input vectors through the same weights are ten
    times the MACs (dense: 10 x 4h(i + h) for the LSTM, 10 x in x out for the matmul) and
    cost more cycles (not 10x: the vectors spread over PEs that one vector leaves idle)."""
    def build(t):
        _workload(t, [{**layer, key: 1}], name="one.json")
        path = _workload(t, [{**layer, key: 10}], name="ten.json")

        def ten_cost_more(doc, t):
            one = invoke(_run(SCNN, t / "one.json"))
            assert one.exit_code == 0, one.output
            one_doc = json.loads(one.stdout)
            ten, one = doc["layers"][0], one_doc["layers"][0]
            assert _macs(doc, ten) == 10 * _macs(one_doc, one) == 10 * MACS[key]
            assert ten["cycles"] > one["cycles"], (ten["cycles"], one["cycles"])
        return _run(SCNN, path), finite(ten_cost_more)
    return build


MACS = {"timesteps": 4 * 64 * (64 + 64), "columns": 64 * 64}
CASES["SCNN ignores LSTM timesteps"] = _scnn_scales(
    "timesteps", {"name": "l", "kind": "lstm", "input_size": 64, "hidden_size": 64,
                  "weight_density": 0.5, "activation_density": 0.5})
CASES["SCNN ignores matmul columns"] = _scnn_scales(
    "columns", {"name": "m", "kind": "matmul", "in_features": 64, "out_features": 64,
                "weight_density": 0.5, "activation_density": 0.5})


def _sampled(t, arch, layer):
    return _run(arch, _workload(t, [layer], batch=10 ** 6)), finite(
        lambda doc, _: any("samples simulated" in n for n in doc["notes"]) or
        pytest.fail(f"no sampling note: {doc['notes']}"))


@case("EIE at batch 10^6 (3.8 GiB)")
def _(t):
    return _sampled(t, EIE, {**FC, "weight_density": 0.2, "activation_density": 0.5})


@case("SCNN at batch 10^6 (> 60 s)")
def _(t):
    return _sampled(t, SCNN, {**CONV, "weight_density": 0.4, "activation_density": 0.5})


def _sweep(t, text, name="sweep.yaml"):
    path = t / name
    path.write_text(text)
    return path


EIE_SWEEP = f"""schema_version: 1
name: eie_small
arch: {EIE}
workloads: [{ROOT / 'workloads' / 'eie_fc_dense.json'}]
parameters:
  pes: {{values: [64]}}
  options.seed: {{values: [SEED]}}
objectives:
  - {{column: latency_s, goal: min}}
"""


for _seed in ("-1",):
    def _seed_case(t, seed=_seed):
        spec = _sweep(t, EIE_SWEEP.replace("SEED", seed))
        return ["sweep", spec, "--out", t / "o", "--workers", "1", "--no-progress"], refused(
            "seed")
    CASES[f"EIE options.seed: {_seed}"] = _seed_case


@case("options.NAME on an engine without options")
def _(t):
    text = SMALL.replace("max_pes: {range", "options.gpus: {values: [1, 2]}\n  max_pes: {range")
    return ["sweep", _sweep(t, text), "--out", t / "o", "--workers", "1", "--no-progress"], \
        refused("options.gpus")


@case("sweep options.gpus: [1, 2.0]")
def _(t):
    text = (ROOT / "sweeps" / "cluster_gtx1080.yaml").read_text()
    text = text.replace("../", f"{ROOT}/").replace(
        "options.gpus: {log_range: {from: 1, to: 512, factor: 2}}",
        "options.gpus: {values: [1.0, 2.0]}")
    return ["sweep", _sweep(t, text), "--out", t / "o", "--workers", "1", "--no-progress"], \
        refused("gpus")


# ---- masks -------------------------------------------------------------------------------
MASK = np.random.default_rng(0).random((30, 40)) < 0.25


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _masked(t, content, mask="m.npz", folder=None):
    folder = folder or t
    folder.mkdir(exist_ok=True)
    if content is not None:
        (t / "m.npz").write_bytes(content)
    layer = {**FC, "weight_density": float(MASK.mean()), "activation_density": 0.5,
             "mask": mask}
    return _run(H100, _workload(folder, [layer]))


def _not_npy_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("weight.npy", "1 0 1")
    return out.getvalue()


def _npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, MASK)
    return buffer.getvalue()


GOOD = _npz(weight=MASK)
for _name, _content, *_words in [
    ("mask: an .npy renamed .npz", _npy()),
    ("mask: a zip whose member is not npy", _not_npy_zip()),
    ("mask: a truncated npz", GOOD[: len(GOOD) // 2]),
    ("mask: a bit-flipped npz (CRC)", GOOD[:200] + bytes([GOOD[200] ^ 0x10]) + GOOD[201:]),
    ("mask: an empty file (Aborted!, exit 1)", b""),
    ("mask: a 4 MB zip claiming 65536x65536", _huge_header_zip(), "(65536, 65536)"),
    ("mask: NaN in activation_density", _npz(weight=MASK,
                                             activation_density=np.array([np.nan]))),
]:
    def _mask_case(t, content=_content, words=_words):
        return _masked(t, content), refused("w.json", "layers.0.mask", "m.npz", *words)
    CASES[_name] = _mask_case


@case("mask: a NUL byte in the path")
def _(t):
    return _masked(t, GOOD, mask="m\0.npz"), refused("layers.0.mask")


@case('mask: "/etc/passwd" is opened')
def _(t):
    return _masked(t, None, mask="/etc/passwd"), refused("layers.0.mask", "points outside")


@case('mask: "../elsewhere/x.npz" is used silently')
def _(t):
    return _masked(t, GOOD, mask="../m.npz", folder=t / "inner"), refused(
        "layers.0.mask", "points outside")


# ---- sweeps ------------------------------------------------------------------------------
RANGE = "max_pes: {range: {from: 8, to: 64, step: 8}}"
for _name, _old, _new, _words in [
    ("sweep step: 1e-9 (67 GiB)", RANGE, "max_pes: {range: {from: 8, to: 64, step: 1.0e-9}}",
     ("parameters.max_pes.range",)),
    ("sweep of 10^12 random points (7 TiB)", "objectives:",
     "sampling: {method: random, points: 1000000000000}\nobjectives:", ("sampling.points",)),
    ("sweep step: .nan", RANGE, "max_pes: {range: {from: 8, to: 64, step: .nan}}",
     ("step",)),
    ("expression 10**10**10 hangs", "latency_s <= 0.1", "latency_s <= 10**10**10",
     ("constraints.1",)),
    ("expression 1/0", "latency_s <= 0.1", "latency_s <= 1/0", ("constraints.1",)),
    ("expression not x", "latency_s <= 0.1", "not latency_s", ("constraints.1",)),
    ("expression of 20,000 terms", "latency_s <= 0.1",
     "latency_s <= " + " + ".join(["1"] * 20000), ("constraints.1",)),
    ("derived column named latency_s", "constraints:",
     "derived: {latency_s: dsp_used * 2}\nconstraints:", ("derived.latency_s",)),
    ("derived column named error", "constraints:",
     "derived: {error: dsp_used * 2}\nconstraints:", ("derived.error",)),
]:
    def _sweep_case(t, old=_old, new=_new, words=_words):
        assert old in SMALL
        spec = _sweep(t, SMALL.replace(old, new))
        return ["sweep", spec, "--out", t / "o", "--workers", "1", "--no-progress"], \
            refused("sweep.yaml", *words)
    CASES[_name] = _sweep_case


def _swept(t, text=SMALL):
    spec = _sweep(t, text)
    args = ["sweep", spec, "--out", t / "o", "--workers", "1", "--chunk-points", "16",
            "--no-progress"]
    with bounded():
        first = CliRunner().invoke(main, [str(a) for a in args])
    assert first.exit_code == 0, first.output
    return args, sorted((t / "o" / "points").glob("*.parquet"))


@case("objective on a string column crashes pareto")
def _(t):
    spec = SMALL.replace("  - {column: dsp_used, goal: min}",
                         "  - {column: dsp_used, goal: min}\n  - {column: workload, goal: min}")
    return ["sweep", _sweep(t, spec), "--out", t / "o", "--workers", "1", "--no-progress"], \
        refused("objectives.2.column", "text")


@case("pareto on a string column")
def _(t):
    _swept(t)
    return ["pareto", t / "o", "--x", "latency_s", "--y", "workload"], refused("workload")


def _resumed_whole(result, t):
    """The resume succeeds and reads back the sweep's 144 rows, each point once."""
    assert result.exit_code == 0, (result.output, result.exception)
    from accelsim.explore.results import SweepResults

    frame = SweepResults(t / "o").frame
    assert len(frame) == 144 and not frame.duplicated(["point", "workload"]).any()


for _name, _damage in [("store: a truncated chunk", lambda d, other: d[: len(d) // 2]),
                       ("store: a garbage chunk", lambda d, other: b"PAR1 junk" * 50),
                       ("store: a single-bit flip in a chunk",
                        lambda d, other: d[:100] + bytes([d[100] ^ 1]) + d[101:]),
                       ("store: a chunk replaced by another", lambda d, other: other)]:
    def _damaged_case(t, damage=_damage):
        args, chunks = _swept(t)
        chunks[0].write_bytes(damage(chunks[0].read_bytes(), chunks[1].read_bytes()))
        return args, _resumed_whole
    CASES[_name] = _damaged_case


@case("store: a copied chunk is read as duplicates")
def _(t):
    args, chunks = _swept(t)
    shutil.copy(chunks[0], chunks[0].with_name("copy.parquet"))
    return args, refused("copy.parquet", "not a chunk of this sweep")


@case("store: a non-JSON sweep.json found only after the sweep")
def _(t):
    (t / "o").mkdir()
    (t / "o" / "sweep.json").write_text("{not json")
    return ["sweep", _sweep(t, SMALL), "--out", t / "o", "--workers", "1", "--no-progress"], \
        refused("sweep.json")


@case("store: a foreign file in points/ found only after the sweep")
def _(t):
    (t / "o" / "points").mkdir(parents=True)
    (t / "o" / "points" / "mine.csv").write_text("a,b\n")
    return ["sweep", _sweep(t, SMALL), "--out", t / "o", "--workers", "1", "--no-progress"], \
        refused("mine.csv")


@case("store: deletes a user's points/.*.tmp")
def _(t):
    (t / "o" / "points").mkdir(parents=True)
    (t / "o" / "points" / ".notes.tmp").write_text("mine")

    def kept(result, t):
        assert (t / "o" / "points" / ".notes.tmp").read_text() == "mine"
    return ["sweep", _sweep(t, SMALL), "--out", t / "o", "--workers", "1", "--no-progress"], \
        kept


# ---- traces and outputs ------------------------------------------------------------------
TRACE_LAYERS = {"name": "tiny", "batch": 1, "layers": [
    {"name": "fc1", "kind": "fc", "in_features": 6, "out_features": 4, "weight": "w"}]}


def _trace_source(t, layers=TRACE_LAYERS, **arrays):
    rng = np.random.default_rng(0)
    np.savez(t / "w.npz", **(arrays or {"w": rng.normal(size=(4, 6))}))
    (t / "layers.json").write_text(json.dumps(layers))
    return ["trace", "from-npz", t / "w.npz", "--layers", t / "layers.json"]


@case("trace -o X/result.json deletes X/result.masks/ and a user file in it")
def _(t):
    args = _trace_source(t) + ["-o", t / "X" / "result.json"]
    (t / "X" / "result.masks").mkdir(parents=True)
    (t / "X" / "result.masks" / "notes.txt").write_text("mine")

    def kept(result, t):
        assert (t / "X" / "result.masks" / "notes.txt").read_text() == "mine"
        refused("result.masks")(result, t)
    return args, kept


@case('trace npz: "weight": 5')
def _(t):
    layers = {**TRACE_LAYERS, "layers": [{**TRACE_LAYERS["layers"][0], "weight": 5}]}
    return _trace_source(t, layers) + ["-o", t / "o.json"], refused("layers.0.weight")


@case("trace npz: NaN weights (SVD did not converge)")
def _(t):
    return _trace_source(t, w=np.full((4, 6), np.nan)) + ["-o", t / "o.json", "--rank-error",
                                                          "0.1"], refused("NaN")


@case("trace npz: an .npy file")
def _(t):
    args = _trace_source(t)
    np.save(t / "x.npy", np.ones((4, 6)))
    (t / "x.npy").rename(t / "w.npz")
    return args + ["-o", t / "o.json"], refused("w.npz", "not an .npz file")


@case("trace sparsify: SNIP samples of the wrong width")
def _(t):
    _trace_source(t)
    np.savez(t / "s.npz", x=np.ones((5, 7)), y=np.zeros(5, dtype=np.int64))
    return ["trace", "sparsify", t / "w.npz", "--layers", t / "layers.json", "--method", "snip",
            "--sparsity", "0.5", "--samples", t / "s.npz", "-o", t / "o.json"], refused(
        "s.npz", "x must be samples x 6")


@case("trace onnx: a Conv group inconsistent with its input")
def _(t):
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 1, 3, 3), dtype=np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", group=3)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 2, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 4, 6, 6])], [weight])
    onnx = pytest.importorskip("onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              t / "m.onnx")
    return ["trace", "from-onnx", t / "m.onnx", "-o", t / "o.json"], refused("m.onnx", "group")


@case("run -o no/such/dir/x.txt")
def _(t):
    return ["run", VC707, ALEXNET, "-o", t / "no" / "such" / "x.txt"], refused("x.txt")


@case("run --plot x.xyz")
def _(t):
    return ["run", ROOT / "archs" / "cluster_gtx1080_1gbe.yaml", ALEXNET, "--plot",
            t / "x.xyz"], refused("--plot")


@case("a file name with a newline splits the one line")
def _(t):
    return ["run", t / "a\nb.yaml", ALEXNET], refused("a\\nb.yaml")


@case("an error in a file a sweep references names the sweep file and field")
def _(t):
    (t / "bad.json").write_text('{"batch": 1, "batch": 2}')
    spec = _sweep(t, SMALL.replace("workloads: [", f"workloads: [{t / 'bad.json'}, "))
    return ["sweep", spec, "--out", t / "o", "--workers", "1", "--no-progress"], refused(
        f"{spec}: workloads.0: {t / 'bad.json'}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_reproducer(tmp_path, name):
    args, check = CASES[name](tmp_path)
    check(invoke(args), tmp_path)


@pytest.mark.parametrize("seed", [-1, 1.5])
def test_reproducer_eie_seed_through_the_api(seed):
    """EIE options.seed: -1 crashed and 1.5 exhausted memory when given to the registry's
    simulate (what a sweep worker or a script calls): one EngineError line, at once."""
    from accelsim.errors import AccelsimError
    from accelsim.registry import simulate
    from accelsim.spec import load_arch, load_workload

    arch, workload = load_arch(EIE), load_workload(ROOT / "workloads" / "eie_fc_dense.json")
    with bounded(seconds=20), pytest.raises(AccelsimError, match="seed") as info:
        simulate(arch, workload, {"seed": seed})
    assert "\n" not in info.value.one_line()


def _macs(doc, row) -> float:
    """A JSON row's dense MACs (JSON carries MACs in one fixed unit, ``dense_macs``)."""
    assert doc["columns"]["dense_macs"] == "dense_macs"
    return round(row["dense_macs"])
