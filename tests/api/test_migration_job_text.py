"""Issue 18: jobs stored before ``FieldJob.describe`` read in the reader's language. Their stored
description is as it was written, a connection's mixed ("现场勘查: 张三, 解放路1号" said to an
English reader); the migration gives each job whose key and params its typed fields and its
application determine one (``connection_survey`` … with the application's customer and address
as recorded, ``follow_up_visit``, ``reopen_valve``), in the jobs table, the applications' cases
and the plans' problems. A job that has one keeps it; a job nothing determines keeps none (the
pages show its text as stored)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from api.db.session import MIGRATIONS, make_engine
from ops.jobs import JobText, field_job_from_dict
from tests.api.conftest import drop_schema, postgres_url

BEFORE = "0018"


def _spec(job_id: str, kind: str, description: str, **typed: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "source": typed.pop("source", "APP-0007"),
        "location": [114.35, 34.8],
        "duration_min": 30.0,
        "skills": [],
        "priority": 3,
        "description": description,
        "ticket": None,
        "valve": None,
        "step": None,
        "dma": None,
        "rest_of": None,
        "part": 1,
        "suspended": None,
        "application": None,
        "water_on": None,
        "calendar": None,
        "meta": {},
    }
    base.update(typed)
    return base


def _old_jobs() -> list[dict[str, Any]]:
    app = {"application": "APP-0007"}
    return [
        _spec("APP-0007-survey", "survey", "现场勘查: 张三, 解放路1号", **app),
        _spec("APP-0007-meter", "meter installation", "装表: 张三, 解放路1号", **app),
        _spec("APP-0007-open", "valve opening", "开阀供水: 张三, 解放路1号", **app),
        _spec(
            "APP-0007-followup", "follow-up visit", "回访 follow-up visit: 张三, 解放路1号", **app
        ),
        _spec(
            "R-0003-reopen-V000123",
            "valve reopening",
            "reopen valve V000123",
            source="R-0003",
            ticket="R-0003",
            step="reopen",
            valve="V000123",
        ),
        # typed in by a person: nothing says what its words are
        _spec("LS-000001", "leak survey", "检漏 鼓楼街", source="leak programme"),
        # has one already: kept as it is
        _spec(
            "APP-0008-open",
            "valve opening",
            "开阀供水: Li, Road 2",
            application="APP-0008",
            describe={"key": "connection_open", "params": {"customer": "Li, Road 2"}},
        ),
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_jobs_stored_before_describe_get_their_key_and_params(backend: str, tmp_path: Path) -> None:
    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    old = _old_jobs()

    def load(x: object) -> Any:
        return x if isinstance(x, dict) else json.loads(str(x))

    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, BEFORE)
            now = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
            jobs = sa.table(
                "jobs",
                *(sa.column(c) for c in ("id", "source", "kind", "status", "version")),
                *(sa.column(c) for c in ("ticket", "valve", "step", "application")),
                sa.column("spec", sa.JSON),
                sa.column("updated_at", sa.DateTime),
                sa.column("updated_by"),
            )
            for spec in old:
                connection.execute(
                    jobs.insert().values(
                        id=spec["id"],
                        source=spec["source"],
                        kind=spec["kind"],
                        status="open",
                        version=1,
                        ticket=spec["ticket"],
                        valve=spec["valve"],
                        step=spec["step"],
                        application=spec["application"],
                        spec=spec,
                        updated_at=now,
                        updated_by="admin",
                    )
                )
            applications = sa.table(
                "applications",
                *(
                    sa.column(c)
                    for c in ("id", "type", "customer", "address", "lon", "lat", "status")
                ),
                *(sa.column(c) for c in ("residential", "created_by", "channel", "back_entered")),
                sa.column("case", sa.JSON),
                sa.column("created_at", sa.DateTime),
            )
            for app_id, customer, address, listed in (
                ("APP-0007", "张三", "解放路1号", old[:3]),
                ("APP-0008", "Li", "Road 2", old[6:]),
            ):
                connection.execute(
                    applications.insert().values(
                        id=app_id,
                        type="new_residential",
                        customer=customer,
                        address=address,
                        lon=114.35,
                        lat=34.8,
                        status="open",
                        residential=True,
                        created_by="admin",
                        channel="counter",
                        back_entered=False,
                        case={"application": app_id, "jobs": listed},
                        created_at=now,
                    )
                )
            plans = sa.table(
                "plans",
                *(sa.column(c) for c in ("id", "day", "status", "seconds", "version")),
                sa.column("problem", sa.JSON),
                sa.column("result", sa.JSON),
                sa.column("progress", sa.JSON),
                sa.column("created_by"),
                sa.column("created_at", sa.DateTime),
                sa.column("stop_requested", sa.Boolean),
            )
            connection.execute(
                plans.insert().values(
                    id=1,
                    day=dt.date(2026, 12, 2),
                    status="published",
                    seconds=1.0,
                    version=1,
                    problem={"jobs": old[3:5]},
                    result={"routes": [], "suspended": []},
                    progress={},
                    created_by="admin",
                    created_at=now,
                    stop_requested=False,
                )
            )
            command.upgrade(config, "head")
            rows = connection.execute(sa.text("SELECT id, spec FROM jobs")).all()
            cases = connection.execute(sa.text('SELECT id, "case" FROM applications')).all()
            plan = connection.execute(sa.text("SELECT problem FROM plans")).one()
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)

    said = {job_id: field_job_from_dict(load(spec)).describe for job_id, spec in rows}
    who = {"customer": "张三, 解放路1号"}
    assert said == {
        "APP-0007-survey": JobText("connection_survey", who),
        "APP-0007-meter": JobText("connection_meter", who),
        "APP-0007-open": JobText("connection_open", who),
        "APP-0007-followup": JobText("follow_up_visit", who),
        "R-0003-reopen-V000123": JobText("reopen_valve", {"valve": "V000123"}),
        "LS-000001": None,
        "APP-0008-open": JobText("connection_open", {"customer": "Li, Road 2"}),
    }
    # the text as stored is kept (CSV, CLI and API readers had it)
    assert {i: load(s)["description"] for i, s in rows} == {j["id"]: j["description"] for j in old}
    # the copies of the jobs say the same
    case_jobs: dict[str, list[dict[str, Any]]] = {i: load(c)["jobs"] for i, c in cases}
    assert [x["describe"] for x in case_jobs["APP-0007"]] == [
        {"key": k, "params": who}
        for k in ("connection_survey", "connection_meter", "connection_open")
    ]
    assert case_jobs["APP-0008"][0]["describe"] == old[6]["describe"]
    assert [x["describe"] for x in load(plan[0])["jobs"]] == [
        {"key": "follow_up_visit", "params": who},
        {"key": "reopen_valve", "params": {"valve": "V000123"}},
    ]
