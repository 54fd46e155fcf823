"""Start-up: the command line and ``import accelsim`` load heavy modules only on the paths
that need them (bench/bench_startup.py measures the time; this checks what is imported)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "matplotlib", "dask", "scipy", "torch", "onnx", "pyarrow")
# slow to import, and not needed by a valid run of a built-in engine printing its table
SPARED = ("jsonschema", "referencing", "rich", "importlib.metadata")
ENGINES = ("cluster", "eie", "fpga", "roofline", "scnn", "systolic", "time_to_train")

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
cli("run", "archs/vc707.yaml", "workloads/alexnet_ssl.json")
seen["accelsim run (fpga)"] = loaded()
seen["spared"] = sorted(m for m in {spared!r} if m in sys.modules)
from threadpoolctl import threadpool_info
import os
seen["blas threads"] = sorted({{i["num_threads"] for i in threadpool_info()
                               if i["internal_api"] == "openblas"}})
seen["blas variable left"] = "OPENBLAS_NUM_THREADS" in os.environ
seen["engines"] = sorted(m.rsplit(".", 1)[1] for m in sys.modules
                         if m.startswith("accelsim.engines.") and m.rsplit(".", 1)[1] in {engines!r})
print(json.dumps(seen))
"""


def test_cli_and_import_load_no_heavy_module(tmp_path):
    heavy = (*HEAVY, "numpy")  # --help and import accelsim need not even numpy
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(heavy=heavy, spared=SPARED,
                                                                engines=ENGINES)],
                          cwd=ROOT, capture_output=True, text=True, check=True,
                          env={k: v for k, v in os.environ.items()
                               if k != "OPENBLAS_NUM_THREADS"})
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["import accelsim"] == []
    assert seen["accelsim --help"] == []
    assert seen["accelsim run (fpga)"] == ["numpy"]  # the engines compute with numpy
    # a valid arch and workload are not shown to jsonschema, the table is not drawn by
    # rich, plug-ins are not looked for, and only the engine the arch names is imported
    assert seen["spared"] == []
    assert seen["engines"] == ["fpga"]
    # numpy was loaded with one BLAS thread (no spinning workers), and the variable that
    # asked for it is gone
    assert seen["blas threads"] in ([1], []) and not seen["blas variable left"]
    assert done.stdout.count("conv") >= 5 and "TOTAL" in done.stdout  # the run did run
