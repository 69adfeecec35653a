"""`python -m dxcore workshop create|answer|results|close`: JSON out; clear refusals, exit 2."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from dxcore import cli
from dxcore.content import load
from dxcore.store import repo

ROOT = Path(__file__).resolve().parents[2]
C = load()
PULSE = C.question_ids("pulse")
FULL_ONLY = next(q for q in C.question_ids("full") if q not in PULSE)


def run(capsysbinary, *args):
    code = cli.main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8-sig"), err.decode()


def write(tmp_path, doc, name="answers.json") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return str(p)


def create(capsysbinary, *extra) -> dict:
    code, out, err = run(capsysbinary, "workshop", "create", "--org", "千代田区", "--set", "pulse",
                         "--title", "庁内研修", *extra)
    assert code == 0, err
    return json.loads(out)


def test_create_prints_the_code_and_join_path(engine, capsysbinary, monkeypatch):
    repo.create_org(engine, "千代田区", "131016")
    made = create(capsysbinary)
    assert made["join_path"] == f"/?ws={made['code']}" and len(made["code"]) == 6
    assert (made["set"], made["title"], made["org"], made["status"]) == ("pulse", "庁内研修", "千代田区", "open")
    assert "join_url" not in made
    monkeypatch.setenv("DX_PUBLIC_URL", "http://192.168.1.20:8501")
    by_code = json.loads(run(capsysbinary, "workshop", "create", "--org", "131016", "--set", "myths",
                             "--title", "クイズ", "--limit", "30")[1])
    assert by_code["join_url"] == f"http://192.168.1.20:8501/?ws={by_code['code']}"
    assert by_code["max_participants"] == 30


def test_create_refuses_bad_input(engine, capsysbinary):
    code, out, err = run(capsysbinary, "workshop", "create", "--org", "無い町", "--set", "pulse", "--title", "x")
    assert code == 2 and out == "" and "無い町" in err
    repo.create_org(engine, "千代田区")
    code, out, err = run(capsysbinary, "workshop", "create", "--org", "千代田区", "--set", "pulse", "--title", " ")
    assert code == 2 and "タイトル" in err and len(err.strip().splitlines()) == 1


def test_answer_results_and_close(engine, capsysbinary, tmp_path):
    org = repo.create_org(engine, "千代田区")
    ws_code = create(capsysbinary)["code"]
    sheets = [("首長・幹部", {q: 5 for q in PULSE}), ("frontline", {q: 2 for q in PULSE}),
              ("frontline", {"answers": {PULSE[0]: 1, PULSE[1]: None}})]
    for n, (role, answers) in enumerate(sheets):
        code, out, err = run(capsysbinary, "workshop", "answer", ws_code.lower(), write(tmp_path, answers, f"{n}.json"),
                             "--role", role)
        assert code == 0, err
        assert json.loads(out) == {"code": ws_code, "answers": len(answers.get("answers", answers)),
                                   "participants": n + 1}
    code, out, _ = run(capsysbinary, "workshop", "results", ws_code)
    doc = json.loads(out)
    assert doc["participants"] == 3 and doc["joined"] == 3
    assert [p["id"] for p in doc["patterns"]] == [p.id for p in C.patterns]
    assert all(set(p) == {"id", "risk", "band"} for p in doc["patterns"])
    assert doc["roles"]["executive"]["count"] == 1 and doc["roles"]["frontline"]["count"] == 2
    assert doc["roles"]["executive"]["patterns"][0]["risk"] is not None  # the facilitator sees every role
    assert doc["gaps"][0]["executive"] == 5.0

    code, out, _ = run(capsysbinary, "workshop", "results", ws_code, "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:4] == ["scope", "id", "participants", "overall"] and table[1][:3] == ["room", "all", "3"]

    code, out, _ = run(capsysbinary, "workshop", "close", ws_code)
    closed = json.loads(out)
    assert code == 0 and closed["closed"] and closed["participants"] == 3 and closed["saved"] == "aggregate"
    [saved] = repo.list_diagnoses(engine, org.id)
    assert saved.id == closed["diagnosis_id"] and saved.mode == "workshop" and saved.participants == 3

    code, out, err = run(capsysbinary, "workshop", "answer", ws_code, write(tmp_path, {PULSE[0]: 3}), "--role",
                         "it")
    assert code == 2 and out == "" and "終了" in err
    code, out, err = run(capsysbinary, "workshop", "close", ws_code)
    assert code == 2 and "すでに終了" in err


def test_answer_refuses_unknown_code_bad_answers_and_role(engine, capsysbinary, tmp_path):
    repo.create_org(engine, "千代田区")
    ws_code = create(capsysbinary)["code"]
    good = write(tmp_path, {PULSE[0]: 3})
    code, _, err = run(capsysbinary, "workshop", "answer", "ZZZZZZ", good, "--role", "it")
    assert code == 2 and "見つかりません" in err
    code, _, err = run(capsysbinary, "workshop", "answer", "12", good, "--role", "it")
    assert code == 2 and "参加コード" in err
    code, _, err = run(capsysbinary, "workshop", "answer", ws_code, write(tmp_path, {PULSE[0]: 8}, "bad.json"),
                       "--role", "it")
    assert code == 2 and f"{PULSE[0]} = 8" in err
    code, _, err = run(capsysbinary, "workshop", "answer", ws_code, good, "--role", "mayor")
    assert code == 2 and "mayor" in err
    code, _, err = run(capsysbinary, "--lang", "en", "workshop", "answer", ws_code, write(tmp_path, {"M1": True},
                                                                                          "m.json"), "--role", "it")
    # checked exactly as `diagnose` checks answers: M1 is no statement of the questionnaire
    assert code == 2 and "Some answers are wrong" in err and "M1 = True" in err
    code, _, err = run(capsysbinary, "--lang", "en", "workshop", "answer", ws_code,
                       write(tmp_path, {FULL_ONLY: 3}, "full.json"), "--role", "it")
    assert code == 2 and "not part of this workshop" in err  # a statement, but not of this set
    doc = json.loads(run(capsysbinary, "workshop", "results", ws_code)[1])
    assert doc["participants"] == 0 and doc["patterns"] == []


def test_myths_results_and_close_saves_nothing(engine, capsysbinary, tmp_path):
    org = repo.create_org(engine, "千代田区")
    made = json.loads(run(capsysbinary, "workshop", "create", "--org", "千代田区", "--set", "myths", "--title",
                          "思い込みクイズ")[1])
    run(capsysbinary, "workshop", "answer", made["code"], write(tmp_path, {"M1": False, "M2": True, "M3": None}),
        "--role", "frontline")
    doc = json.loads(run(capsysbinary, "workshop", "results", made["code"])[1])
    assert doc["myths"][0] == {"id": "M1", "true": 0, "false": 1, "unknown": 0, "correct": 1,
                               "correct_rate": 100.0}
    assert doc["myth_score"] == 1.0
    table = list(csv.reader(io.StringIO(run(capsysbinary, "workshop", "results", made["code"], "--format",
                                            "csv")[1])))
    assert table[0][0] == "statement" and [r[0] for r in table[1:]] == [m.id for m in load().myths]
    closed = json.loads(run(capsysbinary, "workshop", "close", made["code"])[1])
    assert closed["diagnosis_id"] is None and closed["saved"] == "warm_up_not_saved"
    assert repo.list_diagnoses(engine, org.id) == []


def test_the_real_command_line(db_url):
    def dx(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "dxcore", *args], cwd=ROOT, capture_output=True, text=True,
                              input=stdin, timeout=120)

    dx("org", "add", "--name", "千代田区")
    made = json.loads(dx("workshop", "create", "--org", "千代田区", "--set", "pulse", "--title", "研修").stdout)
    done = dx("workshop", "answer", made["code"], "-", "--role", "frontline", stdin=json.dumps({PULSE[0]: 4}))
    assert done.returncode == 0 and json.loads(done.stdout)["participants"] == 1
    refused = dx("workshop", "answer", "AAAAAA", "-", "--role", "frontline", stdin="{}")
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
