"""jobs carry the parts of a job left for an emergency and a leak survey's DMA as columns

Before, the rest of a job left for an emergency had ``rest_of``, ``part`` and ``suspended`` as
keys of its ``meta`` (in ``jobs.spec``), and a leak survey of the programme had its DMA only in
its id (``LS-<dma>-<YYYYMMDD>-<n>``) and description. Now they are fields
(``ops.jobs.FieldJob.rest_of``, ``.part``, ``.suspended``, ``.dma``): this migration moves the
stored values into the new shape once (docs/decisions.md, "Typed job fields").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PARTS = ("rest_of", "part", "suspended")
# the id ops.leakage.surveys gave a survey of the programme before the job had its DMA
PROGRAMME_SURVEY = re.compile(r"LS-(?P<dma>.+)-\d{8}-\d+")

jobs = sa.table(
    "jobs",
    sa.column("id", sa.String),
    sa.column("spec", sa.JSON),
    sa.column("rest_of", sa.String),
    sa.column("part", sa.Integer),
    sa.column("suspended", sa.String),
    sa.column("dma", sa.String),
)
plans = sa.table(
    "plans",
    sa.column("id", sa.Integer),
    sa.column("problem", sa.JSON),
    sa.column("result", sa.JSON),
)
tickets = sa.table("repairs", sa.column("id", sa.String), sa.column("case", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("dma", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("rest_of", sa.String(96), nullable=True))
        batch_op.add_column(sa.Column("part", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("suspended", sa.String(96), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_dma"), ["dma"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_rest_of"), ["rest_of"], unique=False)
    _rewrite(_typed_job)
    bind = op.get_bind()
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        if isinstance(spec, dict):
            bind.execute(
                jobs.update()
                .where(jobs.c.id == job_id)
                .values(
                    rest_of=spec.get("rest_of"),
                    part=spec.get("part") or 1,
                    suspended=spec.get("suspended"),
                    dma=spec.get("dma"),
                )
            )


def downgrade() -> None:
    _rewrite(_meta_job)
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_rest_of"))
        batch_op.drop_index(batch_op.f("ix_jobs_dma"))
        batch_op.drop_column("suspended")
        batch_op.drop_column("part")
        batch_op.drop_column("rest_of")
        batch_op.drop_column("dma")


def _rewrite(shape: Any) -> None:
    """Every stored job in the new (or old) shape: the jobs' specs, the job lists of repairs'
    cases and plans' problems, and the rests of the jobs a plan suspended."""
    bind = op.get_bind()
    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec)).all():
        bind.execute(jobs.update().where(jobs.c.id == job_id).values(spec=shape(spec)))
    for ticket_id, case in bind.execute(sa.select(tickets.c.id, tickets.c.case)).all():
        if isinstance(case, dict) and case.get("jobs"):
            case = {**case, "jobs": [shape(j) for j in case["jobs"]]}
            bind.execute(tickets.update().where(tickets.c.id == ticket_id).values(case=case))
    rows = bind.execute(sa.select(plans.c.id, plans.c.problem, plans.c.result)).all()
    for plan_id, problem, result in rows:
        problem = dict(problem or {})
        problem["jobs"] = [shape(j) for j in problem.get("jobs", [])]
        if result is not None:
            result = dict(result)
            result["suspended"] = [
                {**x, "rest_job": shape(x["rest_job"])} if isinstance(x, dict) else x
                for x in result.get("suspended", [])
            ]
        bind.execute(
            plans.update().where(plans.c.id == plan_id).values(problem=problem, result=result)
        )


def _typed_job(spec: Any) -> Any:
    """A stored job (``FieldJob.to_dict``) with ``rest_of``, ``part`` and ``suspended`` out of
    its ``meta`` and a programme survey's ``dma`` beside the other fields. The DMA is read out
    of the survey's id here, once, and only for a leak survey of the leak programme whose id
    has the programme's form, or that is the rest of one (a survey added by hand has none)."""
    if not isinstance(spec, dict) or "id" not in spec:
        return spec
    meta = dict(spec.get("meta") or {})
    out = dict(spec)
    for key in PARTS:
        if key not in out:
            value = meta.pop(key, None)
            if key == "part":
                out[key] = 1 if value is None else int(value)
            else:
                out[key] = None if value is None else str(value)
    if "dma" not in out:
        # the rest of a survey has the first part's DMA (the rest is a copy of the job)
        survey = PROGRAMME_SURVEY.fullmatch(str(out["rest_of"] or out["id"]))
        programme = out.get("kind") == "leak survey" and out.get("source") == "leak programme"
        out["dma"] = survey["dma"] if survey and programme else None
    out["meta"] = meta
    return out


def _meta_job(spec: Any) -> Any:
    """The old shape: the parts of a rest in its ``meta`` (an ordinary job had none), no DMA."""
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    meta = dict(out.get("meta") or {})
    out.pop("dma", None)
    rest = out.get("rest_of") is not None
    for key in PARTS:
        value = out.pop(key, None)
        if rest and value is not None:
            meta[key] = value
    out["meta"] = meta
    return out
