"""The browser tests' fixtures: one Chromium a test module, and a page a test (the steps they
share are in ``pages.py``; a module that wants another page defines its own ``page``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (the test skips without it: see ``pages``)."""
    from tests.web import pages  # imported here: it skips a module without Chromium

    with pages.sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(pages.CHROMIUM), headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A 1366 x 800 page that takes downloads, failing the test on the page's errors, its
    screenshot after the test named by the test."""
    from tests.web import pages

    with pages.browser_page(
        browser, 1366, 800, shot=request.node.name, accept_downloads=True
    ) as pg:
        yield pg
