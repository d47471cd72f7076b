"""Crash safety: the server is killed with SIGKILL in the middle of publishing notices and of
saving a plan; after a restart on the same database nothing acknowledged is missing and nothing
is duplicated. Real server processes, real databases (SQLite file and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import (
    APPROVAL,
    LiveServer,
    drop_schema,
    next_working_day,
    postgres_url,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    schema = f"waterops_crash_{uuid.uuid4().hex[:8]}"
    database = postgres_url(schema) if request.param == "postgres" else ""
    srv = LiveServer(tmp_path / "data", database, {"WATEROPS_SOLVER_SECONDS": "20"})
    srv.start()
    yield srv
    srv.stop()
    if request.param == "postgres":
        drop_schema(schema)


def test_kill_during_publishing_loses_and_duplicates_nothing(server: LiveServer) -> None:
    token = server.token()
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    drafts = []
    for k in range(24):
        pipe = f"P{100 + 37 * k:06d}"
        code, body, headers = server.call(
            "POST",
            "/api/outages",
            token,
            {
                "kind": "planned",
                "start": (start + dt.timedelta(days=k)).isoformat(),
                "end": (start + dt.timedelta(days=k, hours=4)).isoformat(),
                "reason": "valve replacement",
                "pipes": [pipe],
            },
        )
        assert code == 201, body
        drafts.append((body["id"], headers["etag"]))

    acknowledged: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def publish(outage_id: str, etag: str) -> None:
        try:
            code, body, _ = server.call(
                "POST",
                f"/api/outages/{outage_id}/publish",
                token,
                {"acknowledge_overlaps": True, "approval": APPROVAL},
                {"If-Match": etag, "Idempotency-Key": f"pub-{outage_id}"},
            )
        except OSError:
            return  # the server died under it: not acknowledged
        if code == 200:
            with lock:
                acknowledged[outage_id] = body

    threads = [threading.Thread(target=publish, args=d) for d in drafts]
    for th in threads:
        th.start()
        time.sleep(random.uniform(0.0, 0.02))
    # SIGKILL half-way through the burst: once a few have been answered, others in flight
    deadline = time.monotonic() + 30
    while len(acknowledged) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    for th in threads:
        th.join(timeout=60)

    server.start()
    token = server.token()
    states = {}
    for outage_id, etag in drafts:
        code, body, _ = server.call("GET", f"/api/outages/{outage_id}", token)
        assert code == 200
        states[outage_id] = body
        published = [r for r in body["revisions"] if r["state"] == "published"]
        assert len(published) <= 1, f"{outage_id} published twice"
        assert [r["number"] for r in body["revisions"]] == list(
            range(1, len(body["revisions"]) + 1)
        )
        if outage_id in acknowledged:  # acknowledged: it is there, exactly once
            assert body["state"] == "published" and len(published) == 1
        else:  # not acknowledged: all or nothing
            assert (body["state"] == "published") == (len(published) == 1)
        # sending the same request again changes nothing
        code, again, _ = server.call(
            "POST",
            f"/api/outages/{outage_id}/publish",
            token,
            {"acknowledge_overlaps": True, "approval": APPROVAL},
            {"If-Match": etag, "Idempotency-Key": f"pub-{outage_id}"},
        )
        if outage_id in acknowledged:
            assert code == 200 and again == acknowledged[outage_id]
        after = server.call("GET", f"/api/outages/{outage_id}", token)[1]
        assert sum(r["state"] == "published" for r in after["revisions"]) <= 1
    assert acknowledged, "nothing was acknowledged before the kill: the test proved nothing"


def test_kill_while_a_plan_is_solving_or_saving(server: LiveServer) -> None:
    token = server.token()
    code, body, _ = server.call(
        "POST", "/api/repairs", token, {"severity": "burst", "pipe_id": "P000590"}
    )
    assert code == 201, body
    day = next_working_day().isoformat()
    code, ready, _ = server.call("POST", "/api/plans", token, {"day": day, "seconds": 2})
    assert code == 202
    for _ in range(200):
        plan = server.call("GET", f"/api/plans/{ready['id']}", token)[1]
        if plan["status"] == "ready":
            break
        time.sleep(0.2)
    assert plan["status"] == "ready", plan
    code, published, _ = server.call(
        "POST",
        f"/api/plans/{ready['id']}/publish",
        token,
        {},
        {"If-Match": f'"{plan["version"]}"', "Idempotency-Key": "plan-pub-1"},
    )
    assert code == 200, published
    # a long solve, killed while it runs or writes
    code, long_plan, _ = server.call("POST", "/api/plans", token, {"day": day, "seconds": 20})
    assert code == 202
    for _ in range(100):
        state = server.call("GET", f"/api/plans/{long_plan['id']}", token)[1]
        if state["status"] == "solving" and state["progress"].get("solutions"):
            break
        time.sleep(0.1)
    time.sleep(random.uniform(0.0, 1.0))
    server.kill()
    server.start()
    token = server.token()
    # the acknowledged publication is there, once
    first = server.call("GET", f"/api/plans/{ready['id']}", token)[1]
    assert first["status"] == "published" and first["result"] == published["result"]
    jobs = server.call("GET", "/api/jobs?status=assigned", token)[1]
    assert jobs and all(j["crew"] for j in jobs)
    # the interrupted one is failed with a reason, never half-saved
    second = server.call("GET", f"/api/plans/{long_plan['id']}", token)[1]
    assert second["status"] in ("failed", "ready")
    if second["status"] == "failed":
        assert "restarted" in second["error"] and second["result"] is None
    else:
        assert second["result"]["summary"]["jobs_planned"] > 0
    plans = server.call("GET", "/api/plans", token)[1]
    assert len(plans) == 2
