"""The dispatch service (FastAPI): one router per resource, errors mapped to 4xx in one place.

``create_app(settings)`` builds the app; ``waterops serve`` (and ``make run``) runs it with
uvicorn. At start-up the schema is migrated, the id counters exist, and an empty database gets
the sample city as network 1 and the sample roster as its crews.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from api.clock import ClockMiddleware, DemoClock
from api.db import tables as t
from api.db.session import make_engine, migrate, session_factory
from api.demo import DEMO_PASSWORD, DEMO_USERS, claim, demo_crew_user, seed_in_background
from api.guard import RequestGuard
from api.hydraulics import HydraulicEngines, warm_up
from api.openapi import install
from api.planner import Planner, reap_abandoned
from api.registry import NetworkRegistry, NetworkStatus, check_network_files
from api.responses import http_body, refusal
from api.routes import (
    auth,
    calendar,
    crews,
    field,
    leakage,
    live,
    networks,
    outages,
    plans,
    programmes,
    web,
    webhooks,
    work,
)
from api.security import SignInLimits, hash_password, prepare_hashing
from api.settings import HOST, PORT, Settings, get_settings
from api.store import crew_columns, ensure_counters
from api.webhooks import Backoff, WebhookWorker, allowed_hosts
from gis.errors import (
    NetworkError,
    NoMap,
    ValidationError,
)
from ops.errors import Conflict, NotFound, OpsError
from ops.io import read_roster
from ops.workflow import PlanStatus
from routing import RoutingError

log = logging.getLogger("waterops.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start(app, settings)
        # one server process of several posts the demo day, once
        if settings.seed_demo_work and claim(settings.data_dir):
            url = (settings.public_url.strip() or f"http://{HOST}:{PORT}").replace(
                "0.0.0.0", "127.0.0.1"
            )
            seed_in_background(url, DEMO_PASSWORD)
        try:
            yield
        finally:
            app.state.planner.shutdown()
            app.state.webhooks.shutdown()
            app.state.hydraulic_engines.close()
            app.state.engine.dispose()
            app.state.reader_engine.dispose()

    app = FastAPI(
        title="waterops",
        summary="Operations and leak-management scheduler for a city water utility",
        description="Networks, isolation of breaks, field jobs with Table 1 deadlines, crew "
        "plans and outage notices. Sign in at POST /api/auth/token; /public/* needs no sign-in.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # /docs is served from the vendored Swagger UI (api/routes/web.py)
        redoc_url=None,  # ReDoc would come from a CDN
    )
    _handlers(app)
    app.add_middleware(ClockMiddleware)
    app.add_middleware(RequestGuard)  # outermost: before anything reads a body
    for module in (auth, networks, work, crews, plans, programmes, calendar, webhooks):
        app.include_router(module.router)
    app.include_router(leakage.router)  # pressure management as a background job
    app.include_router(field.router)  # the crews' field app (docs/field-app.md)
    app.include_router(live.router)
    app.include_router(outages.router)
    app.include_router(outages.public)
    app.include_router(web.router)
    web.mount_static(app)
    install(app)  # the schema declares every answer a route gives, in one error shape

    @app.get("/healthz", tags=["health"], summary="the service is up and the database answers")
    def healthz(request: Request) -> dict[str, Any]:
        with request.app.state.reader_sessions() as session:
            networks = len(session.scalars(select(t.NetworkVersion.id)).all())
        return {"status": "ok", "networks": networks}

    return app


def start(app: FastAPI, settings: Settings) -> None:
    # who signs the notices and the hotline they give: without them the service does not start
    app.state.issuer, app.state.hotline = settings.notice_issuer()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database
    engine = make_engine(url)
    migrate(engine)
    app.state.settings = settings
    if settings.demo_clock:
        log.warning("demo clock: the service's time starts at %s", settings.demo_clock)
        app.state.clock = DemoClock(dt.datetime.fromisoformat(settings.demo_clock))
    app.state.engine = engine
    app.state.reader_engine = make_engine(url, writer=False)
    app.state.sessions = session_factory(engine)
    app.state.reader_sessions = session_factory(app.state.reader_engine)
    app.state.signing_key = settings.signing_key()
    app.state.sign_in_limits = SignInLimits(
        settings.sign_in_account_limit, settings.sign_in_address_limit
    )
    prepare_hashing()
    app.state.registry = NetworkRegistry(settings.data_dir.resolve())
    app.state.hydraulic_engines = HydraulicEngines()  # warmed below, else the first query opens
    app.state.planner = Planner(url, settings.data_dir.resolve(), settings.planner_workers)
    # the notice events' delivery worker (docs/webhooks.md): it sends what the outbox holds,
    # what an earlier run left too
    app.state.webhooks = WebhookWorker(
        app.state.sessions,
        app.state.reader_sessions,
        Backoff(
            settings.webhook_backoff_seconds,
            settings.webhook_backoff_max_seconds,
            settings.webhook_max_attempts,
        ),
        timeout=settings.webhook_timeout_seconds,
        poll=settings.webhook_poll_seconds,
        allowed=allowed_hosts(settings.webhook_hosts),
    )
    with app.state.sessions() as session, session.begin():
        ensure_counters(session)
        seed(session, settings)
    # a plan whose worker died with the last run is failed; queued plans wait for a worker
    reap_abandoned(engine, settings.data_dir.resolve() / "planner", app.state.reader_engine)
    with app.state.reader_sessions() as session:
        if session.scalar(select(t.Plan.id).where(t.Plan.status == PlanStatus.QUEUED).limit(1)):
            app.state.planner.start()
    app.state.webhooks.start()
    # load the newest network now, not on the first query (a second or two of work that
    # would otherwise hold up the first requests)
    with app.state.reader_sessions() as session, suppress(Conflict, NotFound):  # none yet: fine
        app.state.registry.get(session, app.state.registry.latest_id(session))
    if settings.hydraulic_warm_up:  # and its first hydraulic query's engine, in the background
        registry = app.state.registry
        with app.state.reader_sessions() as session:
            loaded = [registry.get(session, i) for i in registry.loaded_ids]
        warm_up(app.state, app.state.reader_engine, loaded, settings.service_pressure_mpa)


def seed(session: Any, settings: Settings) -> None:
    """An empty database gets the sample city and roster; demo users when asked."""
    if settings.seed_demo_users:
        for username, role in DEMO_USERS.items():
            if session.scalar(select(t.User).where(t.User.username == username)) is None:
                session.add(
                    t.User(username=username, password_hash=hash_password(DEMO_PASSWORD), role=role)
                )
    has_network = session.scalar(select(t.NetworkVersion.id).limit(1)) is not None
    if not has_network and settings.sample_network and Path(settings.sample_network).exists():
        _seed_network(session, settings, Path(settings.sample_network))
    has_crews = session.scalar(select(t.Crew.id).limit(1)) is not None
    if not has_crews and settings.sample_roster and Path(settings.sample_roster).exists():
        for crew in read_roster(settings.sample_roster):
            session.add(t.Crew(**crew_columns(crew)))

    if settings.seed_demo_users:  # a crew account per crew, for the field app
        users = set(session.scalars(select(t.User.username)).all())
        names = {demo_crew_user(c): c for c in session.scalars(select(t.Crew.id)).all()}
        missing = sorted(n for n in names if n not in users)
        # the demo's one password hashed once for them all (a hash costs 0.2 s of Argon2)
        hashed = hash_password(DEMO_PASSWORD) if missing else ""
        for name in missing:
            session.add(
                t.User(username=name, password_hash=hashed, role="crew", crew_id=names[name])
            )


def _seed_network(session: Any, settings: Settings, path: Path) -> None:
    data_dir = settings.data_dir.resolve()
    folder = data_dir / "networks" / "sample-v1"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.copyfile(path, target)
    report, summary = check_network_files(target, None, None, data_dir)
    session.add(
        t.NetworkVersion(
            name="sample",
            version=1,
            filename=path.name,
            stored_path=str(target.relative_to(data_dir)),
            sha256=hashlib.sha256(target.read_bytes()).hexdigest(),
            status=NetworkStatus.READY if report["ok"] else NetworkStatus.INVALID,
            summary=summary,
            report=report,
            created_by="setup",
        )
    )


def _handlers(app: FastAPI) -> None:
    """Every error a client can cause is a 4xx that says what to fix; bugs are 500s, logged."""

    # positional-only: a body field may be called anything, ``code`` too (an OpsError's refusal)
    def error(status_code: int, message: str, /, **extra: Any) -> JSONResponse:
        return JSONResponse({"detail": message, **extra}, status_code=status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "request"
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
        return error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "; ".join(problems) or "the request is not valid",
            errors=[
                {k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()
            ],
        )

    # gis's own (gis.errors; an unknown pipe or valve 404, any other 422) and routing's, with
    # their code and params: api/responses.refusal, as a domain error of ops
    @app.exception_handler(ValidationError)
    async def _invalid_network(request: Request, exc: ValidationError) -> JSONResponse:
        code, body = refusal(exc, "the network data has problems")
        return JSONResponse({**body, "report": exc.report.to_dict()}, status_code=code)

    @app.exception_handler(NoMap)
    async def _no_map(request: Request, exc: NoMap) -> JSONResponse:
        # the library says what cannot be done; how to give a CRS is the API's own way
        code, body = refusal(
            exc,
            f"{exc}: upload the network again with the CRS of its coordinates in the form "
            "field crs of POST /api/networks (e.g. crs=EPSG:32650); isolation by pipe id "
            "works without one",
        )
        return JSONResponse(body, status_code=code)

    @app.exception_handler(NetworkError)
    async def _network(request: Request, exc: NetworkError) -> JSONResponse:
        code, body = refusal(exc)
        return JSONResponse(body, status_code=code)

    # the one place a domain error becomes an HTTP status: below the routes nothing raises
    # HTTPException for a rule (ops.errors: NotFound 404, Conflict 409, any other 422)
    @app.exception_handler(OpsError)
    async def _ops(request: Request, exc: OpsError) -> JSONResponse:
        code, body = refusal(exc)  # api/responses.py: the mapping, shared with kept refusals
        return JSONResponse(body, status_code=code)

    # routing's own (routing.errors): values that make no problem to plan, a file that is not a
    # jobs, crews or roads file; the solver itself answers an unplannable job with a reason
    @app.exception_handler(RoutingError)
    async def _routing(request: Request, exc: RoutingError) -> JSONResponse:
        code, body = refusal(exc)
        return JSONResponse(body, status_code=code)

    # database and range errors a client's input can cause: one message each, says what to do
    plain: dict[type[Exception], tuple[int, str]] = {
        DataError: (
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a value does not fit the database (too long or out of range): shorten it",
        ),
        IntegrityError: (
            status.HTTP_409_CONFLICT,
            "this conflicts with what is stored (a duplicate, or a reference to nothing): "
            "GET the resource and check",
        ),
        OverflowError: (
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a date or number is out of range: give times within this century",
        ),
        StaleDataError: (
            status.HTTP_412_PRECONDITION_FAILED,
            "someone changed this at the same moment: GET it again and redo your change",
        ),
    }

    async def _plain(request: Request, exc: Exception) -> JSONResponse:
        code, message = next(v for k, v in plain.items() if isinstance(exc, k))
        return error(code, message)

    for kind in plain:
        app.add_exception_handler(kind, _plain)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        # a route's Refused carries its code and params (api/responses.py)
        return JSONResponse(http_body(exc), status_code=exc.status_code, headers=exc.headers)
