"""Headless Chromium against the fake: one browser per session, a fresh context per test.

Chromium reads ``--host-resolver-rules`` only at launch, while each test's ``cos_cors`` endpoint
listens on a new port. So the package launches one browser with the plugin's
``cos_cors_browser_args`` (every host name to the session's front, which routes to the endpoint
of the test running now); each test's ``cos_cors`` is attached to the front by the plugin. The
browser reaches ``http://<bucket>.cos.<region>.myqcloud.com/...`` as a user's browser started with
``cos_cors.browser_args()`` does (``test_browser_args.py`` launches one that way, verbatim).

Pages are served by a tiny ``http.server`` on 127.0.0.1 as ``http://<name>.localhost:PORT``
(Chromium resolves ``*.localhost`` to loopback itself), so every page is cross-origin to COS.
Locally the browser tests skip when Chromium or Playwright is missing; with ``CI`` set they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    AppPage,
    BrowserSession,
    PageServer,
    require_browser,
)

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint


# Package scope: the browser suite's session. It ends with this directory, so another sync
# Playwright (the examples' fixture, in the same pytest run) never overlaps it.
@pytest.fixture(scope="package")
def browser_session(
    request: pytest.FixtureRequest, cos_cors_browser_args: list[str]
) -> Iterator[BrowserSession]:
    """pytest-playwright's Playwright, one headless Chromium and the page server (package
    scope). A process runs one sync Playwright at a time: every suite takes the session's."""
    require_browser()
    playwright = request.getfixturevalue("playwright")
    pages = PageServer()
    try:
        args = [*CHROMIUM_ARGS, *cos_cors_browser_args]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield BrowserSession(playwright, browser, pages, args)
        finally:
            browser.close()
    finally:
        pages.close()


@pytest.fixture
def app_page(browser_session: BrowserSession, cos_cors: CosCorsEndpoint) -> Iterator[AppPage]:
    """A page of ``http://app.localhost:PORT`` in a fresh browser context (function scope),
    whose COS host names reach this test's ``cos_cors``.

    Teardown closes the context (its connections and preflight cache go with it) before
    ``cos_cors`` is detached from the front and stops.
    """
    context = browser_session.browser.new_context()
    try:
        app = AppPage(context.new_page(), context, browser_session.pages, cos_cors)
        app.open("app")
        yield app
    finally:
        context.close()
