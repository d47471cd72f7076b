"""``waterops notice`` and ``POST /api/outages`` make a shutdown's outage the same way
(:func:`ops.outages.shutdown_outage`): the same pipes, valves and window give the same notice,
word for word, from the CLI and from the service (issue 15)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main
from ops.calendar import TZ
from tests.api.conftest import Service, make_service
from tests.conftest import SAMPLE_CITY

pytestmark = pytest.mark.slow

SIGNED = {
    "hotline": "0371-12345678",
    "issuer_name_zh": "开封市测试供水有限公司",
    "public_url": "https://water.example.cn",
}
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
START, END = "2026-11-28 09:00", "2026-11-28 15:00"


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("agree"), **SIGNED)


@pytest.fixture
def signed_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI signs as the service does (its settings from the environment)."""
    monkeypatch.chdir(tmp_path)  # no waterops.toml of the working tree
    for name, value in SIGNED.items():
        monkeypatch.setenv(f"WATEROPS_{name.upper()}", value)


def cli_notice(capsys: pytest.CaptureFixture[str], outage_id: str, *args: str) -> str:
    command = ["notice", str(SAMPLE_CITY), "--start", START, "--end", END, "--draft"]
    command += ["--now", f"{NOW:%Y-%m-%d %H:%M}", "--id", outage_id, *args]
    capsys.readouterr()
    code = main(command)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def service_notice(svc: Service, body: dict[str, object], fmt: str) -> tuple[str, str]:
    svc.clock.now = NOW
    made = svc.post(
        "/api/outages",
        json={
            "kind": "planned",
            "start": dt.datetime.fromisoformat(START).isoformat(),
            "end": dt.datetime.fromisoformat(END).isoformat(),
            **body,
        },
    )
    assert made.status_code == 201, made.text
    outage_id = made.json()["id"]
    text = svc.get(f"/api/outages/{outage_id}/notice", params={"format": fmt})
    assert text.status_code == 200, text.text
    return outage_id, text.text


@pytest.mark.usefixtures("signed_cli")
@pytest.mark.parametrize("fmt", ["zh", "en"])
def test_the_same_shutdown_gives_the_same_notice(
    svc: Service, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    # the valves found not to close given out of order, the reasons with stray spaces
    body = {
        "pipes": ["P000100"],
        "inoperable": ["V001781", "V000123"],
        "reason": " valve replacement ",
        "reason_zh": " 阀门更换 ",
    }
    outage_id, served = service_notice(svc, body, fmt)
    printed = cli_notice(
        capsys,
        outage_id,
        "--pipe",
        "P000100",
        "--inoperable",
        "V001781,V000123",
        "--reason",
        " valve replacement ",
        "--reason-zh",
        " 阀门更换 ",
        "--format",
        fmt,
    )
    assert printed == served
    # and the same outage: its content (the failed valves each once, sorted) and its kind
    args = ["--pipe", "P000100", "--inoperable", "V001781,V000123,V001781", "--format", "json"]
    reasons = ["--reason", " valve replacement ", "--reason-zh", " 阀门更换 "]
    made = json.loads(cli_notice(capsys, outage_id, *args, *reasons))
    stored = svc.get(f"/api/outages/{outage_id}").json()
    assert made["content"]["failed_valves"] == ["V000123", "V001781"]
    assert made["content"] == stored["content"]
    assert (made["kind"], made["state"]) == (stored["kind"], stored["state"])


@pytest.mark.usefixtures("signed_cli")
def test_a_point_snaps_to_the_same_pipe(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    body = {"lon": 114.36, "lat": 34.80, "reason_zh": "管道维修"}
    outage_id, served = service_notice(svc, body, "zh")
    printed = cli_notice(capsys, outage_id, "--at", "114.36,34.80", "--reason-zh", "管道维修")
    assert printed == served


@pytest.mark.usefixtures("signed_cli")
def test_an_outage_without_a_reason_is_refused_by_both(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    svc.clock.now = NOW
    r = svc.post(
        "/api/outages",
        json={"kind": "planned", "start": START, "end": END, "pipes": ["P000100"]},
    )
    assert r.status_code == 422 and "reason_zh" in r.json()["detail"]
    command = ["notice", str(SAMPLE_CITY), "--pipe", "P000100", "--start", START]
    assert main([*command, "--end", END, "--draft"]) == 1
    assert "reason" in capsys.readouterr().err
