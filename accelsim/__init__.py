"""accelsim: hardware-accelerator simulator and design-space explorer.

The Python API (README, "Python API"): load or build archs and workloads, simulate, sweep.
Every name below is imported on first use (module ``__getattr__``), so that ``import
accelsim`` and the command line start fast and load only what they use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers (``X as X``: exported)
    from accelsim.api import simulate as simulate
    from accelsim.engines.result import LayerResult as LayerResult
    from accelsim.engines.result import Result as Result
    from accelsim.errors import AccelsimError as AccelsimError
    from accelsim.errors import EngineError as EngineError
    from accelsim.errors import SpecError as SpecError
    from accelsim.errors import WorkloadError as WorkloadError
    from accelsim.explore.results import SweepResults as SweepResults
    from accelsim.explore.runner import RunSummary as RunSummary
    from accelsim.explore.runner import run_sweep as run_sweep
    from accelsim.model import Layer as Layer
    from accelsim.model import Workload as Workload
    from accelsim.spec.arch import Arch as Arch
    from accelsim.spec.arch import arch_from_dict as arch_from_dict
    from accelsim.spec.arch import load_arch as load_arch
    from accelsim.spec.sweep import Sweep as Sweep
    from accelsim.spec.sweep import load_sweep as load_sweep
    from accelsim.spec.workload import load_workload as load_workload
    from accelsim.spec.workload import workload_from_dict as workload_from_dict
    from accelsim.traces.extract import from_module as from_module

    __version__: str

_EXPORTS = {
    "AccelsimError": "accelsim.errors", "EngineError": "accelsim.errors",
    "SpecError": "accelsim.errors", "WorkloadError": "accelsim.errors",
    "Arch": "accelsim.spec.arch", "load_arch": "accelsim.spec.arch",
    "arch_from_dict": "accelsim.spec.arch",
    "Layer": "accelsim.model", "Workload": "accelsim.model",
    "load_workload": "accelsim.spec.workload", "workload_from_dict": "accelsim.spec.workload",
    "Result": "accelsim.engines.result", "LayerResult": "accelsim.engines.result",
    "simulate": "accelsim.api",
    "Sweep": "accelsim.spec.sweep", "load_sweep": "accelsim.spec.sweep",
    "run_sweep": "accelsim.explore.runner", "RunSummary": "accelsim.explore.runner",
    "SweepResults": "accelsim.explore.results",
    "from_module": "accelsim.traces.extract",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("accelsim")
        except PackageNotFoundError:  # running from a source tree without installation
            found = "0.0.0+local"
    elif name in _EXPORTS:
        found = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'accelsim' has no attribute {name!r}")
    globals()[name] = found  # looked up once
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
