"""accelsim: hardware-accelerator simulator and design-space explorer."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("accelsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

from accelsim.errors import AccelsimError, EngineError, SpecError, WorkloadError
from accelsim.spec import load_arch, load_workload
from accelsim.registry import simulate

__all__ = [
    "AccelsimError",
    "EngineError",
    "SpecError",
    "WorkloadError",
    "load_arch",
    "load_workload",
    "simulate",
    "__version__",
]
