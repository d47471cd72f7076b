"""The service under test, on SQLite and on the real PostgreSQL of this machine.

PostgreSQL: ``WATEROPS_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
each test module gets a fresh schema of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis.io import read_network
from gis.isolation import Isolator
from ops.calendar import TZ
from tests.conftest import ROOT, SAMPLE_CITY

POSTGRES = os.environ.get("WATEROPS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# Thursday 26 November 2026, 08:00 in Kaifeng: the service's clock in the tests
START = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)
# the water-supply authority's approval a planned outage is published with (城市供水条例 §22)
APPROVAL = {
    "authority": "开封市城市管理局",
    "document": "汴城管供〔2026〕12号",
    "approved_at": "2026-11-25T10:00:00+08:00",
}


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
    # seconds of EPANET per service in the background: only the tests that ask for it
    settings.setdefault("hydraulic_warm_up", False)
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


@pytest.fixture(scope="module")
def city() -> Isolator:
    """The sample city as the library sees it: what the service's answers are compared with."""
    return Isolator(read_network(SAMPLE_CITY))


@pytest.fixture
def clock_at_start(service: Service) -> Iterator[None]:
    """The service's clock at ``START`` when a test begins and after it ends, whatever the test
    before it in the module set it to."""
    service.clock.now = START
    yield
    service.clock.now = START


@pytest.fixture
def open_work(service: Service) -> dict[str, str]:
    """Work for a plan to place: a burst repair's chain and a new connection's jobs.

    Created once per service whichever test asks first (an Idempotency-Key each), so the tests
    that plan do not depend on what another test created. Returns the ticket and application.
    """
    repair = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000300", "reported_at": "2026-11-26T08:00:00"},
        headers={"Idempotency-Key": "open-work-repair"},
    )
    assert repair.status_code == 201, repair.text
    connection = service.post(
        "/api/connections",
        json={
            "type": "general_construction",
            "customer": "Open Work Ltd",
            "lon": 114.36,
            "lat": 34.80,
            "accepted_at": "2026-11-20T10:00:00",
            "dn_mm": 100,
            "line_length_m": 80,
        },
        headers={"Idempotency-Key": "open-work-connection"},
    )
    assert connection.status_code == 201, connection.text
    return {"ticket": repair.json()["ticket"], "application": connection.json()["application"]}


def publish(svc: Service, path: str, etag: str, **kw: Any) -> Any:
    """POST ``path`` (a plan's or an outage's ``/publish``) with ``If-Match: etag``.

    A planned outage is published with the authority's approval (城市供水条例 §22)."""
    if path.startswith("/api/outages/"):
        outage = svc.get(path.removesuffix("/publish"))
        assert outage.status_code == 200, (path, outage.text)
        if outage.json()["kind"] == "planned":
            kw = {"approval": APPROVAL, **kw}
    return svc.post(path, json=kw, headers={"If-Match": etag})


def planned_outage(svc: Service, start: dt.datetime, pipe: str, hours: int = 6) -> Any:
    """A draft planned outage of ``pipe`` from ``start`` for ``hours``."""
    return svc.post(
        "/api/outages",
        json={
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=hours)).isoformat(),
            "reason": "valve replacement",
            "reason_zh": "阀门更换",
            "pipes": [pipe],
        },
    )


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


def next_working_day() -> dt.date:
    """Tomorrow or later: the plan's jobs (reported now) can all start within its shifts."""
    from ops.calendar import TZ, WorkCalendar

    tomorrow = dt.datetime.now(TZ).date() + dt.timedelta(days=1)  # Kaifeng's, not the machine's
    # an unannounced year is provisional, never a refusal (issue 11)
    return WorkCalendar().working_days_from(tomorrow, 1)[0]


class LiveServer:
    """A real ``waterops serve --demo`` in its own process group, on a free port.

    Without the demo's sample day of work unless ``env`` asks for it
    (``WATEROPS_SEED_DEMO_WORK=true``): tests count what they create. Without warming the
    EPANET engines at start (``WATEROPS_HYDRAULIC_WARM_UP=true`` asks it), as the in-process
    service of :func:`make_service`: seconds of EPANET beside every start slowed the requests
    the tests time (a 413 asked to come within 3 s did not, in a full run)."""

    def __init__(self, data: Path, database: str = "", env: dict[str, str] | None = None) -> None:
        self.data = data
        self.database = database
        self.env = {
            "WATEROPS_SEED_DEMO_WORK": "false",
            "WATEROPS_HYDRAULIC_WARM_UP": "false",
            **(env or {}),
        }
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        if self.database:
            env["DATABASE_URL"] = self.database
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--demo",
                "--data",
                str(self.data),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # the server and its planner process
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)

    def call(
        self,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null"), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null"), dict(e.headers)

    def token(self, role: str = "dispatcher") -> str:
        body = urllib.parse.urlencode({"username": role, "password": "waterops-demo"}).encode()
        with urllib.request.urlopen(f"{self.url}/api/auth/token", body) as r:
            return str(json.load(r)["access_token"])

    def await_sample_day(self, *, repairs: bool = False, timeout: float = 60) -> None:
        """Wait for the demo's sample day, which the server posts itself once it answers
        (``WATEROPS_SEED_DEMO_WORK=true``): its open jobs, and with ``repairs`` its tickets."""
        token = self.token()
        deadline = time.monotonic() + timeout
        while True:
            _, jobs, _ = self.call("GET", "/api/jobs?status=open", token)
            tickets = self.call("GET", "/api/repairs", token)[1] if repairs else True
            if tickets and len(jobs) >= 25:
                return
            assert time.monotonic() < deadline, "the demo's sample day did not arrive"
            time.sleep(0.5)
