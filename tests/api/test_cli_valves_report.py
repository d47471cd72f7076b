"""``waterops valves report`` says what its "after" figure assumes (issue 17): every exercise
of the year succeeding (``after_assumes``), and, once the utility has enough exercise results
of its own, the figure expected at its share of valves found not to close (``expected_after``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main
from tests.conftest import SAMPLE_CITY

ARGS = [str(SAMPLE_CITY), "--on", "2026-11-26"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_after_figure_says_its_assumption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["valves", "report", *ARGS, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["expected_after"] is None
    assert main(["valves", "report", *ARGS]) == 0
    printed = _flat(capsys.readouterr().out)
    after = f"{plain['extra_customers_at_risk_after']:,} extra customers"
    assert f"if {plain['after_assumes']}" in printed and after in printed, printed
    # no results of the utility's own: no share to use, and the report says what would give one
    assert "about" not in printed and "20 or more exercise results" in printed, printed
    # 20 exercise results, 2 of them stuck: a 10 % fault share
    valves = plain["unverified_before"][:20]
    assert len(valves) == 20
    results = tmp_path / "results.csv"
    rows = "".join(
        f"{v},{'stuck' if k < 2 else 'operable'},2026-11-20\n" for k, v in enumerate(valves)
    )
    results.write_text("valve,result,date\n" + rows)
    assert main(["valves", "report", *ARGS, "--results", str(results), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["fault_share"] == 0.1 and found["expected_after"] is not None
    assert main(["valves", "report", *ARGS, "--results", str(results)]) == 0
    printed = _flat(capsys.readouterr().out)
    assert f"if {found['after_assumes']}" in printed, printed
    expected = f"about {found['expected_after']:,} extra customers"
    assert expected in printed and "10 % of the 20 exercise results" in printed, printed
