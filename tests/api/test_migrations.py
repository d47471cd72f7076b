"""The migrations build exactly the tables the code declares (several changes land in one
session; a column added to a model and forgotten in its migration would only fail in use)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from api.db.session import MIGRATIONS, make_engine, migrate
from api.db.tables import Base
from ops.jobs import RepairStep, field_job_from_dict
from routing.io import plan_from_state, plan_to_state
from routing.model import Crew, Job, Problem, Shift
from routing.solver import SolverOptions, solve
from tests.api.conftest import drop_schema, postgres_url


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migrated_schema_is_the_declared_one(backend: str, tmp_path: Path) -> None:
    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = [
                d
                for d in compare_metadata(context, Base.metadata)
                if not (
                    isinstance(d, tuple)
                    and d[0] == "remove_table"
                    and d[1].name == "alembic_version"
                )
            ]
        assert diff == []
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_stored_jobs_and_plans_of_before_0007_come_out_typed(backend: str, tmp_path: Path) -> None:
    """Jobs and plans stored before 0007 (a job's ticket, valve and step in ``meta``; the second
    crew of a two-crew job a stop ``"<job>#2"``) read after it as the code writes them now:
    the same plan back, each stop with its slot, each job with its fields and columns; a job
    whose own id ends in ``#2`` stays that job."""
    crews = tuple(Crew(c, frozenset(), (0.0, 0.0), (Shift(8 * 3600, 17 * 3600),)) for c in "ab")
    problem = Problem(
        crews,
        (
            Job("main", (0.001, 0.001), 3600, crews_required=2, mandatory=True),
            Job("A#2", (0.002, 0.0), 1800, mandatory=True),
        ),
    )
    plan = solve(problem, SolverOptions(seconds=0.5))
    assert len(plan.crews("main")) == 2 and plan.stop("A#2") is not None, plan.unassigned

    def old_stop(stop: dict[str, object], key: str) -> dict[str, object]:
        # as the code before 0007 wrote a stop: no slot, the second crew's id with "#2"
        slot = stop.pop("slot")
        return {**stop, key: f"{stop[key]}#2"} if slot == 2 else stop

    state = plan_to_state(plan)
    for route in state["routes"]:
        route["stops"] = [old_stop(s, "job_id") for s in route["stops"]]
    result = plan.to_dict()
    for route in result["routes"]:
        route["stops"] = [old_stop(s, "job") for s in route["stops"]]
    old_spec = {
        "id": "opaque-7",
        "kind": "valve closure",
        "source": "call centre",
        "location": [0.0, 0.0],
        "duration_min": 15.0,
        "skills": ["valve"],
        "crews_required": 1,
        "meta": {"ticket": "R/2026/9", "valve": "V-1#a", "step": "close", "pipe": "P1"},
    }
    problem_json = {
        "jobs": [
            {**old_spec, "id": "main", "crews_required": 2, "meta": {}},
            {**old_spec, "id": "A#2", "meta": {}},
            old_spec,
        ]
    }

    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
            now = dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC)
            jobs = sa.table(
                "jobs",
                *(sa.column(c) for c in ("id", "source", "kind", "status", "version")),
                sa.column("spec", sa.JSON),
                sa.column("updated_at", sa.DateTime),
                sa.column("updated_by"),
            )
            connection.execute(
                jobs.insert().values(
                    id="opaque-7",
                    source="call centre",
                    kind="valve closure",
                    status="open",
                    version=1,
                    spec=old_spec,
                    updated_at=now,
                    updated_by="admin",
                )
            )
            plans = sa.table(
                "plans",
                *(sa.column(c) for c in ("id", "day", "status", "seconds", "version")),
                sa.column("problem", sa.JSON),
                sa.column("result", sa.JSON),
                sa.column("state", sa.JSON),
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
                    problem=problem_json,
                    result=result,
                    state=state,
                    progress={},
                    created_by="admin",
                    created_at=now,
                    stop_requested=False,
                )
            )
            command.upgrade(config, "head")
            job = connection.execute(sa.text("SELECT ticket, valve, step, spec FROM jobs")).one()
            stored = connection.execute(sa.text("SELECT result, state FROM plans")).one()
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)

    assert tuple(job[:3]) == ("R/2026/9", "V-1#a", "close")
    spec = job[3] if isinstance(job[3], dict) else json.loads(job[3])
    value = field_job_from_dict(spec)
    assert (value.ticket, value.valve, value.step) == ("R/2026/9", "V-1#a", RepairStep.CLOSE)
    assert value.meta == {"pipe": "P1"}
    result_after, state_after = (x if isinstance(x, dict) else json.loads(x) for x in stored)
    assert plan_from_state(state_after) == replace(plan, stats=plan_from_state(state).stats)
    assert [asdict(s) for r in plan_from_state(state_after).routes for s in r.stops] == [
        asdict(s) for r in plan.routes for s in r.stops
    ]
    stops = sorted((s["job"], s["slot"]) for r in result_after["routes"] for s in r["stops"])
    assert stops == [("A#2", 1), ("main", 1), ("main", 2)]


def _rest_spec() -> dict[str, object]:
    """A rest of a survey left for an emergency, as the code before 0011 stored it."""
    return {
        "id": "LS-DMA-03-20261027-1-part2",
        "kind": "leak survey",
        "source": "leak programme",
        "location": [114.35, 34.785],
        "duration_min": 70.0,
        "skills": ["leak"],
        "priority": 2,
        "meta": {
            "rest_of": "LS-DMA-03-20261027-1",
            "part": 2,
            "suspended": "LS-DMA-03-20261027-1",
            "note": "kept",
        },
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_stored_jobs_of_before_0011_come_out_with_their_parts_and_dma(
    backend: str, tmp_path: Path
) -> None:
    """Jobs stored before 0011 (a rest's ``rest_of``, ``part`` and ``suspended`` in ``meta``; a
    programme survey's DMA only in its id) read after it with the fields and columns, in the
    jobs table and in a plan's suspended rests; a survey added by hand gets no DMA; the
    downgrade writes the old shape back."""
    rest = _rest_spec()
    survey = {**rest, "id": "LS-DMA-03-20261027-1", "duration_min": 360.0, "meta": {}}
    by_hand = {**survey, "id": "LS-000004", "source": "leak programme"}
    old = [rest, survey, by_hand]
    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def load(x: object) -> dict[str, object]:
        return x if isinstance(x, dict) else json.loads(str(x))

    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0010")
            now = dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC)
            jobs = sa.table(
                "jobs",
                *(sa.column(c) for c in ("id", "source", "kind", "status", "version")),
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
                        spec=spec,
                        updated_at=now,
                        updated_by="admin",
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
            suspended = [{"job": survey["id"], "rest": rest["id"], "rest_job": rest}]
            connection.execute(
                plans.insert().values(
                    id=1,
                    day=dt.date(2026, 12, 2),
                    status="published",
                    seconds=1.0,
                    version=1,
                    problem={"jobs": [survey]},
                    result={"routes": [], "suspended": suspended},
                    progress={},
                    created_by="admin",
                    created_at=now,
                    stop_requested=False,
                )
            )
            command.upgrade(config, "head")
            columns = "id, rest_of, part, suspended, dma, spec"
            rows = connection.execute(sa.text(f"SELECT {columns} FROM jobs ORDER BY id")).all()
            plan = connection.execute(sa.text("SELECT problem, result FROM plans")).one()
            command.downgrade(config, "0010")
            back = connection.execute(sa.text("SELECT spec FROM jobs ORDER BY id")).all()
            plan_back = connection.execute(sa.text("SELECT problem, result FROM plans")).one()
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)

    assert [tuple(r[:5]) for r in rows] == [
        ("LS-000004", None, 1, None, None),
        ("LS-DMA-03-20261027-1", None, 1, None, "DMA-03"),
        (rest["id"], survey["id"], 2, survey["id"], "DMA-03"),
    ]
    values = [field_job_from_dict(load(r[5])) for r in rows]
    assert [(v.rest_of, v.part, v.suspended, v.dma) for v in values] == [
        tuple(r[1:5]) for r in rows
    ]
    assert values[2].meta == {"note": "kept"} and values[1].meta == {}
    problem, result = (load(x) for x in plan)
    (left,) = result["suspended"]  # type: ignore[misc]
    assert field_job_from_dict(left["rest_job"]) == values[2]
    assert field_job_from_dict(problem["jobs"][0]) == values[1]  # type: ignore[index]
    # down again: as it was stored
    by_id = {str(s["id"]): s for s in old}
    assert [load(b[0]) for b in back] == [by_id[str(r[0])] for r in rows]
    assert [load(x) for x in plan_back] == [
        {"jobs": [survey]},
        {"routes": [], "suspended": suspended},
    ]


# a connection's step and its follow-up visit as the code before 0017 stored them: the
# application, the calendars the deadline was counted on and the water-on time in ``meta``
_BASIS = {
    "status": "provisional",
    "provisional_years": [2027],
    "years": {
        "2026": {"status": "official", "source": "chinesecalendar 1.11.0"},
        "2027": {"status": "provisional", "source": "computed"},
    },
}


def _connection_specs() -> list[dict[str, object]]:
    common = {
        "source": "APP-0041",
        "location": [114.35, 34.8],
        "skills": [],
        "priority": 2,
        "ticket": None,
        "valve": None,
        "step": None,
        "dma": None,
        "rest_of": None,
        "part": 1,
        "suspended": None,
    }
    opening = {
        **common,
        "id": "APP-0041-open",
        "kind": "valve opening",
        "duration_min": 30.0,
        "skills": ["valve"],
        "deadline": "2027-01-04T09:00:00+08:00",
        "meta": {"application": "APP-0041", "connection_type": "pre_other", "calendar": _BASIS},
    }
    visit = {
        **common,
        "id": "APP-0041-followup",
        "kind": "follow-up visit",
        "duration_min": 20.0,
        "deadline": "2027-01-05T10:00:00+08:00",
        "meta": {
            "application": "APP-0041",
            "water_on": "2026-12-28T10:00:00+08:00",
            "calendar": _BASIS,
        },
    }
    return [opening, visit]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_stored_connection_jobs_of_before_0017_come_out_with_their_fields(
    backend: str, tmp_path: Path
) -> None:
    """Connection jobs stored before 0017 (``application``, ``water_on`` and ``calendar`` as
    keys of ``meta``) read after it with the fields and the columns, in the jobs table, in the
    application's case and in a plan's problem; a job of no application keeps its ``meta`` and
    gets none; the downgrade writes the old shape back."""
    opening, visit = _connection_specs()
    other = {**opening, "id": "LS-000009", "source": "leak programme", "meta": {"area": "x"}}
    old = [opening, visit, other]
    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def load(x: object) -> dict[str, object]:
        return x if isinstance(x, dict) else json.loads(str(x))

    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0016")
            now = dt.datetime(2026, 12, 28, 2, tzinfo=dt.UTC)
            jobs = sa.table(
                "jobs",
                *(sa.column(c) for c in ("id", "source", "kind", "status", "version")),
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
            case = {"application": "APP-0041", "type": "pre_other", "jobs": [opening]}
            connection.execute(
                applications.insert().values(
                    id="APP-0041",
                    type="pre_other",
                    customer="Sun",
                    address="",
                    lon=114.35,
                    lat=34.8,
                    status="completed",
                    residential=True,
                    created_by="admin",
                    channel="counter",
                    back_entered=False,
                    case=case,
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
                    day=dt.date(2026, 12, 29),
                    status="published",
                    seconds=1.0,
                    version=1,
                    problem={"jobs": [visit]},
                    result={"routes": [], "suspended": []},
                    progress={},
                    created_by="admin",
                    created_at=now,
                    stop_requested=False,
                )
            )
            # up to 0018, the last before 0019: 0019 gives old jobs their description key and
            # its downgrade keeps it (tests/api/test_migration_job_text.py), so "down again: as
            # it was stored" is the round trip of 0017 and 0018 only
            command.upgrade(config, "0018")
            columns = "id, application, water_on, calendar, spec"
            rows = connection.execute(sa.text(f"SELECT {columns} FROM jobs ORDER BY id")).all()
            case_after = connection.execute(sa.text('SELECT "case" FROM applications')).one()
            plan = connection.execute(sa.text("SELECT problem FROM plans")).one()
            command.downgrade(config, "0016")
            back = connection.execute(sa.text("SELECT spec FROM jobs ORDER BY id")).all()
            case_back = connection.execute(sa.text('SELECT "case" FROM applications')).one()
            plan_back = connection.execute(sa.text("SELECT problem FROM plans")).one()
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)

    def moment(x: object) -> dt.datetime | None:
        if x is None:
            return None
        t = x if isinstance(x, dt.datetime) else dt.datetime.fromisoformat(str(x))
        return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)  # SQLite: UTC, naive

    assert [(r[0], r[1], moment(r[2])) for r in rows] == [
        ("APP-0041-followup", "APP-0041", dt.datetime(2026, 12, 28, 2, tzinfo=dt.UTC)),
        ("APP-0041-open", "APP-0041", None),
        ("LS-000009", None, None),
    ]
    assert [None if r[3] is None else load(r[3]) for r in rows] == [_BASIS, _BASIS, None]
    values = [field_job_from_dict(load(r[4])) for r in rows]
    assert [load(r[4])["meta"] for r in rows] == [
        {},
        {"connection_type": "pre_other"},
        {"area": "x"},
    ]
    followup, step, leak = values
    assert followup.water_on == dt.datetime.fromisoformat("2026-12-28T10:00:00+08:00")
    assert followup.calendar is not None and followup.calendar.to_dict() == _BASIS
    assert (step.application, step.water_on, leak.application, leak.calendar) == (
        "APP-0041",
        None,
        None,
        None,
    )
    (in_case,) = load(case_after[0])["jobs"]  # type: ignore[misc]
    assert field_job_from_dict(in_case) == step and in_case["meta"] == step.meta
    (planned,) = load(plan[0])["jobs"]  # type: ignore[misc]
    assert field_job_from_dict(planned) == followup and planned["meta"] == {}
    # down again: as it was stored
    by_id = {str(s["id"]): s for s in old}
    assert [load(b[0]) for b in back] == [by_id[str(r[0])] for r in rows]
    assert load(case_back[0]) == case and load(plan_back[0]) == {"jobs": [visit]}
