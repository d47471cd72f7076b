"""The console says that a background hydraulic job was resumed (issue 17; api/jobs.py): a
pressure-management run stopped through the API, run again from the leakage tab, takes over the
DMAs the stopped one had done, and the status line says how many it kept, in both languages,
while it runs and once it is done. The service runs at 0.5 MPa (no DMA needs a PRV search:
seconds), on the demo's eight weeks of meter data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.demo import _leakage
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"WATEROPS_SERVICE_PRESSURE_MPA": "0.5"}
    with pages.serve(tmp_path_factory, "resumed", env) as srv:
        _leakage(srv.url, srv.token("engineer"))
        yield srv


def _until(server: LiveServer, url: str, token: str, ok: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, job, _ = server.call("GET", url, token)
        if ok(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout} s: {job}")


def test_a_resumed_pressure_management_says_what_it_kept(page: Any, server: LiveServer) -> None:
    token = server.token("engineer")
    _, listed, _ = server.call("GET", "/api/leakage/analyses", token)
    url = f"/api/leakage/analyses/{listed[0]['id']}/pressure-management"
    status, _, _ = server.call("POST", url, token, {})
    assert status == 202
    _until(server, url, token, lambda j: j["state"] != "queued")
    status, _, _ = server.call("DELETE", url, token)
    assert status == 200
    stopped = _until(server, url, token, lambda j: j["state"] not in ("queued", "running"))
    assert stopped["state"] == "stopped", stopped
    kept = stopped["progress"]["done"]

    sign_in(page, server, "engineer")
    open_tab(page, "leakage")
    page.wait_for_selector("#pm-run")
    assert "接续" not in page.locator("#pm-status").inner_text()  # the stopped job: not resumed
    page.click("#pm-run")  # the same inputs: the new job takes the stopped one's DMAs over
    page.wait_for_selector("#pressure-table tbody tr", timeout=120_000)
    _, job, _ = server.call("GET", url, token)
    assert job["state"] == "done" and job["resumed"] == {"from": stopped["job"], "done": kept}
    text = page.locator("#pm-status").inner_text()
    assert f"接续中断的计算：保留已完成的 {kept} 项" in text or (
        f"resumed: the {kept} done before kept" in text
    ), text
    page.click("#lang")  # the same line in the other language
    other = (
        f"resumed: the {kept} done before kept"
        if "接续" in text
        else f"接续中断的计算：保留已完成的 {kept} 项"
    )
    sync_api.expect(page.locator("#pm-status")).to_contain_text(other)
