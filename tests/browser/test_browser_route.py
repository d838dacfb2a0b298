"""``page.route()`` answers Chromium's CORS preflights inside Playwright, even for a route of an
unrelated URL: the page sees its upload succeed although the rules lack a header it sends, and
no preflight reaches the fake. The fake notices (the PUT needed a preflight that it never
answered) and the ``cos_cors`` teardown fails the test (issue 18, defect 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .harness import AppPage, Watch

if TYPE_CHECKING:
    from playwright.sync_api import Route

    from pytest_cos_cors import CosCorsEndpoint

KEY = "avatars/me.png"
UPLOAD_HEADERS = {"Content-Type": "image/png", "x-cos-meta-author": "alice"}


def rules_lacking_a_header(origin: str) -> dict[str, object]:
    return {"AllowedOrigin": [origin], "AllowedMethod": ["PUT"], "AllowedHeader": ["content-type"]}


def answer_api(route: Route) -> None:
    route.fulfill(status=200, body="{}", content_type="application/json")


def test_page_route_answers_the_preflight_and_the_fake_says_so(
    app_page: AppPage, cos_cors: CosCorsEndpoint
) -> None:
    cos_cors.set_rules(rules_lacking_a_header(app_page.origin))
    app_page.page.route("**/api/**", answer_api)  # a route of an unrelated URL
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY), method="PUT", headers=UPLOAD_HEADERS, body="PNG!"
    )
    recorded = watch.since()

    # The false pass the fake must not let through: the page saw 200, no preflight was sent.
    assert (result.ok, result.status) == (True, 200), result
    assert recorded.preflights == ()
    [put] = recorded.actual
    assert (put.method, put.needs_preflight, put.covering_preflight) == ("PUT", True, None)
    assert put.preflight_headers == ("content-type", "x-cos-meta-author")
    message = None
    try:
        cos_cors.assert_requests_preflighted()
    except AssertionError as error:
        message = str(error)
    assert message is not None
    assert message.splitlines()[:2] == [
        "1 browser request needed a CORS preflight that the fake never answered:",
        f"  1. PUT {cos_cors.bucket}/{KEY} origin='{app_page.origin}' -> 200: a browser "
        "preflights it (method PUT, headers content-type,x-cos-meta-author), but no allowed "
        "preflight of this origin was recorded before it",
    ]
    assert "page.route()" in message
    # The teardown would fail this test with the same message; it has been checked here.
    cos_cors.clear_log()


def test_without_a_route_the_preflight_reaches_the_fake(
    app_page: AppPage, cos_cors: CosCorsEndpoint
) -> None:
    cos_cors.set_rules({**rules_lacking_a_header(app_page.origin), "AllowedHeader": ["*"]})
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY), method="PUT", headers=UPLOAD_HEADERS, body="PNG!"
    )
    recorded = watch.since()

    assert result.status == 200, result
    [preflight] = recorded.preflights
    [put] = recorded.actual
    assert put.needs_preflight
    assert put.covering_preflight is preflight
    cos_cors.assert_request_allowed(app_page.origin, "PUT", path=KEY)
    cos_cors.assert_requests_preflighted()
