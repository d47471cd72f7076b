"""The service under test, on SQLite and on the real PostgreSQL of this machine.

PostgreSQL: ``WATEROPS_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
each test module gets a fresh schema of its own.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ops.calendar import TZ

POSTGRES = os.environ.get("WATEROPS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# Thursday 26 November 2026, 08:00 in Kaifeng: the service's clock in the tests
START = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Service:
    client: TestClient
    clock: Clock
    backend: str
    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        if role not in self.tokens:
            r = self.client.post(
                "/api/auth/token", data={"username": role, "password": "waterops-demo"}
            )
            assert r.status_code == 200, r.text
            self.tokens[role] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: str = "dispatcher", **kw: Any) -> Any:
        return self.client.get(path, headers={**self.auth(role), **kw.pop("headers", {})}, **kw)

    def post(self, path: str, role: str = "dispatcher", **kw: Any) -> Any:
        return self.client.post(path, headers={**self.auth(role), **kw.pop("headers", {})}, **kw)

    def put(self, path: str, role: str = "dispatcher", **kw: Any) -> Any:
        return self.client.put(path, headers={**self.auth(role), **kw.pop("headers", {})}, **kw)


def postgres_url(schema: str) -> str:
    """A URL whose connections use ``schema``, created fresh."""
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {POSTGRES} is not reachable ({exc.orig}); start it "
            "(.ci/run does) or point WATEROPS_TEST_POSTGRES at one"
        )
    finally:
        engine.dispose()
    sep = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{sep}options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as c:
        c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def make_service(backend: str, data_dir: Path, **settings: Any) -> Iterator[Service]:
    from api.app import create_app
    from api.settings import Settings

    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else ""
    config = Settings(
        data_dir=data_dir,
        database_url=url,
        seed_demo_users=True,
        solver_seconds=4.0,
        **settings,
    )
    app = create_app(config)
    clock = Clock()
    app.state.clock = clock
    try:
        with TestClient(app) as client:
            yield Service(client, clock, backend, data_dir)
    finally:
        if backend == "postgres":
            drop_schema(schema)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    yield from make_service(request.param, tmp_path_factory.mktemp(f"svc-{request.param}"))


def wait_for_plan(svc: Service, plan_id: int, timeout: float = 120.0) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        data = svc.get(f"/api/plans/{plan_id}").json()
        if data["status"] not in ("queued", "solving"):
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"plan {plan_id} still {data['status']} after {timeout} s")
        time.sleep(0.25)
