"""Pressure management of a stored leakage analysis, as a background job (docs/leakage.md):
POST starts it (202) or answers the stored result of the same inputs (200), GET polls its
progress (DMAs done of the total) and gives the result when it is done.

A run is minutes on a city (1-7 EPANET days of the network per DMA, ``ops.leakage.pressure``):
it runs in one background thread of the server process, one run at a time, the others queued
(EPANET's solver releases the interpreter lock; the Python of a run takes it in turns with the
requests). The result is stored in the analysis row (``result.pressure_runs``, by inputs), so a
repeated request, or another server process, answers it without running again; the run of all
DMAs at the service's own service pressure is also the analysis's ``pressure_management``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.db import tables as t
from api.deps import NetworkId, Operator, Reader, SessionDep
from api.hydraulics import stored_model
from api.responses import json_response
from api.store import get_or_404
from gis.errors import NetworkError
from ops.errors import InvalidRequest, OpsError
from ops.leakage import analyse
from ops.leakage.errors import LeakageDataError
from ops.leakage.pressure import PrvSettings
from ops.leakage.report import pressure_of

log = logging.getLogger("waterops.leakage")

router = APIRouter(prefix="/api", tags=["leakage"])


class PressureIn(BaseModel):
    service_pressure_mpa: float | None = Field(
        strict=True,
        default=None,
        gt=0.05,
        le=1.0,
        description="the pressure the critical point must keep, MPa (default: the service's "
        "setting WATEROPS_SERVICE_PRESSURE_MPA, CJJ 207's 0.14)",
    )
    dmas: list[str] | None = Field(
        default=None, max_length=200, description="the DMAs to analyse (default: all)"
    )


@dataclass
class PressureJob:
    """One run: its inputs, where it is and, when done, its result."""

    id: str
    analysis_id: int
    inputs: dict[str, Any]
    state: str = "queued"  # queued, running, done, failed (and "none": never run)
    done: int = 0
    total: int = 0
    dma: str | None = None  # the last DMA done
    error: str | None = None
    result: dict[str, Any] | None = None
    queued_at: str = field(default_factory=lambda: _now())
    finished_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.id,
            "analysis": self.analysis_id,
            "inputs": self.inputs,
            "state": self.state,
            "progress": {"done": self.done, "total": self.total, "dma": self.dma},
            "error": self.error,
            "queued_at": self.queued_at,
            "finished_at": self.finished_at,
            "cached": False,
            **(self.result or {}),
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class PressureJobs:
    """The server process's pressure-management runs: one thread runs them one at a time; it
    ends when the queue is empty and the next request starts another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[tuple[int, str], PressureJob] = {}  # (analysis, inputs) → latest run
        self._queue: deque[tuple[PressureJob, Callable[[PressureJob], dict[str, Any]]]] = deque()
        self._thread: threading.Thread | None = None

    def find(self, analysis_id: int, inputs: dict[str, Any]) -> PressureJob | None:
        with self._lock:
            return self._jobs.get((analysis_id, _key(inputs)))

    def latest(self, analysis_id: int) -> PressureJob | None:
        with self._lock:
            jobs = [j for (a, _), j in self._jobs.items() if a == analysis_id]
        return max(jobs, key=lambda j: j.queued_at) if jobs else None

    def submit(
        self,
        analysis_id: int,
        inputs: dict[str, Any],
        run: Callable[[PressureJob], dict[str, Any]],
    ) -> PressureJob:
        """The run of these inputs queued or running already, else a new one queued."""
        with self._lock:
            key = (analysis_id, _key(inputs))
            found = self._jobs.get(key)
            if found is not None and found.state in ("queued", "running"):
                return found
            job = PressureJob(uuid.uuid4().hex[:12], analysis_id, inputs)
            self._jobs[key] = job
            self._queue.append((job, run))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="pressure-management", daemon=True
                )
                self._thread.start()
            return job

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                job, run = self._queue.popleft()
            job.state = "running"
            try:
                job.result = run(job)
                job.state = "done"
            except (OpsError, NetworkError, LeakageDataError) as exc:
                job.state, job.error = "failed", str(exc)
            except Exception as exc:  # a run must never take the worker down
                log.exception("pressure management of analysis %s failed", job.analysis_id)
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            job.finished_at = _now()


def _key(inputs: dict[str, Any]) -> str:
    return json.dumps(inputs, sort_keys=True)


def _jobs(request: Request) -> PressureJobs:
    state = request.app.state
    with _STATE_LOCK:
        jobs = getattr(state, "pressure_jobs", None)
        if jobs is None:
            jobs = state.pressure_jobs = PressureJobs()
    return jobs


_STATE_LOCK = threading.Lock()


def _inputs(body: PressureIn, network_dmas: list[str], default_mpa: float) -> dict[str, Any]:
    dmas = None
    if body.dmas is not None:
        unknown = sorted(set(body.dmas) - set(network_dmas))
        if unknown or not body.dmas:
            raise InvalidRequest(
                f"dmas: {', '.join(unknown) or 'none given'}: give DMAs of the analysis "
                f"({', '.join(network_dmas)}) or leave dmas out for all"
            )
        dmas = sorted(set(body.dmas))
    mpa = default_mpa if body.service_pressure_mpa is None else body.service_pressure_mpa
    return {"service_pressure_mpa": mpa, "dmas": dmas}


def _stored(row: t.LeakageAnalysis, inputs: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored run of ``inputs`` (None: the latest stored run) as a finished job."""
    runs = row.result.get("pressure_runs") or {}
    if inputs is None:
        if not runs:
            return None
        key = max(runs, key=lambda k: runs[k]["finished_at"])
        inputs = json.loads(key)
    found = runs.get(_key(inputs))
    if found is None:
        return None
    return {
        "job": None,
        "analysis": row.id,
        "inputs": inputs,
        "state": "done",
        "progress": {"done": found["dmas"], "total": found["dmas"], "dma": None},
        "error": None,
        "queued_at": None,
        "finished_at": found["finished_at"],
        "cached": True,
        "pressure_management": found["pressure_management"],
        "pressure_management_warnings": found["pressure_management_warnings"],
    }


def _runner(request: Request, analysis_id: int) -> Callable[[PressureJob], dict[str, Any]]:
    """What the worker runs for an analysis: the stored files analysed again for the real
    losses and night flows (seconds), then pressure management with the network's model."""
    state = request.app.state

    def run(job: PressureJob) -> dict[str, Any]:
        with state.reader_sessions() as session:
            row = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
            loaded = state.registry.get(session, row.network_id)
            folder = state.settings.data_dir.resolve() / row.folder
            outlet = float(row.settings.get("outlet_pressure_mpa", 0.32))
        report = analyse(folder, loaded.network, outlet_pressure_mpa=outlet)
        model = stored_model(state.registry, state.reader_engine, loaded)
        losses = {b.name: b.real_losses / b.days for b in report.balances if b.days > 0}
        dmas = job.inputs["dmas"]
        if dmas is not None:
            losses = {d: v for d, v in losses.items() if d in dmas}
        job.total = len(losses)

        def progress(done: int, total: int, dma: str) -> None:
            job.done, job.total, job.dma = done, total, dma

        study = pressure_of(
            Path(folder),
            loaded.network,
            model,
            losses,
            prv=PrvSettings(service_pressure_mpa=job.inputs["service_pressure_mpa"]),
            progress=progress,
            nightly=report.nightly,
        )
        result = {
            "pressure_management": [r.to_dict() for r in study.rows],
            "pressure_management_warnings": list(study.warnings),
        }
        _store(state, analysis_id, job.inputs, result, len(losses))
        return result

    return run


def _store(
    state: Any, analysis_id: int, inputs: dict[str, Any], result: dict[str, Any], dmas: int
) -> None:
    """The result kept in the analysis row by its inputs; the run of every DMA at the service's
    service pressure (its setting) is also the analysis's own pressure management."""
    with state.sessions() as session, session.begin():
        row = session.get(t.LeakageAnalysis, analysis_id)
        if row is None:  # deleted meanwhile
            return
        merged = dict(row.result)
        runs = dict(merged.get("pressure_runs") or {})
        runs[_key(inputs)] = {**result, "dmas": dmas, "finished_at": _now()}
        merged["pressure_runs"] = runs
        own = float(state.settings.service_pressure_mpa)
        if inputs["dmas"] is None and inputs["service_pressure_mpa"] == own:
            merged.update(result)
        row.result = merged


@router.post(
    "/leakage/analyses/{analysis_id}/pressure-management",
    status_code=202,
    summary="start pressure management of an analysis (PRVs by DMA, FAVAD): a background job",
    responses={200: {"description": "the stored result of the same inputs"}},
)
def start_pressure_management(
    analysis_id: NetworkId,
    request: Request,
    _: Operator,
    session: SessionDep,
    body: PressureIn | None = None,
) -> Response:
    body = body or PressureIn()
    row: t.LeakageAnalysis = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    default_mpa = float(request.app.state.settings.service_pressure_mpa)
    inputs = _inputs(body, sorted(d["name"] for d in row.result.get("dmas", [])), default_mpa)
    url = f"/api/leakage/analyses/{analysis_id}/pressure-management"
    stored = _stored(row, inputs)
    if stored is not None:
        return json_response(stored, 200)
    job = _jobs(request).submit(analysis_id, inputs, _runner(request, analysis_id))
    return json_response(job.to_dict(), 202, {"Location": url})


@router.get(
    "/leakage/analyses/{analysis_id}/pressure-management",
    summary="pressure management of an analysis: the job's progress, its result when done",
)
def get_pressure_management(
    analysis_id: NetworkId, request: Request, _: Reader, session: SessionDep
) -> Response:
    """The latest run of the analysis this server process started (its progress), else the
    latest stored one, else ``state: none``."""
    row: t.LeakageAnalysis = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    job = _jobs(request).latest(analysis_id)
    if job is not None:
        return json_response(job.to_dict())
    stored = _stored(row, None)
    if stored is None:  # an answer, not an error: the console asks before anything ran
        return json_response(
            {
                "job": None,
                "analysis": analysis_id,
                "inputs": None,
                "state": "none",
                "progress": {"done": 0, "total": 0, "dma": None},
                "error": None,
                "queued_at": None,
                "finished_at": None,
                "cached": False,
                "hint": "not run yet: POST to this address starts it",
            }
        )
    return json_response(stored)
