"""The browser makes the preflight and the upload; cos_cors says what it saw and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from pytest_cos_cors import CosCorsEndpoint

# The page's origin is http://app.localhost:<a port chosen per run>.
UPLOADS = {
    "AllowedOrigin": ["http://app.localhost:*"],
    "AllowedMethod": ["PUT"],
    "AllowedHeader": ["content-type", "x-cos-meta-*"],
    "ExposeHeader": ["ETag"],
}


@pytest.mark.cors_rules(UPLOADS)
def test_avatar_upload(app_page: Page, cos_cors: CosCorsEndpoint) -> None:
    url = cos_cors.cos_url_for("avatars/alice.png")  # http://examplebucket-...myqcloud.com/...
    result = app_page.evaluate("([url]) => uploadAvatar(url, 'PNG!')", [url])

    assert result["error"] is None
    assert result["status"] == 200
    assert result["etag"] == cos_cors.exchanges[-1].response_headers["ETag"]
    origin = app_page.evaluate("location.origin")
    cos_cors.assert_preflight_allowed(origin, "PUT", headers="content-type,x-cos-meta-author")
    assert cos_cors.objects() == {"avatars/alice.png": b"PNG!"}


@pytest.mark.cors_rules({**UPLOADS, "AllowedHeader": ["content-type"]})
def test_upload_with_metadata_refused(app_page: Page, cos_cors: CosCorsEndpoint) -> None:
    result = app_page.evaluate("([url]) => uploadAvatar(url, 'PNG!')", [cos_cors.cos_url_for("a")])

    assert result["error"] == "TypeError: Failed to fetch"  # what the page sees of a CORS refusal
    origin = app_page.evaluate("location.origin")
    cos_cors.assert_preflight_denied(origin, "PUT", reason="header 'x-cos-meta-author'")
    assert cos_cors.objects() == {}
