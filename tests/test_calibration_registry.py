"""The calibration registry against the arch files' CALIBRATED comments, value by value."""

import re
from pathlib import Path

import pytest

from accelsim import calibration
from accelsim.spec import load_arch

ROOT = Path(__file__).resolve().parents[1]
# the shipped arch files, and this machine's calibrated CPU (the validation reports' arch)
ARCHS = sorted((ROOT / "archs").glob("*.yaml")) + [ROOT / "reports/validation/local_cpu.yaml"]
GPU_ARCHS = [p for p in ARCHS if load_arch(p).engine == "gpu"]


def commented(path: Path, word: str = "CALIBRATED") -> dict[str, float]:
    """{parameter: value} of every `key: value  # ... WORD ...` line."""
    line = re.compile(rf"^\s+(\w+):\s*([^#\s]+)\s*#.*\b{word}\b")
    return {m.group(1): float(m.group(2)) for m in map(line.match, path.read_text().splitlines())
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


@pytest.mark.parametrize("path", GPU_ARCHS, ids=lambda p: p.stem)
def test_prior_registry_and_prior_comments_agree(path):
    arch = load_arch(path)
    registry = {k: v for k, (v, _) in calibration.PRIOR_VALUES.get(arch.name, {}).items()}
    assert commented(path, "PRIOR") == pytest.approx(registry)
    assert set(calibration.held_priors(arch.name, arch.config)) == set(registry)
    # a value is a fit or a prior, never both
    assert not set(registry) & set(calibration.CALIBRATED.get(arch.name, {}))


def test_newer_gpus_take_tile_and_peak_from_published_priors_not_the_kepler_fit():
    """The A100's max_efficiency, memory efficiency and tile are priors (Calculon, NVIDIA's
    GEMM guide): no LLMCompass row is a fit any more, and the notes say where each came from."""
    a100 = load_arch(ROOT / "archs/a100.yaml")
    assert calibration.fitted_on("llmcompass_a100_gemm", "16384x12288x12288 fp16 ms") == []
    notes = calibration.borrowed_notes(a100.name, a100.config)
    tile_note = next(n for n in notes if n.startswith("tile_m 64, tile_n 64"))
    assert "256x128 down to 64x64" in tile_note and "a published prior" in tile_note
    assert any(n.startswith("max_efficiency 0.95, memory_efficiency 0.9") and "Calculon" in n
               for n in notes)
    borrowed = next(n for n in notes if "gtx_titan_black fit" in n)
    assert "tile_m" not in borrowed and "k_half" in borrowed
    h100 = load_arch(ROOT / "archs/h100.yaml")
    assert any("Calculon" in n and "describes a100_sxm4_80g, not this device" in n
               for n in calibration.borrowed_notes(h100.name, h100.config))
