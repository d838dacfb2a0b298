"""The session browser reaches a test's extra endpoints too (``make_cos_cors``): a page served
by the test's endpoint uploads to a bucket of another endpoint, by its production host name, and
each endpoint records what reached it; after the test neither is reachable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from pytest_cos_cors import CosCorsEndpoint

OTHER = "media-1250000000"
PUT = """
async (url) => {
    try {
        const response = await fetch(url, {method: "PUT", body: "data"});
        return {status: response.status, error: null};
    } catch (error) {
        return {status: null, error: String(error)};
    }
}
"""
RULE = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]}


@pytest.mark.cors_rules(RULE)
def test_a_page_uploads_to_both_endpoints(
    page: Page, cos_cors: CosCorsEndpoint, make_cos_cors: Callable[..., CosCorsEndpoint]
) -> None:
    media = make_cos_cors(bucket=OTHER)
    media.set_rules(RULE)
    origin = cos_cors.serve_origin("https://app.example.com", "<!doctype html><title>app</title>")
    assert page.goto(origin + "/") is not None
    results: list[dict[str, Any]] = [
        page.evaluate(PUT, endpoint.cos_url_for("a.txt", scheme="https"))
        for endpoint in (cos_cors, media)
    ]
    assert results == [{"status": 200, "error": None}] * 2, (cos_cors.exchanges, media.exchanges)
    assert cos_cors.objects() == {"a.txt": b"data"}
    assert media.objects() == {"a.txt": b"data"}
    assert [e.operation for e in media.exchanges] == ["PreflightRequest", "PutObject"]


def test_a_bucket_without_rules_on_the_extra_endpoint_is_refused(
    page: Page, cos_cors: CosCorsEndpoint, make_cos_cors: Callable[..., CosCorsEndpoint]
) -> None:
    media = make_cos_cors(bucket=OTHER)
    origin = cos_cors.serve_origin("https://app.example.com", "<!doctype html><title>app</title>")
    assert page.goto(origin + "/") is not None
    result = page.evaluate(PUT, media.cos_url_for("a.txt", scheme="https"))
    assert result["status"] is None
    assert "Failed to fetch" in result["error"]
    assert media.objects() == {}
    media.assert_preflight_denied("https://app.example.com", "PUT")
