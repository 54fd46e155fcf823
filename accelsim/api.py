"""The Python entry point to simulation: :func:`simulate` takes parsed objects or the paths
of their files, and its option errors name options as the keys a Python caller passes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from accelsim import registry
from accelsim.engines.result import Result
from accelsim.model import Workload
from accelsim.spec.arch import Arch, load_arch
from accelsim.spec.workload import load_workload


def simulate(arch: Arch | str | os.PathLike[str], workload: Workload | str | os.PathLike[str],
             options: Mapping[str, Any] | None = None) -> Result:
    """Run ``workload`` on ``arch`` (each a parsed object or the path of its file) with the
    engine the arch names. ``options`` maps option names to values (``accelsim list`` shows
    each engine's, e.g. ``{"kernel": "csr"}`` for the roofline); an unknown option or a bad
    value raises :class:`accelsim.EngineError` naming the key."""
    if not isinstance(arch, Arch):
        arch = load_arch(arch)
    if not isinstance(workload, Workload):
        workload = load_workload(workload)
    return registry.simulate(arch, workload, options, python=True)
