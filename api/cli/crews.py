"""``waterops crews absence add|list|remove``: a crew's absences in the service's database.

The same functions as the service's routes (``api.routes.crews``): :func:`api.store.add_absence`
stores an absence unless it overlaps another of the crew's (:func:`ops.crews.refuse_overlap`,
the check and the insert one step), so the command line and the console keep one set of
absences by one rule. A refusal is an error (exit status 1) that names the absence in the way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
from pathlib import Path
from typing import Any

from rich.table import Table

from api.cli.common import out, print_json
from api.db.session import make_engine, migrate, session_factory
from api.settings import Settings
from api.store import absence_dict, add_absence, crew_absences, remove_absence
from ops.crews import Absence, AbsenceReason
from ops.errors import InvalidRequest


def add_parsers(sub: Any) -> None:
    """The crews command group."""
    crews = sub.add_parser("crews", help="crews' absences in the service's database")
    group = crews.add_subparsers(title="crews commands", metavar="WHAT")
    absence = group.add_parser("absence", help="a crew away: leave, sickness, vehicle out")
    what = absence.add_subparsers(title="absence commands", metavar="ACTION")

    p = what.add_parser("add", help="a crew away for a date, dates or some hours of a date")
    p.add_argument("crew")
    p.add_argument("--start", required=True, help="the first date away, YYYY-MM-DD")
    p.add_argument("--end", help="the last date away (default: --start)")
    p.add_argument("--from", dest="from_time", help="away from HH:MM of its one date")
    p.add_argument("--to", dest="to_time", help="away until HH:MM (with --from)")
    p.add_argument("--reason", required=True, choices=[str(r) for r in AbsenceReason])
    p.add_argument("--note", default="")
    p.add_argument("--by", help="who records it (default: the login name)")
    _database_args(p)
    p.set_defaults(run=cmd_add)

    p = what.add_parser("list", help="a crew's absences, by start")
    p.add_argument("crew")
    p.add_argument("--from", dest="since", help="touching this date or later, YYYY-MM-DD")
    p.add_argument("--to", dest="until", help="touching this date or earlier, YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print them as the service answers")
    _database_args(p)
    p.set_defaults(run=cmd_list)

    p = what.add_parser("remove", help="remove one of a crew's absences (its id, from list)")
    p.add_argument("crew")
    p.add_argument("id", type=int)
    _database_args(p)
    p.set_defaults(run=cmd_remove)


def _database_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database", help="database URL (default: SQLite in the data directory)")
    p.add_argument("--data", type=Path, help="data directory (default ./data)")


def _sessions(args: argparse.Namespace) -> Any:
    """The service's database, as ``waterops serve`` with the same options would open it."""
    given: dict[str, Any] = {}
    if args.database:
        given["database_url"] = args.database
    if args.data:
        given["data_dir"] = args.data
    engine = make_engine(Settings(**given).database)
    migrate(engine)
    return engine, session_factory(engine)


def _date(text: str | None, what: str) -> dt.date | None:
    try:
        return None if text is None else dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            f"{what} {text!r} is not a date: write YYYY-MM-DD",
            code="cli_not_date",
            name=what,
            value=text,
        ) from None


def _time(text: str | None, what: str) -> dt.time | None:
    try:
        return None if text is None else dt.time.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            f"{what} {text!r} is not a time of day: write HH:MM",
            code="cli_not_clock",
            name=what,
            value=text,
        ) from None


def cmd_add(args: argparse.Namespace) -> int:
    start = _date(args.start, "--start")
    assert start is not None  # required
    absence = Absence(
        args.crew,
        start,
        _date(args.end, "--end") or start,
        AbsenceReason(args.reason),
        args.note,
        _time(args.from_time, "--from"),
        _time(args.to_time, "--to"),
    )
    engine, sessions = _sessions(args)
    try:
        with sessions() as session, session.begin():
            row = add_absence(session, absence, args.by or getpass.getuser())
            out.print(
                f"absence {row.id}: crew {args.crew} away {absence.when()} ({absence.reason})"
            )
    finally:
        engine.dispose()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    first = _date(args.since, "--from") or dt.date.min
    last = _date(args.until, "--to") or dt.date.max
    engine, sessions = _sessions(args)
    try:
        with sessions() as session, session.begin():
            rows = [absence_dict(r) for r in crew_absences(session, args.crew, first, last)]
    finally:
        engine.dispose()
    if args.json:
        print_json(rows)
        return 0
    table = Table(title=f"Absences of crew {args.crew}")
    for column in ("id", "from", "to", "hours", "reason", "note", "by"):
        table.add_column(column)
    for a in rows:
        hours = f"{a['start_time']}-{a['end_time']}" if a["start_time"] else "all day"
        row = (a["id"], a["start"], a["end"], hours, a["reason"], a["note"], a["created_by"])
        table.add_row(*map(str, row))
    out.print(table)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    engine, sessions = _sessions(args)
    try:
        with sessions() as session, session.begin():
            remove_absence(session, args.crew, args.id)
    finally:
        engine.dispose()
    out.print(f"absence {args.id} of crew {args.crew} removed")
    return 0
