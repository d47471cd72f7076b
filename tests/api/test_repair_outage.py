"""The outage of a repair is made in one place (ops.outages.repair_outage): the CLI and the
service give the same outage for the same repair (issue 15: the CLI made every repair outage an
emergency, the service a minor leak a planned one)."""

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


def _cli_outage(capsys: pytest.CaptureFixture[str], severity: str) -> dict[str, Any]:
    args = ["repair", str(SAMPLE_CITY), "--pipe", PIPE, "--reported", REPORTED.replace("T", " ")]
    args += ["--severity", severity, "--id", f"T-{severity}", "--roster", str(ROSTER)]
    assert main([*args, "--seconds", "2", "--json"]) == 0
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
    assert api["state"] == "draft"  # the service's dispatcher publishes it
    # the CLI notifies an emergency at once; a planned outage waits for its approval
    assert cli["state"] == ("published" if kind == "emergency" else "draft")
