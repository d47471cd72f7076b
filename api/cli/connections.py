"""``waterops deadline``: the Table 1 deadline of a connection application."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from api.cli.common import moment, out, print_json
from ops.calendar import HolidaySchedule, WorkCalendar
from ops.connections import (
    DAY_READINGS,
    RULES,
    ConnectionRules,
    ConnectionType,
    connection_deadline,
    connection_type,
    type_help,
)


def add_parsers(sub: Any) -> None:
    """The connection command."""
    p = sub.add_parser(
        "deadline",
        help="Table 1 deadline of a connection application",
        description="Deadline of a connection application after acceptance (Table 1 of the "
        "service plan), in working days (Chinese holidays and make-up days) or, for fast "
        "connection, calendar days.",
    )
    p.add_argument(
        "--type",
        required=True,
        choices=[t.value for t in ConnectionType],
        metavar="TYPE",
        help="; ".join(type_help().split("; ")),
    )
    p.add_argument("--accepted", required=True, help='acceptance time, "YYYY-MM-DD HH:MM"')
    p.add_argument("--dn", type=float, help="connection pipe size, mm (size-dependent types)")
    p.add_argument("--length-m", type=float, help="external line length, m")
    p.add_argument("--holidays", type=Path, help="holiday override TOML (default: the project's)")
    p.add_argument(
        "--day-reading",
        choices=list(DAY_READINGS),
        default=ConnectionRules.day_reading,
        help="how plain 日 (fast connection, missing papers) is counted: calendar = N x 24 h "
        "(default); civil_code = 《民法典》 arts. 201/203, from the next day to the office's "
        "closing on the last day, moved past rest days",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_deadline)


def cmd_deadline(args: argparse.Namespace) -> int:
    calendar = WorkCalendar(holidays=HolidaySchedule.load(args.holidays))
    accepted = moment(args.accepted, "--accepted")
    kind = connection_type(args.type)
    rules = ConnectionRules(day_reading=args.day_reading)
    deadline = connection_deadline(
        kind, accepted, calendar, dn_mm=args.dn, length_m=args.length_m, rules=rules
    )
    if args.json:
        print_json({"type": kind.value, "accepted": accepted.isoformat(), **deadline.to_dict()})
        return 0
    rule = RULES[kind]
    out.print(
        f"[bold]{deadline.due:%Y-%m-%d %H:%M}[/bold] ({deadline.due:%a}): "
        f"{deadline.days:g} {deadline.unit} after acceptance at {accepted:%Y-%m-%d %H:%M}"
    )
    out.print(f"{kind.value} — {rule.chinese}; {deadline.basis}")
    if deadline.calendar is not None:
        style = "yellow" if deadline.calendar.provisional_years else "dim"
        out.print(f"[{style}]calendar: {deadline.calendar.describe()}[/{style}]")
    return 0
