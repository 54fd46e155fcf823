"""The shared energy table: EIE Table I values at 32 bits and 45 nm, and its scalings."""

import pytest

from accelsim.engines.energy import EnergyTable
from accelsim.spec.configs import energy_table


def test_reference_values():
    e = EnergyTable()
    assert e.add_j(32) == pytest.approx(0.1e-12)
    assert e.mult_j(32) == pytest.approx(3.1e-12)
    assert e.sram_j(32, 32 * 1024) == pytest.approx(5e-12)
    assert e.dram_j(4) == pytest.approx(640e-12)


def test_scalings():
    e = EnergyTable()
    assert e.mult_j(32) / e.mult_j(16) == pytest.approx(5.0)        # EIE: 16-bit is 5x less
    assert e.add_j(16) == pytest.approx(e.add_j(32) / 2)
    assert e.sram_j(32, 128 * 1024) == pytest.approx(2 * e.sram_j(32, 32 * 1024))
    assert e.sram_j(32, 10) == e.sram_j(32, 1024)                   # floor at 1 KB
    small = energy_table({"technology_nm": 16})
    assert small.mac_j(16, 24) == pytest.approx(EnergyTable().mac_j(16, 24) * 16 / 45)
    assert energy_table(None) == EnergyTable()
