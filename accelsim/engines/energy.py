"""Per-operation and per-access energy, shared by every engine that models energy.

Default table: Horowitz, 45 nm, as printed in EIE Table I (Han et al., EIE, ISCA 2016;
docs/SOURCES.md §1): 32-bit int add 0.1 pJ, int multiply 3.1 pJ,
float add 0.9 pJ, float multiply 3.7 pJ, 32-bit read of a 32 KB SRAM 5 pJ, 32-bit DRAM read
640 pJ.

Scaling (assumptions, stated so they can be changed in one place):

* **bit width** — adders and memory accesses scale linearly with bits; an integer multiplier
  scales as ``(bits/32)^α`` with ``α = log2 5 ≈ 2.32``, calibrated on the one stated ratio
  (Han et al., EIE, ISCA 2016: 16-bit fixed point multiplies use about 5× less energy
  than 32-bit fixed point).
* **SRAM size** — a read scales with ``sqrt(size / 32 KB)`` (bit-line length; the usual
  CACTI-style rule, not in the reference), floored at a 1 KB array.
* **technology** — every entry scales linearly with feature size, ``technology_nm / 45``
  (capacitance at constant voltage; an assumption, the reference gives only 45 nm).

Static (leakage) power is not modelled: the energies are dynamic energy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_PJ = 1e-12
_MULT_BIT_EXPONENT = math.log2(5.0)  # 32→16 bit: 5× less (Han et al., EIE, ISCA 2016)


@dataclass(frozen=True)
class EnergyTable:
    """Energy per operation in joules at ``technology_nm``; 32-bit reference entries."""

    technology_nm: float = 45.0
    int_add_32_j: float = 0.1 * _PJ
    int_mult_32_j: float = 3.1 * _PJ
    float_add_32_j: float = 0.9 * _PJ
    float_mult_32_j: float = 3.7 * _PJ
    sram_read_32b_32kb_j: float = 5.0 * _PJ
    dram_read_32b_j: float = 640.0 * _PJ

    @property
    def _tech(self) -> float:
        return self.technology_nm / 45.0

    def add_j(self, bits: int) -> float:
        """One fixed-point add of ``bits`` bits."""
        return self.int_add_32_j * bits / 32 * self._tech

    def mult_j(self, bits: int) -> float:
        """One fixed-point multiply of ``bits``-bit operands."""
        return self.int_mult_32_j * (bits / 32) ** _MULT_BIT_EXPONENT * self._tech

    def mac_j(self, bits: int, acc_bits: int | None = None) -> float:
        """A multiply of ``bits``-bit operands plus an ``acc_bits``-bit accumulate."""
        return self.mult_j(bits) + self.add_j(bits if acc_bits is None else acc_bits)

    def sram_j(self, bits: int, size_bytes: float) -> float:
        """One access of ``bits`` bits to an SRAM (or register file) of ``size_bytes``
        (numpy arrays broadcast, for batch evaluation)."""
        size_scale = np.sqrt(np.maximum(size_bytes, 1024.0) / 32768.0)
        return self.sram_read_32b_32kb_j * bits / 32 * size_scale * self._tech

    def dram_j(self, n_bytes: float) -> float:
        """Moving ``n_bytes`` over DRAM."""
        return self.dram_read_32b_j * n_bytes / 4 * self._tech

