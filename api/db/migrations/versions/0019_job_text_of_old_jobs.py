"""jobs stored before ``FieldJob.describe`` get their key and params where these are known

A job says what it is as a key and params (``ops.jobs.JobText``) since issue 18 item 5; one
stored before has only its description, written once in the words of its day (a connection's
in Chinese: "现场勘查: 张三, 解放路1号", mixed to an English reader). Where the job's typed fields
(and its application) determine the key and params — a connection's survey, meter and opening,
its follow-up visit, the reopening of a valve — this gives the job the ``describe`` the code
gives such a job now (``ops.connections.open_connection``, ``follow_up_visit``,
``ops.repairs.open_repair``), once, in the jobs' specs, the job lists of applications' and
repairs' cases and plans' problems. The description as stored is kept. A job that has one keeps
it; any other (typed in by a person, or needing what a job does not keep, e.g. a closure's
pipe and node) keeps none, and the pages show its text as stored. Nothing to undo: the
downgrade leaves the key, which the code of 0018 reads as it reads a new job's.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("spec", sa.JSON))
plans = sa.table("plans", sa.column("id", sa.Integer), sa.column("problem", sa.JSON))
repairs = sa.table("repairs", sa.column("id", sa.String), sa.column("case", sa.JSON))
applications = sa.table(
    "applications",
    sa.column("id", sa.String),
    sa.column("customer", sa.String),
    sa.column("address", sa.String),
    sa.column("case", sa.JSON),
)

#: a connection job's kind → its key (ops.connections: ``connection_{step}``, the follow-up)
CONNECTION = {
    "survey": "connection_survey",
    "meter installation": "connection_meter",
    "valve opening": "connection_open",
    "follow-up visit": "follow_up_visit",
}


def upgrade() -> None:
    bind = op.get_bind()
    # the customer as ops.connections writes it: "customer, address", as recorded
    who = {
        app_id: f"{customer}, {address or ''}".rstrip(", ")
        for app_id, customer, address in bind.execute(
            sa.select(applications.c.id, applications.c.customer, applications.c.address)
        ).all()
    }

    def said(spec: Any) -> Any:
        if not isinstance(spec, dict) or "id" not in spec or spec.get("describe"):
            return spec
        text = _text(spec, who)
        return spec if text is None else {**spec, "describe": text}

    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        new = said(spec)
        if new is not spec:
            bind.execute(jobs.update().where(jobs.c.id == job_id).values(spec=new))
    for table in (applications, repairs):
        for key, case in bind.execute(sa.select(table.c.id, table.c.case)).all():
            if isinstance(case, dict) and case.get("jobs"):
                listed = [said(j) for j in case["jobs"]]
                if any(a is not b for a, b in zip(listed, case["jobs"], strict=True)):
                    case = {**case, "jobs": listed}
                    bind.execute(table.update().where(table.c.id == key).values(case=case))
    for plan_id, problem in bind.execute(sa.select(plans.c.id, plans.c.problem)).all():
        if isinstance(problem, dict) and problem.get("jobs"):
            listed = [said(j) for j in problem["jobs"]]
            if any(a is not b for a, b in zip(listed, problem["jobs"], strict=True)):
                problem = {**problem, "jobs": listed}
                bind.execute(plans.update().where(plans.c.id == plan_id).values(problem=problem))


def downgrade() -> None:
    """Nothing: the key stays (0018 reads it)."""


def _text(spec: dict[str, Any], who: dict[str, str]) -> dict[str, Any] | None:
    """The key and params the typed fields of a stored job determine, else None."""
    meta = spec.get("meta") or {}
    application = spec.get("application") or meta.get("application")
    kind = spec.get("kind")
    if application and kind in CONNECTION and str(application) in who:
        return {"key": CONNECTION[str(kind)], "params": {"customer": who[str(application)]}}
    if spec.get("step") == "reopen" and spec.get("valve"):
        return {"key": "reopen_valve", "params": {"valve": str(spec["valve"])}}
    return None
