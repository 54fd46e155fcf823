"""File formats: arch YAML and workload JSON, validated against shipped JSON Schemas."""

from accelsim.spec.arch import Arch, load_arch
from accelsim.spec.workload import load_workload

__all__ = ["Arch", "load_arch", "load_workload"]
