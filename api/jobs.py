"""The service's long hydraulic runs as background jobs kept in the database (``hydraulic_jobs``;
issue 17, docs/hydraulics.md): the whole network's hydraulic valve table (minutes on a city) and
a leakage analysis's pressure management.

A job is queued by a POST and run by one background thread of the server process, one job at a
time (EPANET releases the interpreter lock; the Python of a run takes turns with the requests).
Its progress (scenarios done of the total) is written to its row about once a second, so any
server process answers a GET; its result is kept in the row. The process running a job beats
its heart in the row every few seconds: a job queued or running whose process is gone (a
restart, a crash) reads ``interrupted`` and a POST of the same inputs starts it again. A stop
(DELETE) sets the row's flag; the worker checks it between scenarios and the job ends
``stopped``.

A kind that can be resumed (``submit(resume=True)``: the valve table, pressure management by
DMA) keeps the scenarios it
has done in ``hydraulic_job_rows``, written with its progress (so at most a second's work is
lost to a crash). The job of the same inputs submitted after a stopped or interrupted one takes
those rows over (``resumed_from``, ``resumed``) and its run finds them in
:attr:`Progress.scored`, to run only the rest. The rows go when the job is done or fails."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from api.db import tables as t
from gis.errors import NetworkError
from ops.errors import OpsError
from ops.leakage.errors import LeakageDataError

log = logging.getLogger("waterops.jobs")

HOST = socket.gethostname()
HEARTBEAT_S = 5.0  # the running process's sign of life in its jobs' rows
STALE_S = 60.0  # no sign of life for this long: the job's process is gone (another host's too)
PROGRESS_S = 1.0  # progress written at most this often

ACTIVE = ("queued", "running")
ENDED = ("done", "failed", "stopped", "interrupted")

RESUMABLE = ("stopped", "interrupted")  # a failure starts again: it may come from the inputs


class JobStopped(Exception):
    """Raised by a job's progress callback when a stop was asked: the run ends there."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)  # real time: heartbeats are not on the demo clock


def inputs_key(inputs: dict[str, Any]) -> str:
    return json.dumps(inputs, sort_keys=True)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def job_dict(row: t.HydraulicJob) -> dict[str, Any]:
    """A job as the API gives it (its result's keys beside, when done)."""
    return {
        "job": row.id,
        "kind": row.kind,
        "inputs": row.inputs,
        "state": row.state,
        "progress": {"done": row.done, "total": row.total, "current": row.current},
        "error": row.error,
        "created_by": row.created_by,
        "queued_at": _iso(row.queued_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "stop_requested": row.stop_requested,
        "resumed": (
            None if row.resumed_from is None else {"from": row.resumed_from, "done": row.resumed}
        ),
        "result": row.result,
    }


@dataclass
class _Mine:
    """A job of this process: its run and its stop flag."""

    id: str
    run: Run
    stop: threading.Event = field(default_factory=threading.Event)
    written: float = 0.0


class Progress:
    """What a job's run reports to: ``progress(done, total, current)`` after each scenario
    (written to the row about once a second; raises :class:`JobStopped` when a stop was
    asked), :meth:`keep` for the rows of the scenarios done (written with the progress), and
    :attr:`scored`, the rows the job took over from the one it resumes."""

    def __init__(self, jobs: HydraulicJobs, mine: _Mine, scored: dict[str, Any]) -> None:
        self._jobs = jobs
        self._mine = mine
        self.scored = scored
        self._pending: dict[str, Any] = {}
        self._kept = set(scored)

    def keep(self, rows: dict[str, Any]) -> None:
        """Rows of scenarios done (scenario id → JSON), stored with the next progress."""
        self._pending.update({k: v for k, v in rows.items() if k not in self._kept})

    def __call__(self, done: int, total: int, current: str | None = None) -> None:
        mine = self._mine
        stopping = mine.stop.is_set()
        now = time.monotonic()
        if stopping or now - mine.written >= PROGRESS_S or done >= total:
            mine.written = now
            rows, self._pending = self._pending, {}
            self._jobs._write(
                mine.id,
                rows,
                done=done,
                total=total,
                current=None if current is None else str(current)[:200],
                heartbeat_at=_now(),
            )
            self._kept.update(rows)
        if stopping:  # after writing how far it got: a stopped job shows what it had done
            raise JobStopped


Run = Callable[[Progress], dict[str, Any]]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class HydraulicJobs:
    """The background hydraulic jobs of this server process, rows in ``hydraulic_jobs``."""

    def __init__(self, sessions: Any, reader_sessions: Any) -> None:
        self._sessions = sessions
        self._reader = reader_sessions
        self.owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()
        self._queue: deque[_Mine] = deque()
        self._mine: dict[str, _Mine] = {}
        self._thread: threading.Thread | None = None
        self._beat: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------------

    def latest(
        self, kind: str, subject: int, inputs: dict[str, Any] | None = None
    ) -> t.HydraulicJob | None:
        """The newest job of ``kind`` on ``subject`` (of these inputs), interrupted first if
        its process is gone."""
        self.reap()
        query = select(t.HydraulicJob).where(
            t.HydraulicJob.kind == kind, t.HydraulicJob.subject == subject
        )
        if inputs is not None:
            query = query.where(t.HydraulicJob.inputs_key == inputs_key(inputs))
        with self._reader() as session:
            row: t.HydraulicJob | None = session.scalars(
                query.order_by(t.HydraulicJob.queued_at.desc(), t.HydraulicJob.id).limit(1)
            ).first()
            if row is not None:
                session.expunge(row)
        return row

    def reap(self) -> int:
        """Mark interrupted the jobs queued or running whose process is gone: on this host
        when its pid is not alive (or is this process under another token), anywhere when its
        heartbeat is older than :data:`STALE_S`."""
        with self._reader() as session:
            rows = session.execute(
                select(t.HydraulicJob.id, t.HydraulicJob.owner, t.HydraulicJob.heartbeat_at).where(
                    t.HydraulicJob.state.in_(ACTIVE)
                )
            ).all()
        gone = []
        now = _now()
        for job_id, owner, beat in rows:
            if owner == self.owner:
                continue
            host, _, rest = owner.partition(":")
            pid = int(rest.partition(":")[0] or 0)
            dead_here = host == HOST and (pid == os.getpid() or not _alive(pid))
            if dead_here or (now - beat).total_seconds() > STALE_S:
                gone.append(job_id)
        if gone:
            with self._sessions() as session, session.begin():
                session.execute(
                    update(t.HydraulicJob)
                    .where(t.HydraulicJob.id.in_(gone), t.HydraulicJob.state.in_(ACTIVE))
                    .values(
                        state="interrupted",
                        error="the server stopped while it ran: POST again to restart it",
                        finished_at=now,
                    )
                )
            log.warning("hydraulic jobs %s lost their process: interrupted", ", ".join(gone))
        return len(gone)

    # -- starting and stopping ---------------------------------------------------------------

    def submit(
        self,
        kind: str,
        subject: int,
        inputs: dict[str, Any],
        run: Run,
        by: str,
        *,
        resume: bool = False,
    ) -> tuple[t.HydraulicJob, bool]:
        """The job of these inputs queued, running or done already (False), else a new one
        queued (True); one that failed, was stopped or interrupted is started again. With
        ``resume``, a new job after a stopped or interrupted one takes over the rows of the
        scenarios that one had done (its run finds them in ``Progress.scored``)."""
        with self._lock:
            found = self.latest(kind, subject, inputs)
            if found is not None and found.state in ("queued", "running", "done"):
                return found, False
            resumes = found if resume and found is not None and found.state in RESUMABLE else None
            now = _now()
            row = t.HydraulicJob(
                id=uuid.uuid4().hex[:16],
                kind=kind,
                subject=subject,
                inputs_key=inputs_key(inputs),
                inputs=inputs,
                state="queued",
                done=0,
                total=0,
                stop_requested=False,
                owner=self.owner,
                created_by=by,
                queued_at=now,
                heartbeat_at=now,
            )
            with self._sessions() as session, session.begin():
                session.add(row)
                if resumes is not None:
                    taken = session.scalar(
                        select(func.count()).where(t.HydraulicJobRow.job_id == resumes.id)
                    )
                    row.resumed_from, row.resumed = resumes.id, int(taken or 0)
                    row.done, row.total = row.resumed, resumes.total
                session.flush()
                if resumes is not None:  # moved, not copied: one job holds a scenario's row
                    session.execute(
                        update(t.HydraulicJobRow)
                        .where(t.HydraulicJobRow.job_id == resumes.id)
                        .values(job_id=row.id)
                    )
                session.expunge(row)
            mine = _Mine(row.id, run)
            self._mine[row.id] = mine
            self._queue.append(mine)
            self._start_threads()
        return row, True

    def stop(self, job_id: str) -> None:
        """Ask a queued or running job to stop: a queued one of this process ends at once,
        a running one at its next scenario (its own process reads the flag). The flag of a job
        of this process is raised before the row is written, so a run that reaches its next
        scenario meanwhile already stops there."""
        with self._lock:
            mine = self._mine.get(job_id)
            if mine is not None:
                mine.stop.set()
        with self._sessions() as session, session.begin():
            session.execute(
                update(t.HydraulicJob)
                .where(t.HydraulicJob.id == job_id, t.HydraulicJob.state.in_(ACTIVE))
                .values(stop_requested=True)
            )
        with self._lock:
            mine = self._mine.get(job_id)
            if mine is None:
                return
            if mine in self._queue:
                self._queue.remove(mine)
                self._mine.pop(job_id, None)
                self._write(job_id, state="stopped", finished_at=_now(), error="stopped")

    def _start_threads(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="hydraulic-jobs", daemon=True)
            self._thread.start()
        if self._beat is None or not self._beat.is_alive():
            self._beat = threading.Thread(target=self._heartbeat, name="job-beat", daemon=True)
            self._beat.start()

    # -- the worker ------------------------------------------------------------------------

    def _write(self, job_id: str, rows: dict[str, Any] | None = None, **values: Any) -> None:
        """The job's row updated, with the rows of scenarios done in the same transaction
        (the progress never counts a scenario whose row is not stored)."""
        with self._sessions() as session, session.begin():
            if rows:
                session.execute(
                    insert(t.HydraulicJobRow),
                    [{"job_id": job_id, "key": k, "row": v} for k, v in rows.items()],
                )
            session.execute(
                update(t.HydraulicJob).where(t.HydraulicJob.id == job_id).values(**values)
            )
            if values.get("state") in ("done", "failed"):  # nothing left to resume
                session.execute(delete(t.HydraulicJobRow).where(t.HydraulicJobRow.job_id == job_id))

    def _scored(self, job_id: str) -> dict[str, Any]:
        with self._reader() as session:
            found = session.execute(
                select(t.HydraulicJobRow.key, t.HydraulicJobRow.row).where(
                    t.HydraulicJobRow.job_id == job_id
                )
            ).all()
        return {key: row for key, row in found}

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                mine = self._queue.popleft()
            if mine.stop.is_set():
                self._write(mine.id, state="stopped", error="stopped", finished_at=_now())
                with self._lock:
                    self._mine.pop(mine.id, None)
                continue
            self._write(mine.id, state="running", started_at=_now(), heartbeat_at=_now())
            values: dict[str, Any]
            try:
                result = mine.run(Progress(self, mine, self._scored(mine.id)))
                values = {"state": "done", "result": result}
            except JobStopped:
                values = {"state": "stopped", "error": "stopped"}
            except (OpsError, NetworkError, LeakageDataError) as exc:
                values = {"state": "failed", "error": str(exc)}
            except Exception as exc:  # a run must never take the worker down
                log.exception("hydraulic job %s failed", mine.id)
                values = {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
            try:
                self._write(mine.id, finished_at=_now(), **values)
            except Exception:
                log.exception("hydraulic job %s: its end could not be stored", mine.id)
            with self._lock:
                self._mine.pop(mine.id, None)

    def _heartbeat(self) -> None:
        """While this process has jobs: their rows' heartbeat, and the stop flags another
        server process set."""
        while True:
            time.sleep(HEARTBEAT_S)
            with self._lock:
                ids = list(self._mine)
                if not ids:
                    self._beat = None
                    return
            try:
                with self._sessions() as session, session.begin():
                    session.execute(
                        update(t.HydraulicJob)
                        .where(t.HydraulicJob.id.in_(ids))
                        .values(heartbeat_at=_now())
                    )
                    stops = set(
                        session.scalars(
                            select(t.HydraulicJob.id).where(
                                t.HydraulicJob.id.in_(ids), t.HydraulicJob.stop_requested
                            )
                        )
                    )
            except Exception:
                log.exception("hydraulic jobs: heartbeat not stored")
                continue
            with self._lock:
                for job_id in stops:
                    if job_id in self._mine:
                        self._mine[job_id].stop.set()


_STATE_LOCK = threading.Lock()


def jobs_of(state: Any) -> HydraulicJobs:
    """The app's job runner, made on first use."""
    with _STATE_LOCK:
        jobs: HydraulicJobs | None = getattr(state, "hydraulic_jobs", None)
        if jobs is None:
            jobs = state.hydraulic_jobs = HydraulicJobs(state.sessions, state.reader_sessions)
    return jobs
