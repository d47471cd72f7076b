"""Hardening (issue 12): request bodies are capped and authenticated before they are read,
a password change ends the old tokens, sign-in is rate limited per account and per address and
takes the same time for every username, the signing key must be strong, /docs works offline.

Bodies are tested against a real uvicorn (``LiveServer``) with raw sockets: a client that claims
2 GB, or streams without end, must get its answer at once, while it has sent almost nothing."""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import select
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import security
from api.cli.service import cmd_adduser
from api.settings import Settings, WeakSigningKey, get_settings
from tests.api.conftest import LiveServer, Service, make_service

pytestmark = pytest.mark.slow

UPLOAD_MB = 5  # the live server's upload limit: small, so that going over it is cheap


# -- helpers ---------------------------------------------------------------------------------


def raw_request(
    port: int, head: str, chunks: Iterator[bytes], wait: float = 5.0
) -> tuple[int, bytes, int, float]:
    """Send ``head`` and then ``chunks`` while no answer has come; the status, the answer, the
    bytes of body sent before the answer came, and the seconds it took."""
    sock = socket.socket()
    # a small send buffer: what "sent" counts has (nearly) reached the server
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
    sock.settimeout(wait)
    sock.connect(("127.0.0.1", port))
    start = time.monotonic()
    sent = 0
    answer = b""
    try:
        sock.sendall(head.encode())
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except OSError:  # the server closed its side: read what it said
                break
            sent += len(chunk)
        deadline = start + wait
        while time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                break
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer:
                header, _, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", header)
                if length and len(body) >= int(length.group(1)):
                    break
    finally:
        elapsed = time.monotonic() - start
        sock.close()
    match = re.match(rb"HTTP/1\.1 (\d{3})", answer)
    return (int(match.group(1)) if match else 0), answer, sent, elapsed


# the start of a real multipart upload: the parser reads on, into the file part
PART = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.gpkg"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
)


def zeros(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    yield PART
    for _ in range(total // size):
        yield b"\0" * size


def chunked(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    yield f"{len(PART):x}\r\n".encode() + PART + b"\r\n"
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"\0" * size + b"\r\n"
    yield b"0\r\n\r\n"


def spooled(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    base = tmp_path_factory.mktemp("security")
    spool = base / "tmp"
    spool.mkdir()
    srv = LiveServer(
        base / "data", env={"TMPDIR": str(spool), "WATEROPS_MAX_UPLOAD_MB": str(UPLOAD_MB)}
    )
    srv.start()
    try:
        yield srv, spool
    finally:
        srv.stop()


def multipart_head(path: str, length: int | None, token: str | None = None) -> str:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: multipart/form-data; boundary=xyz",
    ]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return "\r\n".join(lines) + "\r\n\r\n"


# -- 1. bodies: authenticated before they are read, capped in front of the app ------------------


def test_an_anonymous_body_is_refused_before_it_is_read(live: tuple[LiveServer, Path]) -> None:
    srv, spool = live
    # 2 GiB announced, 1 MiB sent: the 401 comes at once, not after the client gave up
    status, answer, sent, elapsed = raw_request(
        srv.port, multipart_head("/api/networks", 2 << 30), zeros(1 << 20)
    )
    assert status == 401, answer[:300]
    assert elapsed < 3 and b"sign in first" in answer
    # a chunked stream of 256 MiB: answered after a few MiB at most
    status, answer, sent, elapsed = raw_request(
        srv.port, multipart_head("/api/networks", None), chunked(256 << 20)
    )
    assert status == 401, answer[:300]
    assert sent < 16 << 20, sent
    assert spooled(spool) == 0
    # a client that waits for "100 Continue" (curl does) gets the 401 instead, and sends nothing
    head = multipart_head("/api/networks", 2 << 30).replace(
        "\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"
    )
    status, answer, _, elapsed = raw_request(srv.port, head, iter(()))
    assert status == 401 and elapsed < 3 and b"100 Continue" not in answer, answer[:300]
    # a token that is not valid is refused the same way
    status, answer, _, _ = raw_request(
        srv.port, multipart_head("/api/networks", 2 << 30, "not-a-token"), zeros(1 << 16)
    )
    assert status == 401 and b"not valid" in answer


def test_a_body_over_the_limit_is_refused_at_once(live: tuple[LiveServer, Path]) -> None:
    srv, spool = live
    token = srv.token("engineer")
    # 210 MB announced by an engineer: 413 before any of it is read
    status, answer, _, elapsed = raw_request(
        srv.port, multipart_head("/api/networks", 210 << 20, token), zeros(1 << 20)
    )
    assert status == 413, answer[:300]
    assert elapsed < 3 and b"WATEROPS_MAX_UPLOAD_MB" in answer
    # streamed without a length: refused once the limit is passed, and nothing is kept
    status, answer, sent, _ = raw_request(
        srv.port, multipart_head("/api/networks", None, token), chunked(256 << 20), wait=20
    )
    assert status == 413, answer[:300]
    assert sent < (UPLOAD_MB + 16) << 20, sent  # the limit, and what the kernel buffers
    assert spooled(spool) == 0
    # a JSON body is capped far lower than an upload
    big = 2 << 20
    head = (
        "POST /api/outages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {srv.token()}\r\nContent-Length: {big}\r\n\r\n"
    )
    status, answer, _, elapsed = raw_request(srv.port, head, zeros(1 << 16))
    assert status == 413 and b"WATEROPS_MAX_BODY_KB" in answer, answer[:300]
    # the sign-in form is public: a small limit
    head = (
        "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n"
    )
    status, answer, _, _ = raw_request(srv.port, head, zeros(1 << 16))
    assert status == 413, answer[:300]
    # and the service still works
    code, body, _ = srv.call("GET", "/api/networks", token)
    assert code == 200 and body


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(
        "sqlite",
        tmp_path_factory.mktemp("sec"),
        sign_in_account_limit="4 per 15 minutes",
        sign_in_address_limit="8 per 15 minutes",
    )


def test_malformed_json_from_an_anonymous_caller_is_401(service: Service) -> None:
    c = service.client
    r = c.post("/api/outages", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 401, r.text
    r = c.post(
        "/api/outages",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Authorization": "Bearer junk"},
    )
    assert r.status_code == 401 and "not valid" in r.json()["detail"]
    # signed in, the same body is a 422 that says what is wrong
    r = service.post(
        "/api/outages", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and "JSON" in r.json()["detail"]


# -- 8. a password change ends the tokens of the account ---------------------------------------


def test_a_password_change_revokes_the_tokens(service: Service) -> None:
    c = service.client
    user = {"username": "zhao.rev", "password": "first-pass-1", "role": "dispatcher"}
    assert service.post("/api/users", "admin", json=user).status_code == 201
    token = sign_in(c, "zhao.rev", "first-pass-1")
    headers = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/jobs", headers=headers).status_code == 200
    renewed = c.post("/api/auth/refresh", headers=headers).json()["access_token"]

    r = c.patch(
        "/api/users/zhao.rev", json={"password": "second-pass-2"}, headers=service.auth("admin")
    )
    assert r.status_code == 200, r.text
    for old in (token, renewed):
        h = {"Authorization": f"Bearer {old}"}
        r = c.get("/api/jobs", headers=h)
        assert r.status_code == 401 and "password" in r.json()["detail"], r.text
        assert c.post("/api/auth/refresh", headers=h).status_code == 401
    fresh = sign_in(c, "zhao.rev", "second-pass-2")
    assert c.get("/api/jobs", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    # disabling ends them too, and enabling again does not bring them back
    admin = service.auth("admin")
    assert c.patch("/api/users/zhao.rev", json={"active": False}, headers=admin).status_code == 200
    assert c.patch("/api/users/zhao.rev", json={"active": True}, headers=admin).status_code == 200
    assert c.get("/api/jobs", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    # a role change keeps them (the role is read from the account on every request)
    fresh = sign_in(c, "zhao.rev", "second-pass-2")
    assert c.patch("/api/users/zhao.rev", json={"role": "viewer"}, headers=admin).status_code == 200
    me = c.get("/api/auth/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.status_code == 200 and me.json()["role"] == "viewer"


def test_the_command_line_password_reset_revokes_the_tokens(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = service.client
    user = {"username": "qian.cli", "password": "first-pass-1", "role": "viewer"}
    assert service.post("/api/users", "admin", json=user).status_code == 201
    token = sign_in(c, "qian.cli", "first-pass-1")
    monkeypatch.setenv("WATEROPS_PASSWORD", "second-pass-2")
    monkeypatch.setenv("WATEROPS_DATA_DIR", str(service.data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        args = argparse.Namespace(
            username="qian.cli", role="viewer", database=None, data=service.data_dir
        )
        assert cmd_adduser(args) == 0
    finally:
        get_settings.cache_clear()
    assert c.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def sign_in(client: TestClient, username: str, password: str) -> str:
    r = client.post("/api/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


# -- 9. brute force: per account, per address, equal time, off the event loop -----------------


def _attempt(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/auth/token", data={"username": username, "password": password})


def test_wrong_passwords_lock_the_account_for_a_while(service: Service) -> None:
    c = service.client
    user = {"username": "sun.lock", "password": "right-pass-1", "role": "viewer"}
    assert service.post("/api/users", "admin", json=user).status_code == 201
    other = TestClient(c.app, client=("10.0.0.7", 40000))  # every guess from a new address
    codes = []
    for k in range(5):
        guesser = TestClient(c.app, client=(f"10.1.0.{k}", 40000))
        codes.append(_attempt(guesser, "sun.lock", f"guess-{k}").status_code)
    assert codes == [401, 401, 401, 401, 429], codes
    locked = _attempt(other, "sun.lock", "right-pass-1")  # even the right password, for now
    assert locked.status_code == 429, locked.text
    wait = int(locked.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    assert "too many" in locked.json()["detail"] and "sun.lock" in locked.json()["detail"]
    # another account is not affected
    assert _attempt(other, "viewer", "waterops-demo").status_code == 200
    # an unknown name is limited the same way (nothing tells which names exist)
    codes = [_attempt(other, "nobody.here", f"guess-{k}").status_code for k in range(5)]
    assert codes == [401, 401, 401, 401, 429], codes


def test_one_address_guessing_many_accounts_is_stopped(service: Service) -> None:
    c = service.client
    sprayer = TestClient(c.app, client=("192.0.2.50", 40000))
    codes = [_attempt(sprayer, f"user{k}", "123456").status_code for k in range(9)]
    assert codes == [401] * 8 + [429], codes
    t0 = time.perf_counter()
    refused = _attempt(sprayer, "viewer", "waterops-demo")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert time.perf_counter() - t0 >= 0.9  # a refusal comes late: hammering gains nothing
    assert "this address" in refused.json()["detail"]
    # the neighbouring IPv6 addresses of one /64 count as one client
    codes = []
    for k in range(9):
        v6 = TestClient(c.app, client=(f"2001:db8:1:2::{k + 1:x}", 40000))
        codes.append(_attempt(v6, f"user{k}", "123456").status_code)
    assert codes[-1] == 429, codes
    # another address still signs in
    elsewhere = TestClient(c.app, client=("192.0.2.51", 40000))
    assert _attempt(elsewhere, "viewer", "waterops-demo").status_code == 200


def test_known_and_unknown_usernames_take_the_same_time(tmp_path: Path) -> None:
    for svc in make_service("sqlite", tmp_path):
        c = svc.client
        admin = svc.auth("admin")
        user = {"username": "zhou.off", "password": "right-pass-1", "role": "viewer"}
        assert c.post("/api/users", json=user, headers=admin).status_code == 201
        assert c.patch("/api/users/zhou.off", json={"active": False}, headers=admin).is_success

        def timed(username: str, app: Any = c.app) -> float:
            times = []
            for k in range(3):
                client = TestClient(app, client=(f"198.51.100.{len(times)}", k + 1))
                t0 = time.perf_counter()
                assert _attempt(client, username, f"wrong-{k}").status_code == 401
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        known, unknown, disabled = timed("dispatcher"), timed("no.such.user"), timed("zhou.off")
        assert unknown > 0.5 * known and disabled > 0.5 * known, (known, unknown, disabled)
        assert unknown < 2 * known and disabled < 2 * known, (known, unknown, disabled)


def test_password_hashing_runs_off_the_event_loop(service: Service) -> None:
    seen: list[str] = []
    real = security.verify_password

    def spy(password: str, hashed: str) -> bool:
        seen.append(threading.current_thread().name)
        return real(password, hashed)

    security.verify_password = spy  # type: ignore[assignment]
    try:
        client = TestClient(service.client.app, client=("203.0.113.9", 1))
        assert _attempt(client, "viewer", "waterops-demo").status_code == 200
    finally:
        security.verify_password = real  # type: ignore[assignment]
    assert seen and all(name.startswith("waterops-password") for name in seen), seen


# -- 10. the signing key ------------------------------------------------------------------------


def test_the_signing_key_must_be_strong(tmp_path: Path) -> None:
    for weak in ("x", "secret", "a" * 64, "abcabcabc" * 8):
        with pytest.raises(WeakSigningKey, match="WATEROPS_SECRET_KEY"):
            Settings(data_dir=tmp_path, secret_key=weak).signing_key()
    strong = base64.urlsafe_b64encode(hashlib.sha512(b"waterops").digest()).decode()
    assert Settings(data_dir=tmp_path, secret_key=strong).signing_key() == strong
    # from a file outside the data directory (a secret mount), not group- or world-readable
    key_file = tmp_path / "keys" / "signing.key"
    key_file.parent.mkdir()
    key_file.write_text(strong + "\n")
    key_file.chmod(0o600)
    assert Settings(data_dir=tmp_path / "d", secret_key_file=key_file).signing_key() == strong
    key_file.write_text("short\n")
    with pytest.raises(WeakSigningKey, match=str(key_file)):
        Settings(data_dir=tmp_path / "d", secret_key_file=key_file).signing_key()
    missing = tmp_path / "keys" / "none.key"
    with pytest.raises(WeakSigningKey, match="cannot be read"):
        Settings(data_dir=tmp_path / "d", secret_key_file=missing).signing_key()
    # without either, one is generated into the data directory (a single machine, the demo)
    generated = Settings(data_dir=tmp_path / "g").signing_key()
    assert len(generated) >= 43 and (tmp_path / "g" / "secret.key").stat().st_mode & 0o077 == 0
    # and a weak key kept there is refused as well
    (tmp_path / "g" / "secret.key").write_text("1")
    with pytest.raises(WeakSigningKey):
        Settings(data_dir=tmp_path / "g").signing_key()


def test_the_service_does_not_start_with_a_weak_key(tmp_path: Path) -> None:
    with pytest.raises(WeakSigningKey):
        for _ in make_service("sqlite", tmp_path, secret_key="1"):
            pass


# -- 17. /docs without a CDN --------------------------------------------------------------------


def test_the_api_documentation_is_served_without_a_cdn(service: Service) -> None:
    c = service.client
    r = c.get("/docs")
    assert r.status_code == 200 and "swagger-ui" in r.text
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", r.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    for asset in urls:
        assert c.get(asset).status_code == 200, asset
    csp = r.headers["content-security-policy"]
    scripts = re.findall(r"<script>(.*?)</script>", r.text, flags=re.S)
    assert scripts and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    for script in scripts:  # the inline start-up script is allowed by its hash only
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert c.get("/docs/oauth2-redirect").status_code == 200
