"""Sign-in, token renewal and users (api/routes/auth.py), and every route's refusal of
anonymous callers and wrong roles, end to end on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import time

import pytest

from api.security import create_token, decode_token
from tests.api.conftest import Service

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clock_at_start")]


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
    key = service.client.app.state.signing_key  # type: ignore[attr-defined]
    token, _ = create_token("dispatcher", "dispatcher", key, minutes=-1)
    r = service.client.get("/api/jobs", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_a_token_is_renewed_within_the_session_and_not_past_it(service: Service) -> None:
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
    # the hydraulic valve table of the exercise programme: started by those who plan it (issue 17)
    "/api/networks/{network_id}/valve-programme": {"dispatcher", "engineer"},
    "/api/networks": {"engineer"},
    "/api/leakage/analyses/{analysis_id}/survey-jobs": {"dispatcher"},
    "/api/leakage": {"dispatcher", "engineer"},
    "/api/repairs": {"dispatcher", "engineer"},
    "/api/jobs/{job_id}/notes": {"dispatcher", "engineer"},  # a note on a job (issue 18)
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
    # the rules' refusals are domain errors, answered by api/app.py's one mapping
    admin = service.auth("admin")
    r = service.client.patch("/api/users/nobody", json={"active": False}, headers=admin)
    assert r.status_code == 404 and r.json()["detail"] == "no user 'nobody'"
    me = service.client.get("/api/auth/me", headers=admin).json()["username"]
    r = service.client.patch(f"/api/users/{me}", json={"role": "viewer"}, headers=admin)
    assert r.status_code == 409 and "cannot disable or demote yourself" in r.json()["detail"]
    r = service.post(
        "/api/users",
        "admin",
        json={"username": "wang.fang", "password": "s3cret-pass", "role": "crew", "crew": "x-9"},
    )
    assert r.status_code == 422 and "'x-9' is not one of the crews" in r.json()["detail"]
