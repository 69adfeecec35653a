"""`python -m dxcore plan --org CODE_OR_NAME [--format json|csv]`."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from dxcore import cli
from dxcore.advice import advise
from dxcore.content import load
from dxcore.scoring import score
from dxcore.store import get_engine, repo, repo_plan

ROOT = Path(__file__).resolve().parents[2]
C = load()


def run(capsysbinary, *args):
    code = cli.main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def answers_risky(pattern: str) -> dict:
    """Answers that put one pattern at risk 100 and the rest at 0."""
    return {q.id: ((1 if q.reverse else 5) if p.id == pattern else (5 if q.reverse else 1))
            for p in C.patterns for q in p.questions}


def test_plan_json_has_steps_items_progress_and_the_diagnosis_priority(db_url, capsysbinary):
    engine = get_engine(db_url)
    org = repo.create_org(engine, "千代田区", "131016")
    repo.save_diagnosis(engine, org.id, answers_risky("P2"), "dx_office")
    repo_plan.update_item(engine, org.id, "S3-3", {"status": "done", "owner": "情報政策課"})
    repo_plan.update_item(engine, org.id, "S3-2", {"status": "doing", "due": "2027-02-26"})
    code, out, err = run(capsysbinary, "plan", "--org", "131016")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert list(doc) == ["steps"] and [s["id"] for s in doc["steps"]] == [s.id for s in C.steps]
    s3 = doc["steps"][2]
    assert s3["title"] == C.step_index["S3"].title["ja"]
    assert s3["progress"] == round(1 / len(C.step_index["S3"].items), 4)
    items = {i["id"]: i for i in s3["items"]}
    assert items["S3-3"] == {"id": "S3-3", "text": "RPAで定型入力業務を自動化する", "status": "done",
                             "owner": "情報政策課", "due": None}
    assert items["S3-2"]["status"] == "doing" and items["S3-2"]["due"] == "2027-02-26"
    priority = {s["id"] for s in doc["steps"] if s["priority"]}
    assert priority == set(advise(score(answers_risky("P2"))).steps) >= set(C.pattern_index["P2"].steps)
    repo.save_diagnosis(engine, org.id, answers_risky("P4"), "frontline")  # the newer diagnosis decides
    later = {s["id"] for s in json.loads(run(capsysbinary, "plan", "--org", "千代田区")[1])["steps"] if s["priority"]}
    assert later == set(advise(score(answers_risky("P4"))).steps) != priority
    assert all(0 <= s["progress"] <= 1 for s in doc["steps"])


def test_plan_csv_is_one_row_per_item_with_bom_in_the_chosen_language(db_url, capsysbinary):
    engine = get_engine(db_url)
    org = repo.create_org(engine, "A市")
    repo_plan.update_item(engine, org.id, "S1-1", {"note": "=1+1 は式ではなく文字"})
    code, out, _ = run(capsysbinary, "plan", "--org", "A市", "--format", "csv", "--lang", "en")
    assert code == 0 and out.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert table[0][:5] == ["Step", "Step title", "Item id", "Checklist item", "Status"]
    assert len(table) == 1 + sum(len(s.items) for s in C.steps)
    assert table[1][2] == "S1-1" and table[1][4] == "Not started" and table[1][7] == "'=1+1 は式ではなく文字"


def test_plan_of_an_unknown_organisation_exits_2_with_a_clear_message(db_url, capsysbinary):
    code, out, err = run(capsysbinary, "plan", "--org", "どこにもない市")
    assert code == 2 and out == b"" and "どこにもない市" in err and "見つかりません" in err
    env = {**os.environ, "DX_DATABASE_URL": db_url}
    p = subprocess.run([sys.executable, "-m", "dxcore", "--lang", "en", "plan", "--org", "999999"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.strip().startswith("No organisation '999999'")
