"""``python -m dxcore template / import / kpis / uploads / undo`` and their exit codes."""

import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from dxcore import cli
from dxcore.store import repo, repo_kpi

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv) -> tuple[int, object, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    try:
        data = json.loads(captured.out) if captured.out.strip() else None
    except json.JSONDecodeError:
        data = captured.out
    return code, data, captured.err


def filled_template(tmp_path, capsys, rows) -> Path:
    path = tmp_path / "t.xlsx"
    assert run(capsys, "template", str(path))[0] == 0
    wb = load_workbook(path)
    ws = wb["月次データ"]
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_template_import_dry_run_import_again_and_kpis(engine, tmp_path, capsys):
    org = repo.create_org(engine, "テスト市", "131016")
    path = filled_template(tmp_path, capsys, [
        ["2025-04", "市民課", None, 100, 50, 10, 40],
        ["2025-05", "市民課", None, 120, 48, 20, 50],
        ["2025-05", "税務課", None, 80, 60, 5, 10],
    ])
    code, out, _ = run(capsys, "import", str(path), "--org", "131016", "--dry-run")
    assert code == 0 and out["dry_run"] and (out["rows"], out["new"], out["errors"]) == (3, 12, [])
    assert repo_kpi.count_values(engine, org.id) == 0
    code, out, _ = run(capsys, "import", str(path), "--org", "テスト市")
    assert code == 0 and out["imported"] and (out["new"], out["changed"], out["unchanged"]) == (12, 0, 0)
    code, out, _ = run(capsys, "import", str(path), "--org", "テスト市")
    assert code == 0 and not out["imported"] and out["unchanged"] == 12 and "何も保存していません" in out["note"]

    code, out, _ = run(capsys, "kpis", "--org", "テスト市")
    assert code == 0
    by = {(r["month"], r["kpi"]): r["value"] for r in out}
    assert by[("2025-05", "online_rate")] == round(25 / 60, 10)  # (20 + 5) / (50 + 10), never (40 % + 50 %) / 2
    assert by[("2025-04", "time_per_case")] == 0.5
    assert set(out[0]) == {"month", "kpi", "value"}
    code, out, _ = run(capsys, "kpis", "--org", "テスト市", "--from", "2025-05", "--department", "税務課")
    assert {r["month"] for r in out} == {"2025-05"} and {(r["kpi"], r["value"]) for r in out} >= {("online_rate", 0.5)}
    code, out, _ = run(capsys, "kpis", "--org", "テスト市", "--to", "R7.4", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "\ufeffmonth,kpi,value" and all(line.startswith("2025-04,") for line in lines[1:])

    code, out, _ = run(capsys, "uploads", "--org", "テスト市")
    assert code == 0 and len(out) == 1 and out[0]["source"] == "cli" and out[0]["new"] == 12
    code, out, _ = run(capsys, "undo", str(out[0]["id"]), "--org", "テスト市")
    assert code == 0 and out["undone_at"] and repo_kpi.count_values(engine, org.id) == 0


def test_usage_errors_exit_2_with_one_sentence(engine, tmp_path, capsys):
    repo.create_org(engine, "テスト市")
    code, out, err = run(capsys, "import", str(tmp_path / "nope.xlsx"), "--org", "テスト市")
    assert code == 2 and out is None and "開けません" in err and "Traceback" not in err
    code, _, err = run(capsys, "import", str(tmp_path / "nope.xlsx"), "--org", "どこにもない市")
    assert code == 2 and "見つかりません" in err
    code, _, err = run(capsys, "kpis", "--org", "テスト市", "--from", "昨年")
    assert code == 2 and "昨年" in err
    code, _, err = run(capsys, "kpis", "--org", "テスト市", "--department", "存在しない課", "--lang", "en")
    assert code == 2 and "There is no data for department" in err
    code, _, err = run(capsys, "undo", "99", "--org", "テスト市")
    assert code == 2 and "99" in err


def test_file_errors_exit_1_in_english_too(engine, tmp_path, capsys):
    repo.create_org(engine, "テスト市")
    path = filled_template(tmp_path, capsys, [["2025-04", "市民課", None, -3]])
    code, out, _ = run(capsys, "--lang", "en", "import", str(path), "--org", "テスト市")
    message = "Negative values such as '-3' are not allowed. Enter 0 or more."
    assert code == 1 and out["errors"] == [{"sheet": "月次データ", "row": 2, "column": "D 処理件数", "value": "-3",
                                            "message": message}]


def test_template_has_the_org_s_own_columns(engine, tmp_path, capsys):
    org = repo.create_org(engine, "テスト市")
    repo_kpi.add_custom_kpi(engine, org.id, "窓口待ち時間", "分", "lower", "mean")
    path = tmp_path / "own.xlsx"
    code, out, _ = run(capsys, "template", str(path), "--org", "テスト市")
    assert code == 0 and out["measures"][-1].startswith("custom_")
    assert [c.value for c in load_workbook(path)["月次データ"][1]][-1] == "窓口待ち時間"


def test_python_m_dxcore_import_runs_as_a_program(engine, db_url, tmp_path, capsys):
    repo.create_org(engine, "テスト市")
    path = filled_template(tmp_path, capsys, [["2025-04", "市民課", None, 1]])
    res = subprocess.run([sys.executable, "-m", "dxcore", "import", str(path), "--org", "テスト市", "--dry-run"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"DX_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["new"] == 1


def test_kpis_returns_the_new_kpis_with_hand_checked_values(engine, tmp_path, capsys):
    repo.create_org(engine, "新KPI市")
    header = [c.value for c in load_workbook(filled_template(tmp_path, capsys, []))["月次データ"][1]]

    def row(month, dept, **by_header):
        r = [None] * len(header)
        r[0], r[1] = month, dept
        for h, v in by_header.items():
            r[header.index(h)] = v
        return r

    path = filled_template(tmp_path, capsys, [
        row("2025-04", "市民課", **{"問い合わせ件数": 1300, "自己解決件数": 500, "来庁者数": 1000,
                                  "書かない窓口の利用者数": 250, "窓口の平均待ち時間(分)": 12, "職員数": 40,
                                  "年度内の研修受講者数(実人数)": 10, "生成AIを利用した職員数": 8,
                                  "自動化・AI適用業務数": 3, "改善実施件数": 2, "削減時間(時間)": 10}),
        row("2025-04", "全庁", **{"オンライン化済み手続数": 30, "オンライン化の対象手続数": 120,
                                 "部署横断の案件数": 2, "制度改正の対応件数": 2,
                                 "施行から業務フロー更新までの日数(合計)": 30}),
    ])
    assert run(capsys, "import", str(path), "--org", "新KPI市")[0] == 0
    code, out, _ = run(capsys, "kpis", "--org", "新KPI市")
    assert code == 0
    by = {r["kpi"]: r["value"] for r in out}
    assert by == {
        "online_procedure_rate": 0.25, "no_form_counter_rate": 0.25, "counter_wait": 12.0, "visitors": 1000.0,
        "inquiries": 1300.0, "staff_handled_inquiries": 800.0, "self_resolution_rate": round(500 / 1300, 10),
        "genai_user_rate": 0.2, "training_rate": 0.25, "automated_processes": 3.0, "improvement_streak": 1.0,
        "hours_saved": 10.0, "staff_cost_equivalent": 39_290.0, "cross_dept_projects": 2.0,
        "law_change_lead_time": 15.0}
