"""Two app processes behind nginx (deploy/workers.py, ``make run WORKERS=2``): phones from many
addresses are spread over both, each stays with its own process, they share one database,
and the projector (on whichever process) counts every one of them."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from bench import workshop_server as bench
from deploy import workers
from dxcore.store import engine as engine_mod
from dxcore.store import repo_workshop as wrepo


@pytest.fixture
def nginx():
    if not any(shutil.which(c) for c in workers.NGINX_CANDIDATES):
        reason = "nginx is not installed (apt-get install nginx) — the several-workers test needs it"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}: .ci/run must install it")
        print(f"\nSKIP: {reason}", file=sys.stderr)
        pytest.skip(reason)


def test_two_workers_behind_nginx_share_the_room(nginx, tmp_path, artifacts):
    db_url = f"sqlite:///{tmp_path / 'room.sqlite3'}"
    code = bench.make_workshop(db_url, "pulse")
    cluster = workers.Cluster(2, env={"DX_DATABASE_URL": db_url}, run_dir=tmp_path / "run", log_dir=artifacts)
    try:
        conf = (tmp_path / "run" / "nginx.conf").read_text()
        assert "hash $remote_addr consistent" in conf and "Upgrade $http_upgrade" in conf
        direct = [f"http://127.0.0.1:{p}" for p in cluster.ports]
        bench.run_async(lambda: bench.warm_up(direct, [("", f"ws={code}")]))
        procs = [bench.Proc(pid) for pid in cluster.app_pids()]
        before = [p.cpu() for p in procs]
        people, _, shown_after = bench.run_async(
            lambda: bench._room(cluster.url, code, 30, think=0.0, seed=7, projector=True))
        used = [p.cpu() - b for p, b in zip(procs, before)]
    finally:
        cluster.stop()
    assert [p.error for p in people if p.error] == [] and all(p.acked for p in people)
    assert shown_after is not None  # the projector, through nginx, showed all 30
    assert all(u >= 0.15 * sum(used) for u in used), used  # both processes served phones
    engine = engine_mod.get_engine(db_url)
    assert wrepo.counts(engine, wrepo.require_workshop(engine, code).id) == wrepo.Counts(joined=30, answered=30)
    engine_mod.dispose_all()
    assert not cluster.alive()  # stopping stops every process


def test_the_nginx_configuration_lists_every_worker_and_trusts_only_this_machine(tmp_path):
    conf = workers.nginx_conf(tmp_path, [9001, 9002, 9003], "0.0.0.0:8501")
    assert conf.count("server 127.0.0.1:900") == 3 and "listen 0.0.0.0:8501;" in conf
    assert "set_real_ip_from 127.0.0.1;" in conf and "ip_hash" not in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # never the client's own header
