"""The job detail through the service (issue 18 item 2): GET /api/jobs/{id} with its notes,
links, chain and the basis of its deadline; notes; rescheduling with a reason. Real SQLite, the
real repair chain of the sample city."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.routes.work import JobDetailOut
from tests.api.conftest import START, Service, make_service


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", Path(tmp_path_factory.mktemp("detail")))


def _connection(svc: Service, accepted_at: str | None = "2026-11-20T10:00:00") -> dict[str, str]:
    body = {
        "type": "general_construction",
        "customer": "Li Si",
        "lon": 114.36,
        "lat": 34.80,
        "dn_mm": 100,
        "line_length_m": 80,
    }
    if accepted_at:
        body["accepted_at"] = accepted_at
    r = svc.post("/api/connections", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_connection_step_says_how_its_deadline_was_set(svc: Service) -> None:
    svc.clock.now = START
    app = _connection(svc)
    survey = svc.get(f"/api/jobs/{app['application']}-survey")
    assert survey.status_code == 200, survey.text
    body = survey.json()
    JobDetailOut.model_validate(body)
    basis = body["deadline_basis"]
    assert basis["rule"] == "table1"
    assert basis["basis"] == app["deadline"]["basis"] and "Table 1 row" in basis["basis"]
    assert (basis["days"], basis["unit"]) == (app["deadline"]["days"], "working days")
    assert basis["from"] == app["accepted_at"]
    assert basis["application_due"] == app["deadline"]["due"]
    assert basis["type"] == "general_construction" and basis["type_chinese"]
    assert basis["basis"].startswith(f"Table 1 row {basis['row']} ({basis['type_chinese']})")
    assert basis["chained"] and body["deadline"] < app["deadline"]["due"]
    last = svc.get(f"/api/jobs/{app['application']}-open").json()["deadline_basis"]
    assert not last["chained"] and last["deadline"] == app["deadline"]["due"]
    assert [j["kind"] for j in body["chain"]] == ["survey", "meter installation", "valve opening"]
    assert body["links"] == [
        {"before": f"{app['application']}-survey", "after": f"{app['application']}-meter",
         "gap_min": 0.0, "max_gap_min": None, "required": False}
    ]  # fmt: skip


def test_a_repair_chain_in_order_and_its_target(svc: Service) -> None:
    svc.clock.now = START
    r = svc.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000300", "reported_at": "2026-11-26T08:00:00"},
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    repair = next(j for j in ticket["jobs"] if j["step"] == "repair")
    body = svc.get(f"/api/jobs/{repair['id']}").json()
    assert body["deadline_basis"] == {
        "rule": "repair_target", "ticket": ticket["ticket"], "deadline": repair["deadline"],
        "due": repair["due"], "hard": repair["deadline"] is not None,
    }  # fmt: skip
    steps = [j["step"] for j in body["chain"]]
    assert len(body["chain"]) == len(ticket["jobs"])
    k = steps.index("repair")
    assert set(steps[:k]) == {"close"} and "reopen" in steps[k + 1 :]
    assert steps.index("flush") > max(i for i, s in enumerate(steps) if s == "reopen")
    assert all(
        link["after"] == repair["id"] for link in body["links"] if link["before"] != repair["id"]
    )


def test_notes_are_kept_with_who_and_when(svc: Service) -> None:
    svc.clock.now = START
    app = _connection(svc)
    job = f"{app['application']}-meter"
    r = svc.post(f"/api/jobs/{job}/notes", json={"text": "  meter box behind the gate "})
    assert r.status_code == 201, r.text
    assert r.json()["text"] == "meter box behind the gate" and r.json()["by"] == "dispatcher"
    assert svc.post(f"/api/jobs/{job}/notes", json={"text": "   "}).status_code == 422
    assert svc.post(f"/api/jobs/{job}/notes", json={"text": "x"}, role="viewer").status_code == 403
    svc.post(f"/api/jobs/{job}/notes", json={"text": "second"}, role="engineer")
    notes = svc.get(f"/api/jobs/{job}").json()["notes"]
    assert [(n["text"], n["by"]) for n in notes] == [
        ("meter box behind the gate", "dispatcher"), ("second", "engineer")
    ]  # fmt: skip
    assert svc.post("/api/jobs/NOPE/notes", json={"text": "x"}).status_code == 404


def test_rescheduling_keeps_the_deadline_and_the_reason(svc: Service) -> None:
    svc.clock.now = START
    app = _connection(svc, accepted_at=None)  # accepted now: its deadline days ahead
    job = f"{app['application']}-survey"
    got = svc.get(f"/api/jobs/{job}")
    assigned = svc.post(
        f"/api/jobs/{job}/status",
        json={"status": "assigned", "crew": "meter-01"},
        headers={"If-Match": got.headers["etag"]},
    )
    assert assigned.status_code == 200, assigned.text
    url = f"/api/jobs/{job}/reschedule"
    deadline = got.json()["deadline"]
    body = {"earliest": "2026-11-26T10:00:00", "latest_start": "2026-11-26T12:00:00",
            "reason": "customer home only from ten"}  # fmt: skip
    assert svc.post(url, json=body).status_code == 428
    stale = svc.post(url, json=body, headers={"If-Match": got.headers["etag"]})
    assert stale.status_code == 412
    late = svc.post(
        url,
        json={**body, "earliest": deadline[:19], "latest_start": None},
        headers={"If-Match": assigned.headers["etag"]},
    )
    assert late.status_code == 409 and "deadline" in late.json()["detail"]
    r = svc.post(url, json=body, headers={"If-Match": assigned.headers["etag"]})
    assert r.status_code == 200, r.text
    out = r.json()
    JobDetailOut.model_validate(out)
    assert out["earliest"] == "2026-11-26T10:00:00+08:00"
    assert out["latest_start"] == "2026-11-26T12:00:00+08:00"
    assert out["deadline"] == deadline  # the Table 1 deadline is not moved
    assert (out["status"], out["crew"]) == ("open", None)
    last = out["history"][-1]
    assert last["status"] == "open" and "customer home only from ten" in last["note"]
    again = svc.get(f"/api/jobs/{job}").json()
    assert again["earliest"] == out["earliest"] and again["history"] == out["history"]
    viewer = svc.post(url, json=body, role="engineer", headers={"If-Match": r.headers["etag"]})
    assert viewer.status_code == 403
