"""The ops commands of ``waterops``: deadline, notice, repair, and the end-to-end demo."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from lxml import etree

from api.cli import main
from tests.conftest import ROOT, SAMPLE_CITY
from tests.ops.conftest import CAP_XSD

ROSTER = ROOT / "sample_data" / "roster.csv"


def test_deadline_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--type", "pre_other", "--accepted", "2026-09-30 16:00"]) == 0
    assert "2026-10-14 16:00" in capsys.readouterr().out
    args = ["deadline", "--type", "general_construction", "--accepted", "2026-09-30 16:00"]
    assert main([*args, "--dn", "100", "--length-m", "80", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["due"] == "2026-10-08T16:00:00"
    assert data["days"] == 1.0 and data["unit"] == "working days"


def test_a_deadline_into_an_unannounced_year_says_it_is_provisional(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["deadline", "--type", "pre_other", "--accepted", "2026-12-28 16:00"]) == 0
    text = capsys.readouterr().out
    assert "2027-01-06 16:00" in text and "provisional" in text and "2027" in text
    args = ["deadline", "--type", "pre_other", "--accepted", "2026-12-28 16:00", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["calendar"]["status"] == "provisional"
    assert main(["deadline", "--type", "pre_other", "--accepted", "2026-09-30 16:00"]) == 0
    assert "official (chinesecalendar" in capsys.readouterr().out
    fast = ["deadline", "--type", "fast_connection", "--accepted", "2026-11-27 10:00"]
    assert main([*fast, "--dn", "100", "--length-m", "50", "--day-reading", "civil_code"]) == 0
    assert "2026-11-30 18:00" in capsys.readouterr().out


def test_deadline_errors_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--type", "meter_retrofit", "--accepted", "2026-09-30 16:00"]) == 1
    assert "--dn MM --length-m M" in capsys.readouterr().err.replace("\n", " ")
    assert main(["deadline", "--type", "pre_other", "--accepted", "yesterday"]) == 1
    assert "YYYY-MM-DD HH:MM" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["deadline", "--type", "garden", "--accepted", "2026-09-30 16:00"])
    assert info.value.code == 2


NOTICE = [
    "notice",
    str(SAMPLE_CITY),
    "--pipe",
    "P000100",
    "--start",
    "2026-11-28 09:00",
    "--end",
    "2026-11-28 15:00",
    "--now",
    "2026-11-26 10:00",
    "--reason-zh",
    "阀门更换",
]


# a planned outage is published with the authority's approval (城市供水条例 §22)
APPROVED = [
    "--approved-by",
    "开封市城市管理局",
    "--approval-document",
    "汴城管供〔2026〕12号",
    "--approved-at",
    "2026-11-25 16:00",
]


def test_notice_text_and_cap(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NOTICE, "--publish"]) == 1  # not approved: not published
    assert "城市供水条例" in capsys.readouterr().err
    assert main(NOTICE) == 0  # a draft (unless --publish) is rendered without one
    draft = capsys.readouterr().out
    assert main([*NOTICE, "--draft"]) == 0  # --draft, deprecated, changes nothing
    assert capsys.readouterr().out == draft
    # a draft has no CAP message: a refusal that says so (exit 1), not an internal error (3)
    assert main([*NOTICE, "--format", "cap"]) == 1
    said = capsys.readouterr().err
    assert "is a draft: only published notices have CAP messages" in said
    assert "internal error" not in said
    approved = [*NOTICE, *APPROVED, "--publish"]
    assert main(approved) == 0
    text = capsys.readouterr().out
    assert text.startswith("停水通知") and "阀门更换" in text
    # the Chinese notice names its places in Chinese: the street's section and the area's bounds
    assert "纬一路（新区路—经十六路）" in text and "Wei 1 Lu" not in text
    assert "区域四至：东至经十六路，西至新区路，南至南环路，北至纬二路。" in text
    assert main([*approved, "--format", "en"]) == 0
    assert "Wei 1 Lu" in capsys.readouterr().out  # and in pinyin in English
    assert main([*approved, "--format", "cap"]) == 0
    doc = etree.fromstring(capsys.readouterr().out.encode("utf-8"))
    schema = etree.XMLSchema(etree.parse(str(CAP_XSD)))
    assert schema.validate(doc), schema.error_log
    assert main([*approved, "--format", "geojson"]) == 0
    geo = json.loads(capsys.readouterr().out)
    assert geo["features"][0]["properties"]["streets"] == ["Wei 1 Lu"]


def test_notice_is_a_draft_unless_published(capsys: pytest.CaptureFixture[str]) -> None:
    """One convention for the CLI's notices (docs/decisions.md, "The CLI publishes a notice only
    when asked"): ``notice`` drafts as ``repair`` does; ``--publish`` publishes."""
    capsys.readouterr()
    assert main([*NOTICE, *APPROVED, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "draft"
    assert main([*NOTICE, *APPROVED, "--publish", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "published"
    with pytest.raises(SystemExit) as refused:  # both at once: argparse says they exclude
        main([*NOTICE, "--draft", "--publish"])
    assert refused.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_notice_refuses_a_late_planned_outage(capsys: pytest.CaptureFixture[str]) -> None:
    late = [*NOTICE, "--publish"]
    late[late.index("2026-11-28 09:00")] = "2026-11-26 20:00"
    assert main(late) == 1
    assert "24 h" in capsys.readouterr().err
    assert main([*late, "--kind", "emergency"]) == 0


def test_repair_chain_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["repair", str(SAMPLE_CITY), "--pipe", "P000590", "--reported", "2026-11-26 09:10"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = [j["kind"] for j in data["jobs"]]
    assert kinds.count("valve closure") == len(data["valves_to_close"]) == 4
    assert "repair" in kinds and "flushing" in kinds


@pytest.mark.slow
def test_repair_planned_with_the_roster(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["repair", str(SAMPLE_CITY), "--pipe", "P000590", "--reported", "2026-11-26 09:10"]
    assert main([*args, "--roster", str(ROSTER), "--seconds", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    window = data["outage_window"]
    assert window["scheduled"]
    stops = {s["job"]: s for r in data["plan"]["routes"] for s in r["stops"]}
    closures = [s for j, s in stops.items() if "-close-" in j]
    reopenings = [s for j, s in stops.items() if "-reopen-" in j]
    assert window["start"] == min(s["start"] for s in closures)
    assert window["end"] == max(s["end"] for s in reopenings)
    assert data["notice"]["content"]["start"].startswith(window["start"])
    assert data["notice"]["state"] == "draft"  # published by the dispatcher: --publish


@pytest.mark.slow
def test_demo_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "demo", str(SAMPLE_CITY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for step in (
        "1. validate",
        "3. isolate a break",
        "5. the break as a repair",
        "6. a connection",
    ):
        assert step in result.stdout
    assert "Outage window as scheduled" in result.stdout
    assert "紧急停水通知" in result.stdout
    # the command it names for the CAP message of its (emergency) notice gives one: a draft has
    # none, so it says --publish (e76be4c)
    hint = re.search(r"\(waterops notice ([^)]*)\)", result.stdout)
    assert hint, result.stdout
    assert main([*NOTICE, *hint[1].split()]) == 0, capsys.readouterr().err
    doc = etree.fromstring(capsys.readouterr().out.encode("utf-8"))
    assert etree.XMLSchema(etree.parse(str(CAP_XSD))).validate(doc)
