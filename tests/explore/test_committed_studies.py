"""Every committed study (``reports/*/sweep.json``) is the sweep its README's regenerate
command runs, so that ``accelsim sweep SPEC --out reports/NAME`` resumes it in place on any
machine instead of refusing ("holds results of a different sweep"): the same spec, the
fingerprint its arch, workload and sweep files give now, and the chunks (size and names) the
runner cuts without a ``--chunk-points``. A change to a study's files without regenerating
it (``python reports/make_figures.py NAME``) fails here."""

import json
import re

import pytest

from accelsim import registry
from accelsim.explore.runner import default_chunk_points
from accelsim.explore.space import Space
from accelsim.explore.store import Store, chunk_name, chunk_ranges
from accelsim.spec.sweep import load_sweep
from tests.conftest import ROOT

STUDIES = sorted(p.parent for p in (ROOT / "reports").glob("*/sweep.json"))


def test_the_committed_studies_are_found():
    assert {d.name for d in STUDIES} >= {"dse_vc707", "dse_eie", "dse_systolic",
                                         "dse_cluster", "dse_time_to_train"}


@pytest.mark.parametrize("study", STUDIES, ids=lambda d: d.name)
def test_committed_study_is_what_its_regenerate_command_runs(study):
    manifest = json.loads((study / "sweep.json").read_text())
    commands = re.findall(r"accelsim sweep (\S+) --out reports/(\w+)",
                          (study / "README.md").read_text())
    assert commands == [(manifest["spec"], study.name)]  # the README regenerates this spec
    sweep = load_sweep(ROOT / manifest["spec"])
    assert manifest["fingerprint"] == sweep.fingerprint, (
        f"{study.name} is stale: its files changed since it was swept; regenerate it")
    space = Space(sweep)
    batch = registry.engine(sweep.arch.engine).simulate_batch is not None
    chunk = sweep.chunk_points or default_chunk_points(space.size, batch)
    assert (manifest["chunk_points"], manifest["points"]) == (chunk, space.size)
    names = {chunk_name(sweep.fingerprint, *r)
             for r in chunk_ranges(space.size, chunk, len(sweep.workloads))}
    assert set(manifest["chunks"]) == names
    # the runner's own check before any work (it raises where the sweep would refuse)
    Store(study).inspect(names, {"fingerprint": sweep.fingerprint, "chunk_points": chunk})


class _Accepted(Exception):
    """The runner got past its refusal checks (raised where its real work would begin)."""


@pytest.mark.parametrize("workers", [1, 4, 16])
@pytest.mark.parametrize("study", STUDIES, ids=lambda d: d.name)
def test_committed_study_resumes_with_any_number_of_workers(study, workers, tmp_path,
                                                            monkeypatch):
    # the default chunk size had been points // (8 × workers): the point-by-point studies
    # committed on 2 cores (EIE 81 // 16 = 5 points per chunk) refused 1, 4 or 16 workers
    import accelsim.explore.runner as runner

    def accepted(*args):
        raise _Accepted

    monkeypatch.setattr(runner, "check_columns", accepted)  # the first step after the checks
    copy = tmp_path / study.name
    copy.mkdir()
    (copy / "sweep.json").write_bytes((study / "sweep.json").read_bytes())
    manifest = json.loads((study / "sweep.json").read_text())
    with pytest.raises(_Accepted):
        runner.run_sweep(load_sweep(ROOT / manifest["spec"]), copy, workers=workers,
                         progress=False)
