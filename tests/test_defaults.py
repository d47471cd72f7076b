"""Each default has one home, the core's dataclass or constant (issue 15, item 4).

The API's models, the service's settings and the command line read their defaults from the core;
these tests fail when a copy comes back with another value, and the source scan fails when one
comes back as a literal in ``api/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from api.routes.crews import CrewIn
from api.schemas import JobOut
from api.settings import Settings
from ops.calendar import OfficeHours
from ops.dispatch import CrewShift
from ops.jobs import FieldJob
from ops.notices.issuer import Issuer
from ops.outages import DEFAULT_LEAD, MIN_LEAD

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
    assert OfficeHours.parse(settings.office_hours) == OfficeHours()
    assert settings.sender == Issuer().sender
    with pytest.raises(ValueError, match="below 24"):
        Settings(data_dir=tmp_path, notice_lead_hours=MIN_LEAD.total_seconds() / 3600 - 1)


# Literal copies of core defaults that must not come back in api/: the shift's clock times and
# the valve cycles. Files another change of issue 15 still has to clear are listed apart.
COPIES = {
    "shift times": re.compile(r"""["']0?8:00["']|["']17:00["']|dt\.time\((8|17)\b"""),
    "valve cycles": re.compile(r"3 \* 365|\b1095\b"),
    "notice lead": re.compile(r"default=24(\.0)?\b"),
}
NOT_YET = {  # still copies, moved by the change that takes their workflows out (issue 15)
    "api/store.py": {"shift times"},
    "api/routes/programmes.py": {"valve cycles"},
}


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
