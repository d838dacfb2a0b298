"""Presigned URLs that the Python SDK makes from ``cos_config()``, used as they are.

``cos_config()`` addresses the endpoint path-style, so ``get_presigned_url`` gives
``http://127.0.0.1:PORT/<bucket>/<key>?q-sign-algorithm=sha1&...``: ``requests`` needs no name
resolution for it, and a browser started with ``browser_args()`` reaches it directly (127.0.0.1
is excluded from the host mapping). docs/cos-operations.md, section 5, says why.
"""

from __future__ import annotations

from typing import Any

import requests
from browser.harness import CHROMIUM, CHROMIUM_ARGS, FETCH, FetchResult
from qcloud_cos import CosS3Client

from pytest_cos_cors import CosCorsEndpoint

from .conftest import JsSdkSession

OTHER_BUCKET = "other-1250000000"


def presign(cos_cors: CosCorsEndpoint, method: str, key: str, bucket: str | None = None) -> str:
    client = CosS3Client(cos_cors.cos_config(), retry=0)
    url: str = client.get_presigned_url(Bucket=bucket or cos_cors.bucket, Key=key, Method=method)
    return url


def test_presigned_url_names_the_bucket_on_the_endpoint(cos_cors: CosCorsEndpoint) -> None:
    url = presign(cos_cors, "GET", "photos/a b.png")

    assert url.startswith(cos_cors.url_for("photos/a b.png") + "?q-sign-algorithm=sha1&q-ak=")
    assert "&q-signature=" in url


def test_presigned_put_and_get_with_requests(cos_cors: CosCorsEndpoint) -> None:
    cos_cors.add_bucket(OTHER_BUCKET)

    put = requests.put(presign(cos_cors, "PUT", "photos/a b.png"), data=b"PNG", timeout=5)
    other = requests.put(presign(cos_cors, "PUT", "x.txt", OTHER_BUCKET), data=b"X", timeout=5)
    got = requests.get(presign(cos_cors, "GET", "photos/a b.png"), timeout=5)

    assert (put.status_code, other.status_code, got.status_code) == (200, 200, 200)
    assert got.content == b"PNG"
    assert got.headers["ETag"] == put.headers["ETag"]
    assert cos_cors.objects() == {"photos/a b.png": b"PNG"}
    assert cos_cors.objects(OTHER_BUCKET) == {"x.txt": b"X"}
    recorded = [
        (e.method, e.bucket, e.path, e.query["q-sign-algorithm"]) for e in cos_cors.exchanges
    ]
    assert recorded == [
        ("PUT", cos_cors.bucket, "/photos/a%20b.png", "sha1"),
        ("PUT", OTHER_BUCKET, "/x.txt", "sha1"),
        ("GET", cos_cors.bucket, "/photos/a%20b.png", "sha1"),
    ]


def page_fetch(page: Any, url: str, method: str = "GET", body: str | None = None) -> FetchResult:
    value = page.evaluate(
        FETCH,
        {"url": url, "method": method, "headers": {}, "body": body, "credentials": "same-origin"},
    )
    return FetchResult.from_page(value)


def test_presigned_put_and_get_from_chromium_with_browser_args(
    jssdk_session: JsSdkSession, cos_cors: CosCorsEndpoint
) -> None:
    app = jssdk_session.pages.origin("app")
    cos_cors.set_rules(
        {"AllowedOrigin": [app], "AllowedMethod": ["PUT", "GET"], "ExposeHeader": ["ETag"]}
    )
    put_url = presign(cos_cors, "PUT", "uploads/report.txt")
    get_url = presign(cos_cors, "GET", "uploads/report.txt")
    browser = jssdk_session.playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *cos_cors.browser_args()]
    )
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(app + "/")
        put = page_fetch(page, put_url, "PUT", "quarterly numbers")
        got = page_fetch(page, get_url)
        page.goto(jssdk_session.pages.origin("evil") + "/")
        refused = page_fetch(page, presign(cos_cors, "PUT", "uploads/evil.txt"), "PUT", "evil")
        context.close()
    finally:
        browser.close()

    assert (put.status, got.status) == (200, 200), (put, got)
    assert got.body == "quarterly numbers"
    assert put.etag is not None
    assert got.etag == put.etag  # readable: the rule exposes ETag
    assert not refused.ok, refused
    assert cos_cors.objects() == {"uploads/report.txt": b"quarterly numbers"}
    cos_cors.assert_preflight_allowed(app, "PUT")
    cos_cors.assert_preflight_denied(jssdk_session.pages.origin("evil"), "PUT")
    actual = [(e.method, e.origin, e.allowed) for e in cos_cors.exchanges if not e.is_preflight]
    assert actual == [("PUT", app, True), ("GET", app, True)]
