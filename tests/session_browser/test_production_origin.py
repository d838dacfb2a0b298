"""The question users most want answered: does my production CORS file let my production page
upload? The production XML of ``examples/``, unchanged; the page at ``https://app.example.com``,
served from a directory; the PUT to ``https://<bucket>.cos.<region>.myqcloud.com``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from pytest_cos_cors import CosCorsEndpoint

XML = Path(__file__).resolve().parents[2] / "examples" / "production_cors.xml"
KEY = "avatars/alice.png"
UPLOAD = """
async ({url, headers}) => {
    try {
        const response = await fetch(url, {method: "PUT", headers, body: "PNG!"});
        return {status: response.status, etag: response.headers.get("ETag"), error: null};
    } catch (error) {
        return {status: null, etag: null, error: String(error)};
    }
}
"""
PNG = {"Content-Type": "image/png"}
WITH_METADATA = {**PNG, "x-cos-meta-author": "alice"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title><h1>upload</h1>")
    return tmp_path


def upload(page: Page, cos_cors: CosCorsEndpoint, headers: dict[str, str]) -> dict[str, Any]:
    url = cos_cors.cos_url_for(KEY, scheme="https")
    result: dict[str, Any] = page.evaluate(UPLOAD, {"url": url, "headers": headers})
    return result


@pytest.mark.cors_rules(XML)
def test_the_production_page_uploads(page: Page, cos_cors: CosCorsEndpoint, site: Path) -> None:
    origin = cos_cors.serve_origin("https://app.example.com", site)
    response = page.goto(origin + "/")
    assert response is not None
    assert response.status == 200
    assert page.evaluate("location.origin") == "https://app.example.com"

    result = upload(page, cos_cors, PNG)

    assert result["error"] is None, cos_cors.exchanges
    assert result["status"] == 200
    [preflight, put] = cos_cors.exchanges
    assert put.method == "PUT"
    assert result["etag"] == put.response_headers["ETag"], "ETag is exposed: the page reads it"
    assert preflight.origin == put.origin == "https://app.example.com"
    cos_cors.assert_preflight_allowed("https://app.example.com", "PUT", headers="content-type")
    assert cos_cors.objects() == {KEY: b"PNG!"}


@pytest.mark.cors_rules(XML)
def test_metadata_is_not_in_the_production_rules(
    page: Page, cos_cors: CosCorsEndpoint, site: Path
) -> None:
    page.goto(cos_cors.serve_origin("https://app.example.com", site) + "/")

    result = upload(page, cos_cors, WITH_METADATA)

    assert result["error"] == "TypeError: Failed to fetch"
    cos_cors.assert_preflight_denied(
        "https://app.example.com", "PUT", reason="header 'x-cos-meta-author'"
    )
    assert cos_cors.objects() == {}


@pytest.mark.cors_rules(XML)
def test_the_same_page_over_http_is_refused(
    page: Page, cos_cors: CosCorsEndpoint, site: Path
) -> None:
    origin = cos_cors.serve_origin("http://app.example.com", site)
    page.goto(origin + "/")
    assert page.evaluate("location.origin") == "http://app.example.com"

    result = upload(page, cos_cors, PNG)

    assert result["error"] == "TypeError: Failed to fetch"
    cos_cors.assert_preflight_denied(
        "http://app.example.com", "PUT", reason="(ID 'web-app'), which failed on origin"
    )
    assert cos_cors.objects() == {}


@pytest.mark.cors_rules(XML)
def test_an_origin_is_served_only_under_its_scheme(
    page: Page, cos_cors: CosCorsEndpoint, site: Path
) -> None:
    cos_cors.serve_origin("https://app.example.com", site)
    with pytest.raises(Exception, match=r"ERR_EMPTY_RESPONSE|ERR_CONNECTION"):
        page.goto("http://app.example.com/")
    with pytest.raises(Exception, match="ERR_"):
        page.goto("https://www.example.com/")  # not served: nothing answers
    assert cos_cors.exchanges == ()
