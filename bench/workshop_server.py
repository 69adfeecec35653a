"""How many phones can this laptop serve?  A live workshop through the real server.

Starts a real ``streamlit run app.py`` on a fresh database (a temporary directory,
``DX_DATABASE_URL``), creates a workshop and releases N simulated participants through the
websocket at ``/_stcore/stream``, speaking Streamlit's own protobuf protocol
(``bench/stclient.py``): each opens ``/?ws=CODE``, chooses a role, answers every statement
(optionally thinking before each answer) and sends, pressing what the page offers, one
rerun at a time, as a phone's browser does.  One projector session stays open on
``/present`` and reruns its live fragment when the server asks it to, as the browser does.

Reported (figures from one run; with ``--runs K`` the range over K runs):

- connect → acknowledged (the thanks screen): median, p95, max;
- the latency of every rerun (median, p95, max) and reruns per participant;
- server CPU seconds (and per script run) and RSS (peak);
- answers stored against answers sent;
- seconds from the last acknowledgement until the projector shows the final count
  (read from what the projector session renders);

and, measured the same way in the same run, the same client against a bare Streamlit app
(one radio, one button, the same number of reruns per participant, the same server settings:
a copy of .streamlit/config.toml), with the ratios.
``--startup`` also compares start-up to a healthy server with a hello-world app.
``--workers N`` runs the room behind nginx with 1 and with N app processes (deploy/workers.py)
and prints the gain.  Timings depend on what else runs on the machine: compare ratios
measured in one run, never figures from different runs.

Usage:
  python bench/workshop_server.py [--participants 200] [--set pulse|full|myths] [--think 0]
                                  [--workers 1] [--runs 1] [--startup] [--no-bare]
                                  [--option runner.postScriptGC=false ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import html
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stclient import Session  # noqa: E402
from deploy.workers import Cluster, free_port, wait_healthy  # noqa: E402
from dxcore.i18n import catalogue  # noqa: E402

BARE_APP = '''import streamlit as st
choice = st.radio("q", ["1", "2", "3", "4", "5"], index=None, key="q")
if st.button("send", key="send"):
    st.write("ok", choice)
'''
HELLO_APP = 'import streamlit as st\nst.write("hello")\n'
SUBMIT_KEYS = ("ws_submit", "ws_next", "ws_join")  # what a participant presses to go on (an older app)
FORM_KEY = "ws_form"  # the phone's form, one components v2 element (ui.phone_form)
MAX_STEPS = 80
CLK = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# the server ---------------------------------------------------------------------------

class Proc:
    """A process's CPU seconds and memory, read from /proc (Linux)."""

    def __init__(self, pid: int):
        self.pid = pid

    def cpu(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / CLK

    def memory_mb(self) -> tuple[float, float]:
        """(RSS now, peak RSS) in MB."""
        now = peak = 0.0
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
        except OSError:
            pass
        return now, peak


class Server:
    """``streamlit run SCRIPT`` on a free port; ``started_s`` = spawn → /_stcore/health answers."""

    def __init__(self, script: Path, env: dict | None = None, options: list[str] = (), log: Path | None = None,
                 port: int | None = None, cwd: Path = ROOT):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (log or Path(os.devnull)).open("w")
        args = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(self.port),
                "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false"]
        for option in options:
            name, _, value = option.partition("=")
            args += [f"--{name}", value]
        started = time.perf_counter()
        self.proc = subprocess.Popen(args, cwd=cwd, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.stats = Proc(self.proc.pid)
        wait_healthy(self.url, [self.proc])
        self.started_s = time.perf_counter() - started

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# the room -----------------------------------------------------------------------------

MAKE_WORKSHOP = """
import sys
sys.path.insert(0, ".")
from dxcore.store import engine as engine_mod, repo, repo_workshop as wrepo
engine = engine_mod.get_engine(sys.argv[1])
org = repo.create_org(engine, "負荷試験市")
print(wrepo.create_workshop(engine, org.id, "負荷試験", sys.argv[2]).code)
"""


def make_workshop(db_url: str, question_set: str, app_dir: Path = ROOT) -> str:
    """A fresh database with one open workshop, made by the code of the app under test."""
    out = subprocess.run([sys.executable, "-c", MAKE_WORKSHOP, db_url, question_set], cwd=app_dir,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def stored_answers(db_url: str, code: str) -> tuple[int, int]:
    """(answers stored, participants who answered) for the workshop, read from the database."""
    from sqlalchemy import text

    from dxcore.store import engine as engine_mod

    engine = engine_mod.make_engine(db_url)  # as it is: the app under test may be another version
    with engine.connect() as conn:
        answers = conn.execute(text(
            "SELECT count(*) FROM workshop_answer a JOIN workshop_participant p ON p.id = a.participant_id "
            "JOIN workshop w ON w.id = p.workshop_id WHERE w.code = :c"), {"c": code}).scalar_one()
        people = conn.execute(text(
            "SELECT count(*) FROM workshop_participant p JOIN workshop w ON w.id = p.workshop_id "
            "WHERE w.code = :c AND p.answered_at IS NOT NULL"), {"c": code}).scalar_one()
    engine.dispose()
    return answers, people


def _messages(key: str) -> list[str]:
    return list(catalogue()[key].values())


THANKS = _messages("workshop.join.thanks")


_COUNT_RES = [re.compile(re.escape(text).replace(r"\{answered\}", r"(\d+)").replace(r"\{joined\}", r"\d+"))
              for text in _messages("workshop.present.answered_of")]
_TAGS = re.compile(r"<[^>]+>")


def answered_on_screen(session: Session) -> int | None:
    """How many have answered, as the projector's page shows it (None: not on screen)."""
    for text in session.texts():
        plain = html.unescape(_TAGS.sub("", text))
        for pattern in _COUNT_RES:
            found = pattern.search(plain)
            if found:
                return int(found.group(1))
    return None


@dataclass
class Participant:
    acked: bool = False
    connect_to_ack: float = float("nan")
    reruns: list[float] = field(default_factory=list)
    script_runs: int = 0
    answers_sent: int = 0
    ack_at: float = float("nan")  # monotonic time of the acknowledgement
    error: str | None = None


def _choose(options: list, rng: random.Random):
    """An answer as people give them: 「わからない」 (the last option) now and then."""
    if rng.random() < 0.1:
        return options[-1]
    return rng.choice(options[:-1] if len(options) > 2 else options)


async def _play(session: Session, out: Participant, steps) -> Participant:
    """Connect, open the page, then ``steps()``; timings, reruns and any failure go into ``out``."""
    started = time.perf_counter()
    try:
        await session.connect()
        await session.rerun()
        await steps()
        out.connect_to_ack = time.perf_counter() - started
        out.ack_at = time.monotonic()
    except Exception as e:  # noqa: BLE001 — reported, not raised: one failure must not hide the others
        out.error = f"{type(e).__name__}: {e}"[:300]
    finally:
        out.reruns = [r.seconds for r in session.runs]
        out.script_runs = sum(r.script_runs for r in session.runs)
        await session.close()
    return out


async def participant(base: str, query: str, address: str, think: float, rng: random.Random,
                      release: asyncio.Event, arrival: float = 0.0) -> Participant:
    """A phone: open the link, choose a role, answer, send; press whatever the page offers.

    This app's phone form is one element (``ui.phone_form``): its data names the role's and the
    statements' options and the page's buttons, and a press sends everything chosen as the
    element's trigger value, as the browser does.  An app whose page is made of radios and
    form buttons (an older version, ``--versus-app``) is answered through those widgets.
    """
    out = Participant()
    session = Session(base, query=query, headers={"X-Forwarded-For": address})
    answered: set[str] = set()

    async def think_a_little() -> None:
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    async def press_form(form) -> None:
        data = form.data
        forward = next((b["action"] for b in data["buttons"] if b["primary"]), None)
        payload = {"action": forward, "page": data["page"], "role": None, "pin": "", "answers": {}}
        if data.get("role"):
            payload["role"] = data["role"]["value"] or rng.choice([r for r, _ in data["role"]["options"]])
        options = [value for value, _ in data["options"]]
        for group in data["groups"]:
            for statement, _, _ in group["statements"]:
                if statement not in answered:
                    await think_a_little()
                    payload["answers"][statement] = _choose(options, rng)
                    answered.add(statement)
        await session.trigger(form, "send", payload)

    async def press_widgets() -> None:
        role = session.widget("ws_role")
        if role is not None and role.id not in session.values:
            value = rng.choice(list(role.proto.options))
            if role.form_id:
                session.set(role, value)
            else:
                await session.change(role, value)
        for radio in session.widgets("wsq_", "radio"):
            statement = radio.key.rsplit("-", 1)[0]
            if statement in answered:
                continue
            await think_a_little()
            value = _choose(list(radio.proto.options), rng)
            answered.add(statement)
            if radio.form_id:
                session.set(radio, value)
            else:
                await session.change(radio, value)
        button = next((b for k in SUBMIT_KEYS if (b := session.widget(k)) is not None), None)
        if button is None:
            raise RuntimeError("nothing to press: " + " | ".join(session.texts())[:300])
        await session.click(button)

    async def steps() -> None:
        for _ in range(MAX_STEPS):
            form = session.widget(FORM_KEY)
            form = form if form is not None and form.kind == "bidi_component" else None
            if any(session.has_text(t) for t in THANKS) or (form is not None and form.data["mode"] == "thanks"):
                out.acked, out.answers_sent = True, len(answered)
                return
            if session.all("exception"):
                raise RuntimeError(session.all("exception")[0].text)
            errors = [e.text for e in session.all("alert") if e.proto.format == e.proto.ERROR]
            if form is not None and form.data.get("problem"):
                errors.append(form.data["problem"]["text"])
            if errors:
                raise RuntimeError(errors[0][:200])
            if form is not None:
                await press_form(form)
            else:
                await press_widgets()
        raise RuntimeError("no acknowledgement after %d steps" % MAX_STEPS)

    await release.wait()
    await asyncio.sleep(rng.uniform(0, arrival))  # people scan the QR code over a few seconds
    return await _play(session, out, steps)


async def bare_participant(base: str, reruns: int, think: float, rng: random.Random,
                           release: asyncio.Event, arrival: float = 0.0) -> Participant:
    """The same client against the bare app: open it, then choose and press, ``reruns`` in all."""
    out = Participant()
    session = Session(base)

    async def steps() -> None:
        for _ in range(reruns - 1):
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
            session.set(session.widget("q"), rng.choice(["1", "2", "3", "4", "5"]))
            await session.click(session.widget("send"))
        out.acked = session.has_text("ok")

    await release.wait()
    await asyncio.sleep(rng.uniform(0, arrival))
    return await _play(session, out, steps)


class Projector:
    """The projector's page, open all along: reruns its live fragment(s) as the server asks."""

    def __init__(self, base: str):
        self.session = Session(base, path="present")
        self.seen: list[tuple[float, int]] = []  # (monotonic time, answered count on screen)
        self.errors: list[str] = []
        self._stop = asyncio.Event()

    async def start(self) -> None:
        await self.session.connect()
        await self.session.rerun()
        self._note()

    def _note(self) -> None:
        n = answered_on_screen(self.session)
        if n is not None:
            self.seen.append((time.monotonic(), n))
        self.errors += [e.text for e in self.session.all("exception")]

    async def run(self) -> None:
        while not self._stop.is_set():
            fragments = dict(self.session.auto_reruns)
            if not fragments:
                break
            interval = min(fragments.values())
            try:
                await asyncio.wait_for(self._stop.wait(), interval)
            except TimeoutError:
                pass
            if self._stop.is_set():
                break
            for fragment_id in fragments:
                await self.session.rerun(fragment_id=fragment_id)
            self._note()

    def first_time_showing(self, n: int) -> float | None:
        return next((t for t, seen in self.seen if seen >= n), None)

    async def stop(self) -> None:
        self._stop.set()

    async def close(self) -> None:
        await self.session.close()


@dataclass
class Result:
    label: str
    participants: int
    acked: int
    errors: list[str]
    ack_median: float
    ack_p95: float
    ack_max: float
    rerun_median: float
    rerun_p95: float
    rerun_max: float
    load_p95: float  # the first rerun: the page as the link opens it
    send_p95: float  # the others: what pressing 「次へ」/「送信」 (or a change outside a form) costs
    reruns_per_participant: float
    script_runs_per_participant: float
    cpu_s: float
    cpu_ms_per_script_run: float
    rss_mb: float
    rss_peak_mb: float
    answers_sent: int = 0
    answers_stored: int = 0
    projector_final_after_s: float | None = None
    wall_s: float = 0.0
    client_cpu_s: float = 0.0


def summarise(label: str, people: list[Participant], cpu: float, memory: tuple[float, float],
              wall: float) -> Result:
    acked = [p for p in people if p.acked]
    acks = [p.connect_to_ack for p in acked]
    reruns = [r for p in people for r in p.reruns]
    runs = sum(p.script_runs for p in people)
    return Result(
        label, len(people), len(acked), sorted({p.error for p in people if p.error})[:5],
        statistics.median(acks) if acks else float("nan"), pct(acks, 95), max(acks, default=float("nan")),
        statistics.median(reruns) if reruns else float("nan"), pct(reruns, 95), max(reruns, default=float("nan")),
        pct([p.reruns[0] for p in people if p.reruns], 95), pct([r for p in people for r in p.reruns[1:]], 95),
        statistics.mean(len(p.reruns) for p in people), runs / max(len(people), 1),
        cpu, 1000 * cpu / max(runs, 1), memory[0], memory[1], wall_s=wall)


async def _room(base: str, code: str, n: int, think: float, seed: int, projector: bool):
    rng = random.Random(seed)
    release = asyncio.Event()
    room = None
    if projector:
        room = Projector(base)
        await room.start()
        watching = asyncio.create_task(room.run())
    tasks = [asyncio.create_task(participant(base, f"ws={code}", f"10.{i // 250}.{i % 250}.{1 + i % 200}", think,
                                             random.Random(rng.random()), release, ARRIVAL)) for i in range(n)]
    started = time.monotonic()
    release.set()
    people = await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    final_after = None
    if room is not None:
        expected = sum(1 for p in people if p.acked)
        last_ack = max((p.ack_at for p in people if p.acked), default=time.monotonic())
        deadline = time.monotonic() + 60
        while room.first_time_showing(expected) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await room.stop()
        await watching
        shown = room.first_time_showing(expected)
        final_after = None if shown is None else max(0.0, shown - last_ack)
        await room.close()
        if room.errors:
            people[0].error = people[0].error or "projector: " + room.errors[0]
    return people, wall, final_after


async def _bare_room(base: str, n: int, reruns: int, think: float, seed: int):
    rng = random.Random(seed)
    release = asyncio.Event()
    tasks = [asyncio.create_task(bare_participant(base, reruns, think, random.Random(rng.random()), release,
                                                  ARRIVAL)) for _ in range(n)]
    started = time.monotonic()
    release.set()
    people = await asyncio.gather(*tasks)
    return people, time.monotonic() - started


ARRIVAL = 0.0  # --arrival: the phones open the link at random moments over this many seconds
CLIENT_CPU: dict[str, float] = {}  # the simulated phones' own CPU seconds, by label
PROFILE: Path | None = None  # --profile: py-spy samples the server(s) while the room answers


def run_async(factory):
    """``asyncio.run(factory())``, in a thread of its own when this thread already runs an event
    loop (as under playwright's sync API in the test suite)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


async def warm_up(bases: list[str], paths: list[tuple[str, str]]) -> None:
    """Open each page once before measuring, as the facilitator does before the room arrives
    (the server's first run imports the app's modules and opens the database)."""
    for base in bases:
        for path, query in paths:
            async with Session(base, path=path, query=query) as s:
                await s.rerun()


def measure(label: str, bases: list[str], procs: list[Proc], coro_factory, warm: list[tuple[str, str]] = ()):
    """Run the room (``coro_factory``) against warmed-up servers (every one of ``bases``), with
    their CPU, memory and (``--profile``) py-spy samples."""
    run_async(lambda: warm_up(bases, list(warm)))
    spies = [] if PROFILE is None else [subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(p.pid), "--format", "raw",
         "--rate", "250", "--gil", "--output", f"{PROFILE}.{label}.{p.pid}.txt"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in procs]
    cpu0, client0 = sum(p.cpu() for p in procs), time.process_time()
    result = run_async(coro_factory)
    cpu = sum(p.cpu() for p in procs) - cpu0
    CLIENT_CPU[label] = time.process_time() - client0
    for spy in spies:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    memory = tuple(sum(m) for m in zip(*(p.memory_mb() for p in procs)))
    return result, cpu, memory


def run_app(n: int, question_set: str, think: float, seed: int = 1, options: list[str] = (),
            workers: int = 1, log_dir: Path | None = None, projector: bool = True, app_dir: Path = ROOT) -> Result:
    """The room against the real app on a fresh database: 1 server, or ``workers`` behind nginx.
    ``app_dir``: another checkout of the app (e.g. an older version, for a before/after)."""
    with tempfile.TemporaryDirectory(prefix="dx-bench-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        code = make_workshop(db_url, question_set, app_dir)
        env = {"DX_DATABASE_URL": db_url}
        log_dir = log_dir or Path(tmp)
        if workers > 1 or os.environ.get("DX_BENCH_PROXY"):
            cluster = Cluster(workers, env=env, options=options, run_dir=Path(tmp) / "run", log_dir=log_dir)
            servers, base, procs = cluster, cluster.url, [Proc(pid) for pid in cluster.app_pids()]
            direct = [f"http://127.0.0.1:{p}" for p in cluster.ports]
        else:
            server = Server(app_dir / "app.py", env=env, options=options, cwd=app_dir,
                            log=log_dir / f"app-{n}-{question_set}.log")
            servers, base, procs, direct = server, server.url, [server.stats], [server.url]
        try:
            (people, wall, final_after), cpu, memory = measure(
                "app" if app_dir == ROOT else f"app-{app_dir.name}", direct, procs,
                lambda: _room(base, code, n, think, seed, projector),
                warm=[("present", ""), ("", f"ws={code}")])
        finally:
            servers.stop()
        stored, _ = stored_answers(db_url, code)
    result = summarise(f"app ({question_set}, {workers} worker{'s' if workers > 1 else ''})", people, cpu, memory,
                       wall)
    result.client_cpu_s = CLIENT_CPU["app" if app_dir == ROOT else f"app-{app_dir.name}"]
    result.answers_sent = sum(p.answers_sent for p in people if p.acked)
    result.answers_stored = stored
    result.projector_final_after_s = final_after
    return result


def app_dir(tmp: str, name: str, source: str) -> Path:
    """A one-file app in ``tmp`` with the app's own .streamlit/config.toml: the same server settings."""
    (Path(tmp) / ".streamlit").mkdir(exist_ok=True)
    (Path(tmp) / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    script = Path(tmp) / name
    script.write_text(source)
    return script


def run_bare(n: int, reruns: int, think: float, seed: int = 1, options: list[str] = ()) -> Result:
    with tempfile.TemporaryDirectory(prefix="dx-bare-") as tmp:
        script = app_dir(tmp, "bare_app.py", BARE_APP)
        server = Server(script, options=options, cwd=Path(tmp))
        try:
            (people, wall), cpu, memory = measure("bare", [server.url], [server.stats],
                                                  lambda: _bare_room(server.url, n, reruns, think, seed), warm=[("", "")])
        finally:
            server.stop()
    result = summarise("bare Streamlit app", people, cpu, memory, wall)
    result.client_cpu_s = CLIENT_CPU["bare"]
    return result


def startup(rounds: int = 3) -> dict:
    """Spawn → healthy, and spawn → the first page drawn, for the app (fresh database) and hello-world."""
    times: dict[str, list[float]] = {"app": [], "hello": [], "app_first_page": [], "hello_first_page": []}
    with tempfile.TemporaryDirectory(prefix="dx-start-") as tmp:
        hello = app_dir(tmp, "hello.py", HELLO_APP)
        for i in range(rounds):
            for name, script, env in (("app", ROOT / "app.py", {"DX_DATABASE_URL": f"sqlite:///{tmp}/s{i}.sqlite3"}),
                                      ("hello", hello, {})):
                started = time.perf_counter()
                server = Server(script, env=env, cwd=script.parent)
                times[name].append(server.started_s)

                async def first_page(url=server.url):
                    async with Session(url) as s:
                        await s.rerun()

                run_async(first_page)
                times[f"{name}_first_page"].append(time.perf_counter() - started)
                server.stop()
    return {k: statistics.median(v) for k, v in times.items()}


# report -------------------------------------------------------------------------------

def profile_top(files: list[Path], top: int = 15) -> list[str]:
    """The functions where the server spent its samples: own time (leaf) and with callees (inclusive)."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
            if not frames:
                continue
            total += n
            own[frames[-1]] = own.get(frames[-1], 0) + n
            for f in set(frames):
                inclusive[f] = inclusive.get(f, 0) + n
    lines = [f"{total} samples"]
    lines += ["own time:"] + [f"  {100 * n / total:5.1f}%  {f}" for f, n in sorted(own.items(), key=lambda x: -x[1])[:top]]
    lines += ["with callees:"] + [f"  {100 * n / total:5.1f}%  {f}"
                                  for f, n in sorted(inclusive.items(), key=lambda x: -x[1])[:top * 2]]
    return lines


def fmt(x: float | None, unit: str = "s") -> str:
    if x is None or x != x:
        return "—"
    return f"{x * 1000:.0f} ms" if unit == "s" and x < 1 else f"{x:.2f} {unit}" if unit != "s" else f"{x:.2f} s"


def report(app: Result, bare: Result | None, ratio: str | None = "app / bare") -> None:
    rows = [
        ("acknowledged", f"{app.acked} / {app.participants}", bare and f"{bare.acked} / {bare.participants}"),
        ("connect → ack, median", fmt(app.ack_median), bare and fmt(bare.ack_median)),
        ("connect → ack, p95", fmt(app.ack_p95), bare and fmt(bare.ack_p95)),
        ("connect → ack, max", fmt(app.ack_max), bare and fmt(bare.ack_max)),
        ("one rerun, median", fmt(app.rerun_median), bare and fmt(bare.rerun_median)),
        ("one rerun, p95", fmt(app.rerun_p95), bare and fmt(bare.rerun_p95)),
        ("one rerun, max", fmt(app.rerun_max), bare and fmt(bare.rerun_max)),
        ("  page load (first rerun), p95", fmt(app.load_p95), bare and fmt(bare.load_p95)),
        ("  every later rerun, p95", fmt(app.send_p95), bare and fmt(bare.send_p95)),
        ("reruns per participant", f"{app.reruns_per_participant:.1f}", bare and f"{bare.reruns_per_participant:.1f}"),
        ("script runs per participant", f"{app.script_runs_per_participant:.1f}",
         bare and f"{bare.script_runs_per_participant:.1f}"),
        ("server CPU", f"{app.cpu_s:.1f} s", bare and f"{bare.cpu_s:.1f} s"),
        ("server CPU per script run", f"{app.cpu_ms_per_script_run:.1f} ms",
         bare and f"{bare.cpu_ms_per_script_run:.1f} ms"),
        ("room's wall time / client CPU", f"{app.wall_s:.1f} / {app.client_cpu_s:.1f} s",
         bare and f"{bare.wall_s:.1f} / {bare.client_cpu_s:.1f} s"),
        ("server RSS now / peak", f"{app.rss_mb:.0f} / {app.rss_peak_mb:.0f} MB",
         bare and f"{bare.rss_mb:.0f} / {bare.rss_peak_mb:.0f} MB"),
        ("answers stored / sent", f"{app.answers_stored} / {app.answers_sent}", None),
        ("projector shows the final count", fmt(app.projector_final_after_s) + " after the last ack", None),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {app.label:>24}  {bare.label if bare else '':>24}")
    for name, a, b in rows:
        print(f"{name:{width}}  {a:>24}  {b or '':>24}")
    if bare is not None and ratio:
        print(f"ratio {ratio}: connect → ack p95 {app.ack_p95 / bare.ack_p95:.2f}, "
              f"rerun p95 {app.rerun_p95 / bare.rerun_p95:.2f}, "
              f"CPU per script run {app.cpu_ms_per_script_run / max(bare.cpu_ms_per_script_run, 1e-9):.2f}")
    for r in (app, bare):
        if r is not None and r.errors:
            print(f"errors ({r.label}): " + " | ".join(r.errors))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--set", default="pulse", choices=("pulse", "full", "myths"))
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds of thought before each answer")
    parser.add_argument("--arrival", type=float, default=0.0,
                        help="the phones open the link at random moments over this many seconds (default: together)")
    parser.add_argument("--workers", type=int, default=1, help="also run N app processes behind nginx")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--startup", action="store_true", help="compare start-up with a hello-world app")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare app")
    parser.add_argument("--option", action="append", default=[],
                        help="a server option for both apps, e.g. runner.postScriptGC=false")
    parser.add_argument("--versus", action="append", default=[], metavar="OPTION",
                        help="also run the app with this server option (e.g. runner.postScriptGC=true) and compare")
    parser.add_argument("--versus-app", type=Path, metavar="DIR",
                        help="also run another checkout of the app (e.g. git archive of an older commit) and compare")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--profile", type=Path, help="sample the app server with py-spy; summary to FILE")
    args = parser.parse_args(argv)
    global PROFILE, ARRIVAL
    PROFILE, ARRIVAL = args.profile, args.arrival

    print(f"== {args.participants} participants, {args.set} set, think {args.think:g} s, "
          f"arriving over {args.arrival:g} s, "
          f"{os.cpu_count()} CPUs, options {args.option or 'as configured'}", flush=True)
    results = []
    for run in range(args.runs):
        app = run_app(args.participants, args.set, args.think, seed=run + 1, options=args.option)
        bare = None if args.no_bare else run_bare(args.participants, round(app.reruns_per_participant),
                                                  args.think, seed=run + 1, options=args.option)
        print(f"-- run {run + 1}")
        report(app, bare)
        entry = {"app": asdict(app), "bare": bare and asdict(bare)}
        if args.versus:
            other = run_app(args.participants, args.set, args.think, seed=run + 1,
                            options=[*args.option, *args.versus])
            other.label = "app with " + " ".join(args.versus)
            report(other, app, ratio=None)
            print(f"ratio with / without {' '.join(args.versus)}: connect → ack p95 {other.ack_p95 / app.ack_p95:.2f}, "
                  f"rerun p95 {other.rerun_p95 / app.rerun_p95:.2f}, "
                  f"CPU per script run {other.cpu_ms_per_script_run / app.cpu_ms_per_script_run:.2f}")
            entry["versus"] = asdict(other)
        if args.versus_app:
            other = run_app(args.participants, args.set, args.think, seed=run + 1, options=args.option,
                            app_dir=args.versus_app.resolve())
            other.label = f"app in {args.versus_app.name}"
            report(other, app, ratio=None)
            print(f"ratio {other.label} / this app: connect → ack p95 {other.ack_p95 / app.ack_p95:.2f}, "
                  f"CPU per script run {other.cpu_ms_per_script_run / app.cpu_ms_per_script_run:.2f}, "
                  f"reruns per participant {other.reruns_per_participant:.0f} / {app.reruns_per_participant:.0f}")
            entry["versus_app"] = asdict(other)
        if args.workers > 1:
            os.environ["DX_BENCH_PROXY"] = "1"
            one = run_app(args.participants, args.set, args.think, seed=run + 1, options=args.option)
            many = run_app(args.participants, args.set, args.think, seed=run + 1, options=args.option,
                           workers=args.workers)
            os.environ.pop("DX_BENCH_PROXY")
            report(many, one, ratio=None)
            print(f"gain of {args.workers} workers over 1 (both behind nginx): connect → ack p95 "
                  f"{one.ack_p95 / many.ack_p95:.2f}×, median {one.ack_median / many.ack_median:.2f}×, "
                  f"rerun p95 {one.rerun_p95 / many.rerun_p95:.2f}×")
            entry |= {"proxy_1": asdict(one), f"proxy_{args.workers}": asdict(many)}
        results.append(entry)
    if args.runs > 1:
        def span(key: str, side: str = "app") -> str:
            values = [r[side][key] for r in results if r.get(side)]
            return f"{min(values):.2f}–{max(values):.2f}" if values else "—"
        print(f"-- over {args.runs} runs: connect → ack p95 {span('ack_p95')} s (bare {span('ack_p95', 'bare')} s), "
              f"rerun p95 {span('rerun_p95')} s, projector after last ack {span('projector_final_after_s')} s")
    if args.startup:
        s = startup()
        print(f"start-up to healthy: app {s['app']:.2f} s, hello-world {s['hello']:.2f} s, "
              f"ratio {s['app'] / s['hello']:.2f}; to the first page drawn: app {s['app_first_page']:.2f} s, "
              f"hello-world {s['hello_first_page']:.2f} s, ratio {s['app_first_page'] / s['hello_first_page']:.2f}")
        results.append({"startup": s})
    if args.profile:
        out = []
        for label in sorted({f.name[len(args.profile.name) + 1:].split(".")[0]
                             for f in args.profile.parent.glob(args.profile.name + ".*.*.txt")}):
            summary = [f"== {label}", *profile_top(sorted(args.profile.parent.glob(f"{args.profile.name}.{label}.*.txt")))]
            print("\n".join(summary[:40]))
            out += summary
        args.profile.write_text("\n".join(out) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    failed = any(r.get("app") and (r["app"]["acked"] < r["app"]["participants"]
                                  or r["app"]["answers_stored"] != r["app"]["answers_sent"]) for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
