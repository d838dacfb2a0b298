"""Headless Chromium against the fake: one browser per session, a fresh context per test.

Chromium reads ``--host-resolver-rules`` only at launch, while each test's ``cos_cors`` endpoint
listens on a new port. So the session launches one browser with the flags of
``CosCorsEndpoint.browser_args()``, the endpoint's port swapped for the port of a small TCP relay
on 127.0.0.1 that the session owns, and each test points the relay at its own endpoint. The
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
    TcpRelay,
    require_browser,
    session_resolver_args,
)

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint


# Package scope: the browser suite's session. It ends with this directory, so another sync
# Playwright (the examples' fixture, in the same pytest run) never overlaps it.
@pytest.fixture(scope="package")
def browser_session() -> Iterator[BrowserSession]:
    """Playwright, one headless Chromium, the relay and the page server (package scope)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    relay = TcpRelay()
    pages = PageServer()
    try:
        args = [*CHROMIUM_ARGS, *session_resolver_args(relay.port)]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            try:
                yield BrowserSession(playwright, browser, relay, pages, args)
            finally:
                browser.close()
    finally:
        pages.close()
        relay.close()


@pytest.fixture
def app_page(browser_session: BrowserSession, cos_cors: CosCorsEndpoint) -> Iterator[AppPage]:
    """A page of ``http://app.localhost:PORT`` in a fresh browser context (function scope),
    whose COS host names reach this test's ``cos_cors``.

    Teardown closes the context (its connections and preflight cache go with it), then cuts
    whatever the relay still holds, before ``cos_cors`` stops.
    """
    relay = browser_session.relay
    relay.retarget(cos_cors.port)
    context = browser_session.browser.new_context()
    try:
        app = AppPage(context.new_page(), context, browser_session.pages, cos_cors)
        app.open("app")
        yield app
    finally:
        context.close()
        relay.retarget(None)
        relay.cut()
