"""Uploads are read in a child process with limits (dxcore.sandbox): the same result as
reading them in-process, and a parser that blows up anyway — a native reader that
aborts, a parse that runs too long — is a one-sentence refusal while the server (this
test process) goes on serving the next upload."""

from __future__ import annotations

import os
import signal
import time

import pytest

from dxcore import limits, sandbox, sheets
from dxcore.kpi import CustomKpi
from tests.data.kpi_bad import hostile as h

pytestmark = pytest.mark.skipif(not sandbox.SUPPORTED, reason="no fork / fd passing on this platform")

GOOD = h.raw_xlsx(h.table([h.HEADER, h.ROW, ["2025-05", "税務課", "x"]]))


@pytest.fixture
def worker(monkeypatch):
    """Restart the worker with these environment variables (the next test gets the usual one)."""
    def restart(**env):
        sandbox.stop()
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        sandbox.start()
    yield restart
    sandbox.stop()


def test_the_child_reads_exactly_what_the_server_would():
    out = sandbox.check(GOOD, "g.xlsx")
    same = sheets.parse(GOOD, "g.xlsx")
    assert out.how == "ok" and out.peak_bytes > 0
    assert out.parsed.values.equals(same.values) and out.parsed.problems == same.problems
    assert [(p.row, p.column, p.key) for p in out.parsed.problems] == [(3, "C 処理件数", "not_number")]


def test_the_organisations_own_kpis_reach_the_child():
    own = CustomKpi("custom_1", "窓口待ち時間", "分", "lower", "mean")
    data = h.raw_xlsx(h.table([["年月", "部署", "窓口待ち時間"], ["2025-04", "市民課", 12]]))
    assert sandbox.parse_upload(data, "o.xlsx").problems[0].key == "unknown_column"
    assert sandbox.parse_upload(data, "o.xlsx", (own,)).values["measure"].tolist() == ["custom_1"]


@pytest.mark.parametrize("data,key", [(h.far_cell(), "limits.sheet_too_large"), (h.wide_csv(), "limits.csv_too_wide"),
                                      (h.long_line_csv(1 << 20), "limits.line_too_long")])
def test_hostile_files_are_refused_in_the_child(data, key):
    out = sandbox.check(data, "hostile")
    assert out.how == "ok" and [p.key for p in out.parsed.problems] == [key]


def test_too_big_is_refused_without_a_child(monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(sandbox, "_run", lambda *a: pytest.fail("handed to a child"))
    out = sandbox.check(b"x" * 1001, "big.csv")
    assert [p.key for p in out.parsed.problems] == ["too_big"] and out.peak_bytes is None


def test_a_reader_that_aborts_is_a_refusal_not_a_dead_server(worker):
    # limits raised so far that the pre-scan lets XFD1048576 through: calamine then asks
    # for a 512 GiB grid and aborts — in the child
    worker(DX_MAX_COLUMNS="20000", DX_MAX_CELLS="100000000000000")
    out = sandbox.check(h.far_cell(), "far.xlsx")
    assert out.how == "memory"
    problem, = out.parsed.problems
    assert problem.key == "limits.parse_memory" and problem.message().startswith("ファイル「far.xlsx」は読み込みに使える")
    assert sandbox.check(GOOD, "g.xlsx").how == "ok"  # the next upload is served


def test_a_parse_that_takes_too_long_is_stopped(worker, monkeypatch):
    worker(DX_PARSE_SECONDS="1", DX_MAX_CELLS="100000000")
    monkeypatch.setattr(limits, "PARSE_SECONDS", 1)
    sandbox.check(GOOD, "warm.xlsx")  # the worker is up (its start is not the parse's time)
    data = ("年月,部署,処理件数\n" + "2025-04,市民課,1\n" * 2_000_000).encode()  # 6 million cells
    start = time.monotonic()
    out = sandbox.check(data, "slow.csv")
    assert out.how == "timeout" and time.monotonic() - start < 10
    problem, = out.parsed.problems
    assert problem.key == "limits.parse_timeout" and "1 秒以内に" in problem.message()
    assert sandbox.check(GOOD, "g.xlsx").how == "ok"


def test_a_worker_that_died_is_replaced(worker):
    worker()
    assert sandbox.check(GOOD, "g.xlsx").how == "ok"
    pid = sandbox._current.proc.pid
    os.kill(pid, signal.SIGKILL)
    sandbox._current.proc.wait(timeout=10)
    assert sandbox.check(GOOD, "g.xlsx").how == "ok"
    assert sandbox._current.proc.pid != pid


def test_without_the_sandbox_the_same_checks_run_in_process(monkeypatch):
    monkeypatch.setenv("DX_PARSE_SANDBOX", "0")
    monkeypatch.setattr(sandbox, "_run", lambda *a: pytest.fail("handed to a child"))
    out = sandbox.check(h.far_cell(), "far.xlsx")
    assert out.how == "inline" and out.parsed.problems[0].key == "limits.sheet_too_large"
