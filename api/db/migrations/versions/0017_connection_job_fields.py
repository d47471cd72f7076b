"""jobs carry a connection job's application, water-on time and calendar basis as columns

Before, the steps of a connection and its follow-up visit had ``application`` and
``calendar`` (the calendars their deadline was counted on), and the visit ``water_on``, as keys
of their ``meta`` (in ``jobs.spec``). Now they are fields (``ops.jobs.FieldJob.application``,
``.water_on``, ``.calendar``) and columns: this migration moves the stored values into the new
shape once, in the jobs' specs, the job lists of applications' cases, repairs' cases and plans'
problems, and the rests of the jobs a plan suspended (docs/decisions.md, "Typed job fields").

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FIELDS = ("application", "water_on", "calendar")
TZ = ZoneInfo("Asia/Shanghai")  # a naive stored time is Kaifeng time (api.db.tables)

jobs = sa.table(
    "jobs",
    sa.column("id", sa.String),
    sa.column("spec", sa.JSON),
    sa.column("application", sa.String),
    sa.column("water_on", sa.DateTime(timezone=True)),
    sa.column("calendar", sa.JSON(none_as_null=True)),
)
plans = sa.table(
    "plans",
    sa.column("id", sa.Integer),
    sa.column("problem", sa.JSON),
    sa.column("result", sa.JSON),
)
repairs = sa.table("repairs", sa.column("id", sa.String), sa.column("case", sa.JSON))
applications = sa.table("applications", sa.column("id", sa.String), sa.column("case", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("application", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("water_on", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("calendar", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_application"), ["application"], unique=False)
    _rewrite(_typed_job)
    bind = op.get_bind()
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        if isinstance(spec, dict):
            bind.execute(
                jobs.update()
                .where(jobs.c.id == job_id)
                .values(
                    application=spec.get("application"),
                    water_on=_utc(spec.get("water_on"), bind.dialect.name),
                    calendar=spec.get("calendar") or None,
                )
            )


def downgrade() -> None:
    _rewrite(_meta_job)
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_application"))
        batch_op.drop_column("calendar")
        batch_op.drop_column("water_on")
        batch_op.drop_column("application")


def _utc(value: Any, dialect: str) -> dt.datetime | None:
    """A stored ISO time as the service's UTC column keeps it (naive UTC on SQLite)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None) if dialect == "sqlite" else moment


def _rewrite(shape: Any) -> None:
    """Every stored job in the new (or old) shape: the jobs' specs, the job lists of
    applications' and repairs' cases and of plans' problems, and the rests of the jobs a plan
    suspended."""
    bind = op.get_bind()
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        bind.execute(jobs.update().where(jobs.c.id == job_id).values(spec=shape(spec)))
    for table in (applications, repairs):
        for key, case in bind.execute(sa.select(table.c.id, table.c.case)).all():
            if isinstance(case, dict) and case.get("jobs"):
                case = {**case, "jobs": [shape(j) for j in case["jobs"]]}
                bind.execute(table.update().where(table.c.id == key).values(case=case))
    rows = bind.execute(sa.select(plans.c.id, plans.c.problem, plans.c.result)).all()
    for plan_id, problem, result in rows:
        problem = dict(problem or {})
        problem["jobs"] = [shape(j) for j in problem.get("jobs", [])]
        if result is not None:
            result = dict(result)
            result["suspended"] = [
                {**x, "rest_job": shape(x["rest_job"])}
                if isinstance(x, dict) and "rest_job" in x
                else x
                for x in result.get("suspended", [])
            ]
        bind.execute(
            plans.update().where(plans.c.id == plan_id).values(problem=problem, result=result)
        )


def _typed_job(spec: Any) -> Any:
    """A stored job (``FieldJob.to_dict``) with ``application``, ``water_on`` and ``calendar``
    out of its ``meta`` and beside the other fields (None where it had none)."""
    if not isinstance(spec, dict) or "id" not in spec:
        return spec
    meta = dict(spec.get("meta") or {})
    out = dict(spec)
    for key in FIELDS:
        if key not in out:
            value = meta.pop(key, None)
            out[key] = None if value is None else (str(value) if key != "calendar" else value)
    out["meta"] = meta
    return out


def _meta_job(spec: Any) -> Any:
    """The old shape: the three in ``meta`` where the job had them, not beside its fields."""
    if not isinstance(spec, dict) or "id" not in spec:
        return spec
    out = dict(spec)
    meta = dict(out.get("meta") or {})
    for key in FIELDS:
        value = out.pop(key, None)
        if value is not None:
            meta[key] = value
    out["meta"] = meta
    return out
