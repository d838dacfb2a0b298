"""Your production page, at its production origin, uploads to your bucket's production URL:
the browser makes the preflight and the PUT, cos_cors says what it saw and why."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from pytest_cos_cors import CosCorsEndpoint

SITE = Path(__file__).parent / "site"  # your built front end: index.html and its scripts
UPLOADS = {
    "AllowedOrigin": ["https://app.example.com"],
    "AllowedMethod": ["PUT"],
    "AllowedHeader": ["content-type", "x-cos-meta-*"],
    "ExposeHeader": ["ETag"],
}


@pytest.mark.cors_rules(UPLOADS)
def test_avatar_upload(page: Page, cos_cors: CosCorsEndpoint) -> None:
    page.goto(cos_cors.serve_origin("https://app.example.com", SITE))
    url = cos_cors.cos_url_for("avatars/alice.png", scheme="https")

    result = page.evaluate("url => uploadAvatar(url, 'PNG!')", url)

    assert result["status"] == 200
    assert result["etag"] == cos_cors.exchanges[-1].response_headers["ETag"]  # exposed
    cos_cors.assert_preflight_allowed("https://app.example.com", "PUT")
    assert cos_cors.objects() == {"avatars/alice.png": b"PNG!"}


@pytest.mark.cors_rules({**UPLOADS, "AllowedHeader": ["content-type"]})
def test_upload_with_metadata_refused(page: Page, cos_cors: CosCorsEndpoint) -> None:
    page.goto(cos_cors.serve_origin("https://app.example.com", SITE))
    url = cos_cors.cos_url_for("avatars/alice.png", scheme="https")

    result = page.evaluate("url => uploadAvatar(url, 'PNG!')", url)

    assert result["error"] == "TypeError: Failed to fetch"  # all a page sees of a refusal
    cos_cors.assert_preflight_denied(
        "https://app.example.com", "PUT", reason="header 'x-cos-meta-author'"
    )
    assert cos_cors.objects() == {}
