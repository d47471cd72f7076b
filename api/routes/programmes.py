"""Leakage analyses (DMA meter data in, balance, ranking and bursts out, leak-survey jobs) and
the valve-exercise programme (what is due, results from the field, what the programme buys)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import tables as t
from api.deps import Dispatcher, NetworkId, Operator, OptionalId, Reader, SessionDep
from api.hydraulics import stored_model
from api.jobs import Progress, Run, job_dict, jobs_of
from api.registry import LoadedNetwork
from api.responses import json_response, save_upload
from api.store import (
    add_jobs,
    get_or_404,
    local,
    now_local,
    record_valve_status,
    store_job_change,
)
from gis.hydraulic_model import default_hour
from gis.hydraulics import (
    PressureSettings,
    ValveHydraulics,
    engine_for,
    hydraulic_valve_criticality,
)
from ops.errors import Conflict, NotFound
from ops.jobs import JobKind
from ops.leakage import DmaLeakage, analyse, survey_jobs
from ops.valves import (
    ExerciseResult,
    ProgrammeSettings,
    exercise_programme,
    next_exercises,
    programme_effect,
)
from ops.valves import record_exercise as exercise_result
from ops.workflow import CLOSED, JobState, JobStatus

router = APIRouter(prefix="/api", tags=["leakage", "valves"])


# -- leakage -----------------------------------------------------------------------------------


def _summary(row: t.LeakageAnalysis) -> dict[str, Any]:
    r = row.result
    return {
        "id": row.id,
        "network": row.network_id,
        "period": r["period"],
        "non_revenue_pct": r["system"]["non_revenue_pct"],
        "cjj92_rate_pct": r["cjj92"]["rate_pct"],
        "ili": r["ili"]["ili"],
        "bursts": len(r["bursts"]),
        "outreach": len(r["outreach"]),
        "created_by": row.created_by,
        "created_at": local(row.created_at).isoformat(timespec="seconds"),
    }


@router.post(
    "/leakage/analyses", status_code=201, summary="analyse DMA meter data (CSV files, see docs)"
)
def create_analysis(
    request: Request,
    user: Operator,
    session: SessionDep,
    meters: Annotated[UploadFile, File(description="meters.csv: meter, dma, from_dma")],
    flows: Annotated[UploadFile, File(description="flows.csv: time, meter, flow_m3h")],
    billing: Annotated[UploadFile, File(description="billing.csv: dma, start, end, volumes")],
    pressure: Annotated[UploadFile | None, File(description="pressure.csv")] = None,
    usage: Annotated[UploadFile | None, File(description="usage.csv (outreach list)")] = None,
    plant_output: Annotated[
        UploadFile | None,
        File(description="plant_output.csv: date, plant, volume_m3 (CJJ 92's supply Q_s)"),
    ] = None,
    outlet_pressure_mpa: Annotated[float, Form(gt=0, le=2)] = 0.32,
    network_id: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    settings = request.app.state.settings
    registry = request.app.state.registry
    # the network is read, the files saved and analysed before the write transaction begins
    # (on SQLite it holds the one write lock: an analysis takes a second or more)
    with request.app.state.reader_sessions() as reads:
        network_id = network_id or registry.latest_id(reads)
        loaded = registry.get(reads, network_id)
    data_dir = settings.data_dir.resolve()
    folder = data_dir / "leakage" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    files = {"meters": meters, "flows": flows, "billing": billing, "pressure": pressure}
    files["usage"] = usage
    files["plant_output"] = plant_output  # else Q_s is the DMAs' inflow (a warning says so)
    try:
        for name, upload in files.items():
            if upload is not None:
                save_upload(upload, folder / f"{name}.csv", settings.max_upload_bytes)
        report = analyse(folder, loaded.network, outlet_pressure_mpa=outlet_pressure_mpa)
    except BaseException:
        # refused (the readers' LeakageDataError, mapped to 422 with the others in api/app.py;
        # an upload too large) or failed: keep nothing of it
        shutil.rmtree(folder, ignore_errors=True)
        raise
    result = report.to_dict()
    row = t.LeakageAnalysis(
        network_id=network_id,
        folder=str(folder.relative_to(data_dir)),
        settings={"outlet_pressure_mpa": outlet_pressure_mpa},
        result=result,
        created_by=user.username,
    )
    session.add(row)
    session.flush()  # the session's first statement: the write is the whole transaction
    return json_response(
        {"id": row.id, **result}, 201, {"Location": f"/api/leakage/analyses/{row.id}"}
    )


@router.get("/leakage/analyses", summary="leakage analyses, newest first")
def list_analyses(
    _: Reader, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> Response:
    rows = session.scalars(
        select(t.LeakageAnalysis).order_by(t.LeakageAnalysis.id.desc()).limit(limit)
    )
    return json_response([_summary(r) for r in rows])


@router.get("/leakage/analyses/{analysis_id}", summary="one analysis, whole")
def get_analysis(analysis_id: NetworkId, _: Reader, session: SessionDep) -> Response:
    row: t.LeakageAnalysis = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    return json_response({"id": row.id, "network": row.network_id, **row.result})


class SurveyIn(BaseModel):
    top: int = Field(
        strict=True, default=3, ge=1, le=50, description="DMAs to survey, most to recover first"
    )
    km_per_crew_day: float = Field(strict=True, default=6.0, gt=0, le=50)
    hours_per_day: float = Field(strict=True, default=6.0, gt=0, le=12)
    due_days: int = Field(strict=True, default=14, ge=1, le=120)


@router.post(
    "/leakage/analyses/{analysis_id}/survey-jobs",
    status_code=201,
    summary="leak-survey jobs for the DMAs with the most recoverable leakage",
)
def survey_from_analysis(
    analysis_id: NetworkId, body: SurveyIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    row: t.LeakageAnalysis = get_or_404(session, t.LeakageAnalysis, analysis_id, "analysis")
    loaded = request.app.state.registry.get(session, row.network_id)
    ranking = [
        DmaLeakage(
            r["dma"],
            r["name"],
            r["real_losses_m3_per_day"],
            r["uarl_m3_per_day"],
            r["mains_km"],
            r["connections"],
            r["night_pressure_m"],
        )
        for r in row.result["ranking"]
    ]
    now = now_local().replace(tzinfo=None, second=0, microsecond=0)
    jobs = survey_jobs(
        loaded.network,
        ranking,
        now,
        top=body.top,
        km_per_crew_day=body.km_per_crew_day,
        hours_per_day=body.hours_per_day,
        due_days=body.due_days,
    )
    fresh = [j for j in jobs if session.get(t.Job, j.id) is None]  # asked twice: once
    add_jobs(session, fresh, [], user.username)
    return json_response([j.to_dict() for j in fresh], 201)


# -- the valve programme -----------------------------------------------------------------------


def extra_customers(loaded: LoadedNetwork) -> dict[str, int]:
    """Valve id → the extra customers cut off if it fails (the criticality ranking)."""
    return {r["valve"]: int(r["extra_customers"]) for r in loaded.criticality_ranking()}


def critical_customers(loaded: LoadedNetwork) -> dict[str, int]:
    """Valve id → the critical customers (hospitals …) cut off beyond the plan if it fails: such
    a valve is critical (``ops.valves.critical_valves``)."""
    return {r["valve"]: int(r["extra_critical"]) for r in loaded.criticality_ranking()}


def _field_record(
    session: Session, network_id: int
) -> tuple[dict[str, dt.date], dict[str, ExerciseResult]]:
    """The latest exercise date and result per valve, as the field reported them."""
    rows = session.execute(
        select(t.ValveStatus.valve_id, t.ValveStatus.result, t.ValveStatus.exercised_on)
        .where(t.ValveStatus.network_id == network_id, t.ValveStatus.result.is_not(None))
        .order_by(t.ValveStatus.id)
    ).all()
    dates = {str(v): d for v, _, d in rows if d is not None}
    results = {str(v): ExerciseResult(r) for v, r, _ in rows if r is not None}
    return dates, results


def _settings(critical_days: int, other_days: int, critical_share: float) -> ProgrammeSettings:
    return ProgrammeSettings(
        critical_cycle=dt.timedelta(days=critical_days),
        other_cycle=dt.timedelta(days=other_days),
        critical_share=critical_share,
    )


PROGRAMME = ProgrammeSettings()  # the core's cycles and share: the defaults of every route here
CriticalDays = Annotated[int, Query(ge=30, le=3650, description="cycle of critical valves")]
OtherDays = Annotated[int, Query(ge=30, le=7300, description="cycle of the other valves")]
CriticalShare = Annotated[float, Query(ge=0, le=1, description="share of valves that is critical")]
# issue 17: the hydraulic valve table, a background job (api.jobs, docs/hydraulics.md)
HYDRAULIC_DOC = (
    "also the valves whose failure hurts most hydraulically are critical, by the network's "
    "hydraulic valve table: POST .../valve-programme/hydraulic-table computes it first (a "
    "background job, minutes on a city); without it, 409"
)
HOUR_DOC = "hour for hydraulic=true (default: a GIS upload's peak hour; an EPANET file's start)"
TABLE_KIND = "valve_table"  # its kind in hydraulic_jobs
TOP_ROWS = 50  # the valves whose failure costs most, listed with the job's result
# a finished table job's (hour, valve id -> extra m³/h not served if it fails)
ValveTable = tuple[float, dict[str, float]]


@router.get(
    "/networks/{network_id}/valve-programme", summary="valves due for exercise, critical first"
)
def valve_programme(
    network_id: NetworkId,
    request: Request,
    _: Reader,
    session: SessionDep,
    critical_days: CriticalDays = PROGRAMME.critical_cycle.days,
    other_days: OtherDays = PROGRAMME.other_cycle.days,
    critical_share: CriticalShare = PROGRAMME.critical_share,
    horizon_days: Annotated[int, Query(ge=0, le=3650)] = 0,
    top: Annotated[int, Query(ge=1, le=100_000)] = 100,
    hydraulic: Annotated[bool, Query(description=HYDRAULIC_DOC)] = False,
    hour: Annotated[float | None, Query(ge=0, le=24.0 * 366, description=HOUR_DOC)] = None,
) -> Response:
    loaded = request.app.state.registry.get(session, network_id)
    dates = _field_record(session, network_id)[0]
    settings = _settings(critical_days, other_days, critical_share)
    table = _valve_table(request, loaded, hour) if hydraulic else None
    items = exercise_programme(
        loaded.network,
        extra_customers(loaded),
        now_local().date(),
        settings=settings,
        exercised=dates,
        failed=loaded.failed,
        horizon=dt.timedelta(days=horizon_days),
        critical_customers=critical_customers(loaded),
        hydraulic=table[1] if table else None,
    )
    return json_response(
        {
            "total": len(items),
            "critical": sum(i.critical for i in items),
            "due": [i.to_dict() for i in items[:top]],
            "hydraulic": _hydraulic_summary(request, settings, table),
        }
    )


def _table_inputs(request: Request, loaded: LoadedNetwork, hour: float | None) -> dict[str, Any]:
    """What a hydraulic valve table depends on: the hour, the service pressure, the valves
    found inoperable (a valve reported failed changes every isolation around it)."""
    return {
        "hour": hour,
        "service_pressure_mpa": float(request.app.state.settings.service_pressure_mpa),
        "failed": sorted(loaded.failed),
    }


def _valve_table(request: Request, loaded: LoadedNetwork, hour: float | None) -> ValveTable:
    """The hour and valve id → extra m³/h not served of the finished table job of these
    inputs; none finished is a Conflict naming the job's state and how to start it."""
    inputs = _table_inputs(request, loaded, hour)
    job = jobs_of(request.app.state).latest(TABLE_KIND, int(loaded.row_id), inputs)
    if job is None or job.state != "done" or job.result is None:
        where = f"/api/networks/{loaded.row_id}/valve-programme/hydraulic-table"
        now = "not computed yet" if job is None else f"{job.state} ({job.done}/{job.total})"
        raise Conflict(
            f"the hydraulic valve table of network {loaded.row_id} at this hour is {now}: "
            f"POST {where} starts it, GET there shows its progress",
            code="valve_table_not_ready",
            network=str(loaded.row_id),
            job_state="none" if job is None else job.state,
        )
    return job.result["hour"], job.result["table"]


class TableIn(BaseModel):
    hour: float | None = Field(
        strict=False, default=None, ge=0, le=24.0 * 366, description=HOUR_DOC
    )


def _table_runner(request: Request, loaded: LoadedNetwork, inputs: dict[str, Any]) -> Run:
    """The whole network's hydraulic valve table on an EPANET engine of its own (each valve
    failing in turn: ``gis.hydraulics.hydraulic_valve_criticality``), in this process (a
    service does not fork); the progress is valves done of the total. Each valve's row is kept
    with the job (lossless: the table resumed is the table run in one go), and a job resuming
    a stopped or interrupted one scores only the valves that one had not done."""
    state = request.app.state

    def run(progress: Progress) -> dict[str, Any]:
        db = state.reader_engine
        model = stored_model(state.registry, db, loaded)
        at = inputs["hour"]
        if at is None:
            at = default_hour(model)
        settings = PressureSettings(service_pressure_mpa=inputs["service_pressure_mpa"])
        scored = [ValveHydraulics(**row) for row in progress.scored.values()]
        with engine_for(model, loaded.network, at, settings) as engine:
            rows = hydraulic_valve_criticality(
                engine,
                loaded.isolator,
                progress=lambda done, total: progress(done, total, None),
                scored=scored,
                on_rows=lambda new: progress.keep({r.valve_id: asdict(r) for r in new}),
            )
        return {
            "hour": at,
            "valves": len(rows),
            "table": {r.valve_id: r.extra_not_served_m3h for r in rows},
            "worst": [r.to_dict() for r in rows[:TOP_ROWS]],
            "unsolved_sides": sum(r.unsolved_sides for r in rows),
        }

    return run


def _table_answer(row: t.HydraulicJob) -> dict[str, Any]:
    job = job_dict(row)
    result = job.pop("result") or {}
    return {**job, "network": row.subject, **{k: v for k, v in result.items() if k != "table"}}


TABLE_URL = "/networks/{network_id}/valve-programme/hydraulic-table"


@router.post(
    TABLE_URL,
    status_code=202,
    summary="compute the network's hydraulic valve table (every valve failing in turn, EPANET): "
    "a background job",
    responses={200: {"description": "the finished table of the same inputs"}},
)
def start_valve_table(
    network_id: NetworkId,
    request: Request,
    user: Operator,
    body: TableIn | None = None,
) -> Response:
    """Starts the job (202 and its address), or answers the job of the same inputs queued,
    running (202) or done (200); one stopped or cut off by a restart is resumed (the valves
    it had done kept, ``resumed`` says how many), one that failed starts again.
    No request transaction: the job's row is written by api.jobs in its own."""
    body = body or TableIn()
    with request.app.state.reader_sessions() as session:
        loaded = request.app.state.registry.get(session, network_id)
    inputs = _table_inputs(request, loaded, body.hour)
    job, _new = jobs_of(request.app.state).submit(
        TABLE_KIND,
        network_id,
        inputs,
        _table_runner(request, loaded, inputs),
        user.username,
        resume=True,
    )
    url = "/api" + TABLE_URL.format(network_id=network_id)
    return json_response(_table_answer(job), 200 if job.state == "done" else 202, {"Location": url})


@router.get(TABLE_URL, summary="the hydraulic valve table job: its progress, then its result")
def get_valve_table(
    network_id: NetworkId,
    request: Request,
    _: Reader,
    session: SessionDep,
    hour: Annotated[float | None, Query(ge=0, le=24.0 * 366, description=HOUR_DOC)] = None,
) -> Response:
    """The latest job of the network (with ``hour``: of the current inputs at that hour),
    else ``state: none``."""
    loaded = request.app.state.registry.get(session, network_id)
    jobs = jobs_of(request.app.state)
    if "hour" in request.query_params:
        job = jobs.latest(TABLE_KIND, network_id, _table_inputs(request, loaded, hour))
    else:
        job = jobs.latest(TABLE_KIND, network_id)
    if job is None:
        return json_response(
            {
                "job": None,
                "network": network_id,
                "state": "none",
                "progress": {"done": 0, "total": 0, "current": None},
                "hint": "not computed yet: POST to this address starts it",
            }
        )
    return json_response(_table_answer(job))


@router.delete(TABLE_URL, summary="stop the network's running hydraulic valve table job")
def stop_valve_table(network_id: NetworkId, request: Request, _: Operator) -> Response:
    """The job with its stop asked; it ends ``stopped`` after the valve it is on."""
    with request.app.state.reader_sessions() as session:
        request.app.state.registry.get(session, network_id)
    jobs = jobs_of(request.app.state)
    job = jobs.latest(TABLE_KIND, network_id)
    if job is None:
        raise NotFound(
            f"network {network_id} has no hydraulic valve table job",
            code="no_job_yet",
            job_kind="valve_table",
            key=str(network_id),
        )
    jobs.stop(job.id)
    return json_response(_table_answer(jobs.latest(TABLE_KIND, network_id) or job))


def _hydraulic_summary(
    request: Request, settings: ProgrammeSettings, table: ValveTable | None
) -> dict[str, Any] | None:
    if table is None:
        return None
    return {
        "hour": table[0],
        "service_pressure_mpa": request.app.state.settings.service_pressure_mpa,
        "valves": len(table[1]),
        "critical_by_hydraulics": sorted(settings.hydraulically_critical(table[1])),
    }


@router.get(
    "/networks/{network_id}/valve-programme/report",
    summary="extra customers at risk among the most critical valves, before and after",
)
def valve_programme_report(
    network_id: NetworkId,
    request: Request,
    _: Reader,
    session: SessionDep,
    top: Annotated[int, Query(ge=1, le=10_000)] = 50,
    critical_days: CriticalDays = PROGRAMME.critical_cycle.days,
    other_days: OtherDays = PROGRAMME.other_cycle.days,
    critical_share: CriticalShare = PROGRAMME.critical_share,
) -> Response:
    loaded = request.app.state.registry.get(session, network_id)
    dates, results = _field_record(session, network_id)
    effect = programme_effect(
        loaded.network,
        extra_customers(loaded),
        now_local().date(),
        top=top,
        settings=_settings(critical_days, other_days, critical_share),
        exercised=dates,
        results=results,
        critical_customers=critical_customers(loaded),
    )
    return json_response(effect.to_dict())


class ExerciseIn(BaseModel):
    result: str = Field(pattern="^(operable|stuck|leaking|not_found)$")
    on: dt.date | None = Field(default=None, description="the day of the exercise (today)")
    note: str = Field(default="", max_length=2000)


@router.post(
    "/networks/{network_id}/valves/{valve_id}/exercise",
    summary="a valve exercise's result: the valve's status changes at once",
)
def record_exercise(
    network_id: NetworkId,
    valve_id: str,
    body: ExerciseIn,
    request: Request,
    user: Operator,
    session: SessionDep,
) -> Response:
    loaded = request.app.state.registry.get(session, network_id)
    exercises = {
        j.id: j
        for j in session.scalars(
            select(t.Job).where(t.Job.kind == JobKind.VALVE_EXERCISE, t.Job.valve == valve_id)
        )
    }
    done = exercise_result(
        loaded.network,
        valve_id,
        body.result,
        [JobState(j.id, JobStatus(j.status), j.crew_id) for j in exercises.values()],
        extra_customers(loaded),
        by=user.username,
        at=now_local(),
        on=body.on,
        note=body.note,
        critical_customers=critical_customers(loaded),
    )
    record_valve_status(
        session,
        loaded,
        valve_id,
        done.result.operable,
        done.note,
        user.username,
        result=done.result.value,
        exercised_on=done.on,
    )
    for change in done.closed:
        store_job_change(session, exercises[change.job.id], change)
    if done.repair is not None and session.get(t.Job, done.repair.id) is None:
        add_jobs(session, [done.repair], [], user.username)
    session.flush()
    return json_response(done.to_dict())


class ExercisesIn(BaseModel):
    count: int = Field(strict=True, default=20, ge=1, le=500)
    network_id: OptionalId = None
    critical_days: int = Field(
        default=PROGRAMME.critical_cycle.days, ge=30, le=3650, description="cycle, critical valves"
    )
    other_days: int = Field(
        default=PROGRAMME.other_cycle.days, ge=30, le=7300, description="cycle, the others"
    )
    critical_share: float = Field(strict=True, default=PROGRAMME.critical_share, ge=0, le=1)
    cycle_days: int | None = Field(
        default=None, ge=30, le=3650, description="one cycle for every valve (older clients)"
    )


@router.post(
    "/valve-exercises",
    status_code=201,
    summary="add the next valve exercises due (critical valves first, grouped by area)",
)
def create_valve_exercises(
    body: ExercisesIn, request: Request, user: Dispatcher, session: SessionDep
) -> Response:
    registry = request.app.state.registry
    network_id = body.network_id or registry.latest_id(session)
    loaded = registry.get(session, network_id)
    open_valves = {
        str(v)
        for v in session.scalars(
            select(t.Job.valve).where(
                t.Job.kind == JobKind.VALVE_EXERCISE, t.Job.status.notin_(CLOSED)
            )
        )
        if v is not None
    }
    critical_days = body.cycle_days or body.critical_days
    other_days = body.cycle_days or body.other_days
    jobs = [
        j
        for j in next_exercises(
            loaded.network,
            extra_customers(loaded),
            now_local().date(),
            count=body.count,
            settings=_settings(critical_days, other_days, body.critical_share),
            exercised=_field_record(session, network_id)[0],
            failed=loaded.failed,
            open_valves=open_valves,
            critical_customers=critical_customers(loaded),
        )
        if session.get(t.Job, j.id) is None  # asked twice in a day: once
    ]
    add_jobs(session, jobs, [], user.username)
    return json_response([j.to_dict() for j in jobs], 201)
