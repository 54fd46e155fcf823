"""The domain: layers, their GEMM view, sparsity and low-rank statistics, workloads."""

from accelsim.model.layer import Gemm, Layer, LAYER_KINDS
from accelsim.model.workload import Workload

__all__ = ["Gemm", "Layer", "LAYER_KINDS", "Workload"]
