"""Design points: domains, grid order, and deterministic random / Latin-hypercube samples."""

from dataclasses import replace

import numpy as np
import pytest

from accelsim.explore.space import Space, domain_values, from_unit, unit_samples
from accelsim.spec.sweep import Parameter, Sampling, load_sweep


def _p(domain, settings):
    return Parameter(name="p", path=("fpga", "p"), domain=domain, settings=settings)


def test_domain_values():
    assert domain_values(_p("range", {"from": 8, "to": 64, "step": 8})).tolist() == list(
        range(8, 65, 8))
    assert domain_values(_p("range", {"from": 0.5, "to": 1.0, "step": 0.25})).tolist() == [
        0.5, 0.75, 1.0]
    assert domain_values(_p("log_range", {"from": 512, "to": 16384, "factor": 2})).tolist() == [
        512, 1024, 2048, 4096, 8192, 16384]
    assert domain_values(_p("log_range", {"from": 1e-3, "to": 1.0, "num": 4})) == pytest.approx(
        [1e-3, 1e-2, 1e-1, 1.0])
    assert domain_values(_p("range", {"from": 1, "to": 64, "step": 1})).dtype == np.int64


def test_uniform_domains_stay_inside_their_interval():
    u = np.linspace(0, 1, 1001, endpoint=False)
    ints = from_unit(_p("uniform", {"from": 3, "to": 7, "integer": True}), u)
    assert set(ints.tolist()) == {3, 4, 5, 6, 7}
    logs = from_unit(_p("uniform", {"from": 1e2, "to": 1e4, "log": True}), u)
    assert logs.min() >= 1e2 and logs.max() < 1e4
    assert np.median(logs) == pytest.approx(1e3, rel=0.02)  # log-uniform: median at 10^3


def test_grid_is_the_cartesian_product_in_c_order(write_spec):
    space = Space(load_sweep(write_spec()))
    assert space.size == 3 * 8 * 3
    points = space.points(0, space.size)
    assert (points["macs_per_pe"][0], points["max_pes"][0], points["pe_buffer_words"][:3].tolist()
            ) == (4, 8, [1024, 2048, 4096])
    assert len(set(zip(*(v.tolist() for v in points.values())))) == space.size
    chunked = [space.points(s, min(s + 7, space.size)) for s in range(0, space.size, 7)]
    for name, values in points.items():
        assert np.array_equal(np.concatenate([c[name] for c in chunked]), values)


@pytest.mark.parametrize("method", ["random", "latin_hypercube"])
def test_samples_are_deterministic_for_a_seed(write_spec, method):
    text = write_spec().read_text().replace(
        "objectives:", f"sampling: {{method: {method}, points: 50, seed: 7}}\nobjectives:")
    a = Space(load_sweep(write_spec(text, "a.yaml"))).points(0, 50)
    b = Space(load_sweep(write_spec(text, "b.yaml"))).points(0, 50)
    c = Space(load_sweep(write_spec(text.replace("seed: 7", "seed: 8"), "c.yaml"))).points(0, 50)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)
    assert set(a["macs_per_pe"].tolist()) <= {4, 8, 16}


def test_latin_hypercube_hits_every_stratum_once(write_spec):
    sweep = replace(load_sweep(write_spec()), sampling=Sampling("latin_hypercube", 40, 3))
    assert Space(sweep).size == 40
    u = unit_samples("latin_hypercube", 40, 3, 3)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 40).astype(int).tolist()) == list(range(40))
