"""A job's history entry is stored with its key and params when written (issue 18 point 5;
migration 0020): the job detail sends the stored key and params (``words``); an entry stored
before (no key) is read back from its note as before (ops.history.history_text); a
dispatcher's own note has no key, even when it reads like one of ours. Real SQLite, through
the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.db import tables as t
from api.routes.work import JobDetailOut
from tests.api.conftest import START, Service, make_service


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", Path(tmp_path_factory.mktemp("history-keys")))


def _survey(svc: Service) -> str:
    svc.clock.now = START
    body = {"type": "general_construction", "customer": "Li Si", "lon": 114.36, "lat": 34.80,
            "dn_mm": 100, "line_length_m": 80}  # fmt: skip
    r = svc.post("/api/connections", json=body)
    assert r.status_code == 201, r.text
    return f"{r.json()['application']}-survey"


def _rows(svc: Service, job: str) -> list[tuple[str, str | None, Any]]:
    with svc.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        rows = session.scalars(select(t.JobEvent).where(t.JobEvent.job_id == job))
        return [(r.note, r.key, r.params) for r in rows]


def _detail(svc: Service, job: str) -> dict[str, Any]:
    r = svc.get(f"/api/jobs/{job}")
    assert r.status_code == 200, r.text
    JobDetailOut.model_validate(r.json())
    return r.json()  # type: ignore[no-any-return]


def test_a_new_entry_is_stored_and_sent_with_its_key(svc: Service) -> None:
    job = _survey(svc)
    assert _rows(svc, job) == [("created", "created", {})]
    got = svc.get(f"/api/jobs/{job}")
    r = svc.post(
        f"/api/jobs/{job}/reschedule",
        json={"earliest": "2026-11-26T10:00:00", "latest_start": None, "reason": "gate locked"},
        headers={"If-Match": got.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    stored = _rows(svc, job)[-1]
    assert stored[1:] == (
        "rescheduled",
        {"from": "2026-11-26 10:00", "to": "", "reason": "gate locked"},
    )
    history = _detail(svc, job)["history"]
    assert [h["words"] for h in history] == [
        {"key": "created", "params": {}},
        {"key": "rescheduled", "params": stored[2]},
    ]
    assert history[-1]["note"] == stored[0]  # the English note stays


def test_a_dispatchers_own_note_has_no_key_though_it_reads_like_one(svc: Service) -> None:
    job = _survey(svc)
    got = svc.get(f"/api/jobs/{job}")
    r = svc.post(
        f"/api/jobs/{job}/status",
        json={"status": "assigned", "crew": "meter-01", "note": "water on"},
        headers={"If-Match": got.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert _rows(svc, job)[-1] == ("water on", None, {})
    last = _detail(svc, job)["history"][-1]
    assert (last["note"], last["words"], last["report"]) == ("water on", None, None)


def test_an_entry_stored_before_keys_is_read_back_from_its_note(svc: Service) -> None:
    job = _survey(svc)
    at = START.astimezone(dt.UTC)
    start = "2026-11-26T08:30:00+08:00"
    with svc.client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        for note in (f"plan 3, start {start}", "water on", "checked the meter box"):
            session.add(t.JobEvent(job_id=job, status="open", note=note, by="old", at=at))
    assert [r[1:] for r in _rows(svc, job)[1:]] == [(None, None)] * 3  # as stored before 0020
    history = _detail(svc, job)["history"]
    assert [h["words"] for h in history[1:]] == [
        {"key": "plan_start", "params": {"plan": "3", "start": start}},
        {"key": "water_on", "params": {}},
        None,
    ]
