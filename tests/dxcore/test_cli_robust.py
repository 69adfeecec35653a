"""The command line fails cleanly (issue 8): one sentence on stderr and exit code 2 for
running out of memory, JSON nested too deep, a number of 5,000 digits, a reader that went
away (``… | head``), a usage error; input files are size-checked before they are read; a
message about 200,000 wrong ids stays short; ``workshop answer`` checks answers exactly
as ``diagnose`` does.  Run through a real ``python -m dxcore`` where the process matters."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dxcore import cli
from dxcore.content import load
from dxcore.store import repo
from dxcore.store.models import Diagnosis
from dxcore.store.models_kpi import KpiValue
from tests.data.kpi_bad import hostile as h

ROOT = Path(__file__).resolve().parents[2]
PULSE = load().question_ids("pulse")


def dxcore(db_url: str, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    e = {**os.environ, "DX_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), **(env or {})}
    e.pop("DX_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "dxcore", *args], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=120, **kw)


def one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    return lines[0]


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(p)


def test_a_reader_that_goes_away_is_one_sentence(db_url):
    """``python -m dxcore questionnaire | head -c 10``: the pipe closes under the writer."""
    env = {**os.environ, "DX_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # smaller than the output: the writer must wait for us
    proc = subprocess.Popen([sys.executable, "-m", "dxcore", "questionnaire", "--set", "full"], cwd=ROOT, env=env,
                            stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    assert len(os.read(read_end, 10)) == 10  # 12 KB are coming: 4 KB fit in the pipe, the rest must wait
    os.close(read_end)  # what `head` does once it has its lines
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2
    assert one_sentence(err).startswith("出力先が閉じられたため")


def test_json_nested_too_deep(db_url, tmp_path):
    r = dxcore(db_url, "diagnose", write(tmp_path, "deep.json", "[" * 200_000 + "]" * 200_000))
    assert r.returncode == 2 and r.stdout == ""
    assert "入れ子が深すぎて" in one_sentence(r.stderr)


def test_a_number_of_five_thousand_digits(db_url, tmp_path):
    doc = '{"answers": {"%s": %s}}' % (PULSE[0], "7" * 5_000)
    r = dxcore(db_url, "diagnose", write(tmp_path, "long.json", doc))
    assert r.returncode == 2 and "桁数が多すぎる数" in one_sentence(r.stderr)
    r = dxcore(db_url, "undo", "9" * 5_000, "--org", "x")
    msg = one_sentence(r.stderr)
    assert r.returncode == 2 and len(msg) < 300 and "18桁まで" in msg and "--help" in msg


def test_running_out_of_memory(db_url, tmp_path):
    """A real MemoryError: the process is given little more address space than it needs to
    start, and a JSON file that takes more than that to read."""
    probe = subprocess.run([sys.executable, "-c", "import dxcore.cli, json, sys; cli = dxcore.cli.build_parser(); "
                            "print(open('/proc/self/statm').read().split()[0])"], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    started = int(probe.stdout.split()[-1]) * os.sysconf("SC_PAGE_SIZE")
    cap = started + 64 * 1024 * 1024

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    big = write(tmp_path, "many.json", json.dumps({"answers": {f"Q{i:07d}": i for i in range(400_000)}}))
    r = dxcore(db_url, "diagnose", big, env={"DX_MAX_JSON_MB": "50", "OPENBLAS_NUM_THREADS": "1"},
               preexec_fn=limit)
    assert r.returncode == 2 and "メモリが足りなくなった" in one_sentence(r.stderr)


def test_memory_error_anywhere_is_one_sentence(capsys, monkeypatch):
    parser = cli.build_parser()
    args = parser.parse_args(["questionnaire"])
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)

    def boom(_):
        raise MemoryError

    args.func = boom
    assert cli.main([]) == 2
    assert capsys.readouterr().err.strip() == "メモリが足りなくなったため中止しました(何も保存していません)。入力を小さく分けてください。"

    def odd(_):
        raise LookupError("x" * 10_000)

    args.func = odd
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "LookupError" in err and len(err) < 300


def test_two_hundred_thousand_unknown_ids_stay_short(db_url, tmp_path):
    doc = {"answers": {f"ZZ-{i}": 3 for i in range(200_000)}}
    r = dxcore(db_url, "diagnose", write(tmp_path, "ids.json", json.dumps(doc)))
    msg = one_sentence(r.stderr)
    assert r.returncode == 2 and len(msg) < 600 and "ZZ-0 = 3" in msg and "ほか 199,990 件" in msg


def test_input_files_are_size_checked_before_reading(db_url, tmp_path, engine):
    r = dxcore(db_url, "diagnose", "/dev/zero", env={"DX_MAX_JSON_MB": "1"})  # endless: read no further
    assert r.returncode == 2 and "大きすぎます(1MBまで)" in one_sentence(r.stderr)
    repo.create_org(engine, "千代田区")
    r = dxcore(db_url, "import", "/dev/zero", "--org", "千代田区", env={"DX_MAX_FILE_MB": "1"})
    out = json.loads(r.stdout)
    assert r.returncode == 1 and out["imported"] is False and out["errors"][0]["message"].startswith(
        "ファイルが大きすぎます(1MBまで)")


def test_a_hostile_workbook_is_refused_by_name_and_cell_and_stores_nothing(db_url, tmp_path, engine):
    org = repo.create_org(engine, "千代田区")
    r = dxcore(db_url, "import", write(tmp_path, "far.xlsx", h.far_cell()), "--org", "千代田区")
    out = json.loads(r.stdout)
    assert r.returncode == 1 and r.stderr == ""
    assert [e["message"].split("が読み込める")[0] for e in out["errors"]] == ["シート「月次データ」のセル XFD1048576 "]
    assert out["more_errors"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(KpiValue).where(KpiValue.org_id == org.id)).scalar() == 0


def test_many_bad_rows_list_two_hundred_and_say_how_many_more(db_url, tmp_path, engine):
    repo.create_org(engine, "千代田区")
    r = dxcore(db_url, "import", write(tmp_path, "bad.csv", h.bad_rows_csv(3_000)), "--org", "千代田区")
    out = json.loads(r.stdout)
    assert r.returncode == 1 and len(out["errors"]) == 200 and out["more_errors"] == 4 * 3_000 - 200
    assert "ほかに 11,800 件の誤り" in out["more_errors_note"]


def test_usage_errors_are_one_sentence(db_url):
    r = dxcore(db_url, "frobnicate")
    assert r.returncode == 2 and "--help" in one_sentence(r.stderr)


@pytest.mark.parametrize("value", ["3.0", '"3"', "true", "6", "0", "-1", "null"])
def test_workshop_answer_checks_answers_exactly_as_diagnose(db_url, tmp_path, engine, capsysbinary, value):
    repo.create_org(engine, "千代田区")
    assert cli.main(["workshop", "create", "--org", "千代田区", "--set", "pulse", "--title", "研修"]) == 0
    code = json.loads(capsysbinary.readouterr().out)["code"]
    path = write(tmp_path, "a.json", '{"answers": {"%s": %s, "%s": 4}}' % (PULSE[0], value, PULSE[1]))
    diagnose = cli.main(["diagnose", path])
    d_out, d_err = capsysbinary.readouterr()
    answer = cli.main(["workshop", "answer", code, path, "--role", "it"])
    w_out, w_err = capsysbinary.readouterr()
    assert diagnose == answer
    if diagnose == 2:
        assert d_err == w_err and b"= " in d_err  # the very same sentence
    else:
        assert value == "null" and json.loads(w_out)["answers"] == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Diagnosis)).scalar() == 0


def test_a_reader_that_aborts_is_a_refusal_on_the_command_line_too(db_url, tmp_path, engine):
    """The CLI forks itself to read: with limits raised so far that calamine is asked for
    XFD1048576's grid, the child aborts and the command still answers in one JSON."""
    repo.create_org(engine, "千代田区")
    r = dxcore(db_url, "import", write(tmp_path, "far.xlsx", h.far_cell()), "--org", "千代田区",
               env={"DX_MAX_COLUMNS": "20000", "DX_MAX_CELLS": "100000000000000"})
    out = json.loads(r.stdout)
    assert r.returncode == 1 and out["imported"] is False
    assert out["errors"][0]["message"].startswith("ファイル「far.xlsx」は読み込みに使えるメモリ")
