"""Reading uploads where a blow-up cannot take the server down for everyone.

:func:`parse_upload` runs :func:`dxcore.sheets.parse` in a child process that limits
itself — address space (``RLIMIT_AS``: the worker's own size plus PARSE_MEMORY_BYTES) and
CPU time — while the caller waits at most PARSE_SECONDS.  A child that runs out of
memory, is killed for taking too long, or crashes (a parser bug, a native library that
aborts) becomes the usual one-sentence refusal; the server process is never touched.
The limits themselves are in :mod:`dxcore.limits` (README, 上限).

Fast enough for every upload: one worker process is started once (in the background,
:func:`start`) and imports pandas, calamine and :mod:`dxcore.sheets`; for each upload
the server hands it one end of a new socket pair, and the worker forks a child that
already has everything loaded.  A small file is checked in a few hundredths of a second.

Protocol on the job socket: the child sends its pid (so the caller can kill it), the
caller sends the job, the child sends its result and exits; the worker, which reaps it,
then appends a fixed trailer with its exit status and peak memory and closes the
socket.  A single-threaded process (``python -m dxcore import``) forks itself instead: it has
everything loaded already.  Where this cannot run (Windows: no fork, no fd passing) or
with ``DX_PARSE_SANDBOX=0``, the parse runs in-process behind the same pre-checks.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

from dxcore import limits

try:
    import resource
except ImportError:  # Windows
    resource = None

ROOT = Path(__file__).resolve().parents[1]
PARALLEL = 2  # parses at once; more uploads wait their turn (each may use PARSE_MEMORY_BYTES)
TRAILER = struct.Struct("!8sqq")  # magic, wait status, peak RSS in KB
MAGIC = b"DXEXIT\0\0"
FRAME = struct.Struct("!Q")
SUPPORTED = (resource is not None and hasattr(socket, "send_fds") and hasattr(os, "fork")
             and hasattr(os, "wait4"))


@dataclass(frozen=True)
class Outcome:
    """What happened to one parse: the result, and what it cost (for the benchmark)."""

    parsed: object  # dxcore.sheets.Parsed
    how: str  # ok | timeout | memory | crashed | inline
    seconds: float
    peak_bytes: int | None  # peak resident memory of the child (None: not measured)


def enabled() -> bool:
    return SUPPORTED and os.environ.get("DX_PARSE_SANDBOX", "1").strip() != "0"


def parse_upload(data: bytes, file_name: str, custom: Sequence = (), today: date | None = None):
    """:func:`dxcore.sheets.parse` of an upload (``custom``: the organisation's own KPIs),
    in a child process with limits; a failure there is a refusal, never an exception."""
    return check(data, file_name, custom, today).parsed


def check(data: bytes, file_name: str, custom: Sequence = (), today: date | None = None) -> Outcome:
    from dxcore import sheets

    start = time.perf_counter()
    try:
        limits.check_size(len(data))  # nothing too big is even handed over
    except limits.Refused as r:
        return Outcome(sheets.refused(r, file_name), "ok", time.perf_counter() - start, None)
    if not enabled():
        from dxcore.kpi import catalogue

        return Outcome(sheets.parse(data, file_name, catalogue(tuple(custom)), today), "inline",
                       time.perf_counter() - start, None)
    with _slots:
        return _run((data, file_name, tuple(custom), today), file_name, start)


_slots = threading.BoundedSemaphore(PARALLEL)


# the caller's side -------------------------------------------------------------------------

def _run(job: tuple, file_name: str, start: float) -> Outcome:
    from dxcore import sheets

    deadline = time.monotonic() + limits.PARSE_SECONDS
    ours, theirs = socket.socketpair()
    pid = forked = None
    try:
        if _alone():  # a command-line process: fork itself, everything is loaded already
            forked = os.fork()
            if forked == 0:
                _child(theirs.fileno(), (ours,))
        else:  # a server: the worker forks for it
            _hand_over(theirs)
        theirs.close()
        pid = _read_frame(ours, deadline + 30)  # the worker may still be starting (imports)
        deadline = time.monotonic() + limits.PARSE_SECONDS
        _write_frame(ours, job, deadline)
        body = _read_to_end(ours, deadline)
        timed_out = False
    except TimeoutError:
        timed_out = True
        if isinstance(pid, int):
            _kill(pid)
        body = _read_to_end(ours, time.monotonic() + 5, quiet=True)
    except (OSError, EOFError, pickle.UnpicklingError):
        body = _read_to_end(ours, time.monotonic() + 5, quiet=True)
        timed_out = False
    finally:
        ours.close()
    status, peak, result = _split(body)
    if forked:
        _, status, usage = os.wait4(forked, 0)
        peak = int(usage.ru_maxrss) * 1024
    seconds = time.perf_counter() - start
    if not timed_out and result is not None and result[0] == "ok":
        return Outcome(result[1], "ok", seconds, peak)
    if timed_out or (status is not None and os.WIFSIGNALED(status)
                     and os.WTERMSIG(status) in (signal.SIGKILL, getattr(signal, "SIGXCPU", -1))):
        how, key, params = "timeout", "limits.parse_timeout", {"seconds": limits.PARSE_SECONDS}
    elif (result is not None and result[0] == "memory") or (
            status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT):
        # a native reader that cannot allocate aborts; Python raises MemoryError
        how, key, params = "memory", "limits.parse_memory", {"mb": limits.PARSE_MEMORY_BYTES // limits.MB}
    else:
        how, key, params = "crashed", "limits.parse_crashed", {}
    _log(f"upload {file_name!r} not read: {how} (status {status}, peak {peak})")
    return Outcome(sheets.refused(limits.Refused(key, file=file_name, **params), file_name), how, seconds, peak)


def _alone() -> bool:
    """A single-threaded process (the CLI) may fork itself; a server with threads may not."""
    return threading.active_count() == 1 and threading.current_thread() is threading.main_thread() \
        and _current is None


def _split(body: bytes) -> tuple[int | None, int | None, tuple | None]:
    """(wait status, peak bytes, the child's result) from what came back after the pid."""
    status = peak = None
    if len(body) >= TRAILER.size and body[-TRAILER.size:].startswith(MAGIC):
        _, status, peak_kb = TRAILER.unpack(body[-TRAILER.size:])
        peak = peak_kb * 1024
        body = body[:-TRAILER.size]
    result = None
    if len(body) >= FRAME.size:
        (n,) = FRAME.unpack(body[:FRAME.size])
        if len(body) == FRAME.size + n:
            try:
                result = pickle.loads(body[FRAME.size:])
            except Exception:  # noqa: BLE001 — a result cut short: the child died writing it
                result = None
    return status, peak, result


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _log(message: str) -> None:
    print(f"dxcore.sandbox: {message}", file=sys.stderr, flush=True)


class _Worker:
    def __init__(self):
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
               # no thread pools in a process that forks: one thread each
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from dxcore.sandbox import serve; serve({theirs.fileno()})"],
            pass_fds=(theirs.fileno(),), env=env, cwd=str(ROOT), stdin=subprocess.DEVNULL)
        theirs.close()
        self.control = ours
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def hand_over(self, job: socket.socket) -> None:
        with self.lock:
            socket.send_fds(self.control, [b"j"], [job.fileno()])

    def stop(self) -> None:
        self.control.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


_current: _Worker | None = None
_current_lock = threading.Lock()


def _worker(fresh: bool = False) -> _Worker:
    global _current
    with _current_lock:
        if fresh or _current is None or not _current.alive():
            if _current is not None:
                _current.stop()
            _current = _Worker()
        return _current


def _hand_over(job: socket.socket) -> None:
    try:
        _worker().hand_over(job)
    except OSError:  # the worker went away (killed?): a new one, once
        _worker(fresh=True).hand_over(job)


def start() -> None:
    """Start the worker now (it loads pandas in the background), so that the first upload
    does not wait for it.  Cheap when it is running already."""
    if enabled():
        _worker()


def stop() -> None:
    global _current
    with _current_lock:
        if _current is not None:
            _current.stop()
            _current = None


# frames ------------------------------------------------------------------------------------

def _write_frame(sock: socket.socket, obj, deadline: float) -> None:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    sock.sendall(FRAME.pack(len(body)) + body)


def _recv_exactly(sock: socket.socket, n: int, deadline: float) -> bytes:
    parts, got = [], 0
    while got < n:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _read_frame(sock: socket.socket, deadline: float):
    (n,) = FRAME.unpack(_recv_exactly(sock, FRAME.size, deadline))
    return pickle.loads(_recv_exactly(sock, n, deadline))


def _read_to_end(sock: socket.socket, deadline: float, quiet: bool = False) -> bytes:
    parts = []
    while True:
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = sock.recv(1 << 20)
        except (TimeoutError, OSError):
            if quiet:
                break
            raise
        if not chunk:
            break
        parts.append(chunk)
    return b"".join(parts)


# the worker's side -------------------------------------------------------------------------

def serve(control_fd: int) -> None:
    """The worker: load everything once, then fork a child per job until the server goes."""
    import selectors

    from dxcore import sheets

    sheets.parse(b"\xe5\xb9\xb4\xe6\x9c\x88,\xe9\x83\xa8\xe7\xbd\xb2\n", "warm-up.csv")  # 年月,部署: loads the rest
    control = socket.socket(fileno=control_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    jobs: dict[int, int] = {}  # child pid → the worker's copy of its job socket
    sel = selectors.DefaultSelector()
    sel.register(control, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj == wake_r:
                os.read(wake_r, 4096)
                _reap(jobs)
                continue
            try:
                msg, fds, _, _ = socket.recv_fds(control, 16, 4)
            except OSError:
                msg, fds = b"", []
            if not msg:  # the server went away: so do we (children finish on their own)
                return
            for fd in fds:
                pid = os.fork()
                if pid == 0:
                    _child(fd, (control, wake_r, wake_w))
                jobs[pid] = fd
        _reap(jobs)


def _reap(jobs: dict[int, int]) -> None:
    while jobs:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = jobs.pop(pid, None)
        if fd is not None:
            try:
                os.write(fd, TRAILER.pack(MAGIC, status, int(usage.ru_maxrss)))
            except OSError:
                pass
            os.close(fd)


def _child(fd: int, inherited) -> None:
    """One parse, limited; never returns."""
    code = 0
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for x in inherited:
            x.close() if hasattr(x, "close") else os.close(x)
        _limit_self()
        sock = socket.socket(fileno=fd)
        far = time.monotonic() + limits.PARSE_SECONDS + 60
        _write_frame(sock, os.getpid(), far)
        data, file_name, custom, today = _read_frame(sock, far)
        try:
            from dxcore.kpi import catalogue
            from dxcore.sheets import parse

            result = ("ok", parse(data, file_name, catalogue(custom), today))
            del data
            _write_frame(sock, result, far)
        except MemoryError:
            result = None
            _write_frame(sock, ("memory", None), far)
        sock.close()
    except BaseException:  # noqa: BLE001 — anything else: the caller reads "crashed" from the status
        code = 70
    finally:
        os._exit(code)


def _limit_self() -> None:
    """Address space: what the worker already maps plus the parse's allowance; CPU time."""
    try:
        with open("/proc/self/statm") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = mapped + limits.PARSE_MEMORY_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (OSError, ValueError):
        pass  # no /proc (macOS): the time limit still holds
    cpu = limits.PARSE_SECONDS + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
