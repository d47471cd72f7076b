"""``waterops repair`` promises the outage start the roster allows, as the service does
(``POST /api/repairs``, ``ops.emergency.first_arrival``): with ``--roster`` (or ``--crews``, a
``waterops plan`` crews file whose current positions count for crews at work) a 03:10 burst
is expected when the on-call crews can be at the first valve, not at the nominal 03:40."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from api.cli import main
from tests.conftest import ROOT, SAMPLE_CITY

ROSTER = ROOT / "sample_data" / "roster.csv"
NIGHT = ["repair", str(SAMPLE_CITY), "--pipe", "P000590", "--reported", "2026-12-08 03:10"]


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main([*args, "--json"]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def _start(case: dict[str, object]) -> dt.datetime:
    window = case["expected_window"]
    assert isinstance(window, list)
    return dt.datetime.fromisoformat(window[0]).replace(tzinfo=None)


def test_without_crews_the_promise_is_nominal(capsys: pytest.CaptureFixture[str]) -> None:
    case = _json(capsys, *NIGHT)
    assert case["expected_basis"] == "nominal"
    assert _start(case) == dt.datetime(2026, 12, 8, 3, 40)


@pytest.mark.slow
def test_the_roster_gives_the_promise_the_plan_keeps(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, *NIGHT, "--roster", str(ROSTER), "--seconds", "3")
    case = data["repair"]
    assert isinstance(case, dict) and case["expected_basis"] == "roster"
    promised = _start(case)
    # the on-call crews are called at home (45 min), then drive to the nearest valve
    assert dt.datetime(2026, 12, 8, 3, 55) < promised < dt.datetime(2026, 12, 8, 4, 5)
    window = data["outage_window"]
    assert isinstance(window, dict) and window["scheduled"]
    planned = dt.datetime.fromisoformat(window["start"]).replace(tzinfo=None)
    # the plan's first closure is what was promised (by the minute: the promise is in minutes)
    assert abs(planned - promised) < dt.timedelta(minutes=1), (planned, promised)
    assert any("called out" in n for n in case["notes"])


def test_a_crews_file_counts_where_the_crews_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """By day, a crew at work with a current position comes from there (``roster``); the same
    crews without positions leave their jobs somewhere (``roster_estimated_drive``, 30 min)."""
    day = ["repair", str(SAMPLE_CITY), "--pipe", "P000590", "--reported", "2026-12-08 10:00"]
    crews = tmp_path / "crews.csv"
    header = "id,skills,depot_lon,depot_lat,shift_start,shift_end,current_lon,current_lat\n"
    crews.write_text(header + "valve-09,valve,114.30,34.81,08:00,17:00,,\n")
    blind = _json(capsys, *day, "--crews", str(crews), "--seconds", "1")["repair"]
    assert isinstance(blind, dict) and blind["expected_basis"] == "roster_estimated_drive"
    assert _start(blind) == dt.datetime(2026, 12, 8, 10, 30)
    crews.write_text(header + "valve-09,valve,114.30,34.81,08:00,17:00,114.3407,34.7983\n")
    seen = _json(capsys, *day, "--crews", str(crews), "--seconds", "1")["repair"]
    assert isinstance(seen, dict) and seen["expected_basis"] == "roster"
    # it leaves its job safe (10 min) and drives the few hundred metres to the valves
    assert dt.datetime(2026, 12, 8, 10, 10) <= _start(seen) < dt.datetime(2026, 12, 8, 10, 20)


def test_roster_and_crews_are_one_or_the_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*NIGHT, "--roster", str(ROSTER), "--crews", str(ROSTER)])
    assert info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err
