"""Event-level engines stay bounded at any batch (issue 17): EIE and SCNN simulate at most a
fixed number of samples, scale their counts to the batch and say so in the notes."""

import time
from dataclasses import replace

import pytest

from accelsim.engines import eie, scnn
from accelsim.registry import simulate
from accelsim.spec import load_arch
from accelsim.spec.workload import workload_from_dict
from tests.conftest import ROOT

LAYERS = {"eie": {"name": "f", "kind": "fc", "in_features": 96, "out_features": 64,
                  "weight_density": 0.2, "activation_density": 0.5},
          "scnn": {"name": "c", "kind": "conv", "in_channels": 8, "out_channels": 16,
                   "kernel": 3, "in_hw": 10, "padding": 1, "weight_density": 0.4,
                   "activation_density": 0.5}}
CAP = {"eie": eie.MAX_SIMULATED_VECTORS, "scnn": scnn.MAX_SIMULATED_SAMPLES}


@pytest.mark.parametrize("engine", ["eie", "scnn"])
def test_a_batch_of_a_million_is_sampled_scaled_and_noted(engine):
    arch = load_arch(ROOT / "archs" / f"{engine}.yaml")
    small = workload_from_dict({"schema_version": 1, "name": "w", "source": "test",
                                "batch": CAP[engine], "layers": [LAYERS[engine]]})
    began = time.monotonic()
    huge = simulate(arch, replace(small, batch=10 ** 6), {})
    assert time.monotonic() - began < 60  # without sampling: a loop over 10^6 samples
    direct = simulate(arch, small, {})  # the samples the huge batch simulates, run directly
    factor = 10 ** 6 / CAP[engine]
    assert huge.layers[0].cycles == round(direct.layers[0].cycles * factor)
    assert huge.layers[0].effective_macs == pytest.approx(direct.layers[0].effective_macs
                                                          * factor, abs=1)
    assert any(f"{CAP[engine]} of the 1000000 samples simulated" in n for n in huge.notes)
    assert not any("samples simulated" in n for n in direct.notes)
