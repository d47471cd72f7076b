"""``waterops demo`` promises its sample burst's outage start from the sample roster, as
``waterops repair --roster`` and ``POST /api/repairs`` do (``ops.emergency.first_arrival``
through ``ops.repairs.open_repair``): it opened the ticket without the roster and printed the
nominal promise ("nominal: give --roster") beside a plan made with that very roster."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from api.cli import main
from api.cli.service import DEMO_REPORTED
from tests.conftest import ROOT, SAMPLE_CITY

ROSTER = SAMPLE_CITY.parent / "roster.csv"
# what the CLI's table says of each basis (api.cli.outages.print_case)
BASIS = {
    "roster": "when the roster's first crew can be there",
    "roster_estimated_drive": "by the roster, the drive estimated",
    "nominal": "nominal: give --roster for the crews' times",
}


@pytest.mark.slow
def test_the_demo_promises_what_repair_with_the_sample_roster_promises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo = subprocess.run(
        [sys.executable, "-m", "api.cli", "demo", str(SAMPLE_CITY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    pipe = re.search(r"Repair T-DEMO: burst on pipe (\S+), reported", demo.stdout)
    promised = re.search(
        r"Expected outage before planning: (\d\d:\d\d)–(\d\d:\d\d) \((.*)\)", demo.stdout
    )
    assert pipe and promised, demo.stdout
    assert "Outage window as scheduled" in demo.stdout  # planned with the roster

    # the same burst through `waterops repair --roster` (the service's promise, 6538367)
    args = ["repair", str(SAMPLE_CITY), "--pipe", pipe[1], "--reported", DEMO_REPORTED]
    assert main([*args, "--roster", str(ROSTER), "--seconds", "1", "--json"]) == 0
    case = json.loads(capsys.readouterr().out)["repair"]
    assert case["expected_basis"] != "nominal", case
    start, end = (w[11:16] for w in case["expected_window"])
    assert (promised[1], promised[2]) == (start, end), (promised[0], case["expected_window"])
    assert promised[3] == BASIS[case["expected_basis"]], promised[0]
