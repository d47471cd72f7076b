"""The leakage tab's upload form takes the plants' output (issue 17): with ``plant_output.csv``
CJJ 92 grades against what the plants sent out, without it against the DMAs' inflow and the
grade's warning says so in the console's language (no English in the Chinese console, the
English in the English one). The demo uploads the plants' output too."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sample_data.leakage import generate
from tests.api.conftest import LiveServer
from tests.web import pages
from tests.web.pages import open_tab, sign_in, sync_api

pytestmark = pytest.mark.slow

HAN = re.compile(r"[\u4e00-\u9fff]")
FIVE = ("meters", "flows", "billing", "pressure", "usage")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pages.serve(tmp_path_factory, "leakage-upload", pages.SAMPLE_DAY) as srv:
        yield srv


def _upload(page: Any, folder: Path, names: tuple[str, ...]) -> None:
    details = page.locator("#leak-form >> xpath=ancestor::details")
    if not details.evaluate("d => d.open"):
        page.click("#leak-form >> xpath=ancestor::details/summary")
    for name in names:
        page.set_input_files(f"#leak-form input[name={name}]", str(folder / f"{name}.csv"))
    page.click("#leak-form button[type=submit]")


def _latest(server: LiveServer, token: str, count: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while len(listed := server.call("GET", "/api/leakage/analyses", token)[1]) < count:
        assert time.monotonic() < deadline, f"{count} analyses not there: {listed}"
        time.sleep(0.5)
    found: dict[str, Any] = server.call("GET", f"/api/leakage/analyses/{listed[0]['id']}", token)[1]
    return found


def test_the_form_takes_the_plants_output(page: Any, server: LiveServer, tmp_path: Path) -> None:
    token = server.token()
    demo = _latest(server, token, 1)  # the demo's upload, with its plants' output
    assert demo["cjj92"]["supply_source"] == "plant outlet meters", demo["cjj92"]
    generate(tmp_path, seed=2022)
    sign_in(page, server)
    open_tab(page, "leakage")
    sync_api.expect(page.locator("#cjj92-grade")).not_to_have_text("")
    # without the plants' file: the DMAs' inflow, and the warning in Chinese
    _upload(page, tmp_path, FIVE)
    inflow = _latest(server, token, 2)["cjj92"]
    assert inflow["supply_source"] == "DMA inlet meters"
    warnings = page.locator("#cjj92-warnings li")
    sync_api.expect(warnings).to_have_count(1)
    zh = warnings.inner_text()
    assert HAN.search(zh) and "plant_output.csv" in zh, zh
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\w+\.csv|Q_s|R\d", "", zh)), zh
    rate = page.locator("#leak-summary .big").first
    assert rate.inner_text() == f"{inflow['rate_pct']:.2f} %"
    page.click("#lang")
    sync_api.expect(warnings).not_to_have_text(zh)
    en = warnings.inner_text()
    assert en == inflow["warnings"][0] and not HAN.search(en), en
    # with it: the plants' output, a higher rate, no warning
    _upload(page, tmp_path, (*FIVE, "plant_output"))
    plants = _latest(server, token, 3)["cjj92"]
    assert plants["supply_source"] == "plant outlet meters"
    assert plants["rate_pct"] > inflow["rate_pct"] + 1  # the demo's data: 4.1 % against 2.4 %
    sync_api.expect(rate).to_have_text(f"{plants['rate_pct']:.2f} %")
    sync_api.expect(page.locator("#cjj92-warnings")).to_have_count(0)
