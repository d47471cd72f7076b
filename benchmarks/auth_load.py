"""Isolation latency while clients guess passwords (issue 12, item 9).

Run from the repository root::

    .venv/bin/python benchmarks/auth_load.py [--queries 2000] [--guessers 16] [--peer REV]

Starts ``waterops serve --demo`` on the sample city (127.0.0.1 only, one server process, a fresh
data directory, ``WATEROPS_ANSWER_CACHE=0`` so that every query computes its isolation), signs
in as the demo engineer and asks ``GET /api/networks/1/isolation?pipe=…`` for ``--queries``
pipes drawn from the city's 3,508 (the same pipes in the same order in every run), one after
the other on one keep-alive connection: p50 and p99 of those answers, and of the same queries
while ``--guessers`` processes post wrong passwords to ``POST /api/auth/token`` as fast as they
are answered (each at most ``--max-guesses``; usernames real and unknown). Quiet and loud are
taken in turn, in ``--blocks`` blocks (5) on the same pipes, so that the shared machine's own
load weighs on both; the first loud block starts ``--ramp`` seconds (10) after the guessers, long
enough for the limits to be reached, the others 1 s after. Side by side:
without guessers, with guessers, and the ratio, for

- ``this service``: as configured by default (the per-address limit answers most guesses 429),
- ``limits off``: the sign-in limits raised out of reach — the worst case, as if the guessers
  came from many addresses: every guess costs a full Argon2 check,
- ``before (REV)`` with ``--peer REV``: the service at that revision (``git archive``), e.g. the
  commit before the sign-in hardening, on the same machine in the same run.

The guessers run on this machine: their own processor time is part of what the server
competes with (a remote attacker's would not be).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import serving
from peer import peer_tree
from serving import free_port, sign_in, stop_server

ROOT = Path(__file__).resolve().parent.parent
PIPES = 3508
SERVE = [sys.executable, "-m", "api.cli", "serve", "--demo"]


def start_server(
    tree: Path, port: int, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], Path]:
    # `python -m api.cli` imports the service of this tree; every query computes its isolation
    return serving.start_server(
        SERVE, port, {"WATEROPS_ANSWER_CACHE": "0", **env}, cwd=tree, settle=2,
        prefix="waterops-auth-",
    )  # fmt: skip


def isolation_latencies(port: int, token: str, pipes: list[str]) -> list[float]:
    """Milliseconds per answer, one query after the other on one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"}
    out = []
    for pipe in pipes:
        t0 = time.perf_counter()
        conn.request("GET", f"/api/networks/1/isolation?pipe={pipe}", headers=headers)
        r = conn.getresponse()
        r.read()
        out.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            raise SystemExit(f"isolation of {pipe} answered {r.status}")
    conn.close()
    return out


def guesser(port: int, seed: int, limit: int, go: Any, stop: Any, counts: Any) -> None:
    """Wrong passwords as fast as they are answered while ``go`` is set, until ``stop`` or
    ``limit`` guesses."""
    rng = random.Random(seed)
    names = ["admin", "dispatcher", "engineer", "viewer", *(f"user{k}" for k in range(20))]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    seen: dict[int, int] = {}
    sent = 0
    while sent < limit and not stop.is_set():
        if not go.wait(0.1):
            continue
        body = urllib.parse.urlencode(
            {"username": rng.choice(names), "password": f"guess-{rng.randrange(10**9)}"}
        )
        sent += 1
        try:
            conn.request(
                "POST",
                "/api/auth/token",
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            r = conn.getresponse()
            r.read()
            seen[r.status] = seen.get(r.status, 0) + 1
            if r.getheader("connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    counts.put(seen)


def quantiles(ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50": statistics.median(ms), "p99": cuts[98]}


def measure(name: str, tree: Path, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(2026)
    pipes = [f"P{rng.randint(1, PIPES):06d}" for _ in range(args.queries)]
    warm = [f"P{rng.randint(1, PIPES):06d}" for _ in range(50)]
    port = free_port()
    proc, data = start_server(tree, port, env)
    quiet_ms: list[float] = []
    loud_ms: list[float] = []
    loud_seconds = 0.0
    try:
        token = sign_in(port)
        isolation_latencies(port, token, warm)
        ctx = mp.get_context("fork")
        go, stop, counts = ctx.Event(), ctx.Event(), ctx.Queue()
        workers = [
            ctx.Process(target=guesser, args=(port, k, args.max_guesses, go, stop, counts))
            for k in range(args.guessers)
        ]
        for w in workers:
            w.start()
        # quiet and loud blocks taken in turn on the same pipes: the machine's own load (it is
        # shared) weighs on both sides alike
        size = max(1, len(pipes) // args.blocks)
        for b in range(args.blocks):
            block = pipes[b * size : (b + 1) * size]
            quiet_ms += isolation_latencies(port, token, block)
            t0 = time.monotonic()
            go.set()
            time.sleep(args.ramp if b == 0 else 1.0)  # every guesser is at it
            loud_ms += isolation_latencies(port, token, block)
            loud_seconds += time.monotonic() - t0
            go.clear()
            time.sleep(3.0)  # guesses in flight are answered (before: seconds of queued hashes)
        stop.set()
        statuses: dict[int, int] = {}
        for _ in workers:
            for code, n in counts.get(timeout=300).items():
                statuses[code] = statuses.get(code, 0) + n
        for w in workers:
            w.join(timeout=60)
    finally:
        stop_server(proc, data)
    quiet, loud = quantiles(quiet_ms), quantiles(loud_ms)
    return {
        "run": name,
        "without": quiet,
        "with": loud,
        "ratio": {k: loud[k] / quiet[k] for k in quiet},
        "guesses": statuses,
        "guess_rate": sum(statuses.values()) / loud_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000, help="isolation queries per run")
    parser.add_argument("--guessers", type=int, default=16)
    parser.add_argument("--max-guesses", type=int, default=20_000, help="per guesser")
    parser.add_argument(
        "--ramp", type=float, default=10.0, help="seconds of guessing before the first queries"
    )
    parser.add_argument("--blocks", type=int, default=5, help="quiet/loud blocks in turn")
    parser.add_argument("--peer", help="a git revision to measure the same way (e.g. HEAD~5)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    off = "1000000 per minute"
    runs = [
        ("this service", ROOT, {}),
        (
            "limits off",
            ROOT,
            {"WATEROPS_SIGN_IN_ACCOUNT_LIMIT": off, "WATEROPS_SIGN_IN_ADDRESS_LIMIT": off},
        ),
    ]
    peer = None
    if args.peer:
        peer = peer_tree(args.peer)
        runs.append((f"before ({args.peer})", peer, {}))
    try:
        results = [measure(name, tree, env, args) for name, tree, env in runs]
    finally:
        if peer is not None:
            shutil.rmtree(peer.parent, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(
        f"isolation latency, sample city, 1 server process, no answers kept, {args.queries} "
        f"queries one after the other; {args.guessers} password guessers (127.0.0.1)"
    )
    print(f"{'':>22}  {'without guessers':>18}  {'with guessers':>18}  {'ratio':>13}  guesses")
    for r in results:
        q, g, x = r["without"], r["with"], r["ratio"]
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(r["guesses"].items()))
        print(
            f"{r['run']:>22}  p50 {q['p50']:5.1f} p99 {q['p99']:6.1f}  "
            f"p50 {g['p50']:5.1f} p99 {g['p99']:6.1f}  ×{x['p50']:4.1f} ×{x['p99']:5.1f}  "
            f"{r['guess_rate']:6.0f}/s ({codes})"
        )
    print("(milliseconds; ratio = with / without)")


if __name__ == "__main__":
    main()
