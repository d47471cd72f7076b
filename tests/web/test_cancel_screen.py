"""Issue 13, item 5 in the browser: a dispatcher cancels a repair ticket and a job from the
console, with a reason that ends up in the history; the service's refusals (a crew on site:
409; the job changed meanwhile: 412) are shown where the dispatcher is. A viewer is not offered
either, an engineer only the ticket (as the API allows)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import call, open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

# the browser logs every refused request as an error; these are the ones the test provokes
EXPECTED = ("status of 409", "status of 412")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "cancel") as srv:
        yield srv


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with pages.browser_page(browser, expected=EXPECTED) as pg:
        yield pg


def set_status(server: LiveServer, job: str, status: str, crew: str | None = None) -> None:
    version = call(server, "GET", f"/api/jobs/{job}")["version"]
    body = {"status": status, "note": "from the field", **({"crew": crew} if crew else {})}
    call(server, "POST", f"/api/jobs/{job}/status", body, **{"If-Match": f'"{version}"'})


def test_a_dispatcher_cancels_a_ticket_and_a_job_with_a_reason(
    page: Any, server: LiveServer
) -> None:
    double = call(server, "POST", "/api/repairs", {"severity": "minor_leak", "pipe_id": "P000590"})
    under_way = call(
        server, "POST", "/api/repairs", {"severity": "minor_leak", "pipe_id": "P001200"}
    )
    first_job = under_way["jobs"][0]["id"]
    set_status(server, first_job, "on_site")
    survey = call(server, "POST", "/api/leak-surveys", {"lon": 114.35, "lat": 34.80})["id"]
    changed = call(server, "POST", "/api/leak-surveys", {"lon": 114.36, "lat": 34.80})["id"]
    crew = call(server, "GET", "/api/crews")[0]["id"]

    sign_in(page, server, "dispatcher")
    open_tab(page, "work")
    row = page.locator(f"#repairs-table tr[data-ticket='{double['ticket']}']")
    sync_api.expect(row).to_contain_text("处理中")

    # the reason is required: an empty one is refused in the form, nothing is sent
    row.locator("button.cancel-ticket").click()
    form = page.locator("#repairs-table tr.reason-row form")
    form.locator("input[name=reason]").fill("   ")
    form.locator("button[type=submit]").click()
    sync_api.expect(form.locator(".error")).to_have_text("请填写原因")
    assert call(server, "GET", f"/api/repairs/{double['ticket']}")["status"] == "open"

    reason = "重复报修：与上一张工单是同一处漏水"
    form.locator("input[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()
    outcome = page.locator("#ticket-outcome")
    sync_api.expect(outcome).to_contain_text(f"工单 {double['ticket']} 已撤销")
    ticket = call(server, "GET", f"/api/repairs/{double['ticket']}")
    assert ticket["status"] == "cancelled" and ticket["cancelled"]["reason"] == reason
    jobs = call(server, "GET", f"/api/jobs?source={double['ticket']}")
    assert jobs and all(j["status"] == "cancelled" for j in jobs)
    for job in jobs:
        assert job["id"] in outcome.inner_text()
        history = call(server, "GET", f"/api/jobs/{job['id']}")["history"]
        assert reason in history[-1]["note"] and history[-1]["by"] == "dispatcher"
        # the ticket's jobs have left the list of jobs to do
        sync_api.expect(page.locator(f"#jobs-table tr[data-job='{job['id']}']")).to_have_count(0)
    # the list is refreshed: the ticket cancelled, with why, and nothing more to cancel
    sync_api.expect(row).to_contain_text("已撤销")
    sync_api.expect(row.locator(".cancelled-reason")).to_contain_text(reason)
    assert row.locator("button.cancel-ticket").count() == 0

    # a crew is on site: the service refuses (409) and the console says so, in the form
    row = page.locator(f"#repairs-table tr[data-ticket='{under_way['ticket']}']")
    row.locator("button.cancel-ticket").click()
    form = page.locator("#repairs-table tr.reason-row form")
    form.locator("input[name=reason]").fill("报修人撤回")
    form.locator("button[type=submit]").click()
    error = form.locator(".error")
    sync_api.expect(error).to_contain_text(f"工单 {under_way['ticket']} 未能撤销")
    # the refusal in the reader's language (its code and params, issue 18 item 5)
    sync_api.expect(error).to_contain_text("有正在进行的作业")
    assert first_job in error.inner_text()
    assert call(server, "GET", f"/api/repairs/{under_way['ticket']}")["status"] == "open"
    pages.screenshot(page, "cancel_ticket_refused_409", full_page=True)
    form.locator("button.back").click()
    sync_api.expect(page.locator("#repairs-table tr.reason-row")).to_have_count(0)

    # one job: opened under its row with its history, cancelled with a reason
    page.locator(f"#jobs-table tr[data-job='{survey}']").click()
    detail = page.locator("#job-detail")
    sync_api.expect(detail.locator("#job-history li")).to_have_count(1)  # created
    detail.locator("#cancel-job").click()
    detail.locator("input[name=reason]").fill("该片区本周已检漏")
    detail.locator("form button[type=submit]").click()
    sync_api.expect(detail.locator("#job-outcome")).to_have_text(f"任务 {survey} 已取消")
    sync_api.expect(detail.locator("#job-history li").last).to_contain_text("该片区本周已检漏")
    sync_api.expect(detail.locator("#job-history li").last).to_contain_text("已取消")
    assert detail.locator("#cancel-job").count() == 0
    job = call(server, "GET", f"/api/jobs/{survey}")
    assert job["status"] == "cancelled"
    assert job["history"][-1] == {**job["history"][-1], "status": "cancelled", "by": "dispatcher"}
    assert job["history"][-1]["note"] == "该片区本周已检漏"
    pages.screenshot(page, "cancel_job_done", full_page=True)

    # the job changes while the dispatcher reads it (a crew is assigned): refused (412), the
    # job is opened again as it now is, and cancelled on the second try
    page.locator(f"#jobs-table tr[data-job='{changed}']").click()
    sync_api.expect(detail.locator("#job-history li")).to_have_count(1)
    set_status(server, changed, "assigned", crew)
    detail.locator("#cancel-job").click()
    detail.locator("input[name=reason]").fill("重复任务")
    detail.locator("form button[type=submit]").click()
    sync_api.expect(detail.locator("#job-outcome.warn")).to_contain_text("已被他人修改")
    sync_api.expect(detail.locator("#job-history li")).to_have_count(2)
    assert call(server, "GET", f"/api/jobs/{changed}")["status"] == "assigned"
    sync_api.expect(page.locator(f"#jobs-table tr[data-job='{changed}']")).to_contain_text("已派工")
    detail.locator("#cancel-job").click()
    detail.locator("input[name=reason]").fill("重复任务")
    detail.locator("form button[type=submit]").click()
    sync_api.expect(detail.locator("#job-outcome.ok")).to_be_visible()
    assert call(server, "GET", f"/api/jobs/{changed}")["status"] == "cancelled"

    # in English the same screen reads in English
    page.click("#lang")
    sync_api.expect(
        page.locator(f"#repairs-table tr[data-ticket='{double['ticket']}']")
    ).to_contain_text("cancelled")
    sync_api.expect(
        page.locator(f"#repairs-table tr[data-ticket='{under_way['ticket']}'] button")
    ).to_have_text("Cancel ticket")
    sync_api.expect(page.locator("#ticket-outcome")).to_contain_text(
        f"Ticket {double['ticket']} cancelled"
    )
    pages.screenshot(page, "cancel_screen_en", full_page=True)


def test_only_the_roles_the_api_allows_are_offered_cancelling(
    browser: Any,
    server: LiveServer,
) -> None:
    ticket = call(server, "POST", "/api/repairs", {"severity": "minor_leak", "pipe_id": "P000658"})
    job = ticket["jobs"][0]["id"]
    for role, ticket_button, job_button in (("viewer", False, False), ("engineer", True, False)):
        with pages.browser_page(browser, watch="none") as pg:
            sign_in(pg, server, role)
            # a viewer has no tab for it, but may type its address
            pg.goto(f"{server.url}/console#work")
            pg.reload()
            row = pg.locator(f"#repairs-table tr[data-ticket='{ticket['ticket']}']")
            sync_api.expect(row).to_contain_text("处理中")
            assert row.locator("button.cancel-ticket").is_visible() is ticket_button, role
            pg.locator(f"#jobs-table tr[data-job='{job}']").click()
            sync_api.expect(pg.locator("#job-history li")).to_have_count(1)
            assert pg.locator("#cancel-job").is_visible() is job_button, role
    # and the API agrees
    status, _, _ = server.call(
        "POST", f"/api/repairs/{ticket['ticket']}/cancel", server.token("viewer"), {"reason": "x"}
    )
    assert status == 403
