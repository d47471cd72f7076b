"""The outage of a repair is made in one place (ops.outages.repair_outage): the CLI and the
service give the same outage for the same repair (issue 15: the CLI made every repair outage an
emergency, the service a minor leak a planned one), in the same state (issue 15 point 2: the
CLI published an emergency at once, the service left it a draft; now both draft it, and
publishing is the dispatcher's act: the console's Publish, the CLI's ``--publish``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.cli import main
from tests.api.conftest import START, Service
from tests.api.test_cli_ops import ROSTER
from tests.conftest import SAMPLE_CITY

PIPE = "P000590"
REPORTED = "2026-11-26T09:10:00"


def _cli_args(severity: str) -> list[str]:
    args = ["repair", str(SAMPLE_CITY), "--pipe", PIPE, "--reported", REPORTED.replace("T", " ")]
    args += ["--severity", severity, "--id", f"T-{severity}", "--roster", str(ROSTER)]
    return [*args, "--seconds", "2", "--json"]


def _cli_outage(capsys: pytest.CaptureFixture[str], severity: str) -> dict[str, Any]:
    assert main(_cli_args(severity)) == 0
    notice: dict[str, Any] = json.loads(capsys.readouterr().out)["notice"]
    return notice


def _api_outage(service: Service, severity: str) -> dict[str, Any]:
    service.clock.now = START.replace(hour=9, minute=10)
    body = {"severity": severity, "pipe_id": PIPE, "reported_at": REPORTED, "second_break": True}
    r = service.post("/api/repairs", json=body)
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    r = service.post(f"/api/outages/from-repair/{ticket}", json={})
    assert r.status_code == 201, r.text
    outage: dict[str, Any] = r.json()
    assert outage["source"] == ticket
    return outage


def _notice(outage: dict[str, Any]) -> dict[str, Any]:
    """What the notice says about the outage, apart from its window (the CLI's comes from its
    own day plan, the service's from the ticket's expected schedule or a plan of its crews)."""
    return {k: v for k, v in outage["content"].items() if k not in ("start", "end")}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("severity", "kind"),
    [("burst", "emergency"), ("major_leak", "emergency"), ("minor_leak", "planned")],
)
def test_the_cli_and_the_service_give_the_same_outage(
    service: Service, capsys: pytest.CaptureFixture[str], severity: str, kind: str
) -> None:
    cli = _cli_outage(capsys, severity)
    api = _api_outage(service, severity)
    assert cli["kind"] == api["kind"] == kind
    assert _notice(cli) == _notice(api)
    assert _notice(api)["breaks"] == [PIPE] and _notice(api)["customers"]["total"] > 0
    # one rule (ops.outages.repair_outage): drafted; the dispatcher publishes it
    assert cli["state"] == api["state"] == "draft"
    steps = [(x["state"], x["at"], x["note"]) for x in api["revisions"]]
    assert [(x["state"], x["at"], x["note"]) for x in cli["revisions"]] == steps
    assert cli["records"] == api["records"] == []


@pytest.mark.slow
def test_publishing_a_repairs_notice_is_one_rule_in_the_cli_and_the_service(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    """An emergency is published the moment it is drafted (§22: notified while it is repaired,
    no approval, no lead); a planned repair's notice is refused until it is approved."""
    api = _api_outage(service, "burst")
    r = service.post(
        f"/api/outages/{api['id']}/publish", json={}, headers={"If-Match": f'"{api["version"]}"'}
    )
    assert r.status_code == 200, r.text
    assert main([*_cli_args("burst"), "--publish"]) == 0
    cli = json.loads(capsys.readouterr().out)["notice"]
    assert cli["state"] == r.json()["state"] == "published"
    assert [x["state"] for x in cli["revisions"]] == [x["state"] for x in r.json()["revisions"]]

    api = _api_outage(service, "minor_leak")
    r = service.post(
        f"/api/outages/{api['id']}/publish", json={}, headers={"If-Match": f'"{api["version"]}"'}
    )
    assert r.status_code == 422 and r.json()["code"] == "not_approved", r.text
    assert main([*_cli_args("minor_leak"), "--publish"]) == 1
    assert "城市供水条例" in capsys.readouterr().err
