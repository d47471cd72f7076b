"""Each default has one home, the core's dataclass or constant (issue 15, item 4).

The API's models, the service's settings and the command line read their defaults from the core;
these tests fail when a copy comes back with another value, and the source scan fails when one
comes back as a literal in ``api/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import inspect
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from api.cli import make_parser
from api.db import tables as t
from api.routes.crews import CrewIn
from api.routes.plans import PlanIn, ReplanIn
from api.routes.programmes import ExercisesIn, valve_programme, valve_programme_report
from api.schemas import JobOut
from api.settings import Settings
from api.store import crew_value
from ops.calendar import OfficeHours
from ops.connections import ConnectionRules
from ops.dispatch import CrewShift, plan_day
from ops.emergency import CallOutRules
from ops.io import read_crews
from ops.jobs import FieldJob
from ops.leakage import analyse, survey_jobs
from ops.notices.issuer import Issuer
from ops.outages import DEFAULT_LEAD, MIN_LEAD
from ops.plans import SolveTime
from ops.repairs import RepairRules
from ops.valves import ProgrammeSettings, programme_effect
from routing.solver import SolverOptions
from sample_data.leakage import generate

ROOT = Path(__file__).resolve().parent.parent

# CrewIn's field -> CrewShift's (the API names the times as the roster CSV does)
CREW_FIELDS = {
    "shift_start": "start",
    "shift_end": "end",
    "lunch_start": "lunch_from",
    "lunch_end": "lunch_to",
    "lunch_minutes": "lunch_minutes",
    "on_call": "on_call",
}


def _core_defaults(cls: type) -> dict[str, object]:
    return {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }


def _hhmm(value: object) -> object:
    return value.strftime("%H:%M") if isinstance(value, dt.time) else value


def test_the_crew_models_defaults_are_the_rosters() -> None:
    core = _core_defaults(CrewShift)
    api = {name: CrewIn.model_fields[name].default for name in CREW_FIELDS}
    assert api == {name: _hhmm(core[field]) for name, field in CREW_FIELDS.items()}
    # the values themselves, once: a shift of 08:00-17:00 with a 45-minute lunch
    assert (api["shift_start"], api["shift_end"], api["lunch_minutes"]) == ("08:00", "17:00", 45)


def test_a_crew_read_without_times_gets_the_dataclass_defaults() -> None:
    read = CrewShift.from_dict({"id": "C1", "skills": ["valve"], "depot": [114.3, 34.8]})
    made = CrewShift("C1", frozenset({"valve"}), (114.3, 34.8))
    assert (read.start, read.end, read.lunch_minutes) == (made.start, made.end, made.lunch_minutes)


def test_the_plan_commands_crews_get_the_rosters_defaults(tmp_path: Path) -> None:
    """``waterops plan`` reads crews.csv through the roster's reader into CrewShift (no reader
    and no 45-minute lunch of its own): a lunch without its minutes lasts the dataclass's."""
    crews = tmp_path / "crews.csv"
    crews.write_text(
        "id,skills,depot_lon,depot_lat,shift_start,shift_end,lunch_start,lunch_end\n"
        "north,pipe,114.33,34.82,08:00,17:00,11:30,13:00\n"
    )
    (crew,) = read_crews(crews, dt.date(2026, 11, 26))
    (shift,) = crew.shifts
    assert [b.duration for b in shift.breaks] == [CrewShift.lunch_minutes * 60]
    scanned = [
        ROOT / "api" / "cli" / "plan.py",
        ROOT / "ops" / "io.py",
        *(ROOT / "routing").rglob("*.py"),
    ]
    copies = [p.name for p in scanned if re.search(r"lunch_min\W+\)?\s*or \d", p.read_text())]
    assert not copies, f"a lunch default copied in {copies}"


def test_the_job_answer_declares_the_jobs_defaults() -> None:
    core = _core_defaults(FieldJob)
    shared = [name for name in JobOut.model_fields if name in core]
    assert {"priority", "mandatory", "crews_required", "emergency", "description"} <= set(shared)
    for name in shared:
        assert JobOut.model_fields[name].default == core[name], name


def test_the_settings_defaults_are_the_cores(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("WATEROPS_NOTICE_LEAD_HOURS", "WATEROPS_OFFICE_HOURS", "WATEROPS_SENDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("WATEROPS_CONFIG", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert dt.timedelta(hours=settings.notice_lead_hours) == DEFAULT_LEAD
    assert RepairRules().notice_lead == DEFAULT_LEAD  # a planned repair waits as its notice does
    assert OfficeHours.parse(settings.office_hours) == OfficeHours()
    assert settings.sender == Issuer().sender
    assert settings.solver_seconds == SolveTime().day
    with pytest.raises(ValueError, match="below 24"):
        Settings(data_dir=tmp_path, notice_lead_hours=MIN_LEAD.total_seconds() / 3600 - 1)


def _keyword(function: Callable[..., object], name: str) -> object:
    return inspect.signature(function).parameters[name].default


def _parse(*argv: str) -> argparse.Namespace:
    return make_parser().parse_args(list(argv))


def test_the_command_lines_defaults_are_the_cores(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    notice = _parse("notice", "city.gpkg", "--pipe", "P1", "--start", "a", "--end", "b")
    assert dt.timedelta(hours=notice.lead_hours) == DEFAULT_LEAD
    assert _parse("plan", "jobs.csv", "crews.csv").seconds == SolverOptions().seconds
    repair = _parse("repair", "city.gpkg", "--pipe", "P1")
    assert repair.seconds == SolverOptions().seconds == _keyword(plan_day, "seconds")
    deadline = _parse("deadline", "--type", "no_external_works", "--accepted", "x")
    assert deadline.day_reading == ConnectionRules().day_reading

    programme = ProgrammeSettings()
    valves = _parse("valves", "report", "city.gpkg")
    assert dt.timedelta(days=valves.critical_days) == programme.critical_cycle
    assert dt.timedelta(days=valves.other_days) == programme.other_cycle
    assert valves.critical_share == programme.critical_share
    assert valves.top == _keyword(programme_effect, "top")

    survey = _parse("leakage", "survey", "data")
    assert survey.outlet_pressure == _keyword(analyse, "outlet_pressure_mpa")
    assert (survey.top, survey.km_per_day) == (
        _keyword(survey_jobs, "top"),
        _keyword(survey_jobs, "km_per_crew_day"),
    )
    sample = _parse("leakage", "sample")
    assert (sample.days, sample.seed) == (_keyword(generate, "days"), _keyword(generate, "seed"))

    # the demo's notices link where `waterops serve` listens by default
    monkeypatch.delenv("WATEROPS_PUBLIC_URL", raising=False)
    monkeypatch.delenv("WATEROPS_CONFIG", raising=False)
    serve = _parse("serve")
    issuer, _ = Settings(data_dir=tmp_path, seed_demo_users=True).notice_issuer()
    assert issuer.url("OUT-1", "zh").startswith(f"http://{serve.host}:{serve.port}/outages/")


def test_the_valve_programmes_routes_default_to_the_programmes_settings() -> None:
    programme = ProgrammeSettings()
    core = {
        "critical_days": programme.critical_cycle.days,
        "other_days": programme.other_cycle.days,
        "critical_share": programme.critical_share,
    }
    for route in (valve_programme, valve_programme_report):
        assert {name: _keyword(route, name) for name in core} == core, route.__name__
    assert {name: ExercisesIn.model_fields[name].default for name in core} == core


def test_a_stored_crew_without_shift_times_gets_the_rosters() -> None:
    row = t.Crew(id="C1", skills=["valve"], depot_lon=114.3, depot_lat=34.8)
    row.shift_start = row.shift_end = ""
    crew = crew_value(row)
    made = CrewShift("C1", frozenset({"valve"}), (114.3, 34.8))
    assert (crew.start, crew.end) == (made.start, made.end)


def test_the_plans_overtime_is_described_from_the_call_out_rules() -> None:
    hours = f"({CallOutRules().overtime / dt.timedelta(hours=1):g} h)"
    for model in (PlanIn, ReplanIn):
        description = model.model_fields["overtime_hours"].description
        assert description is not None and hours in description, model.__name__


def test_a_plans_solver_time_is_asked_configured_or_the_replan_cap() -> None:
    time = SolveTime()
    assert time.seconds(None, 45.0, replan=False) == 45.0  # the setting, for a day plan
    assert time.seconds(None, 45.0, replan=True) == time.replan_at_most  # an emergency waits less
    assert time.seconds(None, 5.0, replan=True) == 5.0
    assert time.seconds(12.0, 45.0, replan=True) == 12.0  # what the request asks for
    assert (PlanIn.model_fields["seconds"].default, ReplanIn.model_fields["seconds"].default) == (
        None,
        None,
    )


# Literal copies of core defaults that must not come back in api/: the shift's clock times, the
# valve cycles, the notice lead, the hours of emergency overtime and the solver's seconds.
COPIES = {
    "shift times": re.compile(r"""["']0?8:00["']|["']17:00["']|dt\.time\((8|17)\b"""),
    "valve cycles": re.compile(r"3 \* 365|\b1095\b|=\s*365\b|=\s*0\.10?\b"),
    "notice lead": re.compile(r"default=24(\.0)?\b"),
    "overtime": re.compile(r"\(4 h\)"),
    "solver seconds": re.compile(r"solver_seconds.*default=\d|solver_seconds, \d"),
}
NOT_YET: dict[str, set[str]] = {}  # files another change still has to clear (none left)


def test_no_copy_of_a_core_default_in_api() -> None:
    found = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if "/migrations/" in name:
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in COPIES.items():
            if what in NOT_YET.get(name, set()):
                continue
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what} {match.group(0)}")
    assert not found, "defaults copied instead of read from the core:\n" + "\n".join(found)
