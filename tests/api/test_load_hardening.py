"""The service under load: concurrent retries get the answer, listings and uploads do not hold
the database, long isolation queries stay off the event loop. Real server processes, real
databases (SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from tests.api.conftest import LiveServer, drop_schema, postgres_url

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
    assert {j["source"] for j in jobs if j["source"].startswith("T-")} == tickets
