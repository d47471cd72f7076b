"""The service under load: concurrent retries get the answer, listings and uploads do not hold
the database, long isolation queries stay off the event loop. Real server processes, real
databases (SQLite file and PostgreSQL)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import LiveServer, Service, drop_schema, postgres_url

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    schema = f"waterops_load_{uuid.uuid4().hex[:8]}"
    database = postgres_url(schema) if request.param == "postgres" else ""
    srv = LiveServer(tmp_path_factory.mktemp(f"load-{request.param}") / "data", database)
    srv.start()
    yield srv
    srv.stop()
    if request.param == "postgres":
        drop_schema(schema)


def concurrently(n: int, call: Any) -> list[Any]:
    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def one(k: int) -> None:
        barrier.wait()
        results[k] = call()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    return results


def test_concurrent_retries_with_one_key_all_get_the_answer(server: LiveServer) -> None:
    token = server.token()
    key = f"burst-{uuid.uuid4().hex[:8]}"
    body = {"severity": "burst", "pipe_id": "P000590", "description": "retried report"}
    answers = concurrently(
        50, lambda: server.call("POST", "/api/repairs", token, body, {"Idempotency-Key": key})
    )
    codes = [a[0] for a in answers]
    assert codes == [201] * 50, sorted(set(codes))
    tickets = {a[1]["ticket"] for a in answers}
    assert len(tickets) == 1, tickets
    assert sum(a[2].get("idempotent-replayed") == "true" for a in answers) == 49
    # one repair, once
    jobs = server.call("GET", "/api/jobs", token)[1]
    assert {j["ticket"] for j in jobs if j["ticket"] is not None} == tickets


def test_the_plan_list_counts_in_the_database_and_loads_no_problem(service: Service) -> None:
    """GET /api/plans loaded every plan's whole problem to count its jobs: 4.4 s for 130."""
    import datetime as dt

    from sqlalchemy import event

    from api.db import tables as t

    app = service.client.app
    jobs = [{"id": f"J{k}", "kind": "repair", "note": "x" * 200} for k in range(300)]
    with app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        for k in range(30):
            session.add(
                t.Plan(
                    day=dt.date(2026, 11, 27),
                    status="ready",
                    seconds=1.0,
                    problem={"day": "2026-11-27", "jobs": jobs[: 10 * k], "crews": [{}] * 3},
                    result={"summary": {"jobs_planned": k}, "routes": [{"stops": jobs}]},
                    created_by="dispatcher",
                )
            )
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.state.reader_engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = service.get("/api/plans?limit=30")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert listed.status_code == 200, listed.text
    plans = listed.json()
    assert [p["jobs"] for p in plans] == [10 * k for k in reversed(range(30))]
    assert all(p["crews"] == 3 for p in plans)
    assert [p["summary"] for p in plans] == [{"jobs_planned": k} for k in reversed(range(30))]
    reads = [s for s in statements if "plans" in s]
    assert reads, statements
    for statement in reads:  # the big JSON columns stay in the database: only parts of them
        assert not re.search(r"(?<!\()plans\.(problem|result)\b(?!\s*->)", statement), statement


def test_a_leakage_upload_does_not_hold_the_write_lock_while_it_analyses(
    server: LiveServer, tmp_path: Path
) -> None:
    """The upload held SQLite's write lock for its whole analysis (1.25 s): other writers
    waited. Now the files are saved and analysed first, and the row is written briefly."""
    import sqlite3

    from sample_data.leakage import generate

    if server.database:  # PostgreSQL writers do not share one lock; nothing to measure
        pytest.skip("the write lock is SQLite's")
    generate(tmp_path, seed=3, days=120)
    names = ("meters", "flows", "billing", "pressure", "usage")
    token = server.token("engineer")
    outcome: dict[str, Any] = {}

    def upload() -> None:
        started = time.monotonic()
        outcome["answer"] = upload_files(server, token, {n: tmp_path / f"{n}.csv" for n in names})
        outcome["seconds"] = time.monotonic() - started

    db = sqlite3.connect(server.data / "waterops.sqlite3", timeout=30, isolation_level=None)
    thread = threading.Thread(target=upload)
    thread.start()
    longest = 0.0
    while thread.is_alive():  # another writer, as often as it can
        asked = time.monotonic()
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        longest = max(longest, time.monotonic() - asked)
        time.sleep(0.01)
    thread.join()
    db.close()
    assert outcome["answer"][0] == 201, outcome["answer"]
    assert outcome["seconds"] > 0.8, "the analysis was too quick to prove anything"
    assert longest < 0.3, f"another writer waited {longest:.2f} s for the upload"


def upload_files(server: LiveServer, token: str, files: dict[str, Path]) -> tuple[int, Any]:
    """A multipart POST of CSV files to /api/leakage/analyses (urllib has no multipart)."""
    import json
    import urllib.error
    import urllib.request

    boundary = uuid.uuid4().hex
    parts = []
    for name, path in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + path.read_bytes()
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{server.url}/api/leakage/analyses",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_too_many_pipes_in_one_isolation_query_is_a_clear_422(service: Service) -> None:
    pipes = "&".join(f"pipe=P{k:06d}" for k in range(1, 3001))
    r = service.get(f"/api/networks/1/isolation?{pipes}", "viewer")
    assert r.status_code == 422, r.status_code
    assert "at most 100" in r.json()["detail"] and "3000" in r.json()["detail"]
    ok = "&".join(f"pipe=P{k:06d}" for k in range(1, 101))
    assert service.get(f"/api/networks/1/isolation?{ok}", "viewer").status_code == 200


def test_the_answer_cache_is_bounded_by_bytes(tmp_path: Path) -> None:
    from tests.api.conftest import make_service

    for svc in make_service("sqlite", tmp_path, answer_cache_mb=1.0):
        sizes = []
        for k in range(40):  # distinct answers of 50 to 300 kB (affected areas as GeoJSON)
            pipes = "&".join(f"pipe=P{100 + k + 7 * j:06d}" for j in range(60))
            r = svc.get(f"/api/networks/1/isolation?{pipes}&format=geojson", "viewer")
            assert r.status_code == 200, r.status_code
            sizes.append(len(r.content))
        loaded = svc.client.app.state.registry.get_fast(  # type: ignore[attr-defined]
            svc.client.app.state.reader_engine,  # type: ignore[attr-defined]
            1,
        )
        kept = sum(len(b) for b in loaded.answers.values())
        assert sum(sizes) > 2 * 1024 * 1024  # more was asked than the cache may keep
        assert 0 < kept <= 1024 * 1024 and loaded.answer_bytes == kept
        # what is kept is still answered from the cache: the same bytes again
        pipes = "&".join(f"pipe=P{100 + 39 + 7 * j:06d}" for j in range(60))
        again = svc.get(f"/api/networks/1/isolation?{pipes}&format=geojson", "viewer")
        assert len(again.content) == sizes[-1]


def test_long_isolation_queries_do_not_stall_the_event_loop(tmp_path: Path) -> None:
    """Queries of many pipes take a tenth of a second and more: in a thread, not on the loop,
    so that the short requests of everyone else keep being answered."""
    import urllib.request

    server = LiveServer(tmp_path / "data", env={"WATEROPS_ANSWER_CACHE": "0"})
    server.start()
    try:
        token = server.token("viewer")
        heavy: list[float] = []

        def long_queries() -> None:
            for k in range(12):  # every 7th pipe from P000004: their areas merge, slowly
                pipes = "&".join(f"pipe=P{4 + 7 * (k + j):06d}" for j in range(100))
                started = time.monotonic()
                code, _, _ = server.call("GET", f"/api/networks/1/isolation?{pipes}", token)
                heavy.append(time.monotonic() - started)
                assert code == 200

        thread = threading.Thread(target=long_queries)
        waits = []
        thread.start()
        while thread.is_alive():
            started = time.monotonic()
            with urllib.request.urlopen(f"{server.url}/public/notices", timeout=10) as r:
                r.read()
            waits.append(time.monotonic() - started)
            time.sleep(0.005)
        thread.join()
        assert len(heavy) == 12
        assert sorted(heavy)[6] > 0.1, f"the long queries were too quick to prove anything: {heavy}"
        waits.sort()
        # a stall of the loop shows in the slowest short requests
        assert waits[int(len(waits) * 0.95)] < 0.5 * sorted(heavy)[6], (waits[-10:], heavy)
    finally:
        server.stop()
