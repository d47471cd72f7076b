"""Issue 13 in the service: one burst, one ticket; a ticket can be cancelled with a reason."""

from __future__ import annotations

from tests.api.conftest import Service


def test_a_repeat_report_is_linked_to_the_open_ticket(service: Service) -> None:
    first = service.post("/api/repairs", json={"severity": "burst", "pipe_id": "P000590"})
    assert first.status_code == 201, first.text
    ticket = first.json()["ticket"]
    again = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000590", "description": "2nd"}
    )
    assert again.status_code == 200, again.text
    linked = again.json()
    assert linked["ticket"] == ticket and linked["linked"] is True
    assert "second_break" in linked["message"]
    # nothing new was made: the chain is the first ticket's alone
    jobs = service.get("/api/jobs", params={"source": ticket}).json()
    assert len(service.get("/api/repairs").json()) >= 1
    assert all(j["source"] == ticket for j in jobs)
    # the dispatcher says it is a second break: a ticket of its own
    second = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000590", "second_break": True}
    )
    assert second.status_code == 201 and second.json()["ticket"] != ticket

    # cancel the duplicate with a reason: its open jobs are cancelled, the reason kept
    other = second.json()["ticket"]
    assert service.post(f"/api/repairs/{other}/cancel", json={}).status_code == 422
    done = service.post(f"/api/repairs/{other}/cancel", json={"reason": "same break, double"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled" and done.json()["cancelled_jobs"]
    job = service.get(f"/api/jobs/{done.json()['cancelled_jobs'][0]}").json()
    assert job["status"] == "cancelled" and "same break, double" in job["history"][-1]["note"]
    assert service.post(f"/api/repairs/{other}/cancel", json={"reason": "x"}).status_code == 409
    assert (
        service.post(
            f"/api/repairs/{ticket}/cancel", json={"reason": "x"}, role="viewer"
        ).status_code
        == 403
    )
