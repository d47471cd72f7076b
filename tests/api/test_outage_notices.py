"""Outage notices in the service (issue 16): the issuer and the hotline are required settings,
the law's lead is the floor, the Chinese notice carries no English and no internal id."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.settings import MissingSetting, Settings
from tests.api.conftest import APPROVAL, START, Service, make_service

pytestmark = pytest.mark.slow


def test_the_hotline_and_the_legal_name_are_required(tmp_path: Path) -> None:
    bare = Settings(data_dir=tmp_path / "a", seed_demo_users=False)
    with pytest.raises(MissingSetting, match="WATEROPS_HOTLINE and WATEROPS_ISSUER_NAME_ZH"):
        bare.notice_issuer()
    # the service does not start without them
    with (
        pytest.raises(MissingSetting, match="12319 is the city-management"),
        TestClient(create_app(bare)),
    ):
        pass
    named = {"hotline": "0371-12345678", "issuer_name_zh": "开封某某供水有限公司"}
    # nor without the address the public reaches it at: notices would link to localhost
    with pytest.raises(MissingSetting, match="WATEROPS_PUBLIC_URL not set"):
        Settings(data_dir=tmp_path / "b", **named).notice_issuer()
    issuer, hotline = Settings(
        data_dir=tmp_path / "b", public_url="https://water.example.cn/", **named
    ).notice_issuer()
    assert (issuer.name_zh, issuer.name_en, issuer.demo, hotline) == (
        "开封某某供水有限公司",
        "开封某某供水有限公司",
        False,
        "0371-12345678",
    )
    assert issuer.url("OUT-1", "en") == "https://water.example.cn/outages/OUT-1?lang=en"
    # the demo signs with invented ones and says so
    demo, number = Settings(data_dir=tmp_path / "c", seed_demo_users=True).notice_issuer()
    assert demo.demo and number == "0371-00000000"


def test_the_notice_lead_cannot_be_set_below_the_law(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="城市供水条例"):
        Settings(data_dir=tmp_path, notice_lead_hours=12)
    assert Settings(data_dir=tmp_path, notice_lead_hours=48).notice_lead_hours == 48


@contextmanager
def _service(tmp_path: Path, **settings: Any) -> Any:
    yield from make_service("sqlite", tmp_path, **settings)


def _create(svc: Service, **body: Any) -> Any:
    start = START + dt.timedelta(days=2)
    return svc.post(
        "/api/outages",
        json={
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=6)).isoformat(),
            "pipes": ["P000300"],
            **body,
        },
    )


def test_a_notice_in_the_service_is_chinese_first_and_signed_by_the_utility(
    tmp_path: Path,
) -> None:
    with _service(
        tmp_path,
        hotline="0371-12345678",
        issuer_name_zh="开封某某供水有限公司",
        public_url="https://water.example.cn",
        issuer_name_en="Kaifeng X Water Co., Ltd.",
    ) as svc:
        svc.clock.now = START
        assert _create(svc).status_code == 422  # no reason at all
        r = _create(svc, reason="valve replacement")  # English only
        assert r.status_code == 201, r.text
        outage = r.json()
        url = f"/api/outages/{outage['id']}"
        zh = svc.get(f"{url}/notice?format=zh").text
        assert "valve replacement" not in zh and "因供水设施施工" in zh
        assert "服务热线：0371-12345678" in zh and "开封某某供水有限公司" in zh and "虚构" not in zh
        assert f"/outages/{outage['id']}" in zh
        # the service's notice names its places like the CLI's: sections, bounds, estates
        assert "纬三路（经十八路—经十九路）" in zh
        assert "区域四至：东至经十九路，西至经十八路，南至郑开大道，北至纬四路。" in zh
        assert "涉及小区：铁塔小区二期、建设花园。" in zh
        bare = svc.post(f"{url}/publish", json={}, headers={"If-Match": r.headers["etag"]})
        assert bare.status_code == 422 and "城市供水条例" in bare.json()["detail"]
        approval = svc.post(
            f"{url}/approval", json=APPROVAL, headers={"If-Match": r.headers["etag"]}
        )
        assert approval.status_code == 200, approval.text
        assert approval.json()["records"][0]["entered_by"] == "dispatcher"
        published = svc.post(
            f"{url}/publish", json={}, headers={"If-Match": approval.headers["etag"]}
        )
        assert published.status_code == 200, published.text
        moved = svc.post(
            f"{url}/update",
            json={
                "end": (START + dt.timedelta(days=2, hours=8)).isoformat(),
                "note": "crew delayed by plan 12",
                "note_zh": "施工难度超出预期",
            },
            headers={"If-Match": published.headers["etag"]},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["revisions"][-1]["note_zh"] == "施工难度超出预期"
        zh = svc.get(f"{url}/notice?format=zh").text
        assert "说明：施工难度超出预期。" in zh and "plan 12" not in zh and "crew" not in zh
        assert "恢复供水时间由2026年11月28日14:00调整为2026年11月28日16:00" in zh
        cap = svc.client.get(f"/public/notices/{outage['id']}.cap").text
        assert "plan 12" not in cap and "<urgency>Future</urgency>" in cap
        gone = svc.post(
            f"{url}/cancel",
            json={"reason": "works postponed", "reason_zh": "施工推迟"},
            headers={"If-Match": moved.headers["etag"]},
        )
        assert gone.status_code == 200, gone.text
        zh = svc.get(f"{url}/notice?format=zh").text
        assert zh.startswith("取消停水通知") and "取消原因：施工推迟。" in zh
        assert "postponed" not in zh


def test_an_emergency_is_published_at_once_and_its_report_recorded(tmp_path: Path) -> None:
    with _service(tmp_path) as svc:
        svc.clock.now = START
        r = svc.post(
            "/api/outages",
            json={
                "kind": "emergency",
                "start": START.isoformat(),
                "end": (START + dt.timedelta(hours=4)).isoformat(),
                "reason_zh": "供水管道爆管抢修",
                "pipes": ["P000300"],
            },
        )
        assert r.status_code == 201, r.text
        url = f"/api/outages/{r.json()['id']}"
        wrong = svc.post(f"{url}/approval", json=APPROVAL, headers={"If-Match": r.headers["etag"]})
        assert wrong.status_code == 422 and "reported" in wrong.json()["detail"]
        pub = svc.post(f"{url}/publish", json={}, headers={"If-Match": r.headers["etag"]})
        assert pub.status_code == 200, pub.text
        rep = svc.post(
            f"{url}/report",
            json={"authority": "开封市城市管理局"},
            headers={"If-Match": pub.headers["etag"]},
        )
        assert rep.status_code == 200, rep.text
        record = rep.json()["records"][0]
        assert record["kind"] == "report" and record["entered_by"] == "dispatcher"
        assert record["at"].startswith(START.isoformat(timespec="minutes"))
        # the report is history, not a message: the public notice has the same revisions
        assert len(rep.json()["revisions"]) == len(pub.json()["revisions"])
        assert svc.get(url).json()["records"] == rep.json()["records"]


def test_a_planned_repair_waits_for_the_configured_notice_lead(tmp_path: Path) -> None:
    # the deployment asks 48 h (more than the law's 24 h): a minor leak's planned outage, its
    # jobs and its notice all wait for it, so the notice is not refused for coming too late
    with _service(tmp_path, notice_lead_hours=48) as svc:
        svc.clock.now = START
        r = svc.post("/api/repairs", json={"severity": "minor_leak", "pipe_id": "P000400"})
        assert r.status_code == 201, r.text
        case = r.json()
        assert any("48 h notice" in n for n in case["notes"]), case["notes"]
        closures = [j for j in case["jobs"] if j["kind"] == "valve closure"]
        earliest = START + dt.timedelta(hours=48)
        assert closures and all(
            dt.datetime.fromisoformat(j["earliest"]) >= earliest for j in closures
        )
