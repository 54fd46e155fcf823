"""Start-up: the command line and ``import accelsim`` load heavy modules only on the paths
that need them (bench/bench_startup.py measures the time; this checks what is imported)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "matplotlib", "dask", "scipy", "torch", "onnx", "pyarrow")

# one fresh interpreter: the heavy top-level packages loaded after each step
SCRIPT = """
import json, sys
heavy = {heavy!r}
seen = {{}}
def loaded():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))
import accelsim
seen["import accelsim"] = loaded()
from accelsim.cli import main
def cli(*args):
    try:
        main(list(args))
    except SystemExit:
        pass
cli("--help")
seen["accelsim --help"] = loaded()
cli("run", "archs/vc707.yaml", "workloads/alexnet_ssl.json", "-o", sys.argv[1])
seen["accelsim run (fpga)"] = loaded()
print(json.dumps(seen))
"""


def test_cli_and_import_load_no_heavy_module(tmp_path):
    heavy = (*HEAVY, "numpy")  # --help and import accelsim need not even numpy
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(heavy=heavy),
                           str(tmp_path / "out.txt")], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["import accelsim"] == []
    assert seen["accelsim --help"] == []
    assert seen["accelsim run (fpga)"] == ["numpy"]  # the engines compute with numpy
    assert (tmp_path / "out.txt").read_text().count("conv") >= 5  # the run did run
