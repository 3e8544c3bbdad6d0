"""Browser tests: a real server, Debian's chromium, and every page checked for requests
to other hosts and console errors."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from support.browsing import Site, Visit, launch_chromium, running_site, visiting


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Per module, not per session: Playwright's sync API keeps an event loop running in
    # this thread while it is open, and every later test calling asyncio.run would fail.
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright.chromium)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as running:
        yield running


@pytest.fixture
def visit(browser: Browser, site: Site) -> Iterator[Visit]:
    """A fresh tab; after the test, it must have asked no other host and logged no error."""
    with visiting(browser, site) as tab:
        yield tab
        assert tab.external == [], f"requests to other hosts: {tab.external}"
        assert tab.console_errors == [], f"console errors: {tab.console_errors}"
