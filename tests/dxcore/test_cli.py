"""The command line: JSON out, clear errors with exit 2 and nothing saved."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dxcore import cli
from dxcore.content import load

ROOT = Path(__file__).resolve().parents[2]
C = load()


def run(capsysbinary, *args):
    code = cli.main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8-sig"), err.decode()


def write(tmp_path, doc) -> str:
    p = tmp_path / "answers.json"
    p.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return str(p)


def test_org_add_and_list(db_url, capsysbinary):
    code, out, _ = run(capsysbinary, "org", "add", "--name", "千代田区", "--code", "131016")
    assert code == 0 and json.loads(out)["prefecture"] == "13"
    code, out, err = run(capsysbinary, "org", "add", "--name", "X", "--code", "131015")
    assert code == 2 and "検査数字" in err and out == ""
    code, out, _ = run(capsysbinary, "org", "list")
    assert [o["name"] for o in json.loads(out)] == ["千代田区"]


def test_questionnaire_json(capsysbinary):
    code, out, _ = run(capsysbinary, "questionnaire", "--set", "pulse", "--lang", "en")
    doc = json.loads(out)
    assert [o["value"] for o in doc["scale"]["options"]] == [1, 2, 3, 4, 5]
    assert [p["id"] for p in doc["patterns"]] == [f"P{i}" for i in range(1, 8)]
    assert all(len(p["questions"]) == 1 for p in doc["patterns"])
    q = doc["patterns"][0]["questions"][0]
    assert set(q) == {"id", "text", "reverse", "cause"} and q["text"] == C.question_index[q["id"]].text["en"]
    full = json.loads(run(capsysbinary, "questionnaire")[1])
    assert sum(len(p["questions"]) for p in full["patterns"]) == len(C.questions)
    # the new pulse set: one statement per pattern, health-worded and risk-worded, all three causes
    assert doc["version"] == C.version == 2 and doc["scale"]["options"][2]["label"] == "Neither agree nor disagree"
    pulse = [q for p in doc["patterns"] for q in p["questions"]]
    assert [q["id"] for q in pulse] == list(C.question_ids("pulse"))
    assert sum(q["reverse"] for q in pulse) >= 3 and {q["cause"] for q in pulse} == {"process", "people", "culture"}
    assert set(doc["patterns"][0]["levels"]) == {"low", "medium", "high"}


def test_diagnose_prints_scores_and_advice(db_url, capsysbinary, tmp_path):
    worst = {q.id: (1 if q.reverse else 5) for q in C.pattern_index["P3"].questions}
    code, out, _ = run(capsysbinary, "diagnose", write(tmp_path, {"answers": worst}))
    doc = json.loads(out)
    assert code == 0 and doc["overall"] == 0.0
    p3 = next(p for p in doc["patterns"] if p["id"] == "P3")
    assert (p3["risk"], p3["band"], p3["confidence"]) == (100.0, "high", "high")
    assert doc["advice"][0]["pattern"] == "P3" and doc["advice"][0]["steps"] == list(C.pattern_index["P3"].steps)
    assert {c["id"] for c in doc["causes"]} == {"process", "people", "culture"}
    assert "saved" not in doc


def test_diagnose_save_and_history(db_url, capsysbinary, tmp_path):
    run(capsysbinary, "org", "add", "--name", "A市")
    path = write(tmp_path, {"answers": {q: 3 for q in C.question_ids("pulse")}})
    code, out, _ = run(capsysbinary, "diagnose", path, "--save", "--org", "A市", "--role", "frontline")
    assert code == 0 and json.loads(out)["saved"]["org"] == "A市"
    code, out, _ = run(capsysbinary, "history", "--org", "A市")
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["role"] == "frontline" and rows[0]["question_set"] == "pulse"
    assert rows[0]["overall"] == 50.0 and rows[0]["P1"] == 50.0
    code, out, _ = run(capsysbinary, "history", "--org", "A市", "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:7] == ["id", "date", "role", "mode", "question_set", "participants", "overall"]
    assert table[1][2] == "frontline"


@pytest.mark.parametrize("doc,needle", [
    ({"answers": {"P1-1": 9}}, "P1-1"),
    ({"answers": {"NOPE-1": 3}}, "NOPE-1"),
    ({"answers": []}, "answers"),
    ("{not json", "JSON"),
])
def test_bad_answers_exit_2_and_save_nothing(db_url, capsysbinary, tmp_path, doc, needle):
    run(capsysbinary, "org", "add", "--name", "A市")
    code, out, err = run(capsysbinary, "diagnose", write(tmp_path, doc), "--save", "--org", "A市",
                         "--role", "frontline")
    assert code == 2 and out == "" and needle in err and "Traceback" not in err
    assert json.loads(run(capsysbinary, "history", "--org", "A市")[1]) == []


def test_unknown_org_and_missing_file(db_url, capsysbinary, tmp_path):
    code, _, err = run(capsysbinary, "history", "--org", "どこにもない市")
    assert code == 2 and "どこにもない市" in err
    code, _, err = run(capsysbinary, "--lang", "en", "diagnose", str(tmp_path / "missing.json"))
    assert code == 2 and "Cannot read" in err


def test_demo_twice_changes_nothing(db_url, capsysbinary):
    first = json.loads(run(capsysbinary, "demo")[1])
    second = json.loads(run(capsysbinary, "demo")[1])
    assert first == second and first["diagnoses"] >= 4 and first["is_demo"] is True
    assert len(json.loads(run(capsysbinary, "org", "list")[1])) == 1


def test_python_dash_m_entry_point(db_url, tmp_path):
    """The real process: exit code 2 and one line on stderr, no traceback."""
    env = {**os.environ, "DX_DATABASE_URL": db_url}
    p = subprocess.run([sys.executable, "-m", "dxcore", "history", "--org", "なし"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr and "なし" in p.stderr
