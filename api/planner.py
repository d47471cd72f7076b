"""Solving plans in the background, in a separate process.

OR-Tools holds the interpreter lock for the whole search, so a solve in a thread would freeze
the service; it runs in a worker process instead. The request stores what to plan (the jobs,
links, crews and repair chains of the day, as JSON) in a ``plans`` row and returns 202; the
worker reads it, solves with :func:`ops.dispatch.plan_day` (or :func:`replan_emergency` from a
published plan), writes its progress into the row twice a second, checks for a stop request at
every solution, and stores the result. A stop ends the search with the best plan found so far.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import tables as t
from api.db.session import make_engine, session_factory

log = logging.getLogger("waterops.planner")


class Planner:
    """A pool of one worker process per service process (the machine has two cores)."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self._pool: ProcessPoolExecutor | None = None
        self.futures: dict[int, Future[None]] = {}

    def submit(self, plan_id: int) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        future = self._pool.submit(run_plan, plan_id, self.database_url, str(self.data_dir))
        self.futures[plan_id] = future

    def wait(self, plan_id: int, timeout: float | None = None) -> None:
        future = self.futures.get(plan_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def run_plan(plan_id: int, database_url: str, data_dir: str) -> None:
    """Solve plan ``plan_id`` (in the worker process)."""
    engine = make_engine(database_url)
    reader = make_engine(database_url, writer=False)
    sessions = session_factory(engine)
    reads = session_factory(reader)
    try:
        deadline = time.monotonic() + 30
        while True:  # the request that queued the plan commits after submitting it
            with sessions() as session:
                if session.get(t.Plan, plan_id) is not None:
                    break
            if time.monotonic() > deadline:
                return  # the request failed and rolled back: nothing to plan
            time.sleep(0.05)
        with sessions() as session, session.begin():
            row = session.get(t.Plan, plan_id)
            if row is None or row.status not in ("queued",):
                return
            row.status = "solving"
            row.progress = {"solutions": 0, "elapsed": 0.0, "seconds": row.seconds}
            problem = dict(row.problem)
            parent_id = row.parent_id
            seconds = row.seconds
        last_check = [0.0]
        stop = [False]

        def on_progress(progress: dict[str, Any]) -> bool:
            now = time.perf_counter()
            if now - last_check[0] >= 0.5:
                last_check[0] = now
                with sessions() as s, s.begin():
                    s.execute(
                        update(t.Plan)
                        .where(t.Plan.id == plan_id)
                        .values(progress={**progress, "seconds": seconds})
                        .execution_options(synchronize_session=False)
                    )
                    stop[0] = bool(
                        s.scalar(select(t.Plan.stop_requested).where(t.Plan.id == plan_id))
                    )
            return stop[0]

        day_plan = _solve(reads, problem, parent_id, seconds, Path(data_dir), on_progress)
        result = day_plan.to_dict()
        from routing.io import plan_to_state

        with sessions() as session, session.begin():
            row = session.get(t.Plan, plan_id)
            assert row is not None
            row.result = result
            row.state = plan_to_state(day_plan.plan)
            row.status = "ready"
            row.progress = {
                **(row.progress or {}),
                "elapsed": round(day_plan.plan.solve_seconds, 2),
                "stopped": stop[0],
                "done": True,
            }
    except Exception as exc:  # the row says what went wrong; the service stays up
        log.exception("plan %s failed", plan_id)
        with sessions() as session, session.begin():
            row = session.get(t.Plan, plan_id)
            if row is not None:
                row.status = "failed"  # the traceback is in the log, not for every reader
                row.error = f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
        reader.dispose()


def _solve(
    reads: Any,
    problem: dict[str, Any],
    parent_id: int | None,
    seconds: float,
    data_dir: Path,
    on_progress: Any,
) -> Any:
    from ops.calendar import calendar_from_config
    from ops.dispatch import plan_day, replan_emergency

    day = dt.date.fromisoformat(problem["day"])
    jobs, links, crews, chains = decode_problem(problem)
    calendar = calendar_from_config(problem.get("calendar", {}))
    with reads() as session:  # a short read: the solve must not hold a transaction open
        travel = _travel(session, problem.get("network_id"), data_dir)
        parent = session.get(t.Plan, parent_id) if parent_id is not None else None
    if parent is None:
        return plan_day(
            day,
            jobs,
            links,
            crews,
            calendar,
            repairs=chains,
            travel=travel,
            seconds=seconds,
            overtime=dt.timedelta(hours=float(problem.get("overtime_hours", 0))),
            now=dt.datetime.fromisoformat(problem["now"]) if problem.get("now") else None,
            on_progress=on_progress,
            days=int(problem.get("days", 1)),
        )
    assert parent.state is not None
    current = published_day_plan(parent, calendar)
    new_ids = set(problem.get("new_jobs", []))
    positions = {k: (float(v[0]), float(v[1])) for k, v in problem.get("positions", {}).items()}
    return replan_emergency(
        current,
        dt.datetime.fromisoformat(problem["now"]),
        [j for j in jobs if j.id in new_ids],
        [lk for lk in links if lk.after in new_ids or lk.before in new_ids],
        new_repairs=[c for c in chains if c.ticket not in {r.ticket for r in current.repairs}],
        positions=positions,
        calendar=calendar,
        travel=travel,
        seconds=seconds,
        on_progress=on_progress,
    )


def published_day_plan(row: t.Plan, calendar: Any) -> Any:
    """The :class:`ops.dispatch.DayPlan` a stored plan stands for (to re-plan from it)."""
    from ops.dispatch import DayPlan
    from routing.io import plan_from_state

    assert row.state is not None
    jobs, links, crews, chains = decode_problem(row.problem)
    plan = plan_from_state(row.state)
    planned = {s.job_id.split("#")[0] for r in plan.routes for s in r.stops}
    future = tuple(j for j in jobs if j.id in set(row.problem.get("future", [])))
    result_days = (row.result or {}).get("days") or [row.problem["day"]]
    return DayPlan(
        dates=tuple(dt.date.fromisoformat(d) for d in result_days),
        day=dt.date.fromisoformat(row.problem["day"]),
        plan=plan,
        jobs=tuple(j for j in jobs if j not in future or j.id in planned),
        links=tuple(links),
        crews=tuple(crews),
        at_risk=(),
        repairs=tuple(chains),
        future=future,
    )


def _travel(session: Session, network_id: int | None, data_dir: Path) -> Any:
    if network_id is None:
        return None
    row = session.get(t.NetworkVersion, network_id)
    if row is None:
        return None
    path = data_dir / row.stored_path
    return _roads(str(path)) if path.suffix.lower() == ".gpkg" else None


@lru_cache(maxsize=2)
def _roads(path: str) -> Any:
    """The road model of a stored network, built once per worker process (the worker lives on
    between plans; network files never change)."""
    from routing.io import read_roads

    return read_roads(path)


def encode_problem(
    day: dt.date,
    jobs: list[Any],
    links: list[Any],
    crews: list[Any],
    chains: list[Any],
    **extra: Any,
) -> dict[str, Any]:
    """What to plan, as JSON (stored in the plan row, so a plan can be re-solved and audited)."""
    return {
        "day": day.isoformat(),
        "jobs": [j.to_dict() for j in jobs],
        "links": [lk.to_dict() for lk in links],
        "crews": [c.to_dict() for c in crews],
        "repairs": [
            {
                "ticket": c.ticket,
                "expected": [c.expected[0].isoformat(), c.expected[1].isoformat()],
            }
            for c in chains
        ],
        **extra,
    }


def decode_problem(problem: dict[str, Any]) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    from ops.dispatch import CrewShift
    from ops.jobs import JobLink, field_job_from_dict
    from ops.repairs import chain_from_jobs

    jobs = [field_job_from_dict(j) for j in problem["jobs"]]
    links = [JobLink.from_dict(lk) for lk in problem["links"]]
    crews = [CrewShift.from_dict(c) for c in problem["crews"]]
    chains = [
        chain_from_jobs(
            r["ticket"],
            jobs,
            (
                dt.datetime.fromisoformat(r["expected"][0]),
                dt.datetime.fromisoformat(r["expected"][1]),
            ),
        )
        for r in problem.get("repairs", [])
    ]
    return jobs, links, crews, chains
