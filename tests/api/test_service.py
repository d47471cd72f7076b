"""The dispatch service end to end, on SQLite and PostgreSQL: sign-in and roles, isolation,
valves, jobs, plans, notices, uploads. Real solver, real database, real files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import warnings
import zipfile
from typing import Any

import pytest
from lxml import etree

from gis.io import read_network
from gis.isolation import Isolator
from tests.api.conftest import APPROVAL, START, Service, wait_for_plan
from tests.conftest import SAMPLE_CITY
from tests.ops.conftest import CAP_XSD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def city() -> Isolator:
    return Isolator(read_network(SAMPLE_CITY))


# -- sign-in and roles -----------------------------------------------------------------------


def test_sign_in(service: Service) -> None:
    c = service.client
    bad = c.post("/api/auth/token", data={"username": "dispatcher", "password": "nope"})
    assert bad.status_code == 401 and "wrong username or password" in bad.json()["detail"]
    me = service.get("/api/auth/me").json()
    assert me == {"username": "dispatcher", "role": "dispatcher", "active": True}
    assert c.get("/api/jobs").status_code == 401
    junk = c.get("/api/jobs", headers={"Authorization": "Bearer not-a-token"})
    assert junk.status_code == 401 and "not valid" in junk.json()["detail"]


def test_expired_tokens_are_refused(service: Service) -> None:
    from api.security import create_token

    key = service.client.app.state.signing_key  # type: ignore[attr-defined]
    token, _ = create_token("dispatcher", "dispatcher", key, minutes=-1)
    r = service.client.get("/api/jobs", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_a_token_is_renewed_within_the_session_and_not_past_it(service: Service) -> None:
    from api.security import create_token, decode_token

    key = service.client.app.state.signing_key  # type: ignore[attr-defined]
    signed_in = int(time.time()) - 3600
    token, _ = create_token("dispatcher", "dispatcher", key, minutes=2, signed_in_at=signed_in)
    r = service.client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    renewed = r.json()
    claims = decode_token(renewed["access_token"], key)
    assert renewed["expires_in"] == 30 * 60 and claims["exp"] - time.time() > 29 * 60
    assert claims["auth_time"] == signed_in  # the sign-in moment travels with the renewals
    headers = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert service.client.get("/api/jobs", headers=headers).status_code == 200

    # the account's role now, not the one the old token carried
    user = {"username": "wang.renew", "password": "renew-pass-1", "role": "viewer"}
    assert service.post("/api/users", "admin", json=user).status_code == 201
    old, _ = create_token("wang.renew", "viewer", key, minutes=5)
    changed = service.client.patch(
        "/api/users/wang.renew", json={"role": "engineer"}, headers=service.auth("admin")
    )
    assert changed.status_code == 200, changed.text
    r = service.client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {old}"})
    assert r.json()["role"] == "engineer"
    assert decode_token(r.json()["access_token"], key)["role"] == "engineer"

    # twelve hours after the password, no more renewals; an expired token is not renewed
    stale, _ = create_token(
        "dispatcher", "dispatcher", key, minutes=5, signed_in_at=int(time.time()) - 13 * 3600
    )
    r = service.client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {stale}"})
    assert r.status_code == 401 and "sign in again" in r.json()["detail"]
    expired, _ = create_token("dispatcher", "dispatcher", key, minutes=-1)
    r = service.client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def _fill(path: str) -> str:
    return (
        path.replace("{network_id}", "1")
        .replace("{plan_id}", "1")
        .replace("{valve_id}", "V000001")
        .replace("{outage_id}", "OUT-000001")
        .replace("{app_id}", "APP-000001")
        .replace("{ticket}", "T-000001")
        .replace("{analysis_id}", "1")
        .replace("{job_id}", "J-1")
        .replace("{crew_id}", "valve-01")
        .replace("{username}", "viewer")
    )


WRITE_ROLES = {
    # path prefix -> roles that may write there (admin always may)
    "/api/users": set(),
    "/api/auth/refresh": {"viewer", "dispatcher", "engineer"},  # every signed-in user
    "/api/networks/{network_id}/valves/{valve_id}/exercise": {"dispatcher", "engineer"},
    "/api/networks": {"engineer"},
    "/api/leakage/analyses/{analysis_id}/survey-jobs": {"dispatcher"},
    "/api/leakage": {"dispatcher", "engineer"},
    "/api/repairs": {"dispatcher", "engineer"},
}


def test_every_route_refuses_anonymous_callers_and_wrong_roles(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        for method in methods:
            url = _fill(path)
            public = path.startswith("/public") or path in ("/healthz", "/api/auth/token")
            r = service.client.request(method.upper(), url)
            if public:
                assert r.status_code != 401, (method, path)
                continue
            assert r.status_code == 401, (method, path, r.status_code, r.text)
            checked += 1
            if method == "get":
                continue
            writers = next(
                (roles for prefix, roles in WRITE_ROLES.items() if path.startswith(prefix)),
                {"dispatcher"},
            )
            if path == "/api/auth/me":
                continue
            for role in ("viewer", "dispatcher", "engineer"):
                if role in writers:
                    continue
                r = service.client.request(method.upper(), url, headers=service.auth(role))
                assert r.status_code == 403, (role, method, path, r.status_code, r.text)
                assert "needs the role" in r.json()["detail"]
    assert checked > 40


def test_users_are_managed_by_admins(service: Service) -> None:
    r = service.post(
        "/api/users",
        "admin",
        json={"username": "li.ming", "password": "s3cret-pass", "role": "viewer"},
    )
    assert r.status_code == 201
    assert (
        service.post(
            "/api/users",
            "admin",
            json={"username": "li.ming", "password": "s3cret-pass", "role": "viewer"},
        ).status_code
        == 409
    )
    token = service.client.post(
        "/api/auth/token", data={"username": "li.ming", "password": "s3cret-pass"}
    ).json()["access_token"]
    assert (
        service.client.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    r = service.client.patch(
        "/api/users/li.ming", json={"active": False}, headers=service.auth("admin")
    )
    assert r.status_code == 200 and r.json()["active"] is False
    refused = service.client.get("/api/jobs", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and "disabled" in refused.json()["detail"]


# -- networks, isolation, valves ---------------------------------------------------------


def test_isolation_is_the_library_answer(service: Service, city: Isolator) -> None:
    r = service.get("/api/networks/1/isolation", "viewer", params={"pipe": "P000100"})
    assert r.status_code == 200, r.text
    data = r.json()
    expected = city.isolate("P000100").to_dict()
    for key in ("valves_to_close", "isolated_pipes", "unintended_pipes", "customers", "streets"):
        assert data[key] == expected[key]
    assert data["area"]["type"] in ("Polygon", "MultiPolygon")
    geo = service.get("/api/networks/1/isolation", params={"pipe": "P000100", "format": "geojson"})
    assert geo.json()["type"] == "FeatureCollection"
    lonlat = expected["valves_to_close"][0]["location"]
    near = service.get(
        "/api/networks/1/isolation", params={"at": f"{lonlat[0]},{lonlat[1]}"}
    ).json()
    assert near["breaks"]
    both = service.get(
        "/api/networks/1/isolation", params=[("pipe", "P000100"), ("pipe", "P000590")]
    )
    assert set(both.json()["breaks"]) == {"P000100", "P000590"}


def test_isolation_errors_say_what_to_fix(service: Service) -> None:
    r = service.get("/api/networks/1/isolation", params={"pipe": "NOPE"})
    assert r.status_code == 404 and "unknown pipe" in r.json()["detail"]
    r = service.get("/api/networks/1/isolation")
    assert r.status_code == 422 and "pipe=ID" in r.json()["detail"]
    r = service.get("/api/networks/1/isolation", params={"at": "north"})
    assert r.status_code == 422 and "LON,LAT" in r.json()["detail"]
    r = service.get("/api/networks/1/isolation", params={"at": "10,10"})
    assert r.status_code == 422 and "no pipe within" in r.json()["detail"]
    assert service.get("/api/networks/99/isolation", params={"pipe": "P1"}).status_code == 404


def test_valve_status_takes_effect_for_the_next_query(service: Service) -> None:
    first = service.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    valve = first["valves_to_close"][0]["id"]
    assert (
        service.put(
            f"/api/networks/1/valves/{valve}/status", "dispatcher", json={"operable": False}
        ).status_code
        == 403
    )
    r = service.put(
        f"/api/networks/1/valves/{valve}/status",
        "engineer",
        json={"operable": False, "note": "spindle broken"},
    )
    assert r.status_code == 200
    worse = service.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    assert valve in [v["id"] for v in worse["bypassed_valves"]]
    assert valve not in [v["id"] for v in worse["valves_to_close"]]
    info = service.get(f"/api/networks/1/valves/{valve}").json()
    assert info["found_inoperable"] and info["history"][-1]["note"] == "spindle broken"
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": True})
    again = service.get("/api/networks/1/isolation", params={"pipe": "P000590"}).json()
    assert again["valves_to_close"] == first["valves_to_close"]
    assert (
        service.put(
            "/api/networks/1/valves/V-NOPE/status", "engineer", json={"operable": False}
        ).status_code
        == 404
    )


def test_segments_and_criticality(service: Service) -> None:
    seg = service.get("/api/networks/1/segments", params={"top": 3}).json()
    assert seg["summary"]["segments"] > 1000 and len(seg["largest"]) == 3
    crit = service.get("/api/networks/1/criticality", params={"top": 5}).json()
    assert len(crit["valves"]) == 5
    scores = [v["extra_customers"] for v in crit["valves"]]
    assert scores == sorted(scores, reverse=True)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_uploads(service: Service) -> None:
    with SAMPLE_CITY.open("rb") as f:
        r = service.post(
            "/api/networks", "engineer", files={"file": ("city.gpkg", f)}, data={"name": "kaifeng"}
        )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 1 and created["status"] == "ready"
    assert created["summary"]["pipes"] > 3000
    new_id = created["id"]
    iso = service.get(f"/api/networks/{new_id}/isolation", params={"pipe": "P000100"})
    assert iso.status_code == 200
    # the same name again is version 2, and version 1 still answers
    with SAMPLE_CITY.open("rb") as f:
        again = service.post(
            "/api/networks", "engineer", files={"file": ("city.gpkg", f)}, data={"name": "kaifeng"}
        ).json()
    assert again["version"] == 2
    assert service.get(f"/api/networks/{new_id}").json()["version"] == 1
    # a zip of layers with problems: 422 with the report, kept for later
    bad = _zip(
        {
            "nodes.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature",'
            b'"properties":{"id":"A","kind":"source"},"geometry":{"type":"Point","coordinates":'
            b"[114.3,34.8]}}]}",
            "pipes.geojson": b'{"type":"FeatureCollection","features":[{"type":"Feature",'
            b'"properties":{"id":"P1","from_node":"A","to_node":"B","diameter_mm":100},'
            b'"geometry":{"type":"LineString","coordinates":[[114.3,34.8],[114.31,34.8]]}}]}',
            "../escape.txt": b"never written outside",
        }
    )
    r = service.post(
        "/api/networks", "engineer", files={"file": ("bad.zip", bad)}, data={"name": "bad"}
    )
    assert r.status_code == 422, r.text
    report = r.json()["report"]
    assert not report["ok"]
    assert report["errors"] >= 1
    assert any(p["layer"] == "pipes" and p["fix"] for p in report["problems"]), report
    assert service.get(f"/api/networks/{r.json()['id']}/report").json() == report
    assert not any(p.name == "escape.txt" for p in service.data_dir.rglob("escape.txt"))
    # wrong kind of file, and too large
    r = service.post("/api/networks", "engineer", files={"file": ("notes.txt", b"hello")})
    assert r.status_code == 415 and ".gpkg" in r.json()["detail"]
    settings = service.client.app.state.settings  # type: ignore[attr-defined]
    old = settings.max_upload_mb
    settings.max_upload_mb = 0.01
    try:
        r = service.post("/api/networks", "engineer", files={"file": ("big.gpkg", b"x" * 20_000)})
        assert r.status_code == 413 and "upload limit" in r.json()["detail"]
    finally:
        settings.max_upload_mb = old


def test_upload_epanet_with_valves_and_zipped_shapefiles(service: Service, tmp_path: Any) -> None:
    wntr = pytest.importorskip("wntr")
    from pathlib import Path

    import geopandas as gpd

    net3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"
    wn = wntr.network.WaterNetworkModel(str(net3))
    layer = wntr.network.generate_valve_layer(wn, "strategic", 1, seed=7)
    valves_csv = layer.to_csv(index=False).encode()
    with net3.open("rb") as f:
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("Net3.inp", f), "valves": ("valves.csv", valves_csv)},
            data={"name": "net3"},
        )
    assert r.status_code == 201, r.text
    net3_id = r.json()["id"]
    pipe = next(iter(wn.pipe_name_list))
    iso = service.get(f"/api/networks/{net3_id}/isolation", params={"pipe": pipe, "area": False})
    assert iso.status_code == 200 and iso.json()["valves_to_close"]
    # the sample city as a zip of Shapefiles
    folder = tmp_path / "shp"
    folder.mkdir()
    with warnings.catch_warnings():  # Shapefile names are cut to ten characters: expected
        warnings.simplefilter("ignore")
        for layer_name in ("nodes", "pipes", "valves", "customers"):
            gpd.read_file(SAMPLE_CITY, layer=layer_name).to_file(folder / f"{layer_name}.shp")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"city/{f.name}")
    r = service.post(
        "/api/networks",
        "engineer",
        files={"file": ("city-shp.zip", archive.getvalue())},
        data={"name": "city-shp"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["summary"]["pipes"] > 3000


# -- jobs -----------------------------------------------------------------------------------


def test_connection_deadline_jobs_and_status_changes(service: Service) -> None:
    r = service.post(
        "/api/connections",
        json={
            "type": "general_construction",
            "customer": "Zhang San",
            "lon": 114.36,
            "lat": 34.80,
            "accepted_at": "2026-09-30T16:00:00",
            "dn_mm": 100,
            "line_length_m": 80,
            "papers_missing": True,
        },
    )
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["deadline"]["due"] == "2026-10-08T16:00:00+08:00"
    assert app["papers"]["due"] == "2026-10-05T16:00:00+08:00"
    jobs = service.get("/api/jobs", params={"source": app["application"]}).json()
    assert [j["kind"] for j in jobs] == ["valve opening", "meter installation", "survey"] or {
        j["kind"] for j in jobs
    } == {"survey", "meter installation", "valve opening"}
    job = service.get(f"/api/jobs/{jobs[0]['id']}")
    etag = job.headers["etag"]
    url = f"/api/jobs/{jobs[0]['id']}/status"
    assert service.post(url, json={"status": "assigned"}).status_code == 428
    ok = service.post(
        url, json={"status": "assigned", "crew": "meter-01"}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.json()["crew"] == "meter-01"
    stale = service.post(url, json={"status": "en_route"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and "changed" in stale.json()["detail"]
    fresh = ok.headers["etag"]
    done = service.post(
        url, json={"status": "done", "note": "water on"}, headers={"If-Match": fresh}
    )
    assert done.status_code == 200
    again = service.post(url, json={"status": "open"}, headers={"If-Match": done.headers["etag"]})
    assert again.status_code == 409
    history = service.get(f"/api/jobs/{jobs[0]['id']}").json()["history"]
    assert [h["status"] for h in history] == ["open", "assigned", "done"]
    assert all(h["by"] == "dispatcher" for h in history)
    # bad input names the field
    r = service.post(
        "/api/connections", json={"type": "garden", "customer": "x", "lon": 1, "lat": 1}
    )
    assert r.status_code == 422 and "type" in r.json()["detail"]
    r = service.post(
        "/api/connections",
        json={"type": "meter_retrofit", "customer": "x", "lon": 114.3, "lat": 34.8},
    )
    assert r.status_code == 422 and "--dn" in r.json()["detail"]


def test_idempotent_creation(service: Service) -> None:
    body = {"type": "pre_consultation", "customer": "Repeat Ltd", "lon": 114.35, "lat": 34.79}
    key = {"Idempotency-Key": "app-repeat-1"}
    a = service.post("/api/connections", json=body, headers=key)
    b = service.post("/api/connections", json=body, headers=key)
    assert a.status_code == b.status_code == 201
    assert a.json()["application"] == b.json()["application"]
    assert b.headers.get("idempotent-replayed") == "true"
    listed = [x for x in service.get("/api/connections").json() if x["customer"] == "Repeat Ltd"]
    assert len(listed) == 1


# -- plans and notices -------------------------------------------------------------------


def _publish(svc: Service, path: str, etag: str, **kw: Any) -> Any:
    # a planned outage is published with the authority's approval (城市供水条例 §22)
    if path.startswith("/api/outages/"):
        outage = svc.get(path.removesuffix("/publish"))
        assert outage.status_code == 200, (path, outage.text)
        if outage.json()["kind"] == "planned":
            kw = {"approval": APPROVAL, **kw}
    return svc.post(path, json=kw, headers={"If-Match": etag})


def test_repair_to_plan_to_notice(service: Service) -> None:
    service.clock.now = START.replace(hour=9, minute=10)
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000153", "reported_at": "2026-11-26T09:10:00"},
    )
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    assert r.json()["critical_customers"]  # the hospital: a tanker job
    r = service.post(
        "/api/plans", json={"day": "2026-11-26", "seconds": 5, "now": "2026-11-26T09:10:00"}
    )
    assert r.status_code == 202, r.text
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    assert plan["progress"]["solutions"] > 0
    window = plan["result"]["outage_windows"][ticket]
    assert window["scheduled"]
    # the notice takes the plan's window
    r = service.post(f"/api/outages/from-repair/{ticket}", json={"plan_id": plan["id"]})
    assert r.status_code == 201, r.text
    outage = r.json()
    assert outage["content"]["start"].startswith(window["start"])
    assert outage["content"]["tanker_points"]
    pub = _publish(service, f"/api/outages/{outage['id']}/publish", r.headers["etag"])
    assert pub.status_code == 200, pub.text
    assert pub.json()["state"] == "published"
    # the public sees it, with no sign-in
    live = service.client.get("/public/notices").json()
    assert outage["id"] in [n["id"] for n in live]
    assert "breaks" not in live[0]
    cap = service.client.get(f"/public/notices/{outage['id']}.cap")
    assert cap.headers["content-type"].startswith("application/cap+xml")
    schema = etree.XMLSchema(etree.parse(str(CAP_XSD)))
    assert schema.validate(etree.fromstring(cap.content)), schema.error_log
    atom = service.client.get("/public/notices/feed.atom")
    assert atom.status_code == 200 and outage["id"] in atom.text
    assert service.client.get(f"/public/notices/{outage['id']}.ics").text.startswith(
        "BEGIN:VCALENDAR"
    )
    assert service.client.get("/public/notices.geojson").json()["features"]
    text = service.client.get(f"/public/notices/{outage['id']}.txt").text
    assert "紧急停水通知" in text
    # publish the plan: jobs are assigned to their crews
    pub_plan = _publish(service, f"/api/plans/{plan['id']}/publish", f'"{plan["version"]}"')
    assert pub_plan.status_code == 200, pub_plan.text
    assert pub_plan.json()["jobs_assigned"] > 0
    closure = service.get("/api/jobs", params={"source": ticket, "kind": "valve closure"}).json()
    assert all(j["status"] == "assigned" and j["crew"] for j in closure)
    # crew sheets
    sheet = service.get(f"/api/plans/{plan['id']}/sheets.csv")
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert {r["job"] for r in rows} >= {j["id"] for j in closure}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(service.get(f"/api/plans/{plan['id']}/sheets.xlsx").content))
    assert "summary" in book.sheetnames and len(book.sheetnames) > 1

    # an emergency during the day: re-plan from the published plan
    service.clock.now = START.replace(hour=11, minute=0)
    r = service.post(
        "/api/repairs",
        json={"severity": "burst", "pipe_id": "P000100", "reported_at": "2026-11-26T11:00:00"},
    )
    second = r.json()["ticket"]
    r = service.post(
        f"/api/plans/{plan['id']}/replan", json={"now": "2026-11-26T11:00:00", "seconds": 8}
    )
    assert r.status_code == 202, r.text
    replanned = wait_for_plan(service, r.json()["id"])
    assert replanned["status"] == "ready", replanned["error"]
    assert replanned["parent"] == plan["id"]
    result = replanned["result"]
    stops = {s["job"]: s for route in result["routes"] for s in route["stops"]}
    # what had started by 11:00 did not move
    for route in plan["result"]["routes"]:
        for s in route["stops"]:
            if s["start"] <= "2026-11-26T11:00":
                assert stops[s["job"]]["start"] == s["start"]
    assert any(j.startswith(f"{second}-close") for j in stops)
    assert result["outage_windows"][second]["scheduled"]
    pub2 = _publish(service, f"/api/plans/{replanned['id']}/publish", f'"{replanned["version"]}"')
    assert pub2.status_code == 200
    first = service.get(f"/api/plans/{plan['id']}").json()
    assert first["status"] == "superseded"
    # the live notice of the first repair follows the new plan's window
    new_window = result["outage_windows"][ticket]
    notice = service.get(f"/api/outages/{outage['id']}").json()
    assert notice["content"]["end"].startswith(new_window["end"])


def test_a_stopped_plan_keeps_the_best_so_far(service: Service) -> None:
    r = service.post("/api/plans", json={"day": "2026-11-27", "seconds": 120})
    plan_id = r.json()["id"]
    import time

    for _ in range(200):
        data = service.get(f"/api/plans/{plan_id}").json()
        if data["status"] == "solving" and data["progress"].get("solutions"):
            break
        time.sleep(0.1)
    assert service.post(f"/api/plans/{plan_id}/stop").status_code == 200
    started = time.monotonic()
    done = wait_for_plan(service, plan_id, timeout=60)
    assert time.monotonic() - started < 30
    assert done["status"] == "ready" and done["progress"]["stopped"]
    assert done["result"]["summary"]["jobs_planned"] > 0
    assert service.post(f"/api/plans/{plan_id}/stop").status_code == 409


def _planned(svc: Service, start: dt.datetime, pipe: str, hours: int = 6) -> Any:
    return svc.post(
        "/api/outages",
        json={
            "kind": "planned",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=hours)).isoformat(),
            "reason": "valve replacement",
            "reason_zh": "阀门更换",
            "pipes": [pipe],
        },
    )


def test_outage_lifecycle(service: Service) -> None:
    service.clock.now = START
    soon = _planned(service, START + dt.timedelta(hours=10), "P000300")
    assert soon.status_code == 201
    r = _publish(service, f"/api/outages/{soon.json()['id']}/publish", soon.headers["etag"])
    assert r.status_code == 422 and "24 h" in r.json()["detail"]
    # move it two days out (draft edit), then publish twice with one key: one revision
    edit = service.post(
        f"/api/outages/{soon.json()['id']}/update",
        json={
            "start": (START + dt.timedelta(days=2)).isoformat(),
            "end": (START + dt.timedelta(days=2, hours=6)).isoformat(),
        },
        headers={"If-Match": soon.headers["etag"]},
    )
    assert edit.status_code == 200, edit.text
    url = f"/api/outages/{soon.json()['id']}/publish"
    headers = {"If-Match": edit.headers["etag"], "Idempotency-Key": "pub-300"}
    a = service.post(url, json={"approval": APPROVAL}, headers=headers)
    b = service.post(url, json={"approval": APPROVAL}, headers=headers)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()
    assert len(service.get(f"/api/outages/{soon.json()['id']}").json()["revisions"]) == 3
    # a stale write is refused
    stale = service.post(
        f"/api/outages/{soon.json()['id']}/update",
        json={"end": (START + dt.timedelta(days=2, hours=8)).isoformat()},
        headers={"If-Match": edit.headers["etag"]},
    )
    assert stale.status_code == 412
    # extend, then restore
    etag = service.get(f"/api/outages/{soon.json()['id']}").headers["etag"]
    ext = service.post(
        f"/api/outages/{soon.json()['id']}/update",
        json={"end": (START + dt.timedelta(days=2, hours=8)).isoformat()},
        headers={"If-Match": etag},
    )
    assert ext.status_code == 200 and ext.json()["state"] == "updated"
    assert ext.json()["revisions"][-1]["note"].startswith("extended")
    service.clock.now = START + dt.timedelta(days=2, hours=7)
    rest = service.post(
        f"/api/outages/{soon.json()['id']}/restore",
        json={},
        headers={"If-Match": ext.headers["etag"]},
    )
    assert rest.status_code == 200 and rest.json()["state"] == "restored"
    late = service.post(
        f"/api/outages/{soon.json()['id']}/cancel",
        json={"reason": "x"},
        headers={"If-Match": rest.headers["etag"]},
    )
    assert late.status_code == 409
    cap = service.client.get(f"/public/notices/{soon.json()['id']}.cap").text
    assert "<msgType>Update</msgType>" in cap and "AllClear" in cap
    service.clock.now = START


def test_overlapping_planned_outages_need_acknowledging(service: Service, city: Isolator) -> None:
    service.clock.now = START
    start = START + dt.timedelta(days=3)
    # two neighbouring pipes whose shutdowns interact: the two sides of one valve segment's
    # neighbours; find a pair the library flags
    from gis.isolation import combined_shutdown

    pair = None
    for a, b in [("P000100", "P000101"), ("P000590", "P000591"), ("P000153", "P000154")]:
        if combined_shutdown(city, [[a], [b]]).extra_customers.total or set(
            city.isolate(a).isolated_pipes
        ) & set(city.isolate(b).isolated_pipes):
            pair = (a, b)
            break
    assert pair is not None
    first = _planned(service, start, pair[0])
    assert (
        _publish(
            service, f"/api/outages/{first.json()['id']}/publish", first.headers["etag"]
        ).status_code
        == 200
    )
    second = _planned(service, start + dt.timedelta(hours=1), pair[1])
    overlaps = service.get(f"/api/outages/{second.json()['id']}/overlaps").json()
    assert [o["other"] for o in overlaps] == [first.json()["id"]]
    r = _publish(service, f"/api/outages/{second.json()['id']}/publish", second.headers["etag"])
    assert r.status_code == 409 and r.json()["overlaps"][0]["other"] == first.json()["id"]
    r = _publish(
        service,
        f"/api/outages/{second.json()['id']}/publish",
        second.headers["etag"],
        acknowledge_overlaps=True,
    )
    assert r.status_code == 200


def test_crews(service: Service) -> None:
    crews = service.get("/api/crews").json()
    assert {c["id"] for c in crews} >= {"valve-01", "repair-01", "tanker-01"}
    r = service.post(
        "/api/crews",
        json={
            "id": "night-01",
            "skills": ["valve"],
            "depot_lon": 114.35,
            "depot_lat": 34.8,
            "shift_start": "17:00",
            "shift_end": "08:00",
        },
    )
    assert r.status_code == 422 and "shift_end" in r.json()["detail"]
    r = service.post(
        "/api/crews",
        json={"id": "extra-01", "skills": ["meter"], "depot_lon": 114.35, "depot_lat": 34.8},
    )
    assert r.status_code == 201
    etag = r.headers["etag"]
    body = {"skills": ["meter", "valve"], "depot_lon": 114.35, "depot_lat": 34.8}
    assert (
        service.put("/api/crews/extra-01", json=body, headers={"If-Match": etag}).status_code == 200
    )
    assert (
        service.put("/api/crews/extra-01", json=body, headers={"If-Match": etag}).status_code == 412
    )


def test_a_week_view_plan(service: Service) -> None:
    r = service.post("/api/plans", json={"day": "2026-11-27", "seconds": 3, "days": 3})
    assert r.status_code == 202, r.text
    plan = wait_for_plan(service, r.json()["id"])
    assert plan["status"] == "ready", plan["error"]
    result = plan["result"]
    assert result["days"][0] == "2026-11-27" and result["days"][-1] == "2026-12-01"
    used = {route["day"] for route in result["routes"]}
    assert used <= set(result["days"])
    weekend = [r for r in result["routes"] if r["day"] in ("2026-11-28", "2026-11-29")]
    crews = {c["id"]: c for c in service.get("/api/crews").json()}
    assert weekend and all(crews[r["crew"]]["on_call"] for r in weekend)
    assert service.post("/api/plans", json={"day": "2026-11-27", "days": 9}).status_code == 422


def test_idempotency_keys_belong_to_one_request(service: Service) -> None:
    key = {"Idempotency-Key": "repair-once"}
    first = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000300"}, headers=key
    )
    assert first.status_code == 201
    other = service.post(
        "/api/repairs", json={"severity": "minor_leak", "pipe_id": "P000400"}, headers=key
    )
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    again = service.post(
        "/api/repairs", json={"severity": "burst", "pipe_id": "P000300"}, headers=key
    )
    assert again.status_code == 201 and again.json()["ticket"] == first.json()["ticket"]
    assert again.headers["location"] == first.headers["location"]


def test_times_are_stored_as_they_happened(service: Service) -> None:
    service.clock.now = START.replace(hour=15, minute=42)
    try:
        r = service.post("/api/leak-surveys", json={"lon": 114.35, "lat": 34.8, "area": "Gulou"})
        job = service.get(f"/api/jobs/{r.json()['id']}").json()
    finally:
        service.clock.now = START
    assert job["history"][0]["at"].startswith("2026-11-26T") and job["history"][0]["at"].endswith(
        "+08:00"
    )
    assert job["earliest"].startswith("2026-11-26T15:42")


def test_an_upload_never_touches_another_networks_files(service: Service) -> None:
    before = service.get("/api/networks/1").json()
    for name in ("sample ", "x/sample", "sample"):
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": ("x.gpkg", b"not a geopackage")},
            data={"name": name},
        )
        assert r.status_code == 422
        assert r.json()["report"]["errors"] >= 1 and r.json()["report"]["problems"][0]["fix"]
        assert str(service.data_dir) not in r.text
    assert service.get("/api/networks/1").json() == before
    assert service.get("/api/networks/1/isolation", params={"pipe": "P000100"}).status_code == 200
    registry = service.client.app.state.registry  # type: ignore[attr-defined]
    registry._cache.clear()  # read the files again: they are still there
    registry._base.clear()
    assert service.get("/api/networks/1/isolation", params={"pipe": "P000101"}).status_code == 200


def test_valve_exercises_are_not_doubled(service: Service) -> None:
    first = service.post("/api/valve-exercises", json={"count": 3}).json()
    job = service.get(f"/api/jobs/{first[0]['id']}")
    service.post(
        f"/api/jobs/{first[0]['id']}/status",
        json={"status": "assigned", "crew": "valve-01"},
        headers={"If-Match": job.headers["etag"]},
    )
    service.clock.now = START + dt.timedelta(days=1)
    try:
        second = service.post("/api/valve-exercises", json={"count": 3}).json()
    finally:
        service.clock.now = START
    assert not {j["valve"] for j in first} & {j["valve"] for j in second}


def test_map_layers_for_the_console(service: Service) -> None:
    r = service.get("/api/networks/1/map/pipes", "viewer", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"] == "application/geo+json"
    assert len(r.json()["features"]) == 3508
    again = service.get(
        "/api/networks/1/map/pipes", "viewer", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    assert service.get("/api/networks/1/map/roads", "viewer").status_code == 422
    assert service.client.get("/api/networks/1/map/pipes").status_code == 401

    # a valve reported inoperable in the field shows at once on the map
    valve = "V000851"
    before = service.get("/api/networks/1/map/valves", "viewer")
    status_of = {f["id"]: f["properties"] for f in before.json()["features"]}
    assert status_of[valve]["found_inoperable"] is False
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": False})
    after = service.get("/api/networks/1/map/valves", "viewer")
    assert after.headers["etag"] != before.headers["etag"]
    status_of = {f["id"]: f["properties"] for f in after.json()["features"]}
    assert status_of[valve]["found_inoperable"] is True
    service.put(f"/api/networks/1/valves/{valve}/status", "engineer", json={"operable": True})
    status_of = {
        f["id"]: f["properties"]
        for f in service.get("/api/networks/1/map/valves", "viewer").json()["features"]
    }
    assert status_of[valve]["found_inoperable"] is False


def test_the_web_pages_are_served_without_a_cdn(service: Service) -> None:
    r = service.client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/console"
    for page in ("/console", "/outages"):
        r = service.client.get(page)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        scripts = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert scripts and all(s.startswith("/") for s in scripts), scripts
        for asset in scripts:
            assert service.client.get(asset).status_code == 200, asset
    config = service.client.get("/public/config").json()
    assert config["tiles"] is None
    newest = max(n["id"] for n in service.get("/api/networks").json() if n["status"] == "ready")
    assert config["network"] == newest  # the public map shows the newest network


def test_a_tile_server_is_allowed_only_when_configured(tmp_path: Any) -> None:
    from tests.api.conftest import make_service

    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    for svc in make_service("sqlite", tmp_path, map_tiles=tiles, map_attribution="© example"):
        csp = svc.client.get("/console").headers["content-security-policy"]
        assert "img-src 'self' data: blob: https://*.tiles.example.org;" in csp
        config = svc.client.get("/public/config").json()
        assert config["tiles"] == tiles and config["network"] == 1
        (south, west), (north, east) = config["bounds"]  # the sample city
        assert 34.7 < south < north < 34.9 and 114.2 < west < east < 114.5
        roads = svc.client.get("/public/map/roads").json()
        assert len(roads["features"]) == 1678


def test_leakage_analysis_and_survey_jobs(service: Service, tmp_path: Any) -> None:
    from sample_data.leakage import generate

    truth = generate(tmp_path, seed=3)
    names = ("meters", "flows", "billing", "pressure", "usage")
    files = {n: (f"{n}.csv", (tmp_path / f"{n}.csv").read_bytes(), "text/csv") for n in names}
    r = service.post("/api/leakage/analyses", "engineer", files=files)
    assert r.status_code == 201, r.text
    analysis = r.json()
    assert len(analysis["dmas"]) == 8 and analysis["cjj92"]["grade"]
    assert len(analysis["bursts"]) >= len(truth["events"]) - 2
    listed = service.get("/api/leakage/analyses", "viewer").json()
    assert listed[0]["id"] == analysis["id"] and listed[0]["bursts"] == len(analysis["bursts"])
    whole = service.get(f"/api/leakage/analyses/{analysis['id']}", "viewer").json()
    assert whole["ranking"] == analysis["ranking"]

    url = f"/api/leakage/analyses/{analysis['id']}/survey-jobs"
    assert service.post(url, "engineer", json={"top": 1}).status_code == 403
    jobs = service.post(url, json={"top": 1, "km_per_crew_day": 8}).json()
    worst = analysis["ranking"][0]
    assert len(jobs) == -(-worst["mains_km"] // 8)
    assert all(j["kind"] == "leak survey" and worst["dma"] in j["id"] for j in jobs)
    assert service.post(url, json={"top": 1, "km_per_crew_day": 8}).json() == []  # once

    bad = dict(files)
    bad["flows"] = ("flows.csv", b"time,meter,flow_m3h\nyesterday,M-DMA-01-1,3\n", "text/csv")
    kept = sorted((service.data_dir / "leakage").iterdir())
    r = service.post("/api/leakage/analyses", "engineer", files=bad)
    assert r.status_code == 422 and "line 2: time 'yesterday'" in r.json()["detail"]
    bad["meters"] = ("meters.csv", b"", "text/csv")
    r = service.post("/api/leakage/analyses", "engineer", files=bad)
    assert r.status_code == 422 and "meters.csv: the file is empty" in r.json()["detail"]
    assert sorted((service.data_dir / "leakage").iterdir()) == kept  # nothing left of them


def test_valve_programme_exercise_results_and_report(service: Service) -> None:
    programme = service.get("/api/networks/1/valve-programme", "viewer", params={"top": 5})
    assert programme.status_code == 200
    assert programme.json()["due"][0]["critical"]
    jobs = service.post("/api/valve-exercises", json={"count": 5}).json()
    areas = [j["description"].rsplit("[", 1)[1] for j in jobs]
    assert areas == sorted(areas)  # grouped by area
    valve = jobs[0]["valve"]
    every = {"top": 10_000}
    before = service.get("/api/networks/1/valve-programme/report", "viewer", params=every)
    assert valve in before.json()["unverified_before"]
    url = f"/api/networks/1/valves/{valve}/exercise"
    assert service.post(url, "viewer", json={"result": "stuck"}).status_code == 403
    r = service.post(url, json={"result": "stuck", "note": "spindle seized"})
    assert r.status_code == 200 and r.json()["operable"] is False
    assert len(r.json()["jobs_closed"]) == 1
    repair = r.json()["repair_job"]  # and a pipe crew is sent to free or replace it
    assert repair["kind"] == "repair" and set(repair["skills"]) == {"pipe", "valve"}
    assert service.get(f"/api/jobs/{repair['id']}").json()["status"] == "open"
    # at once: the isolation plans bypass it, the programme waits for its repair
    assert service.get(f"/api/networks/1/valves/{valve}").json()["found_inoperable"]
    again = service.get("/api/networks/1/valve-programme", "viewer", params={"top": 100000})
    assert valve not in {d["valve"] for d in again.json()["due"]}
    after = service.get("/api/networks/1/valve-programme/report", "viewer", params=every)
    assert valve in after.json()["unverified_after"]
    # repaired and exercised: verified, and off the list for a year
    r = service.post(url, "engineer", json={"result": "operable"})
    assert r.status_code == 200 and r.json()["operable"] and r.json()["repair_job"] is None
    assert not service.get(f"/api/networks/1/valves/{valve}").json()["found_inoperable"]
    final = service.get("/api/networks/1/valve-programme/report", "viewer", params=every).json()
    assert valve not in final["unverified_before"] and valve not in final["unverified_after"]
    assert service.post(url, json={"result": "broken"}).status_code == 422
    nope = "/api/networks/1/valves/V-NOPE/exercise"
    assert service.post(nope, json={"result": "stuck"}).status_code == 404
