"""``cos-js-sdk-v5`` on an https page: the SDK follows the page's scheme, so it talks https to
``<bucket>.cos.<region>.myqcloud.com``, and uploads through the fake."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from pytest_cos_cors import CosCorsEndpoint

SDK = Path(__file__).resolve().parents[2] / "node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js"
ORIGIN = "https://app.example.com"
BROWSER_SDK = {
    "AllowedOrigin": [ORIGIN],
    "AllowedMethod": ["PUT", "GET", "POST", "DELETE", "HEAD"],
    "AllowedHeader": ["*"],
    "ExposeHeader": ["ETag", "Content-Length", "x-cos-request-id"],
    "MaxAgeSeconds": 600,
}
PUT_OBJECT = """
([bucket, region, key, text]) => new Promise((resolve) => {
    const cos = new COS({SecretId: "test", SecretKey: "test"});
    cos.putObject({Bucket: bucket, Region: region, Key: key, Body: text}, (err, data) =>
        resolve(err ? {error: err.message || String(err)}
                    : {etag: data.ETag, location: data.Location, status: data.statusCode}));
})
"""


@pytest.fixture
def sdk_site(tmp_path: Path) -> Path:
    if not SDK.is_file():
        why = f"cos-js-sdk-v5 is not installed (npm ci): no {SDK}"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")
    shutil.copy(SDK, tmp_path / SDK.name)
    (tmp_path / "index.html").write_text(
        f"<!doctype html><meta charset='utf-8'><script src='/{SDK.name}'></script>"
    )
    return tmp_path


@pytest.mark.cors_rules(BROWSER_SDK)
def test_the_sdk_uploads_over_https(page: Page, cos_cors: CosCorsEndpoint, sdk_site: Path) -> None:
    page.goto(cos_cors.serve_origin(ORIGIN, sdk_site) + "/")
    assert page.evaluate("location.protocol") == "https:"
    text = "hello over https"

    result: dict[str, Any] = page.evaluate(
        PUT_OBJECT, [cos_cors.bucket, cos_cors.region, "jssdk/https.txt", text]
    )

    assert "error" not in result, f"{result}\n{cos_cors.exchanges}"
    assert result["status"] == 200
    assert result["etag"] == f'"{hashlib.md5(text.encode()).hexdigest()}"'
    assert result["location"] == f"{cos_cors.bucket_host}/jssdk/https.txt"
    assert cos_cors.objects() == {"jssdk/https.txt": text.encode()}
    assert [e.operation for e in cos_cors.exchanges if not e.is_preflight] == ["PutObject"]
    assert all(e.origin == ORIGIN for e in cos_cors.exchanges)
