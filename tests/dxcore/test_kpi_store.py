"""The import that loses nothing: preview, one transaction, history, undo — on SQLite
and PostgreSQL — and targets, settings and own KPIs."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dxcore import kpi, sheets
from dxcore.errors import DxError
from dxcore.store import repo, repo_kpi
from dxcore.store.models_kpi import KpiChange, KpiUpload, KpiValue

TODAY = date(2026, 11, 26)
HEAD = ["年月", "部署", "処理件数", "問い合わせ件数"]


def book(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "月次データ"
    ws.append(HEAD)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def parsed(*rows, name="f.xlsx", cat=None):
    return sheets.parse(book(*rows), name, cat, today=TODAY)


def stored(engine, org_id) -> dict:
    v = repo_kpi.load_values(engine, org_id)
    return {(m.strftime("%Y-%m"), d, x): val for m, d, x, val in zip(v["month"], v["department"], v["measure"],
                                                                     v["value"])}


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (KpiValue, KpiUpload, KpiChange))


def imported(engine, org_id, *rows, name="f.xlsx"):
    return repo_kpi.apply(engine, repo_kpi.preview(engine, org_id, parsed(*rows, name=name)))


def test_preview_writes_nothing_and_apply_writes_everything(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    pre = repo_kpi.preview(engine, org.id, parsed(("2025-04", "市民課", 10, 5), ("2025-04", "税務課", 3, None)))
    assert (pre.rows, pre.new, pre.changed, pre.unchanged) == (2, 3, 0, 0)
    assert counts(engine) == (0, 0, 0)
    done = repo_kpi.apply(engine, pre)
    assert (done.new, done.upload.rows, done.upload.file_name) == (3, 2, "f.xlsx")
    assert stored(engine, org.id) == {("2025-04", "市民課", "cases"): 10, ("2025-04", "市民課", "inquiries"): 5,
                                      ("2025-04", "税務課", "cases"): 3}


def test_the_same_file_twice_changes_nothing_and_says_so(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    data = book(("2025-04", "市民課", 10, 5))  # once: openpyxl stamps each save with the time
    first = repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, sheets.parse(data, "f.xlsx", None, today=TODAY)))
    before = counts(engine)
    pre = repo_kpi.preview(engine, org.id, sheets.parse(data, "f.xlsx", None, today=TODAY))
    assert pre.nothing_to_do and pre.unchanged == 2 and pre.same_file.id == first.upload.id
    again = repo_kpi.apply(engine, pre)
    assert again.upload is None and again.unchanged == 2
    assert counts(engine) == before  # not even a history entry


def test_a_re_upload_shows_old_and_new_then_undo_restores_exactly(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    imported(engine, org.id, ("2025-04", "市民課", 10, 5), ("2025-05", "市民課", 11, 6))
    pre = repo_kpi.preview(engine, org.id, parsed(("2025-04", "市民課", 12, 5), ("2025-06", "市民課", 7, None),
                                                  ("2025-05", "市民課", None, 9)))
    assert (pre.new, pre.changed, pre.unchanged) == (1, 2, 1)
    assert {(c.month, c.measure, c.old, c.new) for c in pre.changes} == {
        (date(2025, 4, 1), "cases", 10, 12), (date(2025, 5, 1), "inquiries", 6, 9)}
    second = repo_kpi.apply(engine, pre)
    after = stored(engine, org.id)
    assert after[("2025-04", "市民課", "cases")] == 12 and after[("2025-06", "市民課", "cases")] == 7
    assert after[("2025-05", "市民課", "cases")] == 11  # a blank cell does not delete a stored value
    repo_kpi.undo(engine, org.id, second.upload.id)
    assert stored(engine, org.id) == {("2025-04", "市民課", "cases"): 10, ("2025-04", "市民課", "inquiries"): 5,
                                      ("2025-05", "市民課", "cases"): 11, ("2025-05", "市民課", "inquiries"): 6}
    history = repo_kpi.list_uploads(engine, org.id)
    assert [u.active for u in history] == [False, True] and history[0].changed == 2
    with pytest.raises(DxError) as e:
        repo_kpi.undo(engine, org.id, second.upload.id)
    assert e.value.key == "kpi.error.already_undone"


def test_undo_waits_for_later_uploads_that_changed_the_same_values(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    first = imported(engine, org.id, ("2025-04", "市民課", 10, 5), name="4月.xlsx")
    second = imported(engine, org.id, ("2025-04", "市民課", 20, 5), name="4月修正.xlsx")
    with pytest.raises(DxError) as e:
        repo_kpi.undo(engine, org.id, first.upload.id)
    assert e.value.key == "kpi.error.undo_blocked" and e.value.params["file"] == "4月修正.xlsx"
    assert stored(engine, org.id)[("2025-04", "市民課", "cases")] == 20
    repo_kpi.undo(engine, org.id, second.upload.id)
    assert stored(engine, org.id)[("2025-04", "市民課", "cases")] == 10
    repo_kpi.undo(engine, org.id, first.upload.id)
    assert stored(engine, org.id) == {}
    with pytest.raises(DxError):
        repo_kpi.undo(engine, repo.create_org(engine, "B市").id, first.upload.id)  # not that organisation's


def test_apply_refuses_when_the_data_changed_after_the_preview(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    imported(engine, org.id, ("2025-04", "市民課", 10, 5))
    pre = repo_kpi.preview(engine, org.id, parsed(("2025-04", "市民課", 12, 5)))
    imported(engine, org.id, ("2025-04", "市民課", 11, 5))  # someone else, meanwhile
    before = counts(engine)
    with pytest.raises(DxError) as e:
        repo_kpi.apply(engine, pre)
    assert e.value.key == "kpi.error.stale_preview"
    assert counts(engine) == before and stored(engine, org.id)[("2025-04", "市民課", "cases")] == 11


def test_a_file_with_problems_is_never_written(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    pre = repo_kpi.preview(engine, org.id, parsed(("2025-04", "市民課", 10, 5), ("2025-05", "市民課", -1, 5)))
    assert pre.new == 3  # the good cells are counted, but …
    with pytest.raises(DxError) as e:
        repo_kpi.apply(engine, pre)
    assert e.value.key == "kpi.error.has_problems" and counts(engine) == (0, 0, 0)


def test_one_transaction_all_or_nothing(engine, monkeypatch):
    org = repo.create_org(engine, "A市")
    pre = repo_kpi.preview(engine, org.id, parsed(*[("2025-04", f"課{i}", i, i) for i in range(30)]))
    monkeypatch.setattr(repo_kpi, "CHUNK", 7)

    def fail(done, total):
        if done >= 14:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        repo_kpi.apply(engine, pre, progress=fail)
    assert counts(engine) == (0, 0, 0)


def test_progress_is_reported_while_writing(engine, monkeypatch):
    org = repo.create_org(engine, "A市")
    monkeypatch.setattr(repo_kpi, "CHUNK", 10)
    seen = []
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, parsed(*[("2025-04", f"課{i}", i, None)
                                                                      for i in range(25)])),
                   progress=lambda n, total: seen.append((n, total)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_values_and_departments(engine):
    org = repo.create_org(engine, "A市")
    imported(engine, org.id, ("2025-04", "税務課", 1, None), ("2025-06", "市民課", 2, None))
    assert repo_kpi.departments(engine, org.id) == ["市民課", "税務課"]
    assert len(repo_kpi.load_values(engine, org.id, department="市民課")) == 1
    assert repo_kpi.count_values(engine, org.id) == 2


def test_targets_per_year_validated_and_replaced(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    repo_kpi.save_targets(engine, org.id, 2025, {"online_rate": 0.4, "automations": 100})
    repo_kpi.save_targets(engine, org.id, 2025, {"online_rate": 0.5, "automations": None})
    repo_kpi.save_targets(engine, org.id, 2026, {"online_rate": 0.6})
    assert repo_kpi.targets(engine, org.id) == {("online_rate", 2025): 0.5, ("online_rate", 2026): 0.6}
    for values, key in (({"online_rate": 40}, "kpi.error.target_ratio"), ({"nope": 1}, "kpi.error.unknown_kpi"),
                        ({"automations": -1}, "kpi.error.bad_target")):
        with pytest.raises(DxError) as e:
            repo_kpi.save_targets(engine, org.id, 2025, values)
        assert e.value.key == key
    assert len(repo_kpi.targets(engine, org.id)) == 2


def test_settings(engine):
    org = repo.create_org(engine, "A市")
    assert repo_kpi.settings(engine, org.id) == kpi.Settings()
    repo_kpi.save_settings(engine, org.id, 4200.0, None)
    assert repo_kpi.settings(engine, org.id).rate == 4200.0
    with pytest.raises(DxError):
        repo_kpi.save_settings(engine, org.id, 0, None)
    assert repo_kpi.settings(engine, org.id).hourly_rate == 4200.0


def test_own_kpis_feed_from_their_column_and_cannot_vanish_with_data(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    own = repo_kpi.add_custom_kpi(engine, org.id, "窓口待ち時間", "分", "lower", "mean")
    for name in ("処理件数", "cases", "窓口待ち時間", "年月"):
        with pytest.raises(DxError) as e:
            repo_kpi.add_custom_kpi(engine, org.id, name, "件", "higher")
        assert e.value.key == "kpi.error.custom_clash"
    with pytest.raises(DxError) as e:
        repo_kpi.add_custom_kpi(engine, org.id, "=HYPERLINK(\"http://x\")", "件", "higher")
    assert e.value.key == "kpi.error.custom_formula"
    cat = repo_kpi.catalogue_for(engine, org.id)
    data = sheets.parse(_custom_book(), "c.xlsx", cat, today=TODAY)
    assert data.ok, data.problems
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, data))
    monthly = kpi.monthly(repo_kpi.load_values(engine, org.id), cat)
    assert monthly[monthly["kpi"] == own.key]["value"].tolist() == [15.0]
    with pytest.raises(DxError) as e:
        repo_kpi.delete_custom_kpi(engine, org.id, own.key)
    assert e.value.key == "kpi.error.custom_has_values"
    repo_kpi.undo(engine, org.id, repo_kpi.list_uploads(engine, org.id)[0].id)
    repo_kpi.delete_custom_kpi(engine, org.id, own.key)
    assert repo_kpi.custom_kpis(engine, org.id) == []


def _custom_book() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "月次データ"
    ws.append(["年月", "部署", "窓口待ち時間"])
    ws.append(["2025-04", "市民課", 10])
    ws.append(["2025-04", "税務課", 20])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_deleting_an_organisation_takes_its_kpi_data_along(engine):
    org = repo.create_org(engine, "A市")
    imported(engine, org.id, ("2025-04", "市民課", 1, 2))
    from sqlalchemy import delete

    from dxcore.store.models import Organization

    with engine.begin() as conn:
        conn.execute(delete(Organization).where(Organization.id == org.id))
    assert counts(engine) == (0, 0, 0)


def test_a_race_lost_on_the_unique_key_is_a_stale_preview_not_a_crash(engine, monkeypatch):
    org = repo.create_org(engine, "A市")
    pre = repo_kpi.preview(engine, org.id, parsed(("2025-04", "市民課", 10, 5)))
    imported(engine, org.id, ("2025-04", "市民課", 11, 5))  # another session, committed meanwhile
    real = repo_kpi._stored_cells
    # as if our comparison had run before that commit became visible
    monkeypatch.setattr(repo_kpi, "_stored_cells", lambda conn, org_id, values, lock=False:
                        real(conn, org_id, values.iloc[0:0], lock))
    before = counts(engine)
    with pytest.raises(DxError) as e:
        repo_kpi.apply(engine, pre, check_token=False)
    assert e.value.key == "kpi.error.stale_preview" and counts(engine) == before


def test_half_of_a_pair_is_checked_against_the_stored_other_half(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    imported(engine, org.id, ("2025-04", "市民課", None, 30))  # 問い合わせ件数 30 stored
    wb = Workbook()
    ws = wb.active
    ws.title = "月次データ"
    ws.append(["年月", "部署", "自己解決件数"])
    ws.append(["2025-04", "市民課", 31])
    ws.append(["2025-05", "市民課", 99])  # nothing stored for May: nothing to compare with
    out = io.BytesIO()
    wb.save(out)
    pre = repo_kpi.preview(engine, org.id, sheets.parse(out.getvalue(), "self.xlsx", today=TODAY))
    assert pre.parsed.ok and not pre.ok
    assert [(x.row, x.column, x.message()) for x in pre.problems] == [(2, "C 自己解決件数", (
        "自己解決件数(31)が、保存済みの同じ月・部署の問い合わせ件数(30)を超えています。"
        "問い合わせ件数も正しい値にして、同じファイルで取り込んでください。"))]
    assert pre.summary()["errors"][0]["row"] == 2
    before = counts(engine)
    with pytest.raises(DxError):
        repo_kpi.apply(engine, pre)
    assert counts(engine) == before
    # the other way round: fewer inquiries than the self-resolved already stored
    pre = repo_kpi.preview(engine, org.id, parsed(("2025-04", "市民課", None, 10)))
    assert pre.ok  # nothing about self-resolution is stored yet
