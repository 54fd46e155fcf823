"""The terminal table written without rich (``_plain_table``, the start-up path of
``accelsim run``) is rich's table character for character, or declines (None) and rich
draws it."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.registry import simulate
from accelsim.report import table as t
from accelsim.spec import load_arch, load_workload

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("layer", "kind", "bound", "cycles", "seconds", "utilization", "dram_bytes", "pes")
# plain text, and (in some tables) what makes rich differ: markup, emoji names, wide and
# zero-width characters, tabs and newlines, words longer than the table's width
PLAIN = "ab Z09,.%–µ§-_()/ "
SPECIAL = "[]:\\漢\u0301\t\n"
WORDS = ("word ", "a ", "x" * 30 + " ", "be,  ", " ", "µs ")
SPECIAL_WORDS = ("x" * 101, ":", "[b]", "漢", ":smile:", "\t")


@settings(max_examples=300, deadline=None)
@given(data=st.data(), ncols=st.integers(1, 8), nrows=st.integers(1, 6),
       total_row=st.booleans(), special=st.sampled_from([False, False, True]))
def test_plain_table_is_richs_or_declines(data, ncols, nrows, total_row, special):
    text = st.text(st.sampled_from(PLAIN + SPECIAL), max_size=14) if special else \
        st.text(st.sampled_from(PLAIN), max_size=12).map(str.strip)
    line = st.lists(st.sampled_from(WORDS + SPECIAL_WORDS if special else WORDS),
                    max_size=60).map("".join)
    names = data.draw(st.lists(st.sampled_from(NAMES), min_size=ncols, max_size=ncols,
                               unique=True))
    headers = data.draw(st.lists(text, min_size=ncols, max_size=ncols))
    cells = data.draw(st.lists(st.lists(text, min_size=ncols, max_size=ncols),
                               min_size=nrows, max_size=nrows))
    lines = data.draw(st.lists(line, max_size=3))
    table = t.Table("title", [], tuple(names), total_row=total_row)
    plain = t._plain_table(table, names, headers, cells, lines)
    if plain is not None:
        assert plain == t._rich_table(table, names, headers, cells, lines)


def test_the_vc707_run_table_is_written_without_rich_and_equals_it(monkeypatch):
    result = simulate(load_arch(ROOT / "archs/vc707.yaml"),
                      load_workload(ROOT / "workloads/alexnet_ssl.json"))
    table = t.layer_table(result)
    with monkeypatch.context() as m:
        m.setattr(t, "_plain_table", lambda *args: None)
        drawn_by_rich = t.render_table(table, "table")
    with monkeypatch.context() as m:
        m.setattr(t, "_rich_table", None)  # not called: the fast path is taken
        assert t.render_table(table, "table") == drawn_by_rich
    assert max(map(len, drawn_by_rich.splitlines())) <= t.WIDTH  # a long note line wrapped
    assert any(len(line) > t.WIDTH for line in table.lines + t.shown_columns(
        table, "table", None, False)[1])
