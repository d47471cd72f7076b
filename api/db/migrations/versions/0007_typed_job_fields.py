"""jobs carry their ticket, valve and step as columns; a plan's stops carry their crew slot

Before, a job's ticket, valve and step were keys of its ``meta`` (in ``jobs.spec``), and the
second crew of a two-crew job was a stop with the id ``"<job>#2"``. Now they are fields
(``ops.jobs.FieldJob.ticket`` ...) and ``routing.model.Stop.slot``: this migration moves the
stored values into the new shape once, so that no code reads structure out of an id
(docs/decisions.md, "Typed job fields").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TYPED = ("ticket", "valve", "step")

jobs = sa.table(
    "jobs",
    sa.column("id", sa.String),
    sa.column("spec", sa.JSON),
    sa.column("ticket", sa.String),
    sa.column("valve", sa.String),
    sa.column("step", sa.String),
)
plans = sa.table(
    "plans",
    sa.column("id", sa.Integer),
    sa.column("problem", sa.JSON),
    sa.column("result", sa.JSON),
    sa.column("state", sa.JSON),
)
tickets = sa.table("repairs", sa.column("id", sa.String), sa.column("case", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("ticket", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("valve", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("step", sa.String(16), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_ticket"), ["ticket"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_valve"), ["valve"], unique=False)
    bind = op.get_bind()
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        new = _typed_job(spec)
        bind.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(spec=new, **{key: new.get(key) for key in TYPED})
        )
    for ticket_id, case in bind.execute(sa.select(tickets.c.id, tickets.c.case)).all():
        if isinstance(case, dict) and case.get("jobs"):
            case = {**case, "jobs": [_typed_job(j) for j in case["jobs"]]}
            bind.execute(tickets.update().where(tickets.c.id == ticket_id).values(case=case))
    rows = bind.execute(sa.select(plans.c.id, plans.c.problem, plans.c.result, plans.c.state))
    for plan_id, problem, result, state in rows.all():
        problem = dict(problem or {})
        problem["jobs"] = [_typed_job(j) for j in problem.get("jobs", [])]
        specs = {j["id"]: j for j in problem["jobs"] if isinstance(j, dict) and "id" in j}
        if result is not None:
            result = dict(result)
            _slot_stops(result.get("routes", []), "job", specs)
            for stop in (s for r in result.get("routes", []) for s in r.get("stops", [])):
                spec = specs.get(stop["job"], {})
                for key in TYPED:
                    stop.setdefault(key, spec.get(key))
            for left in result.get("suspended", []):
                if isinstance(left.get("rest_job"), dict):
                    left["rest_job"] = _typed_job(left["rest_job"])
        if state is not None:
            state = dict(state)
            _slot_stops(state.get("routes", []), "job_id", specs)
        bind.execute(
            plans.update()
            .where(plans.c.id == plan_id)
            .values(problem=problem, result=result, state=state)
        )


def downgrade() -> None:
    bind = op.get_bind()
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        bind.execute(jobs.update().where(jobs.c.id == job_id).values(spec=_meta_job(spec)))
    for ticket_id, case in bind.execute(sa.select(tickets.c.id, tickets.c.case)).all():
        if isinstance(case, dict) and case.get("jobs"):
            case = {**case, "jobs": [_meta_job(j) for j in case["jobs"]]}
            bind.execute(tickets.update().where(tickets.c.id == ticket_id).values(case=case))
    rows = bind.execute(sa.select(plans.c.id, plans.c.problem, plans.c.result, plans.c.state))
    for plan_id, problem, result, state in rows.all():
        problem = dict(problem or {})
        problem["jobs"] = [_meta_job(j) for j in problem.get("jobs", [])]
        for data, key in ((result, "job"), (state, "job_id")):
            for stop in (s for r in (data or {}).get("routes", []) for s in r.get("stops", [])):
                if stop.pop("slot", 1) == 2:
                    stop[key] = f"{stop[key]}#2"
        for left in (result or {}).get("suspended", []):
            if isinstance(left.get("rest_job"), dict):
                left["rest_job"] = _meta_job(left["rest_job"])
        bind.execute(
            plans.update()
            .where(plans.c.id == plan_id)
            .values(problem=problem, result=result, state=state)
        )
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_valve"))
        batch_op.drop_index(batch_op.f("ix_jobs_ticket"))
        batch_op.drop_column("step")
        batch_op.drop_column("valve")
        batch_op.drop_column("ticket")


def _typed_job(spec: Any) -> Any:
    """A stored job (``FieldJob.to_dict``) with ``ticket``, ``valve`` and ``step`` out of its
    ``meta`` and beside the other fields."""
    if not isinstance(spec, dict):
        return spec
    meta = dict(spec.get("meta") or {})
    out = dict(spec)
    for key in TYPED:
        if key not in out:
            value = meta.pop(key, None)
            out[key] = None if value is None else str(value)
    out["meta"] = meta
    return out


def _meta_job(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    meta = dict(out.get("meta") or {})
    for key in TYPED:
        value = out.pop(key, None)
        if value is not None:
            meta[key] = value
    out["meta"] = meta
    return out


def _slot_stops(routes: list[dict[str, Any]], key: str, specs: dict[str, Any]) -> None:
    """The stops of routes written before stops had a slot: ``"<job>#2"`` was the second crew
    of the two-crew job ``<job>`` (the only place an id is read, here and once). A stop is
    read so only when ``<job>`` is a two-crew job of the plan's problem and ``<job>#2`` is not
    a job of its own; without the problem's jobs, when ``<job>`` is a stop of the same plan."""
    ids = {s[key] for r in routes for s in r.get("stops", [])}
    for route in routes:
        for stop in route.get("stops", []):
            if "slot" in stop:
                continue
            job = str(stop[key])
            first = job[:-2]
            if specs:
                second = (
                    job.endswith("#2")
                    and job not in specs
                    and int(specs.get(first, {}).get("crews_required", 1)) == 2
                )
            else:
                second = job.endswith("#2") and first in ids
            if second:
                stop[key] = first
            stop["slot"] = 2 if second else 1
