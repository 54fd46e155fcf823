"""The published-results scoreboard runs in CI on a subset (the SCNN sweeps are left out for
time). A case that passed in the committed scoreboard (reports/published.csv) must not start
failing, and no committed case may disappear."""

from pathlib import Path

import pandas as pd
import pytest

from accelsim.validate import scoreboard as pub

ROOT = Path(__file__).resolve().parents[2]
SUBSET = (pub.score_table1, pub.score_table24, pub.score_table34_36, pub.score_eie,
          pub.score_terngrad, pub.score_traces)


@pytest.fixture(scope="module")
def committed():
    return pd.read_csv(ROOT / "reports" / "published.csv")


@pytest.mark.parametrize("case", SUBSET, ids=lambda f: f.__name__)
def test_no_case_that_passed_starts_failing(case, committed):
    now = pd.DataFrame(case(ROOT)).set_index(["case", "item"])
    before = committed.set_index(["case", "item"]).loc[now.index.unique(level=0).tolist()]
    assert set(before.index) == set(now.index)
    regressions = [key for key in before.index
                   if before.loc[key, "status"] == "pass" and now.loc[key, "status"] != "pass"]
    assert regressions == []


def test_every_scoreboard_case_is_in_the_committed_report(committed):
    names = {"score_table1": "s001_table1_vc707", "score_table24": "s000_table24",
             "score_eie": "eie_table4", "score_terngrad": "s000_terngrad_scaling",
             "score_sparse_sweeps": "scnn_density", "score_scnn_networks": "scnn_networks",
             "score_table34_36": "s000_table34", "score_traces": "s002_table4_1_snip"}
    assert {names[f.__name__] for f in pub.SCOREBOARD} <= set(committed.case)


def test_rows_say_what_they_were_fitted_on():
    rows = pub.score_terngrad(ROOT)
    fitted = {r["item"]: r["fitted_on"] for r in rows}
    assert fitted["alexnet_ethernet TernGrad gain, 8 GPUs"] is True
    assert fitted["vgg_a_infiniband TernGrad gain, 512 GPUs"] is False
