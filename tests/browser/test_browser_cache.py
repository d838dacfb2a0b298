"""``Access-Control-Max-Age`` as Chromium applies it, and one preflight cache per context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .harness import AppPage, BrowserSession, FetchResult, Watch, assert_agree

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint

KEY = "cache/me.json"
HEADERS = {"Content-Type": "application/json", "x-cos-meta-step": "1"}


def rule(origin: str, max_age: int | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "AllowedOrigin": [origin],
        "AllowedMethod": ["PUT"],
        "AllowedHeader": ["*"],
    }
    if max_age is not None:
        fields["MaxAgeSeconds"] = max_age
    return fields


def put(app_page: AppPage, cos_cors: CosCorsEndpoint) -> FetchResult:
    watch = Watch(cos_cors)
    result = app_page.fetch(cos_cors.cos_url_for(KEY), method="PUT", headers=HEADERS, body="{}")
    assert_agree(result, watch.since())
    assert result.status == 200
    return result


# Run twice: a preflight cached by the previous test's context must not leak into this one.
@pytest.mark.parametrize("run", ["first", "second"])
@pytest.mark.parametrize("max_age", [600, None], ids=["max-age-600", "max-age-absent"])
def test_within_max_age_one_preflight(
    app_page: AppPage, cos_cors: CosCorsEndpoint, max_age: int | None, run: str
) -> None:
    cos_cors.set_rules(rule(app_page.origin, max_age))
    for _ in range(3):
        put(app_page, cos_cors)
    cos_cors.assert_preflight_count(1, method="PUT", path=f"/{KEY}")
    assert [e.method for e in cos_cors.exchanges] == ["OPTIONS", "PUT", "PUT", "PUT"]
    [preflight] = cos_cors.preflights
    assert preflight.response_headers.get("Access-Control-Max-Age") == (
        None if max_age is None else str(max_age)
    )


def test_max_age_zero_preflights_every_request(
    app_page: AppPage, cos_cors: CosCorsEndpoint
) -> None:
    cos_cors.set_rules(rule(app_page.origin, 0))
    for _ in range(3):
        put(app_page, cos_cors)
    cos_cors.assert_preflight_count(3, method="PUT", path=f"/{KEY}", allowed=True)
    assert [e.method for e in cos_cors.exchanges] == ["OPTIONS", "PUT"] * 3
    assert cos_cors.preflights[0].response_headers["Access-Control-Max-Age"] == "0"


def test_each_context_has_its_own_preflight_cache(
    app_page: AppPage, cos_cors: CosCorsEndpoint, browser_session: BrowserSession
) -> None:
    cos_cors.set_rules(rule(app_page.origin, 600))
    put(app_page, cos_cors)
    put(app_page, cos_cors)
    other = browser_session.browser.new_context()
    try:
        second = AppPage(other.new_page(), other, app_page.pages, cos_cors)
        second.open("app")
        put(second, cos_cors)
    finally:
        other.close()
    cos_cors.assert_preflight_count(2, method="PUT", path=f"/{KEY}")
