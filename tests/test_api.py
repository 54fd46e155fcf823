"""The Python API: what ``accelsim`` exports, typed (mypy --strict), and README's examples."""

import dataclasses
import inspect
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import accelsim
from accelsim import registry
from accelsim.engines import fpga

ROOT = Path(__file__).resolve().parents[1]


def test_every_export_resolves_and_is_fully_annotated():
    """Each public function, and each public method of an exported class, annotates every
    parameter and its return (the dataclasses' generated __init__ included)."""
    missing = []
    for name in accelsim.__all__:
        obj = getattr(accelsim, name)
        assert name in dir(accelsim)
        if name == "__version__":
            assert isinstance(obj, str)
            continue
        members = ([(f"{name}.{attr}", m) for attr, m in vars(obj).items()
                    if not attr.startswith("_") or attr in ("__init__", "_repr_html_")]
                   if inspect.isclass(obj) else [(name, obj)])
        for where, member in members:
            member = member.fget if isinstance(member, property) else member
            if not inspect.isfunction(member):
                continue
            sig = inspect.signature(member)
            missing += [f"{where}({p})" for p, param in sig.parameters.items()
                        if p not in ("self", "cls") and param.annotation is param.empty]
            if sig.return_annotation is sig.empty and not where.endswith("__init__"):
                missing.append(f"{where} -> ?")
    assert missing == []
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        accelsim.nope  # noqa: B018


MYPY_FILES = ["accelsim/__init__.py", "accelsim/api.py", "accelsim/errors.py",
              "accelsim/spec/arch.py", "accelsim/spec/workload.py", "accelsim/engines/result.py",
              "accelsim/model/workload.py", "accelsim/model/layer.py",
              "accelsim/explore/results.py", "tests/typecheck/api_usage.py"]


def test_mypy_strict_on_the_public_api():
    """The modules that define the exports, and a user's calls of every export
    (tests/typecheck/api_usage.py, with assert_type on what each returns). The cache in
    .mypy_cache makes reruns fast (the first run reads numpy's and pandas' stubs)."""
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--cache-dir", str(ROOT / ".mypy_cache"), *MYPY_FILES], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


def test_simulate_takes_paths_or_objects(vc707, alexnet_ssl):
    by_path = accelsim.simulate(ROOT / "archs/vc707.yaml", str(ROOT / "workloads/alexnet_ssl.json"))
    assert by_path == accelsim.simulate(vc707, alexnet_ssl)


def test_option_errors_name_the_python_key():
    with pytest.raises(accelsim.EngineError) as unknown:
        accelsim.simulate(ROOT / "archs/a100.yaml", ROOT / "workloads/alexnet_ssl.json",
                          {"kernal": "csr"})
    assert "option 'kernal' does not apply to the gpu engine" in unknown.value.message
    assert "'kernel'" in unknown.value.message and "--" not in unknown.value.message
    with pytest.raises(accelsim.EngineError, match="option 'kernel': got 'cs', allowed: auto"):
        accelsim.simulate(ROOT / "archs/a100.yaml", ROOT / "workloads/alexnet_ssl.json",
                          {"kernel": "cs"})
    # an engine's own message about an option too (the A100 file gives no fp8 peak)
    with pytest.raises(accelsim.EngineError, match=r"run another precision \(option "
                                                   r"'precision'\) or dtype"):
        accelsim.simulate(ROOT / "archs/a100.yaml", ROOT / "workloads/alexnet_ssl.json",
                          {"precision": "fp8"})
    # the command line keeps the flags
    with pytest.raises(accelsim.EngineError, match=r"\(option --precision\)"):
        registry.simulate(accelsim.load_arch(ROOT / "archs/a100.yaml"),
                          accelsim.load_workload(ROOT / "workloads/alexnet_ssl.json"),
                          {"precision": "fp8"})


def test_with_changes_one_field_as_nested_replace_would(vc707):
    changed = vc707.with_(macs_per_pe=32, clock_hz=100e6)
    by_hand = dataclasses.replace(vc707, clock_hz=100e6, config=dataclasses.replace(
        vc707.config, macs_per_pe=32, clock_hz=100e6))
    assert changed.config == by_hand.config and changed.clock_hz == 100e6
    assert changed.document["fpga"]["macs_per_pe"] == 32  # later changes are checked on it
    assert vc707.config.macs_per_pe == 16  # the original is untouched


def test_with_dotted_path_changes_a_nested_block():
    cluster = accelsim.load_arch(ROOT / "archs/cluster_dgx_a100.yaml")
    slow = cluster.with_(**{"network.bandwidth_bytes_per_s": 1.25e9})
    assert slow.config.network.bandwidth_bytes_per_s == 1.25e9
    assert slow.config.intra_node == cluster.config.intra_node


def test_with_errors_list_fields_and_check_values(vc707):
    with pytest.raises(accelsim.SpecError) as unknown:
        vc707.with_(macs_per_p=32)
    message = unknown.value.message
    assert "'macs_per_p' is not a field of the fpga arch (did you mean 'macs_per_pe'?)" in message
    assert "dsp_slices" in message and "clock_hz" in message
    with pytest.raises(accelsim.SpecError, match=r"2 problems: fpga\.dsp_slices: must be an "
                                                 r"integer.*fpga\.macs_per_pe: got 0, must be >= 1"):
        vc707.with_(macs_per_pe=0, dsp_slices=1.5)


def test_to_frame_has_numeric_columns_with_nan(vc707, alexnet_ssl):
    """The FPGA engine models no energy: energy_j is a float column of NaN, not None."""
    frame = accelsim.simulate(vc707, alexnet_ssl).to_frame()
    assert frame["energy_j"].dtype == float and frame["energy_j"].isna().all()
    for column in ("dense_macs", "cycles", "seconds", "utilization", "dram_bytes", "pes"):
        assert frame[column].dtype.kind in "if", column
    assert frame.attrs["engine"] == "fpga"


def test_repr_html_shows_rows_and_escaped_notes(vc707, alexnet_ssl):
    result = accelsim.simulate(vc707, alexnet_ssl)
    result = dataclasses.replace(result, notes=("<b>x</b> & y",))
    html = result._repr_html_()
    assert html.count("<tr") == 1 + len(result.layers)  # header + one per layer
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html and "<b>x</b>" not in html
    assert "alexnet_ssl" in html and "fpga engine" in html


def test_workload_from_dict_checks_the_schema():
    with pytest.raises(accelsim.SpecError, match=r"layers\.0: unknown field 'kernal' \(did "
                                                 r"you mean 'kernel'\?\)"):
        accelsim.workload_from_dict({"schema_version": 1, "name": "w", "source": "t",
                                     "batch": 1, "layers": [{"name": "c", "kind": "conv",
                                                             "kernal": 3}]})


def test_one_point_runs_the_search_as_python_and_matches_the_compiled_search(vc707):
    """simulate (one design point) and simulate_batch (two) give the same cycles."""
    workload = accelsim.load_workload(ROOT / "workloads/alexnet_ssl.json")
    single = accelsim.simulate(vc707, workload).totals()["cycles"]
    batch = fpga.simulate_batch(vc707, workload, {"macs_per_pe": [16, 16]})["cycles"]
    assert list(batch) == [single, single]


def _readme_python_blocks():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_api_blocks_run(tmp_path, monkeypatch):
    blocks = _readme_python_blocks()
    assert len(blocks) == 2
    for name in ("archs", "workloads"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md (Python API)", "exec"), namespace)
    slower, result = namespace["slower"], namespace["result"]
    # half the clock: each compute-bound layer takes twice as long, so the total grows
    assert slower.totals()["seconds"] > result.totals()["seconds"]
    assert namespace["ethernet"].config.network.bandwidth_bytes_per_s == 1.25e9
    assert list(namespace["rows"]["macs_per_pe"]) == [8, 16, 32]
    assert "<table" in namespace["html"]
    assert not math.isnan(namespace["on_gpu"].totals()["seconds"])
    pytest.importorskip("torch")
    namespace = {}
    exec(compile(blocks[1], "README.md (Python API, torch)", "exec"), namespace)
    assert [layer.kind for layer in namespace["workload"].layers] == ["fc", "fc"]
