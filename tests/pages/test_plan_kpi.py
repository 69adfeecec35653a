"""What is done in the restart plan shows on the KPI trend chart (AppTest): the demo's RPA
item on its completion date, and an item completed and a milestone added on the plan page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from dxcore import demo
from dxcore.store import repo_plan

ROOT = Path(__file__).resolve().parents[2]


def trend_annotations(at: AppTest) -> dict[str, str]:
    """{label: date} of every annotation the KPI trend chart marks (a numbered marker in the
    band above the plot, with the label beside it when there is room)."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        named = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in chart.proto.datasets}
        layers = [layer for layer in spec.get("layer", []) if layer["mark"]["type"] == "text"
                  and {"label", "date", "number"} <= set((named.get(layer.get("data", {}).get("name")) or [{}])[0])]
        if layers:
            return {row["label"]: row["date"] for layer in layers for row in named[layer["data"]["name"]]}
    raise AssertionError("no KPI trend chart with annotations on the page")


def test_completed_items_and_milestones_appear_on_the_kpi_trend_chart(engine):
    org = demo.load_demo(engine)
    rpa = repo_plan.load_plan(engine, org.id).item("S3-3").completed_on
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception, at.exception
    before = trend_annotations(at)
    assert before["RPAで定型入力業務を自動化する 完了"] == rpa.strftime("%Y/%m/%d")

    at.switch_page("pages/plan.py").run()
    at.date_input(key="plan_ms_date").set_value(date(2026, 8, 20))
    at.text_input(key="plan_ms_label").input("チャットボット試行開始")
    at.button(key="FormSubmitter:plan_milestone-マイルストーンを追加").click().run()
    at.button(key="plan_edit_S5-2").click().run()
    at.radio(key="plan_f_status_S5-2-ja").set_value("done")
    at.date_input(key="plan_f_done_S5-2").set_value(date(2026, 9, 10))
    at.button(key="FormSubmitter:plan_form_S5-2-保存する").click().run()
    assert not at.exception, at.exception

    at.switch_page("pages/kpi.py").run()
    after = trend_annotations(at)
    assert after["チャットボット試行開始"] == "2026/08/20"
    assert after["ノーコードツールで、職員自身が申請… 完了"] == "2026/09/10"
    assert set(after) - set(before) == {"チャットボット試行開始", "ノーコードツールで、職員自身が申請… 完了"}
