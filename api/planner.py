"""Solving plans in the background, in separate worker processes.

OR-Tools holds the interpreter lock for the whole search, so a solve in a thread would freeze
the service; it runs in worker processes instead. The request stores what to plan (the jobs,
links, crews and repair chains of the day, as JSON) in a ``plans`` row with status ``queued``
and returns 202. The plans table is the queue: a worker claims the next plan with a
compare-and-set (``queued`` to ``solving``, with a fresh attempt token in ``progress``), solves
it with :func:`ops.dispatch.plan_day` (or :func:`replan_emergency` from a published plan),
writes its progress twice a second, checks for a stop request at every solution, and stores the
result. Every write of an attempt is conditional on the row still being ``solving`` with that
attempt's token: an attempt that lost its plan (marked failed after a restart) stores nothing.

A worker dies with the server process that started it (``PR_SET_PDEATHSIG`` on Linux, and a
thread that watches the parent elsewhere). While it solves, it holds an ``flock`` on a file
named after its attempt: a plan ``solving`` whose lock nobody holds has lost its worker, and is
marked failed (at start-up and by any idle worker on the same host).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import uuid
from dataclasses import replace
from functools import lru_cache
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Semaphore
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import tables as t
from api.db.session import make_engine, session_factory
from ops.calendar import calendar_from_config
from ops.dispatch import DayPlan, plan_day, replan_emergency
from ops.plans import (
    Attempt,
    PlanRequest,
    WorkerChange,
    abandoned,
    attempt_of,
    claim,
    claim_order,
    decode_problem,
    failed,
    owns,
    published_day_plan,
    solved,
)
from ops.steering import Steering
from ops.workflow import PlanStatus
from routing import ProgressCallback, RoadNetwork
from routing.io import plan_from_state, plan_to_state, read_roads

log = logging.getLogger("waterops.planner")

HOST = socket.gethostname()


class Planner:
    """Planner worker processes of one server process, started on the first plan.

    A supervisor thread starts ``workers`` processes and replaces one that dies (its plan is
    then marked failed by the others). The processes are children of that thread, which lives
    as long as the planner: the parent-death signal is tied to the thread that forked.
    """

    def __init__(self, database_url: str, data_dir: Path, workers: int = 2) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._wake: Semaphore | None = None
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._processes: list[SpawnProcess] = []
        self._lock = threading.Lock()

    def submit(self, plan_id: int) -> None:
        """A plan was queued (or will be when the request commits): wake a worker."""
        self.start()
        assert self._wake is not None, "the planner was shut down before it started"
        self._wake.release()

    def start(self) -> None:
        with self._lock:
            if self._supervisor is not None or self._stopping.is_set():
                return
            self._wake = self._context.Semaphore(0)
            self._supervisor = threading.Thread(
                target=self._supervise, name="planner-supervisor", daemon=True
            )
            self._supervisor.start()

    def _spawn(self) -> SpawnProcess:
        process = self._context.Process(
            target=work,
            args=(self.database_url, str(self.data_dir), self._wake, os.getpid()),
            name="waterops-planner",
            daemon=True,
        )
        process.start()
        return process

    def _supervise(self) -> None:
        try:
            self._processes = [self._spawn() for _ in range(self.workers)]
            while not self._stopping.is_set():
                wait([p.sentinel for p in self._processes], timeout=1.0)
                for k, process in enumerate(self._processes):
                    if process.is_alive() or self._stopping.is_set():
                        continue
                    log.error(
                        "planner worker %s ended (%s): starting another",
                        process.pid,
                        process.exitcode,
                    )
                    time.sleep(1.0)  # a worker that cannot start must not spin
                    self._processes[k] = self._spawn()
        except Exception:
            log.exception("the planner supervisor failed: plans stay queued")
        finally:
            for process in self._processes:
                if process.is_alive():
                    process.kill()
            for process in self._processes:
                process.join(timeout=5)

    def shutdown(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=10)
            self._supervisor = None


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (the server) ends, even by ``kill -9``."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:  # elsewhere, and as a second line: re-parented means orphaned
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def work(database_url: str, data_dir: str, wake: Semaphore, parent_pid: int) -> None:
    """A worker's life: claim the next queued plan, solve it, again; reap abandoned plans."""
    die_with_parent(parent_pid)
    logging.basicConfig(level=logging.INFO)
    engine = make_engine(database_url)
    reader = make_engine(database_url, writer=False)
    locks = Path(data_dir) / "planner"
    locks.mkdir(parents=True, exist_ok=True)
    last_reap = 0.0
    while True:
        try:
            if time.monotonic() - last_reap > 5.0:
                reap_abandoned(engine, locks, reader)
                last_reap = time.monotonic()
            claimed = claim_next(engine, reader, locks)
        except Exception:  # the database is away for a moment: try again
            log.exception("planner could not claim a plan")
            claimed = None
            time.sleep(2.0)
        if claimed is None:
            wake.acquire(timeout=2.0)
            continue
        plan_id, attempt, lock = claimed
        try:
            run_plan(plan_id, attempt, engine, reader, Path(data_dir))
        finally:
            release(lock, locks / f"{attempt}.lock")


def _owned(attempt: str) -> ColumnElement[bool]:
    """The condition that the plan is still being solved by ``attempt``."""
    owned: ColumnElement[bool] = (t.Plan.status == PlanStatus.SOLVING) & (
        t.Plan.progress["attempt"].as_string() == attempt
    )
    return owned


def claim_next(engine: Engine, reader: Engine, locks: Path) -> tuple[int, str, int] | None:
    """Claim the next plan to solve: emergency re-plans first, then plans of users with no
    plan solving, oldest first (a user's second plan waits while their first solves, so one
    user's long plans cannot take every worker). Returns (plan id, attempt, lock fd)."""
    with reader.connect() as c:
        queued = c.execute(
            select(t.Plan.id, t.Plan.created_by, t.Plan.parent_id)
            .where(t.Plan.status == PlanStatus.QUEUED)
            .order_by(t.Plan.id)
            .limit(500)
        ).all()
        if not queued:
            return None
        solving = dict(
            c.execute(
                select(t.Plan.created_by, func.count())
                .where(t.Plan.status == PlanStatus.SOLVING)
                .group_by(t.Plan.created_by)
            ).all()
        )
    candidates = claim_order(queued, solving)
    if not candidates:
        return None
    attempt = Attempt(uuid.uuid4().hex, HOST, os.getpid())
    lock = hold(locks / f"{attempt.token}.lock")  # held before the claim: never solving unlocked
    for plan_id in candidates:
        with engine.begin() as c:
            seconds = c.scalar(select(t.Plan.seconds).where(t.Plan.id == plan_id))
            change = claim(seconds, attempt)
            done = c.execute(
                update(t.Plan)
                .where(t.Plan.id == plan_id, t.Plan.status == PlanStatus.QUEUED)
                .values(status=change.status, version=t.Plan.version + 1, progress=change.progress)
            )
        if done.rowcount == 1:
            return plan_id, attempt.token, lock
    release(lock, locks / f"{attempt.token}.lock")
    return None


def hold(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def release(fd: int, path: Path) -> None:
    path.unlink(missing_ok=True)
    os.close(fd)


def reap_abandoned(engine: Engine, locks: Path, reader: Engine | None = None) -> list[int]:
    """Mark failed the plans ``solving`` on this host whose worker is gone (nobody holds the
    attempt's lock). Plans of other hosts are theirs to judge. Returns the plans marked."""
    with (reader or engine).connect() as c:  # a read: on SQLite, not under the write lock
        rows = c.execute(
            select(t.Plan.id, t.Plan.progress).where(t.Plan.status == PlanStatus.SOLVING)
        ).all()
    reaped = []
    change = abandoned()
    for plan_id, progress in rows:
        worker = attempt_of(progress)
        if worker is not None and worker.host != HOST:
            continue
        attempt = None if worker is None else worker.token
        if attempt is not None:
            path = locks / f"{attempt}.lock"
            if path.exists():
                fd = os.open(path, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its worker is alive and solving
                finally:
                    os.close(fd)
            condition = _owned(attempt)
        else:  # solving before attempts existed
            condition = t.Plan.status == PlanStatus.SOLVING
        with engine.begin() as c:
            done = c.execute(
                update(t.Plan)
                .where(t.Plan.id == plan_id, condition)
                .values(status=change.status, error=change.error, version=t.Plan.version + 1)
            )
        if done.rowcount == 1:
            log.warning("plan %s lost its worker: marked failed", plan_id)
            reaped.append(plan_id)
        if attempt is not None:
            (locks / f"{attempt}.lock").unlink(missing_ok=True)
    return reaped


def run_plan(plan_id: int, attempt: str, engine: Engine, reader: Engine, data_dir: Path) -> None:
    """Solve plan ``plan_id`` as ``attempt`` (in a worker process). Every write is conditional
    on the attempt still owning the plan."""
    sessions = session_factory(engine)
    reads = session_factory(reader)
    try:
        with reads() as session:
            row = session.get(t.Plan, plan_id)
            assert row is not None
            problem = dict(row.problem)
            parent_id = row.parent_id
            seconds = row.seconds
        attempt_value = Attempt(attempt, HOST, os.getpid())
        last_check = [0.0]
        stop = [False]
        lost = [False]

        def on_progress(progress: dict[str, Any]) -> bool:
            now = time.perf_counter()
            if now - last_check[0] >= 0.5:
                last_check[0] = now
                with engine.begin() as c:
                    done = c.execute(
                        update(t.Plan)
                        .where(t.Plan.id == plan_id, _owned(attempt))
                        .values(progress=attempt_value.progress(seconds, progress))
                    )
                    lost[0] = done.rowcount != 1
                    stop[0] = lost[0] or bool(
                        c.scalar(select(t.Plan.stop_requested).where(t.Plan.id == plan_id))
                    )
            return stop[0]

        day_plan = _solve(reads, problem, parent_id, seconds, data_dir, on_progress)
        result = day_plan.to_dict()
        with sessions() as session, session.begin():
            row = session.get(t.Plan, plan_id, with_for_update=True, populate_existing=True)
            if row is None or not _owns(row, attempt):
                log.warning("plan %s is no longer this attempt's: its result is dropped", plan_id)
                return
            row.result = result
            row.state = plan_to_state(day_plan.plan)
            _store(row, solved(row.progress, day_plan.plan.solve_seconds, stopped=stop[0]))
    except Exception as exc:  # the row says what went wrong; the service stays up
        log.exception("plan %s failed", plan_id)
        with sessions() as session, session.begin():
            row = session.get(t.Plan, plan_id, with_for_update=True, populate_existing=True)
            if row is not None and _owns(row, attempt):
                _store(row, failed(exc))


def _owns(row: t.Plan, attempt: str) -> bool:
    return owns(row.status, row.progress, attempt)


def _store(row: t.Plan, change: WorkerChange) -> None:
    """Give the plan ``row`` the status a worker decided (:mod:`ops.plans`)."""
    row.status = change.status
    row.error = change.error
    if change.progress is not None:
        row.progress = change.progress


def _solve(
    reads: sessionmaker[Session],
    problem: dict[str, Any],
    parent_id: int | None,
    seconds: float,
    data_dir: Path,
    on_progress: ProgressCallback,
) -> DayPlan:
    day = dt.date.fromisoformat(problem["day"])
    jobs, links, crews, chains = decode_problem(problem)
    request = PlanRequest.from_dict(problem)
    calendar = calendar_from_config(request.calendar)
    steering = Steering.from_dict(problem.get("steering"))  # what dispatchers fixed
    with reads() as session:  # a short read: the solve must not hold a transaction open
        travel = _travel(session, request.network_id, data_dir)
        parent = session.get(t.Plan, parent_id) if parent_id is not None else None
        # a re-solve starts from the plan steered, and changes it only where that is better
        steered = problem.get("steered_from")
        source = session.get(t.Plan, int(steered)) if steered is not None else None
        previous = plan_from_state(source.state) if source and source.state else None
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
            overtime=request.overtime,
            now=request.moment,
            on_progress=on_progress,
            days=request.days,
            steering=steering,
            previous=previous,
        )
    assert parent.state is not None and request.moment is not None
    # the crews on duty now, not those of the plan re-planned (a crew may have come or gone)
    current = replace(
        published_day_plan(parent.problem, parent.state, parent.result), crews=tuple(crews)
    )
    new_ids = set(request.new_jobs)
    positions = {k: (float(v[0]), float(v[1])) for k, v in request.positions.items()}
    return replan_emergency(
        current,
        request.moment,
        [j for j in jobs if j.id in new_ids],
        [lk for lk in links if lk.after in new_ids or lk.before in new_ids],
        new_repairs=[c for c in chains if c.ticket not in {r.ticket for r in current.repairs}],
        positions=positions,
        calendar=calendar,
        travel=travel,
        seconds=seconds,
        on_progress=on_progress,
        overtime=request.overtime,
        steering=steering,
        progress=request.progress,  # what the crews reported (the field app)
    )


def _travel(session: Session, network_id: int | None, data_dir: Path) -> RoadNetwork | None:
    if network_id is None:
        return None
    row = session.get(t.NetworkVersion, network_id)
    if row is None:
        return None
    path = data_dir / row.stored_path
    return _roads(str(path)) if path.suffix.lower() == ".gpkg" else None


@lru_cache(maxsize=2)
def _roads(path: str) -> RoadNetwork | None:
    """The road model of a stored network, built once per worker process (the worker lives on
    between plans; network files never change)."""
    return read_roads(path)
