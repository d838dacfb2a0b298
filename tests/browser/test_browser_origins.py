"""Wildcard origins and the ``*`` rule, with and without credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .harness import AppPage, Watch, assert_agree, put_object

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint

KEY = "docs/readme.txt"


# Not named ``page``: pytest-playwright would take it for its fixture and parametrize the test
# with its session-scoped browser_name, which moves the test among pytest-playwright's.
@pytest.mark.parametrize("page_name", ["app", "cdn.app"])
def test_wildcard_origin_rule(app_page: AppPage, cos_cors: CosCorsEndpoint, page_name: str) -> None:
    pattern = f"http://*.localhost:{app_page.pages.port}"
    cos_cors.set_rules(
        {"AllowedOrigin": [pattern], "AllowedMethod": ["PUT"], "AllowedHeader": ["*"]}
    )
    origin = app_page.open(page_name)
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY),
        method="PUT",
        headers={"Content-Type": "application/json"},
        body="{}",
    )
    recorded = watch.since()

    assert_agree(result, recorded)
    assert result.status == 200
    [preflight] = recorded.preflights
    assert preflight.response_headers["Access-Control-Allow-Origin"] == origin
    assert preflight.response_headers["Access-Control-Allow-Credentials"] == "true"
    cos_cors.assert_preflight_allowed(origin, "PUT", headers="content-type")
    assert cos_cors.objects() == {KEY: b"{}"}


def test_wildcard_origin_rule_is_anchored(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    # The port is part of the pattern: the same page host on another port does not match.
    cos_cors.set_rules(
        {
            "AllowedOrigin": ["http://*.localhost:1"],
            "AllowedMethod": ["PUT"],
            "AllowedHeader": ["*"],
        }
    )
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY),
        method="PUT",
        headers={"Content-Type": "application/json"},
        body="{}",
    )
    recorded = watch.since()

    assert_agree(result, recorded)
    assert not result.ok
    cos_cors.assert_preflight_denied(app_page.origin, "PUT", reason="origin")
    assert cos_cors.objects() == {}


@pytest.mark.parametrize("credentials", ["same-origin", "include"])
def test_any_origin_rule_simple_get(
    app_page: AppPage, cos_cors: CosCorsEndpoint, credentials: str
) -> None:
    cos_cors.set_rules({"AllowedOrigin": ["*"], "AllowedMethod": ["GET", "PUT"]})
    put_object(cos_cors, KEY, b"public words")
    watch = Watch(cos_cors)

    result = app_page.fetch(cos_cors.cos_url_for(KEY), credentials=credentials)
    recorded = watch.since()

    # The fake decorates the GET either way; with credentials the browser refuses ACAO: *.
    assert_agree(result, recorded, credentials=credentials == "include")
    assert recorded.preflights == ()
    [get] = recorded.actual
    assert get.allowed
    assert get.status == 200
    assert get.response_headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in get.response_headers
    if credentials == "include":
        assert str(result.error).startswith("TypeError"), result
    else:
        assert (result.status, result.body) == (200, "public words")


def test_any_origin_rule_credentialed_put(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    cos_cors.set_rules({"AllowedOrigin": ["*"], "AllowedMethod": ["PUT"], "AllowedHeader": ["*"]})
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY),
        method="PUT",
        credentials="include",
        headers={"Content-Type": "application/json"},
        body="{}",
    )
    recorded = watch.since()

    # The fake allows the preflight with ACAO: *; Chromium refuses it for a credentialed request,
    # so the PUT is never sent.
    assert_agree(result, recorded, credentials=True)
    [preflight] = recorded.preflights
    assert preflight.allowed
    assert preflight.response_headers["Access-Control-Allow-Origin"] == "*"
    assert recorded.actual == ()
    assert cos_cors.objects() == {}


def test_echoed_origin_with_credentials(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    cos_cors.set_rules(
        {"AllowedOrigin": [app_page.origin], "AllowedMethod": ["PUT"], "AllowedHeader": ["*"]}
    )
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY),
        method="PUT",
        credentials="include",
        headers={"Content-Type": "application/json"},
        body="{}",
    )
    recorded = watch.since()

    # An echoed origin comes with Access-Control-Allow-Credentials: true, which credentials need.
    assert_agree(result, recorded, credentials=True)
    assert result.status == 200
    for exchange in recorded.exchanges:
        assert exchange.response_headers["Access-Control-Allow-Origin"] == app_page.origin
        assert exchange.response_headers["Access-Control-Allow-Credentials"] == "true"
    assert cos_cors.objects() == {KEY: b"{}"}
