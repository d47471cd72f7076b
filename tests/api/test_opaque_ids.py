"""Nothing reads structure out of an id (issue 15, item 1): jobs whose ids say nothing (a UUID,
not ``<ticket>-repair`` or ``EX-<valve>-<day>``) of a ticket that does not start with ``T-``
are planned, published, timed as an outage and closed by an exercise result, by their fields.

The jobs are made by ``ops`` as the service makes them and then given other ids, as an import
from another system (a work-order tool) would store them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from api.db import tables as t
from api.store import add_jobs
from ops.jobs import RepairStep
from ops.repairs import RepairReport, Severity, open_repair
from ops.valves import ValveDue, exercise_jobs
from tests.api.conftest import START, make_service, wait_for_plan

TICKET = "WO#2026.0007"  # no "T-", and a "#" that the two-crew ids of old used


def opaque() -> str:
    return str(uuid.uuid4())


def test_jobs_with_opaque_ids_go_through_plan_publish_outage_and_exercise(
    tmp_path: Path,
) -> None:
    for svc in make_service("sqlite", tmp_path):
        svc.clock.now = START  # Thursday 08:00
        app = svc.client.app
        with app.state.sessions() as session, session.begin():
            loaded = app.state.registry.get(session, 1)
            report = RepairReport(
                TICKET,
                START,
                Severity.BURST,
                pipe_id="P000590",
                inoperable_valves=tuple(sorted(loaded.failed)),
            )
            case = open_repair(report, loaded.isolator)
            renamed = {j.id: opaque() for j in case.jobs}
            jobs = [replace(j, id=renamed[j.id]) for j in case.jobs]
            links = [
                replace(lk, before=renamed[lk.before], after=renamed[lk.after]) for lk in case.links
            ]
            session.add(
                t.RepairTicket(
                    id=TICKET,
                    network_id=1,
                    severity="burst",
                    pipe_id=case.pipe_id,
                    reported_at=START,
                    report={
                        "pipe_id": case.pipe_id,
                        "inoperable": list(report.inoperable_valves),
                        "expected": [x.isoformat() for x in case.expected_window()],
                    },
                    case={**case.to_dict(), "jobs": [j.to_dict() for j in jobs]},
                    created_by="dispatcher",
                )
            )
            valves = [str(v) for v in loaded.network.valves.ids[:2]]
            due = [ValveDue(v, None, None, 0) for v in valves]
            exercises = [
                replace(j, id=opaque())
                for j in exercise_jobs(loaded.network, due, START.date(), limit=2)
            ]
            add_jobs(session, [*jobs, *exercises], links, "dispatcher")
        repair = next(j for j in jobs if j.step == RepairStep.REPAIR)
        closures = {j.id for j in jobs if j.step == RepairStep.CLOSE}
        assert closures and repair.crews_required in (1, 2)

        # the job answers carry the fields
        stored = svc.get(f"/api/jobs/{repair.id}").json()
        assert (stored["ticket"], stored["step"], stored["valve"]) == (TICKET, "repair", None)
        shown = svc.get(f"/api/jobs/{exercises[0].id}").json()
        assert shown["valve"] == valves[0] and shown["ticket"] is None

        # plan: the chain is found by its ticket, its outage timed from its stops
        r = svc.post("/api/plans", json={"day": START.date().isoformat(), "seconds": 4})
        assert r.status_code == 202, r.text
        plan = wait_for_plan(svc, r.json()["id"])
        assert plan["status"] == "ready", plan["error"]
        result = plan["result"]
        stops = [(route["crew"], s) for route in result["routes"] for s in route["stops"]]
        mine = [(crew, s) for crew, s in stops if s["job"] == repair.id]
        assert sorted(s["slot"] for _, s in mine) == list(range(1, repair.crews_required + 1))
        assert len({crew for crew, _ in mine}) == repair.crews_required
        assert all(s["ticket"] == TICKET and s["step"] == "repair" for _, s in mine)
        window = result["outage_windows"][TICKET]
        assert window["scheduled"], window
        firsts = [s["start"] for _, s in stops if s["job"] in closures]
        assert window["start"][:16] == min(firsts)[:16]

        # publish: every planned job is assigned, the second crew's stop to no other job
        r = svc.post(
            f"/api/plans/{plan['id']}/publish",
            json={},
            headers={"If-Match": f'"{plan["version"]}"'},
        )
        assert r.status_code == 200, r.text
        for _, s in stops:
            job = svc.get(f"/api/jobs/{s['job']}").json()
            assert job["status"] == "assigned", (s, job)
            assert job["crew"] in {c for c, x in stops if x["job"] == s["job"]}

        # the outage of the repair takes the window the plan scheduled
        outage = svc.post(
            f"/api/outages/from-repair/{TICKET.replace('#', '%23')}", json={"plan_id": plan["id"]}
        )
        assert outage.status_code == 201, outage.text

        # an exercise result closes the exercise of that valve, found by its valve
        url = f"/api/networks/1/valves/{valves[0]}/exercise"
        done = svc.post(url, json={"result": "operable"})
        assert done.status_code == 200, done.text
        assert done.json()["jobs_closed"] == [exercises[0].id]
        assert svc.get(f"/api/jobs/{exercises[0].id}").json()["status"] == "done"
        assert svc.get(f"/api/jobs/{exercises[1].id}").json()["status"] != "done"
        # and the next exercises are not made for the valve still open
        made = svc.post("/api/valve-exercises", json={"count": 50}).json()
        assert valves[1] not in {j["valve"] for j in made}
