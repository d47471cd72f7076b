"""The field app's service worker (issue 18): its version is a hash of the app's shell, so a
deploy that changes any file of it is a new worker (the phones cache the new shell and drop the
old), and one that changes none keeps the phones' caches."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from api.routes import web


def worker(monkeypatch: pytest.MonkeyPatch, static: Path) -> tuple[str, list[str]]:
    monkeypatch.setattr(web, "STATIC", static)
    body = bytes(web.field_service_worker().body).decode()
    version = re.search(r'const VERSION = "([0-9a-f]+)";', body)
    shell = re.search(r"const SHELL = (\[.*?\]);", body)
    assert version and shell, body[:400]
    return version[1], json.loads(shell[1])


def test_a_changed_shell_file_is_a_new_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    static = tmp_path / "static"
    shutil.copytree(web.STATIC, static)
    first, shell = worker(monkeypatch, static)
    # every file of the shell is served (the worker's install fails on one missing)
    for path in shell:
        if path.startswith("/static/"):
            assert (static / path.removeprefix("/static/")).is_file(), path
    assert {"/field", "/static/js/field.js", "/static/js/i18n.js"} <= set(shell)
    assert {"/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css"} <= set(shell)
    assert worker(monkeypatch, static)[0] == first  # nothing changed: the same worker
    for name in ("js/i18n.js", "vendor/leaflet/leaflet.css", "js/field-sw.js"):
        changed = static / name
        changed.write_bytes(changed.read_bytes() + b"\n// a deploy\n")
        again, _ = worker(monkeypatch, static)
        assert again != first, name
        first = again
    # a file outside the shell (the console's) does not move the phones' caches
    (static / "js" / "console.js").write_text("// the console changed\n")
    assert worker(monkeypatch, static)[0] == first


def test_the_worker_is_javascript_not_cached() -> None:
    answer = web.field_service_worker()
    assert (answer.media_type or "").startswith("text/javascript")
    assert answer.headers["Cache-Control"] == "no-cache"
