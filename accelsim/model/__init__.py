"""The domain: layers, their GEMM view, sparsity and low-rank statistics, workloads."""

from accelsim.model.layer import (DTYPE_BYTES, DTYPES, GEMM_KINDS, LAYER_KINDS, VECTOR_KINDS,
                                  WEIGHT_KINDS, Gemm, Layer)
from accelsim.model.workload import Workload

__all__ = ["DTYPE_BYTES", "DTYPES", "GEMM_KINDS", "Gemm", "Layer", "LAYER_KINDS", "VECTOR_KINDS",
           "WEIGHT_KINDS", "Workload"]
