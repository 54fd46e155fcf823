"""Merging timing runs (per kernel, the minimum over runs), the run log and the interleaved
order of a round. Nothing here times a kernel."""

import pandas as pd
from hypothesis import given, strategies as st

from accelsim.validate import timings


def frame(times, median=None):
    """A measured CSV's rows: kernel name → min_time_s (median: 2 × min unless given)."""
    return pd.DataFrame([{"name": n, "kernel": "dense", "time_s": (median or {}).get(n, 2 * t),
                          "min_time_s": t} for n, t in times.items()])


def test_merge_keeps_the_faster_row_per_kernel_and_names_its_run():
    committed = frame({"a": 1.0, "b": 5.0, "c": 3.0})
    new = frame({"b": 4.0, "c": 3.5, "d": 7.0})
    merged = timings.merge_minima(committed, new, run="r2")
    by = merged.set_index("name")
    # by hand: a only committed (1.0), b new is faster (4.0 < 5.0), c committed (3.0 < 3.5),
    # d only new (7.0); committed order first, then the new kernel
    assert list(merged.name) == ["a", "b", "c", "d"]
    assert by.min_time_s.to_dict() == {"a": 1.0, "b": 4.0, "c": 3.0, "d": 7.0}
    assert by.run.to_dict() == {"a": timings.EARLIER_RUNS, "b": "r2", "c": timings.EARLIER_RUNS,
                                "d": "r2"}
    # the whole row comes from the faster run: b's median is the new run's 8.0, not 10.0
    assert by.time_s["b"] == 8.0
    assert timings.improved(committed, merged, "r2") == 1  # b (d was not timed before)


def test_merge_drops_kernels_no_longer_timed_only_when_asked():
    committed = frame({"old": 1.0, "a": 2.0})
    new = frame({"a": 3.0})
    assert set(timings.merge_minima(committed, new, run="r").name) == {"old", "a"}
    assert list(timings.merge_minima(committed, new, run="r", keep=["a"]).name) == ["a"]


@given(st.lists(st.dictionaries(st.sampled_from("abcdef"),
                                st.floats(1e-6, 1.0, allow_nan=False), min_size=1),
                min_size=1, max_size=5))
def test_merging_runs_one_by_one_gives_each_kernels_minimum_over_all_runs(runs):
    merged = None
    for i, times in enumerate(runs):
        merged = timings.merge_minima(merged, frame(times), run=f"r{i}")
    expected = {}
    for times in runs:
        for name, t in times.items():
            expected[name] = min(t, expected.get(name, float("inf")))
    assert merged.set_index("name").min_time_s.to_dict() == expected
    assert not merged.name.duplicated().any()


def test_merge_into_round_trips_through_the_csv(tmp_path):
    path = tmp_path / "sub" / "x_measured.csv"
    timings.merge_into(path, frame({"a": 2.0}), run="r1")
    merged = timings.merge_into(path, frame({"a": 1.0, "b": 4.0}), run="r2")
    again = pd.read_csv(path)
    assert again.min_time_s.tolist() == [1.0, 4.0] == merged.min_time_s.tolist()
    assert again.run.tolist() == ["r2", "r2"]


def test_run_log_appends_rows_to_the_table_that_ends_the_file(tmp_path):
    log = tmp_path / "conditions.md"
    timings.append_run(log, run="r1", sets="calibration", kernels="calibration 3 (1)",
                       load_before=0.5, load_after=1.25, note="copy 12.0 GB/s")
    timings.append_run(log, run="r2", sets="kernels", kernels="kernels 2 (0)",
                       load_before=2.0, load_after=2.0)
    lines = log.read_text().splitlines()
    assert lines[-3] == "|---|---|---|---|---|"
    assert lines[-2] == "| r1 | calibration | calibration 3 (1) | 0.50, 1.25 | copy 12.0 GB/s |"
    assert lines[-1].startswith("| r2 | kernels |")
    # every row has the header's five columns
    assert {line.count("|") for line in lines[-4:]} == {6}


def test_the_run_log_is_the_nearest_conditions_file_above_a_csv(tmp_path):
    (tmp_path / "conditions.md").write_text("x")
    (tmp_path / "transformer").mkdir()
    assert timings.conditions_file(tmp_path / "transformer" / "t.csv") == \
        (tmp_path / "conditions.md").resolve()


def test_interleaving_spreads_every_set_over_the_whole_round():
    order = timings.interleaved({"cal": list(range(6)), "test": ["x", "y"]})
    assert len(order) == 8
    # each set keeps its own order
    assert [i for s, i in order if s == "cal"] == list(range(6))
    assert [i for s, i in order if s == "test"] == ["x", "y"]
    # by hand: cal items sit at (i + .5)/6 = .083, .25, .417, .583, .75, .917 and test's at
    # .25 and .75; ties go to the set given first: cal0 cal1 x cal2 cal3 cal4 y cal5
    positions = [n for n, (s, _) in enumerate(order) if s == "test"]
    assert positions == [2, 6]
