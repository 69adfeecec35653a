"""KPI settings on both databases: the hourly rate and its pay basis, survey names,
baselines per process, targets of KPIs without a direction, the data version that keys
the dashboard's cache, and migration 0008 carrying old settings and targets over."""

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from dxcore import kpi
from dxcore.errors import DxError
from dxcore.store import engine as engine_mod
from dxcore.store import repo, repo_kpi
from tests.dxcore.test_kpi import frame
from tests.dxcore.test_kpi_formulas import months_of, process_rows
from tests.dxcore.test_kpi_store import imported


def test_rate_basis_and_survey_names_are_saved_each_on_its_own(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    assert repo_kpi.settings(engine, org.id).rate == kpi.DEFAULT_HOURLY_RATE
    s = repo_kpi.save_settings(engine, org.id, pay_basis=kpi.PayBasis(5_000_000, 0.2, 2000))
    assert (s.rate, s.rate_source) == (3000, "basis")
    s = repo_kpi.save_settings(engine, org.id, resident_survey=" 市民意識調査(令和7年度) ", staff_survey="職員アンケート")
    assert s.resident_survey == "市民意識調査(令和7年度)" and s.staff_survey == "職員アンケート"
    assert s.rate == 3000  # untouched
    s = repo_kpi.save_settings(engine, org.id, hourly_rate=4200.0)
    assert (s.rate, s.rate_source, s.pay_basis) == (4200.0, "direct", kpi.PayBasis(5_000_000, 0.2, 2000))
    s = repo_kpi.save_settings(engine, org.id, hourly_rate=None, pay_basis=None)
    assert s.rate_source == "default" and s.resident_survey == "市民意識調査(令和7年度)"
    for kwargs, key in (({"hourly_rate": -1}, "kpi.error.bad_hourly_rate"),
                        ({"pay_basis": kpi.PayBasis(5_000_000, 1.5, 2000)}, "kpi.error.bad_pay_basis"),
                        ({"pay_basis": kpi.PayBasis(5_000_000, 0.1, 0)}, "kpi.error.bad_pay_basis"),
                        ({"staff_survey": "長" * 61}, "kpi.error.survey_too_long")):
        with pytest.raises(DxError) as e:
            repo_kpi.save_settings(engine, org.id, **kwargs)
        assert e.value.key == key
    assert repo_kpi.settings(engine, org.id) == s  # nothing changed


def test_baselines_set_by_hand_override_the_first_year_and_can_go_back(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    values = frame(process_rows("市民課", "住民票", 2024, 100, 2.0)
                   + process_rows("市民課", "", 2025, 10, 1.0, months=months_of(2025)[:6]))
    assert {(b.process, b.source) for b in repo_kpi.baselines(engine, org.id, values)} == {
        ("住民票", "first_year"), ("", "none")}
    repo_kpi.save_baselines(engine, org.id, {("市民課", ""): 1.25, ("市民課", "住民票"): 2.5})
    got = {(b.process, b.source, b.time_per_case) for b in repo_kpi.baselines(engine, org.id, values)}
    assert got == {("住民票", "set", 2.5), ("", "set", 1.25)}
    repo_kpi.save_baselines(engine, org.id, {("市民課", "住民票"): None})  # back to automatic
    got = {(b.process, b.source) for b in repo_kpi.baselines(engine, org.id, values)}
    assert got == {("住民票", "first_year"), ("", "set")}
    before = repo_kpi.settings(engine, org.id)
    for bad in ({("市民課", ""): 0}, {("市民課", ""): -1.0}, {("市民課", ""): float("nan")}, {("", "x"): 1.0}):
        with pytest.raises(DxError):
            repo_kpi.save_baselines(engine, org.id, {("市民課", "住民票"): 9.9, **bad})
    assert repo_kpi.settings(engine, org.id) == before  # all or nothing


def test_a_kpi_without_direction_takes_no_target(engine):
    org = repo.create_org(engine, "A市")
    with pytest.raises(DxError) as e:
        repo_kpi.save_targets(engine, org.id, 2025, {"online_rate": 0.4, "inquiries": 1000})
    assert e.value.key == "kpi.error.target_no_direction"
    assert repo_kpi.targets(engine, org.id) == {}
    repo_kpi.save_targets(engine, org.id, 2025, {"inquiries": None, "staff_handled_inquiries": 800})
    assert repo_kpi.targets(engine, org.id) == {("staff_handled_inquiries", 2025): 800}


def test_the_data_version_moves_with_every_import_and_undo(engine):
    org = repo.create_org(engine, "A市")
    v0 = repo_kpi.data_version(engine, org.id)
    done = imported(engine, org.id, ["2025-04", "市民課", 10, 5])
    v1 = repo_kpi.data_version(engine, org.id)
    assert v1 != v0
    repo_kpi.undo(engine, org.id, done.upload.id)
    v2 = repo_kpi.data_version(engine, org.id)
    assert v2 not in (v0, v1)
    other = repo.create_org(engine, "B市")
    assert repo_kpi.data_version(engine, other.id) == (0, 0)


def _upgrade(url: str, revision: str) -> None:
    engine = engine_mod.make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_mod.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0008_carries_the_old_baseline_and_cost_targets_over(kind, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}" if kind == "sqlite" else request.getfixturevalue("pg_url")
    _upgrade(url, "0006")
    old = engine_mod.make_engine(url)
    with old.begin() as conn:
        conn.execute(text("INSERT INTO organization (id, name, is_demo, created_at) VALUES "
                          "(1, '旧市', false, '2025-04-01 00:00:00'), (2, '新町', false, '2025-04-01 00:00:00')"))
        conn.execute(text("INSERT INTO kpi_value (org_id, month, department, process, measure, value) VALUES "
                          "(1, '2025-04-01', '市民課', '', 'hours', 50), (1, '2025-04-01', '市民課', '', 'cases', 100),"
                          "(1, '2025-05-01', '市民課', '', 'hours', 40), (1, '2025-04-01', '税務課', '証明', 'cases', 9),"
                          "(1, '2025-04-01', '総務課', '', 'inquiries', 30), (2, '2025-04-01', 'A課', '', 'hours', 1)"))
        conn.execute(text("INSERT INTO kpi_settings (org_id, hourly_rate, baseline_time_per_case, updated_at) VALUES "
                          "(1, 3500, 0.75, '2025-05-01 00:00:00'), (2, 4000, NULL, '2025-05-01 00:00:00')"))
        conn.execute(text("INSERT INTO kpi_target (org_id, kpi, fiscal_year, value) VALUES "
                          "(1, 'cost_saved', 2025, 1500000), (1, 'online_rate', 2025, 0.4), (2, 'cost_saved', 2024, 9)"))
    old.dispose()
    _upgrade(url, "head")
    new = engine_mod.get_engine(url)
    try:
        s1, s2 = repo_kpi.settings(new, 1), repo_kpi.settings(new, 2)
        # the organisation-wide 0.75 h now stands for each process that has hours or cases
        assert s1.baselines == (("市民課", "", 0.75), ("税務課", "証明", 0.75))
        assert s1.hourly_rate == 3500 and s2.hourly_rate == 4000 and s2.baselines == ()
        assert s1.resident_survey == "" and s1.pay_basis is None
        assert repo_kpi.targets(new, 1) == {("staff_cost_equivalent", 2025): 1500000, ("online_rate", 2025): 0.4}
        assert repo_kpi.targets(new, 2) == {("staff_cost_equivalent", 2024): 9}
        # and the carried-over baseline is what the formula uses: 1 − 40 ÷ (0.75 × 100)... in April 50 ÷ 75
        m = kpi.monthly(repo_kpi.load_values(new, 1), kpi.catalogue(), s1, kpis=["time_reduction_rate"])
        assert m["value"].iloc[0] == pytest.approx(1 - 50 / 75)
    finally:
        engine_mod.dispose_all()
