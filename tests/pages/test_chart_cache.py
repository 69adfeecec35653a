"""ui.chart: charts and files made once per input, and drawn exactly as st.altair_chart draws them."""

from __future__ import annotations

import json
import textwrap
from types import MappingProxyType

import pandas as pd
from streamlit.testing.v1 import AppTest

from ui import chart

MADE: list[tuple] = []


def _make(frame: pd.DataFrame, names: MappingProxyType, language: str) -> str:
    MADE.append((len(frame), language))
    return f"{language}:{frame['v'].sum()}:{names['a']}"


def test_a_value_is_made_once_per_input_and_again_when_an_input_changes():
    MADE.clear()
    names = MappingProxyType({"a": "市民課"})  # read-only mappings, as the KPI definitions hold
    first = chart.once(_make, pd.DataFrame({"v": [1, 2]}), names, "ja")
    again = chart.once(_make, pd.DataFrame({"v": [1, 2]}), MappingProxyType({"a": "市民課"}), "ja")  # equal, not same
    assert first == again == "ja:3:市民課" and len(MADE) == 1
    assert chart.once(_make, pd.DataFrame({"v": [1, 5]}), names, "ja") == "ja:6:市民課"  # new data
    assert chart.once(_make, pd.DataFrame({"v": [1, 2]}), names, "en") == "en:3:市民課"  # another language
    assert chart.once(_make, pd.DataFrame({"v": [1, 2]}), MappingProxyType({"a": "税務課"}), "ja") == "ja:3:税務課"
    assert len(MADE) == 4
    # a caller may name what the value depends on instead (e.g. a database's answers version)
    assert chart.once(_make, pd.DataFrame({"v": [9]}), names, "ja", made_of=("room", 1, (3, 7))) == "ja:9:市民課"
    assert chart.once(_make, pd.DataFrame({"v": [8]}), names, "ja", made_of=("room", 1, (3, 7))) == "ja:9:市民課"
    assert len(MADE) == 5


SCRIPT = textwrap.dedent("""
    import altair as alt
    import pandas as pd
    import streamlit as st
    from ui import chart

    def bars(frame, title):
        return alt.Chart(frame, title=title).mark_bar().encode(x="課:N", y="件数:Q")

    frame = pd.DataFrame({"課": ["市民課", "税務課"], "件数": [st.session_state.get("n", 3), 5]})
    st.altair_chart(bars(frame, "件数"), width="stretch", key="plain")
    chart.draw(bars, frame, "件数", key="kept")
""")


def _drawn(at: AppTest) -> list[tuple[dict, dict]]:
    import pyarrow as pa

    return [(json.loads(c.proto.spec),
             {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in c.proto.datasets})
            for c in at.get("vega_lite_chart")]


def test_a_kept_chart_sends_what_st_altair_chart_sends_and_follows_its_data():
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    (plain_spec, plain_data), (kept_spec, kept_data) = _drawn(at)
    assert kept_spec == plain_spec and kept_data == plain_data
    assert list(kept_data.values()) == [[{"課": "市民課", "件数": 3}, {"課": "税務課", "件数": 5}]]
    at.session_state["n"] = 4
    at.run()
    (plain_spec, plain_data), (kept_spec, kept_data) = _drawn(at)
    assert kept_data == plain_data and list(kept_data.values())[0][0]["件数"] == 4
    at.run()  # drawn again from the kept spec: the same chart, whole
    assert _drawn(at)[1] == (kept_spec, kept_data)
