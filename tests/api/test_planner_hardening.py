"""The planner worker under load and faults: workers die with their server, only the attempt
that owns a plan stores its result, several workers share the queue fairly, and a user cannot
queue without limit. Real server processes, real solver, real databases."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.api.conftest import LiveServer, drop_schema, next_working_day, postgres_url

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(name, database URL: empty for SQLite in the data directory)."""
    if request.param == "sqlite":
        yield "sqlite", ""
        return
    schema = f"waterops_plan_{uuid.uuid4().hex[:8]}"
    yield "postgres", postgres_url(schema)
    drop_schema(schema)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def engine_of(server: LiveServer) -> sa.Engine:
    url = server.database or f"sqlite:///{(server.data / 'waterops.sqlite3').resolve()}"
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def wait_status(
    server: LiveServer, token: str, plan_id: int, want: set[str], timeout: float
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        plan = server.call("GET", f"/api/plans/{plan_id}", token)[1]
        if plan["status"] in want:
            return plan
        if time.monotonic() > deadline:
            raise AssertionError(f"plan {plan_id} is {plan['status']}, not {want}: {plan}")
        time.sleep(0.2)


def queue_plan(server: LiveServer, token: str, seconds: float) -> dict[str, Any]:
    code, body, _ = server.call(
        "POST", "/api/plans", token, {"day": next_working_day().isoformat(), "seconds": seconds}
    )
    assert code == 202, body
    return dict(body)


def some_work(server: LiveServer, token: str) -> None:
    code, body, _ = server.call(
        "POST", "/api/repairs", token, {"severity": "burst", "pipe_id": "P000590"}
    )
    assert code == 201, body


def test_a_worker_dies_with_its_server_and_stores_nothing_after(
    tmp_path: Path, backend: tuple[str, str]
) -> None:
    server = LiveServer(tmp_path / "data", backend[1])
    server.start()
    workers: list[int] = []
    try:
        token = server.token()
        some_work(server, token)
        plan = queue_plan(server, token, 30)
        solving = wait_status(server, token, plan["id"], {"solving"}, 60)
        assert not {"attempt", "host", "pid"} & set(solving["progress"])  # the planner's own
        assert server.proc is not None
        workers = [p for p in children(server.proc.pid) if alive(p)]
        assert workers, "no planner worker under the server"
        os.kill(server.proc.pid, signal.SIGKILL)  # the server alone, not its group
        server.proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if alive(p)], "planner workers outlived their server"
        server.start()
        token = server.token()
        failed = server.call("GET", f"/api/plans/{plan['id']}", token)[1]
        assert failed["status"] == "failed" and "restarted" in failed["error"]
        time.sleep(3)  # an orphan would have stored its result by now
        again = server.call("GET", f"/api/plans/{plan['id']}", token)[1]
        assert again["status"] == "failed" and again["result"] is None
    finally:
        for pid in workers:  # what this test started, should the assertion above fail
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        server.stop()


def test_only_the_attempt_that_owns_a_plan_stores_its_result(
    tmp_path: Path, backend: tuple[str, str]
) -> None:
    server = LiveServer(tmp_path / "data", backend[1])
    server.start()
    try:
        token = server.token()
        some_work(server, token)
        plan = queue_plan(server, token, 4)
        wait_status(server, token, plan["id"], {"solving"}, 60)
        # what a restart on another server process does to a plan it takes as abandoned
        engine = engine_of(server)
        with engine.begin() as c:
            c.execute(
                sa.text(
                    "UPDATE plans SET status = 'failed', error = 'taken away', "
                    "version = version + 1 WHERE id = :id"
                ),
                {"id": plan["id"]},
            )
        engine.dispose()
        time.sleep(8)  # the attempt ends its 4 s search and tries to store
        after = server.call("GET", f"/api/plans/{plan['id']}", token)[1]
        assert after["status"] == "failed" and after["error"] == "taken away"
        assert after["result"] is None
        # the worker is free for the next plan
        second = queue_plan(server, token, 2)
        ready = wait_status(server, token, second["id"], {"ready", "failed"}, 60)
        assert ready["status"] == "ready" and ready["error"] is None, ready
    finally:
        server.stop()


def test_a_long_plan_does_not_hold_up_another_users_plan(tmp_path: Path) -> None:
    server = LiveServer(
        tmp_path / "data", env={"WATEROPS_PLANNER_WORKERS": "2", "WATEROPS_PLANS_PER_USER": "2"}
    )
    server.start()
    try:
        dispatcher = server.token("dispatcher")
        admin = server.token("admin")
        some_work(server, dispatcher)
        long_plan = queue_plan(server, dispatcher, 300)
        wait_status(server, dispatcher, long_plan["id"], {"solving"}, 60)
        # the same user's second plan waits for the first; another user's goes ahead
        second_own = queue_plan(server, dispatcher, 2)
        # a third while two are queued or solving: refused, saying why and what to do
        code, refused, headers = server.call(
            "POST", "/api/plans", dispatcher, {"day": next_working_day().isoformat()}
        )
        assert code == 429, refused
        assert "limit is 2" in refused["detail"] and "stop" in refused["detail"]
        assert headers.get("retry-after") == "10"
        other = queue_plan(server, admin, 2)
        started = time.monotonic()
        ready = wait_status(server, admin, other["id"], {"ready", "failed"}, 60)
        assert ready["status"] == "ready", ready
        assert time.monotonic() - started < 40
        own = server.call("GET", f"/api/plans/{second_own['id']}", dispatcher)[1]
        assert own["status"] == "queued"
        code, _, _ = server.call("POST", f"/api/plans/{long_plan['id']}/stop", dispatcher, {})
        assert code == 200
        done = wait_status(server, dispatcher, second_own["id"], {"ready", "failed"}, 60)
        assert done["status"] == "ready", done
        kept = wait_status(server, dispatcher, long_plan["id"], {"ready", "failed"}, 30)
        assert kept["status"] == "ready" and kept["progress"]["stopped"]
        # two routine plans queued again: an emergency re-plan is still accepted, and goes first
        routine = [queue_plan(server, dispatcher, 300) for _ in range(2)]
        code, replan, _ = server.call(
            "POST",
            f"/api/plans/{long_plan['id']}/replan",
            dispatcher,
            {"seconds": 2, "now": f"{long_plan['day']}T10:00:00"},
        )
        assert code == 202, replan
        for plan in routine:
            server.call("POST", f"/api/plans/{plan['id']}/stop", dispatcher, {})
    finally:
        server.stop()


def test_a_plan_whose_worker_is_killed_is_failed_and_the_worker_replaced(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data")
    server.start()
    try:
        token = server.token()
        some_work(server, token)
        plan = queue_plan(server, token, 60)
        wait_status(server, token, plan["id"], {"solving"}, 60)
        engine = engine_of(server)  # the worker's process is the planner's, not in the API
        with engine.connect() as c:
            progress = c.execute(
                sa.text("SELECT progress FROM plans WHERE id = :id"), {"id": plan["id"]}
            ).scalar_one()
        engine.dispose()
        if isinstance(progress, str):  # SQLite gives the JSON text
            progress = json.loads(progress)
        os.kill(int(progress["pid"]), signal.SIGKILL)  # the kernel's OOM killer, say
        failed = wait_status(server, token, plan["id"], {"failed", "ready"}, 30)
        assert failed["status"] == "failed" and "solve again" in failed["error"]
        again = queue_plan(server, token, 2)
        ready = wait_status(server, token, again["id"], {"ready", "failed"}, 60)
        assert ready["status"] == "ready", ready
    finally:
        server.stop()
