"""The console's pages and public configuration (api/routes/web.py), end to end
on SQLite and PostgreSQL.

Real solver, real database, real files. Each test sets up what it needs (fixtures in
tests/api/conftest.py), whatever ran before it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import Service, make_service

pytestmark = pytest.mark.slow


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
    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    for svc in make_service("sqlite", tmp_path, map_tiles=tiles, map_attribution="© example"):
        csp = svc.client.get("/console").headers["content-security-policy"]
        assert "img-src 'self' data: blob: https://*.tiles.example.org;" in csp
        config = svc.client.get("/public/config").json()
        assert config["tiles"] == tiles and config["network"] == 1
        (south, west), (north, east) = config["bounds"]  # the sample city
        assert 34.7 < south < north < 34.9 and 114.2 < west < east < 114.5
        roads = svc.client.get("/public/map/roads").json()
        assert len(roads["features"]) == 1679
