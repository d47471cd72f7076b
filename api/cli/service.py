"""``waterops serve``, ``adduser`` and ``demo``: the dispatch service on this machine, its
users, and the end-to-end demo on the sample city."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn
from sqlalchemy import select

from api.cli.common import DEFAULT_NETWORK, err, moment, out, print_report, status
from api.cli.network import print_plan
from api.cli.outages import crews_of, open_case, plan_repair, print_case, print_repair_schedule
from api.db.session import make_engine, migrate, session_factory
from api.db.tables import User
from api.demo import DEMO_PASSWORD, DEMO_USERS
from api.security import hash_password
from api.settings import HOST, PORT, Settings
from gis.io import read_layers
from gis.isolation import Isolator
from gis.network import build_network
from gis.segments import segments_summary
from gis.validate import validate_layers
from ops.calendar import WorkCalendar
from ops.connections import connection_deadline
from ops.notices import render_cap
from ops.repairs import RepairReport, Severity

DEMO_REPORTED = "2026-11-26 09:10"  # a Thursday: the demo plans a working day


def add_parsers(sub: Any) -> None:
    """The service commands and the demo."""
    p = sub.add_parser("serve", help="run the dispatch service (FastAPI) on this machine")
    p.add_argument("--database", help="database URL (default: SQLite in the data directory)")
    p.add_argument("--data", type=Path, help="data directory (default ./data)")
    p.add_argument("--host", default=HOST)
    p.add_argument("--port", type=int, default=PORT)
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument(
        "--demo",
        action="store_true",
        help="seed demo users (admin, dispatcher, engineer, viewer) and print their passwords",
    )
    p.add_argument("--access-log", action="store_true", help="log every request (costs throughput)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("adduser", help="add a user to the service's database, or reset one")
    p.add_argument("username")
    p.add_argument("--role", choices=["viewer", "dispatcher", "engineer", "admin"], required=True)
    p.add_argument("--database", help="database URL (default: SQLite in the data directory)")
    p.add_argument("--data", type=Path, help="data directory (default ./data)")
    p.set_defaults(run=cmd_adduser)

    p = sub.add_parser("demo", help="end-to-end demo on the sample city")
    p.add_argument("network", type=Path, nargs="?", default=DEFAULT_NETWORK)
    p.set_defaults(run=cmd_demo)


def _service_env(args: argparse.Namespace) -> None:
    """``--database`` and ``--data`` as the settings' environment variables."""
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    if args.data:
        os.environ["WATEROPS_DATA_DIR"] = str(args.data)


WORKER_HEALTHCHECK_S = 60  # see cmd_serve


def cmd_serve(args: argparse.Namespace) -> int:
    _service_env(args)
    if args.demo:
        os.environ["WATEROPS_SEED_DEMO_USERS"] = "true"
        os.environ.setdefault("WATEROPS_SEED_DEMO_WORK", "true")
        # the demo's notices link where it listens; a deployment says where the public reaches it
        os.environ.setdefault("WATEROPS_PUBLIC_URL", f"http://{args.host}:{args.port}")
    url = f"http://{args.host}:{args.port}"
    out.print(f"[bold]waterops[/bold] at {url}")
    out.print(f"console {url}/ · public outages {url}/outages · API docs {url}/docs")
    if args.demo:
        users = ", ".join(DEMO_USERS)
        out.print(
            f"demo users: {users} — password [bold]{DEMO_PASSWORD}[/bold] (not for production)"
        )
    else:
        out.print("users: create one with  waterops adduser NAME --role admin")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=os.environ.get("WATEROPS_LOOP", "uvloop"),
        proxy_headers=False,  # not behind a proxy by default; a deployment behind one sets it
        log_level="info",
        access_log=args.access_log,
        # uvicorn kills a server process that has not answered its ping for this long (5 s by
        # default): one starting up under load (loading the network) was killed again and again
        # and the service never came up (tests/api/test_serve_workers.py)
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )
    return 0


def cmd_adduser(args: argparse.Namespace) -> int:
    _service_env(args)
    settings = Settings()
    password = os.environ.get("WATEROPS_PASSWORD") or getpass.getpass(
        f"password for {args.username}: "
    )
    if len(password) < 8:
        err.print("[red]error:[/red] the password needs at least 8 characters")
        return 1
    engine = make_engine(settings.database)
    migrate(engine)
    with session_factory(engine)() as session, session.begin():
        user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            session.add(
                User(username=args.username, password_hash=hash_password(password), role=args.role)
            )
            out.print(f"added {args.username} ({args.role})")
        else:
            user.password_hash = hash_password(password)
            user.token_generation += 1  # the tokens of the old password stop working
            user.role = args.role
            user.active = True
            out.print(f"reset {args.username} ({args.role}); its tokens no longer work")
    engine.dispose()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Validate the sample city, summarise its segments, isolate a break and print the plan."""

    path: Path = args.network
    out.rule(f"1. validate {path}")
    with status("reading and validating"):
        layers = read_layers(path)
        report = validate_layers(layers)
    if not report.ok:
        print_report(report, as_json=False)
        return 1
    out.print(f"[green]{len(report.errors)} errors, {len(report.warnings)} warnings[/green]")
    network = build_network(layers)
    out.print(", ".join(f"{k} {v}" for k, v in network.summary().items() if k != "name"))

    out.rule("2. valve segments")
    with status("computing valve segments"):
        isolator = Isolator(network)
    for key, value in segments_summary(isolator.segmentation).items():
        out.print(
            f"{key.replace('_', ' ')}: {value:,.1f}"
            if isinstance(value, float)
            else f"{key.replace('_', ' ')}: {value:,}"
        )

    out.rule("3. isolate a break")
    # The demo break: the pipe serving the most customers, a hospital among them if possible.
    seg = isolator.segmentation
    crit = seg.seg_customers[:, -1]
    busiest = int(np.lexsort((-seg.seg_customers.sum(axis=1), -crit))[0])
    pipe = str(network.pipes.ids[seg.pipes_of(busiest)[0]])
    plan = isolator.isolate(pipe)
    print_plan(plan)

    out.rule("4. the same break when the first valve will not close")
    if plan.valves_to_close:
        failed = plan.valves_to_close[0].id
        worse = isolator.isolate(pipe, [failed])
        out.print(
            f"valve {failed} fails: {len(worse.valves_to_close)} valves to close instead of "
            f"{len(plan.valves_to_close)}; customers cut off {worse.customers.total:,} instead "
            f"of {plan.customers.total:,}"
        )
    out.rule("5. the break as a repair: job chain, crews' plan, outage notice")

    roster = path.parent / "roster.csv"
    reported = moment(DEMO_REPORTED, "demo")
    burst = RepairReport("T-DEMO", reported, Severity.BURST, pipe_id=pipe)
    plan_args = argparse.Namespace(  # the dispatcher publishes the emergency at once (§22)
        roster=roster, network=path, seconds=8.0, hydraulic=False, publish=True
    )
    # promised from the sample roster as `waterops repair --roster` and POST /api/repairs do
    # (ops.emergency.first_arrival through open_repair), not the nominal 30 min
    crews = crews_of(plan_args, reported.date()) if roster.exists() else None
    case = open_case(burst, isolator, crews)
    if crews is not None:
        day_plan, window, outage = plan_repair(plan_args, case, isolator, crews)
        print_case(case)
        print_repair_schedule(case, day_plan, window, outage)

        cap = render_cap(outage)
        out.print(
            f"CAP 1.2 alert {outage.id}: {len(cap):,} bytes, "
            f"{cap.count('<polygon>') // 2} area polygon(s) per language "
            f"(waterops notice --kind emergency --publish --format cap)"
        )
    else:
        print_case(case)
        out.print(f"[yellow]{roster} not found: the chain is not planned[/yellow]")

    out.rule("6. a connection deadline (Table 1, working days)")

    accepted = moment("2026-09-30 16:00", "demo")
    for kind in ("pre_consultation", "no_external_works", "pre_standard_factory"):
        deadline = connection_deadline(kind, accepted, WorkCalendar())
        out.print(
            f"{kind} accepted {accepted:%a %Y-%m-%d %H:%M}: due {deadline.due:%a %Y-%m-%d %H:%M}"
            f" ({deadline.days:g} {deadline.unit})"
        )
    out.print("(the National Day holiday 10-01…10-07 does not count; Saturday 10-10 does)")
    out.print(
        "\nNext: waterops isolate --help, waterops repair --help, waterops notice --help, "
        "waterops deadline --help"
    )
    return 0
