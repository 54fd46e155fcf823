"""Event-level engines stay bounded at any size (issue 17): EIE and SCNN simulate at most a
fixed number of samples and input vectors (SCNN: and output channels), scale their counts
and say so in the notes; a layer too large to hold is refused in one line. The bound is
asserted on the work done (what the engine's ``run_layer`` is handed), not timed: speed is
measured in bench/."""

from dataclasses import replace

import pytest

from accelsim.engines import eie, scnn
from accelsim.model import masks as mk
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
MODULES = {"eie": eie, "scnn": scnn}


def _simulated(monkeypatch, engine) -> list[tuple[int, int]]:
    """(samples, input vectors) of every layer the engine's event-level ``run_layer`` runs
    from now on (a conv's sample is one vector: SCNN caps its samples)."""
    module, calls = MODULES[engine], []
    original = module.run_layer

    def spy(layer, batch, *args):
        per_sample = 1 if layer.kind == "conv" else mk.vectors_per_sample(layer)
        calls.append((batch, batch * per_sample))
        return original(layer, batch, *args)

    monkeypatch.setattr(module, "run_layer", spy)
    return calls


@pytest.mark.parametrize("engine", ["eie", "scnn"])
def test_a_batch_of_a_million_is_sampled_scaled_and_noted(engine, monkeypatch):
    arch = load_arch(ROOT / "archs" / f"{engine}.yaml")
    small = workload_from_dict({"schema_version": 1, "name": "w", "source": "test",
                                "batch": CAP[engine], "layers": [LAYERS[engine]]})
    calls = _simulated(monkeypatch, engine)
    huge = simulate(arch, replace(small, batch=10 ** 6), {})
    assert calls == [(CAP[engine], CAP[engine])]  # CAP one-vector samples, not 10^6
    direct = simulate(arch, small, {})  # the samples the huge batch simulates, run directly
    factor = 10 ** 6 / CAP[engine]
    assert huge.layers[0].cycles == round(direct.layers[0].cycles * factor)
    assert huge.layers[0].effective_macs == pytest.approx(direct.layers[0].effective_macs
                                                          * factor, abs=1)
    assert any(f"{CAP[engine]} of the 1000000 samples simulated" in n for n in huge.notes)
    assert not any("samples simulated" in n for n in direct.notes)


VECTORS = {"lstm": ({"name": "l", "kind": "lstm", "input_size": 24, "hidden_size": 16,
                     "weight_density": 0.3, "activation_density": 0.5}, "timesteps"),
           "matmul": ({"name": "m", "kind": "matmul", "in_features": 48, "out_features": 32,
                       "weight_density": 0.3, "activation_density": 0.5}, "columns")}


@pytest.mark.parametrize("engine", ["eie", "scnn"])
@pytest.mark.parametrize("kind", ["lstm", "matmul"])
def test_a_million_steps_or_columns_are_sampled_scaled_and_noted(engine, kind, monkeypatch):
    """An LSTM of 10^6 steps (a matmul of 10^6 columns) runs its first CAP vectors: the
    counts are those of the CAP-vector layer run directly, times 10^6 / CAP."""
    arch = load_arch(ROOT / "archs" / f"{engine}.yaml")
    layer, field = VECTORS[kind]
    small = workload_from_dict({"schema_version": 1, "name": "w", "source": "test",
                                "batch": 1, "layers": [{**layer, field: CAP[engine]}]})
    huge = workload_from_dict({"schema_version": 1, "name": "w", "source": "test",
                               "batch": 1, "layers": [{**layer, field: 10 ** 6}]})
    calls = _simulated(monkeypatch, engine)
    big = simulate(arch, huge, {})
    assert calls == [(1, CAP[engine])]  # one sample of CAP vectors, not 10^6
    direct = simulate(arch, small, {})
    factor = 10 ** 6 / CAP[engine]
    assert big.layers[0].cycles == round(direct.layers[0].cycles * factor)
    assert big.layers[0].dense_macs == direct.layers[0].dense_macs * factor  # by the shape
    what = "time steps" if kind == "lstm" else "columns"
    assert any(f"{CAP[engine]} of the 1000000 {what} of a sample simulated" in n
               for n in big.notes), big.notes


def test_scnn_samples_the_output_channels_of_a_layer_with_many_weights(monkeypatch):
    """Above MAX_SIMULATED_WEIGHTS non-zero weights SCNN runs the first output channels:
    a dense 64 x 256 fc with a 4,096-weight cap runs 16 of its 256 outputs (4,096 / 256
    inputs), and every count is the 16-output layer's times 256 / 16 = 16."""
    arch = load_arch(ROOT / "archs" / "scnn.yaml")
    layer = {"name": "f", "kind": "fc", "in_features": 256, "activation_density": 1.0}

    def run(outputs):
        return simulate(arch, workload_from_dict({
            "schema_version": 1, "name": "w", "source": "test", "batch": 2,
            "layers": [{**layer, "out_features": outputs}]}), {}).layers[0]

    direct = run(16)
    monkeypatch.setattr(scnn, "MAX_SIMULATED_WEIGHTS", 4096)
    sampled = simulate(arch, workload_from_dict({
        "schema_version": 1, "name": "w", "source": "test", "batch": 2,
        "layers": [{**layer, "out_features": 256}]}), {})
    row = sampled.layers[0]
    assert any("16 of the 256 output channels simulated" in n for n in sampled.notes)
    assert row.extra["pairs"] == 16 * direct.extra["pairs"]
    # dense weights and activations: every product is a valid MAC, 2 x 256 x 256 of them
    assert row.effective_macs == row.dense_macs == 2 * 256 * 256


@pytest.mark.parametrize("engine, layer", [
    ("eie", {"name": "f", "kind": "fc", "in_features": 2 ** 24, "out_features": 2 ** 24}),
    ("scnn", {"name": "c", "kind": "conv", "in_channels": 3, "out_channels": 8, "kernel": 3,
              "in_hw": 65536}),
    ("scnn", {"name": "d", "kind": "conv", "in_channels": 8192, "out_channels": 8192,
              "groups": 8192, "kernel": 1, "in_hw": 1}),
])
def test_a_layer_too_large_to_simulate_is_one_line_at_once(engine, layer, monkeypatch):
    """A schema-valid layer beyond what the event-level engines hold (2^48 weights; 1.3e10
    activations; 8,192 one-by-one group passes) is refused in one line before any of it is
    simulated, not run out of memory or for hours."""
    from accelsim.errors import EngineError

    arch = load_arch(ROOT / "archs" / f"{engine}.yaml")
    workload = workload_from_dict({"schema_version": 1, "name": "w", "source": "test",
                                   "batch": 1, "layers": [layer]})
    calls = _simulated(monkeypatch, engine)
    with pytest.raises(EngineError, match="too large for the .* event-level simulation"):
        simulate(arch, workload, {})
    assert calls == []
