"""Issue 18 item 5: every job ops makes says what it is as a key and params (FieldJob.describe),
which the console and the field app say in their language from the ``job:<key>`` templates of
``i18n.js``; the English ``description`` stays for CSV, CLI and API readers. A job made
without its key, or a key whose template names a param the job does not carry, would show
English (or a ``{name}``) to a dispatcher who chose Chinese."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from gis.isolation import Isolator
from gis.network import Network
from ops.calendar import WorkCalendar
from ops.connections import ConnectionApplication, follow_up_visit, open_connection
from ops.emergency import Interruption, rest_of
from ops.jobs import FieldJob, JobKind, JobText, field_job_from_dict, leak_survey
from ops.leakage import DmaLeakage, survey_jobs
from ops.repairs import RepairReport, RepairRules, open_repair
from ops.valves import (
    ExerciseResult,
    ProgrammeItem,
    ValveDue,
    exercise_jobs,
    programme_jobs,
    valve_repair_job,
)
from tests.ops.conftest import two_source_street

I18N = Path(__file__).parents[2] / "api" / "web" / "static" / "js" / "i18n.js"
NOW = dt.datetime(2026, 11, 26, 8, 0)


def templates(lang: str) -> dict[str, str]:
    """The ``job:`` templates of one language in ``i18n.js``, by key (without the prefix)."""
    text = I18N.read_text(encoding="utf-8")
    start = text.index(f"{lang}: {{")
    end = text.index("en: {") if lang == "zh" else text.index("const params")
    return dict(re.findall(r'"job:(\w+)":\s*"([^"]*)"', text[start:end]))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def every_kind_of_job(city: Network) -> list[FieldJob]:
    """One of each job ops makes, each of its wordings (two crews, a tanker, a rest ...)."""
    jobs: list[FieldJob] = []
    rules = RepairRules(tanker_after=dt.timedelta(hours=1), residents_per_tanker_point=1)
    street = Isolator(two_source_street())
    jobs += open_repair(RepairReport("T1", NOW, "burst", pipe_id="P2"), street, rules=rules).jobs
    big = Isolator(two_source_street(diameter_mm=500))
    jobs += open_repair(RepairReport("T2", NOW, "major_leak", pipe_id="P3"), big).jobs
    cal = WorkCalendar()
    accepted = dt.datetime(2026, 9, 30, 16, 0)
    app = ConnectionApplication(
        "APP-7",
        "general_construction",
        accepted,
        (114.35, 34.8),
        "Zhang San",
        dn_mm=80,
        line_length_m=60,
        address="1 Gulou St",
    )
    case = open_connection(app, cal)
    jobs += case.jobs
    jobs += open_connection(
        ConnectionApplication("APP-8", "pre_other", accepted, (0, 0), "F"), cal
    ).jobs
    jobs.append(follow_up_visit(case, dt.datetime(2026, 10, 8, 10, 0), cal))
    jobs.append(leak_survey("LS-1", (0.0, 0.0), dt.timedelta(hours=2), NOW, area="Gulou St"))
    jobs.append(leak_survey("LS-2", (0.0, 0.0), dt.timedelta(hours=2), NOW))
    dma = sorted(city.dma_names)[0]
    level = DmaLeakage(dma, "North", 900.0, 100.0, 8.0, 400, 30.0)
    jobs += survey_jobs(city, [level], NOW, top=1)
    valves = list(city.valves.ids[:4])
    day = NOW.date()
    due = [ValveDue(valves[0], dt.date(2023, 5, 2), 30, 3), ValveDue(valves[1], None, None, 0)]
    jobs += exercise_jobs(city, due, day)
    items = [
        ProgrammeItem(v, k == 0, area, last, day, 1)
        for k, (v, area, last) in enumerate(
            [
                (valves[0], dma, dt.date(2023, 5, 2)),
                (valves[1], dma, None),
                (valves[2], "", dt.date(2024, 1, 9)),
                (valves[3], "", None),
            ]
        )
    ]
    jobs += programme_jobs(city, items, day)
    for result in ExerciseResult:
        repair = valve_repair_job(city, valves[0], result, NOW, critical=False)
        jobs += [] if repair is None else [repair]
    jobs.append(
        rest_of(
            jobs[0],
            NOW,
            NOW + dt.timedelta(hours=1),
            Interruption(dt.timedelta(minutes=10), dt.timedelta(minutes=15)),
        )
    )
    return jobs


@pytest.fixture(scope="module")
def jobs(sample_city: Network) -> list[FieldJob]:
    return every_kind_of_job(sample_city)


def test_every_kind_of_job_is_made(jobs: list[FieldJob]) -> None:
    assert {j.kind for j in jobs} == set(JobKind)
    keys = {j.describe.key for j in jobs if j.describe is not None}
    # each wording ops can give a job is among them (the ones built from several parts)
    assert {"repair_pipe", "repair_pipe_two_crews", "water_tanker", "leak_survey"} <= keys
    assert {"leak_survey_area", "leak_survey_stretch"} <= keys
    assert {
        f"exercise_valve{a}{b}" for a in ("", "_never") for b in ("", "_area", "_trunk")
    } <= keys
    assert {"valve_repair_stuck", "valve_repair_leaking", "valve_repair_not_found"} <= keys


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_job_has_a_key_whose_params_fill_its_template(
    jobs: list[FieldJob], lang: str
) -> None:
    words = templates(lang)
    for job in jobs:
        assert job.describe is not None, f"{job.id} ({job.kind}) has no key"
        key = job.describe.key
        assert key in words, f'add "job:{key}" to the {lang} strings of {I18N.name}'
        assert placeholders(words[key]) == set(job.describe.params), (job.id, key)
        assert all(isinstance(v, str) for v in job.describe.params.values()), job.id


def test_the_english_template_says_what_the_description_says(jobs: list[FieldJob]) -> None:
    """Outside a connection's steps (whose stored text has Chinese in it), the English template
    filled is the description, less a rest's part (the console adds it from ``part``)."""
    words = templates("en")
    for job in jobs:
        if job.application is not None or job.describe is None:
            continue
        said = words[job.describe.key].format(**job.describe.params)
        assert job.description.startswith(said), (said, job.description)


def test_the_key_is_stored_and_read_back_and_an_old_job_has_none(jobs: list[FieldJob]) -> None:
    for job in jobs:
        back = field_job_from_dict(job.to_dict())
        assert back.describe == job.describe and back.to_dict() == job.to_dict()
    old = jobs[0].to_dict()
    del old["describe"]  # stored before jobs had a key: the console shows the stored text
    assert field_job_from_dict(old).describe is None
    assert field_job_from_dict(old).description == jobs[0].description
    assert JobText("reopen_valve", {"valve": "V1"}).to_dict() == {
        "key": "reopen_valve",
        "params": {"valve": "V1"},
    }
