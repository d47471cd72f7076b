"""``waterops serve --workers N`` keeps a server process that gets no CPU for some seconds.

uvicorn's supervisor pings each server process and, by default, kills one that has not answered
within 5 s and starts another. On a loaded host (the shared benchmark machine at a load of 9 on
two cores) a process starting up, loading the network, did not answer in time: it was killed,
its replacement too, and the service never came up (benchmarks/README.md, api_load); one killed
under load loses its kept answers. A process stopped for 8 s stands for one starved that long."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return {int(k) for k in out.split()}


def _is_server_process(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in command


def test_a_starved_server_process_is_not_replaced(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "WATEROPS_SEED_DEMO_WORK": "false",
        "WATEROPS_HYDRAULIC_WARM_UP": "false",
    }
    options = ["--data", str(tmp_path), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--workers", "2", *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the server did not start")
        workers = {pid for pid in _children(proc.pid) if _is_server_process(pid)}
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        time.sleep(8)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):  # killed meanwhile: see below
                os.kill(pid, signal.SIGCONT)
        time.sleep(2)
        assert {pid for pid in _children(proc.pid) if _is_server_process(pid)} == workers
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            assert r.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
