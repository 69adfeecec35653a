"""自己診断, 診断結果, 履歴 and ホーム's diagnosis parts in AppTest: answers travel without a
rerun per click and are kept in a server-side draft named in the URL; reset asks first and
really clears; bad client values change nothing; results explain each risk; history never
mixes a pulse check with a full diagnosis; one rounding rule on every screen."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from dxcore import demo, diagnosis_draft, history
from dxcore.content import load
from dxcore.plan import ItemState
from dxcore.store import repo, repo_drafts, repo_plan
from dxcore.store.models_drafts import Draft
from dxcore.store.models_workshop import Workshop
from tests.pages.apptest import app, texts

C = load()
PULSE = C.question_ids("pulse")


def q(qid: str, lang: str = "ja", generation: int = 0) -> str:
    return f"q{generation}_{qid}-{lang}"


def drafts(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Draft)).scalar_one()


def open_diagnose(**query) -> AppTest:
    at = app(**query)
    at.switch_page("pages/diagnose.py").run()
    assert not at.exception, at.exception
    return at


def progress(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def charts(at: AppTest) -> list[tuple[dict, dict[str, list[dict]]]]:
    """(spec, {dataset name: rows}) of every chart on the screen (Streamlit sends the data apart)."""
    return [(json.loads(c.proto.spec),
             {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in c.proto.datasets})
            for c in at.get("vega_lite_chart")]


def layer_rows(chart: tuple[dict, dict], index: int = 0) -> list[dict]:
    spec, data = chart
    return data[(spec["layer"][index].get("data") or spec["data"])["name"]]


def chart_by_y(at: AppTest, field: str) -> tuple[dict, dict]:
    return next(c for c in charts(at) if c[0]["layer"][0]["encoding"]["y"]["field"] == field)


@pytest.fixture
def org(engine):
    return repo.create_org(engine, "テスト町")


def test_answers_are_not_sent_per_click_and_submit_saves_the_pulse_check(engine, org):
    at = open_diagnose()
    assert [h.value for h in at.header] == ["設問"] and at.title[0].value == "自己診断"
    # every answer radio and the role are chosen in the browser without a rerun
    assert all(r.proto.ignore_rerun for r in at.radio if r.key.startswith("q0_"))
    assert at.selectbox(key="diag_role-ja").proto.ignore_rerun
    at.radio(key="diag_set-ja").set_value("pulse").run()
    assert len([r for r in at.radio if r.key.startswith("q0_")]) == 7 and progress(at) == "保存済み 0 / 7 問"
    at.selectbox(key="diag_role-ja").set_value("frontline")
    for qid in PULSE:
        at.radio(key=q(qid)).set_value(5)
    assert repo.list_diagnoses(engine, org.id) == [] and drafts(engine) == 0
    at.button(key="submit").click().run()  # the choices travel with the one click
    assert not at.exception, at.exception
    [saved] = repo.list_diagnoses(engine, org.id)
    assert (saved.role, saved.question_set, saved.content_version, saved.asked) == ("frontline", "pulse", 2, PULSE)
    assert saved.answers == {qid: 5.0 for qid in PULSE}
    assert drafts(engine) == 0 and "d" not in at.query_params  # the draft is gone once submitted
    assert at.title[0].value == "診断結果" and "診断を保存しました" in texts(at)
    shown = charts(at)
    assert len(shown) == 3 and shown[0][0]["config"]["font"].startswith("Noto Sans CJK JP")
    # the pulse set scores all three root causes: none is missing from the chart
    assert len(layer_rows(chart_by_y(at, "cause"))) == 3
    assert "グラフに表示していません" not in texts(at)


def test_submit_without_role_saves_nothing(engine, org):
    at = open_diagnose()
    at.radio(key="diag_set-ja").set_value("pulse").run()
    at.radio(key=q(PULSE[0])).set_value(3)
    at.button(key="submit").click().run()
    assert "立場を選んで" in texts(at) and repo.list_diagnoses(engine, org.id) == []
    assert progress(at) == "保存済み 1 / 7 問"  # but the answer is kept in the draft


def test_a_half_filled_diagnosis_survives_a_reload_through_the_draft_in_the_url(engine, org):
    at = open_diagnose()
    full = C.question_ids("full")
    at.selectbox(key="diag_role-ja").set_value("it")
    for qid in full[:6]:
        at.radio(key=q(qid)).set_value(2)
    at.radio(key=q(full[6])).set_value(diagnosis_draft.UNKNOWN)
    at.button(key="save_P1").click().run()
    assert progress(at) == "保存済み 7 / 42 問" and "このパターン: 保存済み 6 / 6 問" in texts(at)
    token = at.query_params["d"][0] if isinstance(at.query_params["d"], list) else at.query_params["d"]
    assert repo_drafts.is_token(token) and drafts(engine) == 1
    assert [t.value for t in at.toast] == ["回答を下書きに保存しました(7 / 42 問)。"]
    # a reload is a new session that has only the URL
    again = open_diagnose(d=token)
    assert progress(again) == "保存済み 7 / 42 問"
    assert again.radio(key=q(full[0])).value == 2 and again.radio(key=q(full[6])).value == diagnosis_draft.UNKNOWN
    assert again.radio(key=q(full[7])).value is None and again.selectbox(key="diag_role-ja").value == "it"
    assert repo.list_diagnoses(engine, org.id) == []  # a draft is not a diagnosis


def test_an_unknown_or_expired_draft_starts_afresh(engine, org):
    at = open_diagnose(d="x" * 32)
    assert "下書きが見つかりませんでした" in texts(at) and progress(at) == "保存済み 0 / 42 問"
    assert "d" not in at.query_params


def test_reset_asks_first_then_clears_the_radios_and_the_draft(engine, org):
    at = open_diagnose()
    first = C.question_ids("full")[0]
    at.selectbox(key="diag_role-ja").set_value("frontline")
    at.radio(key=q(first)).set_value(4)
    at.button(key="save").click().run()
    assert drafts(engine) == 1
    at.button(key="reset").click().run()
    assert "元に戻せません" in texts(at) and drafts(engine) == 1  # nothing cleared before confirming
    at.button(key="reset_no").click().run()
    assert progress(at) == "保存済み 1 / 42 問" and drafts(engine) == 1
    at.button(key="reset").click().run()
    at.button(key="reset_yes").click().run()
    assert not at.exception, at.exception
    assert drafts(engine) == 0 and "d" not in at.query_params and "回答をすべて消しました" in texts(at)
    assert progress(at) == "保存済み 0 / 42 問"
    assert all(r.value is None for r in at.radio if r.key.startswith("q1_"))  # fresh radios, none checked
    assert not any(r.key.startswith("q0_") for r in at.radio)
    # choosing the same option again is recorded
    at.radio(key=q(first, generation=1)).set_value(4)
    at.button(key="save").click().run()
    assert progress(at) == "保存済み 1 / 42 問" and drafts(engine) == 1


def test_values_that_are_not_choices_change_nothing(engine, org):
    """A browser can send anything for a radio (Streamlit hands back a value that is not an
    option as it came).  AppTest only sends options for the widgets on screen, so the bad
    values arrive as the previous language's widgets would bring them: the same path."""
    at = open_diagnose()
    first, second = C.question_ids("full")[:2]
    at.radio(key=q(first)).set_value(3)
    at.button(key="save").click().run()
    at.session_state[q(first, "en")] = "9 Very much"
    at.session_state[q(second, "en")] = 7
    at.session_state["diag_role-en"] = "mayor"
    at.button(key="save").click().run()
    assert not at.exception, at.exception
    assert "選択肢にない回答が 3 件" in texts(at) and progress(at) == "保存済み 1 / 42 問"
    token = at.query_params["d"]
    token = token[0] if isinstance(token, list) else token
    assert repo_drafts.load(engine, "diagnosis", token)["answers"] == {first: 3}
    assert at.session_state["diag_role-ja"] is None


def test_a_stored_draft_is_checked_like_anything_else_from_outside(engine, org):
    token = repo_drafts.new_token()
    repo_drafts.save(engine, "diagnosis", token, {"answers": {PULSE[0]: 9, PULSE[1]: True, PULSE[2]: 4, "x": 1},
                                                  "role": "mayor", "set": "weekly", "org": "1"})
    at = open_diagnose(d=token)
    assert not at.exception, at.exception
    assert progress(at) == "保存済み 1 / 42 問" and "3 問の回答は引き継げませんでした" in texts(at)


def test_answers_survive_a_language_switch_and_the_scale_reads_as_agreement(engine, org):
    at = open_diagnose()
    first, second = C.question_ids("full")[:2]
    at.selectbox(key="diag_role-ja").set_value("it")
    at.radio(key=q(first)).set_value(2)
    at.radio(key=q(second)).set_value(0)
    at.radio(key="lang").set_value("en").run()  # the sidebar's switch; the pending choices travel with it
    assert at.title[0].value == "Self-diagnosis"
    assert at.radio(key=q(first, "en")).value == 2 and at.radio(key=q(second, "en")).value == 0
    assert at.session_state["diag_role-en"] == "it"
    assert at.radio(key=q(first, "en")).options[1] == "2 Somewhat disagree"
    at.radio(key=q(first, "en")).set_value(5)
    at.radio(key="lang").set_value("ja").run()
    assert at.radio(key=q(first)).value == 5  # the newer choice, not the Japanese radio's old one


def test_a_draft_started_for_another_organisation_says_so(engine, org):
    other = repo.create_org(engine, "別の町")
    token = repo_drafts.new_token()
    repo_drafts.save(engine, "diagnosis", token, {"answers": {PULSE[0]: 3, "P6-1": 4}, "role": "it", "set": "pulse",
                                                  "org": other.id, "version": 1})
    at = open_diagnose(d=token)
    assert "「別の町」の診断として始めた" in texts(at)
    assert "1 問の回答は引き継げませんでした" in texts(at)  # P6-1 is not asked any more
    assert progress(at) == "保存済み 1 / 7 問"


def test_results_explain_each_risk_and_advice_starts_with_taking_stock(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/results.py").run()
    assert not at.exception, at.exception
    assert [h.value for h in at.header] == ["失敗パターン別リスク", "根本原因別リスク", "再起動のためのアドバイス",
                                            "前回の診断からの変化"]
    page = texts(at)
    p3 = C.pattern_index["P3"]
    latest = history.entries(repo.list_diagnoses(engine, org.id))[-1]
    band = latest.result.pattern("P3").band
    assert p3.levels[band]["ja"] in page  # what this level of risk looks like, next to the score
    assert "比べている前回の診断" in page and len(at.dataframe) == 1
    # the demo's S1 is not finished (S1-2 and S1-4 are open): the steps start with it
    steps = next(m.value for m in at.markdown if m.value.startswith("1. **"))
    assert steps.startswith("1. **S1**") and "\n2. **S2**" in steps


def test_a_root_cause_left_out_of_the_chart_is_explained(engine, org):
    repo.save_diagnosis(engine, org.id, {"P1-3": 2}, "frontline", question_set="pulse")  # process only
    at = app()
    at.switch_page("pages/results.py").run()
    assert "人材育成、組織文化に結びつく設問には、今回1問も回答がない" in texts(at)


def answers_with_p3_at_62_5() -> dict:
    # P3-3 plain 5 → 1.0, P3-8 plain 4 → 0.75, P3-2 reverse 3 → 0.5, P3-4 reverse 4 → 0.25: 2.5 / 4 = 62.5
    return {"P3-3": 5, "P3-8": 4, "P3-2": 3, "P3-4": 4}


def test_one_risk_shows_one_number_everywhere(engine, org):
    """62.5 used to be 62 on ホーム (round-half-even) and 63 on the results bar (Vega)."""
    repo.save_diagnosis(engine, org.id, answers_with_p3_at_62_5(), "dx_office")
    at = app()
    assert "リスク **63**(中)" in texts(at) and at.metric[0].value == "38"  # 100 - 62.5 = 37.5
    at.switch_page("pages/results.py").run()
    assert at.metric[0].value == "38" and "リスク **63**" in texts(at)
    bars = chart_by_y(at, "pattern")
    assert next(r for r in layer_rows(bars) if r["pattern"].startswith("P3"))["shown"] == 63
    assert bars[0]["layer"][1]["encoding"]["text"]["field"] == "shown"


def test_home_never_points_at_a_finished_step(engine, org):
    repo.save_diagnosis(engine, org.id, answers_with_p3_at_62_5(), "dx_office")
    at = app()
    assert "再起動ステップ S1「現状業務の棚卸しとデータ化」から始めましょう。" in texts(at)
    done = [ItemState(i.id, "S1", status="done", completed_on=datetime(2026, 1, 5).date())
            for i in C.step_index["S1"].items]
    repo_plan.import_plan(engine, org.id, [(s, datetime(2026, 1, 5, tzinfo=timezone.utc)) for s in done], [], [])
    at = app()
    assert "再起動ステップ S2「目的とKPIの再定義」から始めましょう。" in texts(at)


def test_history_keeps_pulse_and_full_apart_and_marks_the_revision(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="history_set-ja").value == "full"  # the latest diagnosis' kind
    health = charts(at)[0]
    fulls = [e for e in history.entries(repo.list_diagnoses(engine, org.id)) if e.record.question_set == "full"]
    assert len(layer_rows(health)) == len(fulls) == 3
    rule = next(i for i, layer in enumerate(health[0]["layer"]) if layer["mark"]["type"] == "rule")
    assert len(layer_rows(health, rule)) == 1  # where version 2 starts
    assert "設問の改訂" in [s.value for s in at.subheader] and "第2版" in texts(at)
    table = at.dataframe[0].value
    assert set(table["種類"]) == {"フル"} and list(table["設問の版"]) == ["第2版", "第2版", "第1版"]
    at.radio(key="history_set-ja").set_value("pulse").run()
    assert set(at.dataframe[0].value["種類"]) == {"クイック"}
    at.selectbox(key="history_who-ja").set_value("frontline").run()
    assert "この条件に当てはまる診断はありません" in texts(at)


def test_the_workshops_entry_shows_its_title_and_head_count(engine, org):
    d = repo.save_diagnosis(engine, org.id, {qid: 3 for qid in PULSE}, "other", mode="workshop",
                            question_set="pulse", participants=14)
    with engine.begin() as conn:
        conn.execute(Workshop.__table__.insert().values(
            code="ABC234", org_id=org.id, title="庁内DX研修 *第1回*", question_set="pulse", revealed=False,
            created_at=datetime.now(timezone.utc), diagnosis_id=d))
    at = app()
    at.switch_page("pages/history.py").run()
    table = at.dataframe[0].value
    assert list(table["回答者"]) == ["ワークショップ「庁内DX研修 *第1回*」(14人)"]
    assert at.selectbox(key="history_who-ja").options == ["すべて", "ワークショップ"]


def test_the_history_chart_has_dates_on_the_first_day(engine, org):
    now = datetime.now(timezone.utc)
    for minutes in (0, 30):
        repo.save_diagnosis(engine, org.id, {qid: 3 for qid in C.question_ids("full")}, "dx_office",
                            taken_at=now - timedelta(minutes=minutes))
    at = app()
    at.switch_page("pages/history.py").run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    x = spec["layer"][0]["encoding"]["x"]
    assert x["axis"]["format"] == "%Y/%m/%d" and x["axis"]["tickCount"] == "day"
    start, end = (datetime.fromisoformat(v) for v in x["scale"]["domain"])
    assert end - start >= timedelta(days=2)  # a day either side: the axis has dates to show
