"""`make run`'s embedded PostgreSQL and Redis start, serve, and leave no process behind."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers import ROOT

# The command run inside the embedded environment: use both servers, then report their pids.
PROBE = """
import os, pathlib, psycopg2, redis, sys
from urllib.parse import urlparse, parse_qs
db = urlparse(os.environ["DATABASE_URL"])
conn = psycopg2.connect(dbname=db.path.lstrip("/"), user=db.username, host=parse_qs(db.query)["host"][0])
conn.cursor().execute("CREATE TABLE IF NOT EXISTS probe (id int)")
r = redis.Redis(unix_socket_path=os.environ["REDIS_URL"].removeprefix("redis+socket://"))
r.set("probe", "1")
pg_pid = int((pathlib.Path(parse_qs(db.query)["host"][0]) / "postmaster.pid").read_text().split()[0])
print(pg_pid, r.info("server")["process_id"], flush=True)
if len(sys.argv) > 1:
    import time; time.sleep(60)
"""


@pytest.fixture
def var_dir():
    # Socket paths must stay short, so not under pytest's long tmp_path.
    with tempfile.TemporaryDirectory(prefix="iop", dir="/tmp") as path:
        yield path


def embedded(var_dir, *probe_args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["IOP_VAR_DIR"] = var_dir
    return subprocess.Popen(
        [sys.executable, "-m", "iop.embedded", sys.executable, "-c", PROBE, *probe_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_gone(*pids):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
        if not alive:
            return
        time.sleep(0.2)
    pytest.fail(f"processes left behind: {alive}")


def test_embedded_servers_start_serve_and_stop(var_dir):
    process = embedded(var_dir)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "embedded: DATABASE_URL=postgres://" in err
    assert "embedded: REDIS_URL=redis+socket://" in err
    assert_gone(*map(int, out.split()))


def test_ctrl_c_stops_the_command_and_both_servers(var_dir):
    process = embedded(var_dir, "--wait")
    pids = list(map(int, process.stdout.readline().split()))
    assert len(pids) == 2
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert_gone(*pids)


def test_a_second_start_reuses_the_data(var_dir):
    for _ in range(2):
        process = embedded(var_dir)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert (Path(var_dir) / "pg" / "PG_VERSION").exists()
