"""The bad-file corpus (tests/data/kpi_bad): each file gets exactly its expected
messages, and importing it — through the repository or the CLI — writes nothing."""

import io
import json
import tomllib
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from dxcore import cli, sheets
from dxcore.errors import DxError
from dxcore.store import repo, repo_kpi
from dxcore.store.models_kpi import KpiChange, KpiUpload, KpiValue

CORPUS = Path(__file__).resolve().parents[1] / "data" / "kpi_bad"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
TODAY = date(2026, 11, 26)


def test_every_file_of_the_corpus_has_a_case_and_every_case_a_file():
    files = {p.name for p in CORPUS.iterdir() if p.suffix not in (".py", ".toml") and p.is_file()}
    assert files == {c["file"] for c in CASES}
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_bad_file_gets_exactly_its_messages(case):
    p = sheets.parse((CORPUS / case["file"]).read_bytes(), case["file"], today=TODAY)
    got = [[x.row or 0, x.column or "", x.message("ja")] for x in p.problems]
    assert got == case["expect"]
    assert not p.ok
    for x in p.problems:  # English too, and the file-level ones say which file
        assert x.message("en") and x.message("en") != x.message("ja")
        if x.row is None:
            assert x.value == case["file"]


def snapshot(engine):
    with engine.connect() as conn:
        return tuple(tuple(conn.execute(select(t)).all()) for t in (KpiValue, KpiUpload, KpiChange))


@pytest.fixture
def org_with_data(engine):
    org = repo.create_org(engine, "既存市")
    wb = Workbook()
    ws = wb.active
    ws.title = "月次データ"
    ws.append(["年月", "部署", "処理件数", "問い合わせ件数"])
    ws.append(["2025-04", "市民課", 100, 30])
    out = io.BytesIO()
    wb.save(out)
    good = sheets.parse(out.getvalue(), "good.xlsx", today=TODAY)
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, good))
    return org


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_nothing_is_written_on_error(engine, org_with_data, case):
    before = snapshot(engine)
    assert len(before[0]) == 2
    p = sheets.parse((CORPUS / case["file"]).read_bytes(), case["file"], today=TODAY)
    pre = repo_kpi.preview(engine, org_with_data.id, p)
    with pytest.raises(DxError) as e:
        repo_kpi.apply(engine, pre)
    assert e.value.key == "kpi.error.has_problems"
    assert snapshot(engine) == before


@pytest.mark.parametrize("case", [c for c in CASES if c["file"] != "bad_months.xlsx"],
                         ids=[c["file"] for c in CASES if c["file"] != "bad_months.xlsx"])
def test_the_cli_exits_1_lists_the_errors_and_writes_nothing(engine, org_with_data, case, capsys):
    before = snapshot(engine)
    code = cli.main(["import", str(CORPUS / case["file"]), "--org", "既存市"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["imported"] is False
    assert [[e["row"] or 0, e["column"] or "", e["message"]] for e in out["errors"]] == case["expect"]
    assert snapshot(engine) == before
