"""Pressure management of a stored leakage analysis, as a background job (docs/leakage.md):
POST starts it (202) or answers the stored result of the same inputs (200), GET polls its
progress (DMAs done of the total) and gives the result when it is done, DELETE stops it.

A run is minutes on a city (1-7 EPANET days of the network per DMA, ``ops.leakage.pressure``):
a job of ``api.jobs`` (a row of ``hydraulic_jobs``, run by one background thread of a server
process, kept across restarts: a run the restart cut off reads ``interrupted`` and a POST starts
it again; a stop is checked between DMAs). The result is also stored in the analysis row
(``result.pressure_runs``, by inputs), so a repeated request answers it without running again;
the run of all DMAs at the service's own service pressure is also the analysis's
``pressure_management``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.db import tables as t
from api.deps import NetworkId, Operator, Reader, SessionDep
from api.hydraulics import stored_model
from api.jobs import Progress, Run, inputs_key, job_dict, jobs_of
from api.responses import json_response
from api.store import get_or_404
from ops.errors import InvalidRequest, NotFound
from ops.leakage import analyse
from ops.leakage.pressure import PrvSettings, outcome_from_row, outcome_row, warning_codes
from ops.leakage.report import pressure_losses, pressure_of

log = logging.getLogger("waterops.leakage")

router = APIRouter(prefix="/api", tags=["leakage"])

KIND = "pressure_management"  # its kind in hydraulic_jobs


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _key(inputs: dict[str, Any]) -> str:
    return inputs_key(inputs)


def _answer(row: t.HydraulicJob) -> dict[str, Any]:
    """A pressure-management job as the API gives it: the progress names the last DMA done."""
    job = job_dict(row)
    progress = job.pop("progress")
    result = job.pop("result") or {}
    return {
        **job,
        "analysis": row.subject,
        "progress": {
            "done": progress["done"],
            "total": progress["total"],
            "dma": progress["current"],
        },
        "cached": False,
        **result,
    }


def _inputs(body: PressureIn, network_dmas: list[str], default_mpa: float) -> dict[str, Any]:
    dmas = None
    if body.dmas is not None:
        unknown = sorted(set(body.dmas) - set(network_dmas))
        if unknown or not body.dmas:
            raise InvalidRequest(
                f"dmas: {', '.join(unknown) or 'none given'}: give DMAs of the analysis "
                f"({', '.join(network_dmas)}) or leave dmas out for all",
                code="leak_dmas_unknown",
                dmas=unknown,
                known=network_dmas,
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
        "pressure_management_warning_codes": found.get("pressure_management_warning_codes"),
    }


def _runner(request: Request, analysis_id: int, inputs: dict[str, Any]) -> Run:
    """What the worker runs for an analysis: the stored files analysed again for the real
    losses and night flows (seconds), then pressure management with the network's model."""
    state = request.app.state

    def run(progress: Progress) -> dict[str, Any]:
        with state.reader_sessions() as session:
            row = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
            loaded = state.registry.get(session, row.network_id)
            folder = state.settings.data_dir.resolve() / row.folder
            outlet = float(row.settings.get("outlet_pressure_mpa", 0.32))
        report = analyse(folder, loaded.network, outlet_pressure_mpa=outlet)
        model = stored_model(state.registry, state.reader_engine, loaded)
        losses = pressure_losses(report.levels)  # the ranking's: one source for both tables
        dmas = inputs["dmas"]
        if dmas is not None:
            losses = {d: v for d, v in losses.items() if d in dmas}
        progress(len(progress.scored), len(losses), None)
        study = pressure_of(
            Path(folder),
            loaded.network,
            model,
            losses,
            prv=PrvSettings(service_pressure_mpa=inputs["service_pressure_mpa"]),
            progress=progress,
            nightly=report.nightly,
            # resumed: the DMAs the stopped job had done, kept lossless as each is found
            done={d: outcome_from_row(row) for d, row in progress.scored.items()},
            on_dma=lambda d, found: progress.keep({d: outcome_row(found)}),
        )
        result = {
            "pressure_management": [r.to_dict() for r in study.rows],
            "pressure_management_warnings": list(study.warnings),
            "pressure_management_warning_codes": warning_codes(study.warning_codes),
        }
        _store(state, analysis_id, inputs, result, len(losses))
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
    user: Operator,
    body: PressureIn | None = None,
) -> Response:
    """No request transaction: the job's row is written by api.jobs in its own."""
    body = body or PressureIn()
    with request.app.state.reader_sessions() as session:
        row: t.LeakageAnalysis = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    default_mpa = float(request.app.state.settings.service_pressure_mpa)
    inputs = _inputs(body, sorted(d["name"] for d in row.result.get("dmas", [])), default_mpa)
    url = f"/api/leakage/analyses/{analysis_id}/pressure-management"
    stored = _stored(row, inputs)
    if stored is not None:
        return json_response(stored, 200)
    jobs = jobs_of(request.app.state)
    job, _new = jobs.submit(
        KIND,
        analysis_id,
        inputs,
        _runner(request, analysis_id, inputs),
        user.username,
        resume=True,  # a stopped or interrupted run keeps the DMAs it had done
    )
    return json_response(_answer(job), 200 if job.state == "done" else 202, {"Location": url})


@router.get(
    "/leakage/analyses/{analysis_id}/pressure-management",
    summary="pressure management of an analysis: the job's progress, its result when done",
)
def get_pressure_management(
    analysis_id: NetworkId, request: Request, _: Reader, session: SessionDep
) -> Response:
    """The latest job of the analysis (its progress; its result when done; ``interrupted`` if
    a restart cut it off), else the latest run stored in the analysis, else ``state: none``."""
    row: t.LeakageAnalysis = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    job = jobs_of(request.app.state).latest(KIND, analysis_id)
    if job is not None:
        return json_response(_answer(job))
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


@router.delete(
    "/leakage/analyses/{analysis_id}/pressure-management",
    summary="stop the analysis's running pressure management (at its next DMA)",
)
def stop_pressure_management(analysis_id: NetworkId, request: Request, _: Operator) -> Response:
    """The job with its stop asked (``stop_requested``); it ends ``stopped`` after the DMA it
    is on. A job not queued or running is answered as it is."""
    with request.app.state.reader_sessions() as session:
        get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    jobs = jobs_of(request.app.state)
    job = jobs.latest(KIND, analysis_id)
    if job is None:
        raise NotFound(
            f"analysis {analysis_id} has no pressure-management job",
            code="no_job_yet",
            job_kind="pressure_management",
            key=str(analysis_id),
        )
    jobs.stop(job.id)
    return json_response(_answer(jobs.latest(KIND, analysis_id) or job))
