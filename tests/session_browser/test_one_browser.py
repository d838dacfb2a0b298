"""A pytest-playwright suite of several tests with different rules: one browser for the session,
a fresh context per test; each test sees only its own rules and records, and no preflight
cached by an earlier test's context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_cos_cors import plugin

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from pytest_cos_cors import CosCorsEndpoint

PAGE = "<!doctype html><title>app</title>"
APP, ADMIN = "https://app.example.com", "https://admin.example.com"
PUT = """
async (url) => {
    try {
        const response = await fetch(url, {method: "PUT", headers: {"Content-Type": "image/png"},
                                           body: "x"});
        return {status: response.status, error: null};
    } catch (error) {
        return {status: null, error: String(error)};
    }
}
"""
BROWSERS: list[Browser] = []


def rule(origin: str, max_age: int = 600) -> dict[str, Any]:
    return {
        "AllowedOrigin": [origin],
        "AllowedMethod": ["PUT"],
        "AllowedHeader": ["content-type"],
        "MaxAgeSeconds": max_age,
    }


def put_from(page: Page, cos_cors: CosCorsEndpoint, origin: str) -> dict[str, Any]:
    page.goto(cos_cors.serve_origin(origin, PAGE) + "/")
    result: dict[str, Any] = page.evaluate(PUT, cos_cors.cos_url_for("same.png", scheme="https"))
    return result


@pytest.mark.parametrize("run", range(3))
@pytest.mark.cors_rules(rule(APP))
def test_app_rules(page: Page, browser: Browser, cos_cors: CosCorsEndpoint, run: int) -> None:
    BROWSERS.append(browser)
    assert put_from(page, cos_cors, APP) == {"status": 200, "error": None}
    # Its own preflight, every time: the previous test's context (and cache) is gone.
    assert [(e.method, e.origin) for e in cos_cors.exchanges] == [("OPTIONS", APP), ("PUT", APP)]
    assert len(browser.contexts) == 1


@pytest.mark.parametrize("run", range(2))
@pytest.mark.cors_rules(rule(ADMIN))
def test_admin_rules(page: Page, browser: Browser, cos_cors: CosCorsEndpoint, run: int) -> None:
    BROWSERS.append(browser)
    assert put_from(page, cos_cors, APP)["error"] == "TypeError: Failed to fetch"
    assert put_from(page, cos_cors, ADMIN) == {"status": 200, "error": None}
    assert [e.origin for e in cos_cors.preflights] == [APP, ADMIN]
    assert [e.allowed for e in cos_cors.preflights] == [False, True]


def test_without_rules(page: Page, browser: Browser, cos_cors: CosCorsEndpoint) -> None:
    BROWSERS.append(browser)
    assert put_from(page, cos_cors, APP)["error"] == "TypeError: Failed to fetch"
    cos_cors.assert_preflight_denied(APP, "PUT", reason="no CORS configuration")


def test_one_browser_for_the_session(browser: Browser) -> None:
    assert len(BROWSERS) == 6
    assert all(b is browser for b in BROWSERS)


@pytest.mark.cors_rules(rule(APP))
def test_after_its_test_the_browser_reaches_nothing(
    page: Page, cos_cors: CosCorsEndpoint, request: pytest.FixtureRequest
) -> None:
    assert put_from(page, cos_cors, APP)["status"] == 200
    front = request.config.stash[plugin._BROWSER_FRONT]
    front.detach(cos_cors)  # what the fixture does when the test ends
    try:
        late = page.evaluate(PUT, cos_cors.cos_url_for("late.png", scheme="https"))
        assert late["error"] == "TypeError: Failed to fetch"
        reload_failed = False
        try:
            page.reload()
        except Exception:
            reload_failed = True
        assert reload_failed, "the page's own origin reaches nothing either"
    finally:
        front.attach(cos_cors)
    assert [e.method for e in cos_cors.exchanges] == ["OPTIONS", "PUT"]
    assert cos_cors.objects() == {"same.png": b"x"}
