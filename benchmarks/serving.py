"""A local ``waterops serve`` for the load benchmarks: start it on a free port of 127.0.0.1 in a
fresh data directory, wait until it has loaded the network, sign in, stop it and clean up."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    command: list[str], port: int, env: dict[str, str], *, cwd: Path, settle: float, prefix: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """``command`` (``… serve --demo`` and its options) with ``--data`` and ``--port`` added,
    in its own process group; returns once the network is loaded and ``settle`` seconds more."""
    data = Path(tempfile.mkdtemp(prefix=prefix))
    proc = subprocess.Popen(
        [*command, "--data", str(data), "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        # the demo users, not the demo's sample day: its uploads would load the server at start
        env={**os.environ, "WATEROPS_SEED_DEMO_WORK": "false", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if json.load(r)["networks"]:
                    time.sleep(settle)
                    return proc, data
        except OSError:
            time.sleep(0.5)
    stop_server(proc, data)
    raise SystemExit("the service did not start within two minutes")


def stop_server(proc: subprocess.Popen[bytes], data: Path) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(data, ignore_errors=True)


def sign_in(port: int, username: str = "engineer") -> str:
    body = urllib.parse.urlencode({"username": username, "password": "waterops-demo"}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/auth/token", body) as r:
        return str(json.load(r)["access_token"])
