"""The calibration registry against the arch files' CALIBRATED comments, value by value."""

import re
from pathlib import Path

import pytest

from accelsim import calibration
from accelsim.spec import load_arch

ROOT = Path(__file__).resolve().parents[1]
# the shipped arch files, and this machine's calibrated CPU (the validation reports' arch)
ARCHS = sorted((ROOT / "archs").glob("*.yaml")) + [ROOT / "reports/validation/local_cpu.yaml"]
LINE = re.compile(r"^\s+(\w+):\s*([^#\s]+)\s*#.*\bCALIBRATED\b")


def commented(path: Path) -> dict[str, float]:
    """{parameter: value} of every `key: value  # ... CALIBRATED ...` line."""
    return {m.group(1): float(m.group(2)) for m in map(LINE.match, path.read_text().splitlines())
            if m}


@pytest.mark.parametrize("path", ARCHS, ids=lambda p: p.stem)
def test_registry_and_calibrated_comments_agree(path):
    arch = load_arch(path)
    registry = {k: v for k, (v, _) in calibration.CALIBRATED.get(arch.name, {}).items()}
    assert commented(path) == pytest.approx(registry)
    # and the arch still holds every registered value
    assert set(calibration.registered(arch.name, arch.config)) == set(registry)


def test_every_fit_in_the_registry_is_used_and_names_a_shipped_device():
    names = {load_arch(p).name for p in ARCHS}
    used = {fit for params in calibration.CALIBRATED.values() for _, fit in params.values()}
    assert used == set(calibration.FITS)
    assert {f.device for f in calibration.FITS.values()} <= names


def test_borrowed_values_are_noted_and_own_fits_are_not():
    a100 = load_arch(ROOT / "archs/a100.yaml")
    notes = calibration.borrowed_notes(a100.name, a100.config)
    assert any("gtx_titan_black" in n and "not calibrated on this device" in n for n in notes)
    black = load_arch(ROOT / "archs/gtx_titan_black.yaml")
    assert not any("gtx_titan_black fit" in n
                   for n in calibration.borrowed_notes(black.name, black.config))


def test_fitted_on_matches_scoreboard_items_by_pattern():
    assert calibration.fitted_on("s000_table24", "gpu csr conv3 speedup") == ["table24_gpu"]
    assert calibration.fitted_on("s000_terngrad_scaling",
                                 "GoogLeNet gains less (both clusters)") == []
    assert calibration.fitted_on("eie_table4", "Alex-6 actual µs") == []
