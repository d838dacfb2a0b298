"""A 3 MB video uploaded from the browser by cos-js-sdk-v5, and the CORS mistake that breaks it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from pytest_cos_cors import CosCorsEndpoint

SIZE = 3_000_000  # over the SDK's SliceSize (1 MiB): a multipart upload of 3 parts

# Tencent's recommended rule for the browser SDK.
BROWSER_SDK = {
    "AllowedOrigin": ["http://app.localhost:*"],
    "AllowedMethod": ["PUT", "GET", "POST", "DELETE", "HEAD"],
    "AllowedHeader": ["*"],
    "ExposeHeader": ["ETag", "Content-Length", "x-cos-request-id"],
    "MaxAgeSeconds": 600,
}


def upload_video(page: Page, cos_cors: CosCorsEndpoint, key: str) -> None:
    """Run the page's upload; fail the test with the SDK's own words if it does not finish."""
    result = page.evaluate(
        "([bucket, region, key, size]) => uploadVideo(bucket, region, key, size)",
        [cos_cors.bucket, cos_cors.region, key, SIZE],
    )
    if result.get("error"):
        answers = [e for e in cos_cors.exchanges if e.allowed and not e.is_preflight]
        exposed = (
            answers[-1].response_headers.get("Access-Control-Expose-Headers") if answers else None
        )
        pytest.fail(
            f"the browser could not upload {key}: {result['error']}\n"
            f"(the bucket's CORS rule exposes {exposed or 'no header'} to the page)",
            pytrace=False,
        )


@pytest.mark.cors_rules(BROWSER_SDK)
def test_large_video_upload(app_page: Page, cos_cors: CosCorsEndpoint) -> None:
    upload_video(app_page, cos_cors, "videos/intro.mp4")

    assert cos_cors.objects() == {"videos/intro.mp4": bytes(SIZE)}
    operations = [e.operation for e in cos_cors.exchanges if not e.is_preflight]
    assert operations.count("UploadPart") == 3
    assert operations[-1] == "CompleteMultipartUpload"


# The mistake users hit most: ExposeHeader without ETag. Small files still upload, but the SDK
# cannot read the parts' ETags, so every file over SliceSize fails, and nothing is stored.
@pytest.mark.cors_rules({**BROWSER_SDK, "ExposeHeader": ["Content-Length", "x-cos-request-id"]})
def test_expose_header_without_etag_is_caught(app_page: Page, cos_cors: CosCorsEndpoint) -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        upload_video(app_page, cos_cors, "videos/intro.mp4")

    assert 'please add "ETag" to CORS ExposeHeader setting' in str(failure.value)
    assert "exposes Content-Length,x-cos-request-id to the page" in str(failure.value)
    assert cos_cors.objects() == {}
