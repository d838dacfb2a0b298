"""Uploads from a page: Chromium's own preflight and PUT, or its form POST, against the fake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .harness import AppPage, Watch, assert_agree, object_headers

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint

KEY = "avatars/me.png"
# image/png is not a CORS-safelisted content type, so both headers are preflighted.
UPLOAD_HEADERS = {"Content-Type": "image/png", "x-cos-meta-author": "alice"}
REQUESTED = ("content-type", "x-cos-meta-author")


def upload_rule(origin: str, **fields: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "AllowedOrigin": [origin],
        "AllowedMethod": ["PUT"],
        "AllowedHeader": ["content-type", "x-cos-meta-*"],
    }
    rule.update(fields)
    return rule


@pytest.mark.parametrize("exposed", [True, False], ids=["etag-exposed", "etag-hidden"])
def test_allowed_upload(app_page: AppPage, cos_cors: CosCorsEndpoint, exposed: bool) -> None:
    extra = {"ExposeHeader": ["ETag"]} if exposed else {}
    cos_cors.set_rules(upload_rule(app_page.origin, **extra))
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY), method="PUT", headers=UPLOAD_HEADERS, body="PNG!"
    )
    recorded = watch.since()

    assert_agree(result, recorded)
    assert result.status == 200
    [preflight] = recorded.preflights
    assert (preflight.request_method, preflight.request_headers) == ("PUT", REQUESTED)
    cos_cors.assert_preflight_allowed(app_page.origin, "PUT", headers=REQUESTED, path=f"/{KEY}")
    [put] = recorded.actual
    assert (put.method, put.status, put.bucket, put.path) == (
        "PUT",
        200,
        cos_cors.bucket,
        f"/{KEY}",
    )
    assert cos_cors.objects() == {KEY: b"PNG!"}
    stored = object_headers(cos_cors, KEY)
    assert (stored["content-type"], stored["x-cos-meta-author"]) == ("image/png", "alice")
    # The page reads ETag exactly when the fake's answer exposes it.
    etag = put.response_headers["ETag"]
    fake_exposes = "etag" in put.response_headers.get("Access-Control-Expose-Headers", "").lower()
    assert fake_exposes is exposed
    expose = put.response_headers.get("Access-Control-Expose-Headers")
    assert result.etag == (etag if fake_exposes else None), (
        f"page read ETag {result.etag!r}; the fake answered ETag {etag!r} with "
        f"Access-Control-Expose-Headers {expose!r}"
    )


DENIED = {
    # cause: (page origin name, rule fields, request headers, words of the recorded reason)
    "origin": ("evil", {}, UPLOAD_HEADERS, "origin 'http://evil.localhost"),
    "method": ("app", {"AllowedMethod": ["GET", "POST"]}, UPLOAD_HEADERS, "method 'PUT'"),
    "header": (
        "app",
        {"AllowedHeader": ["content-type"]},
        UPLOAD_HEADERS,
        "header 'x-cos-meta-author'",
    ),
    "no-configuration": ("app", None, UPLOAD_HEADERS, "no CORS configuration"),
}


@pytest.mark.parametrize("cause", DENIED)
def test_denied_upload(app_page: AppPage, cos_cors: CosCorsEndpoint, cause: str) -> None:
    page_name, fields, headers, reason = DENIED[cause]
    if fields is not None:
        cos_cors.set_rules(upload_rule(app_page.pages.origin("app"), **fields))
    origin = app_page.open(page_name)
    watch = Watch(cos_cors)

    result = app_page.fetch(cos_cors.cos_url_for(KEY), method="PUT", headers=headers, body="PNG!")
    recorded = watch.since()

    assert_agree(result, recorded)
    assert str(result.error).startswith("TypeError"), result
    [preflight] = recorded.preflights
    assert preflight.status == 403
    assert "access-control-allow-origin" not in {h.lower() for h in preflight.response_headers}
    cos_cors.assert_preflight_denied(
        origin, "PUT", headers=REQUESTED, path=f"/{KEY}", reason=reason
    )
    assert recorded.actual == (), "the PUT must never reach the fake"
    assert cos_cors.objects() == {}


def test_unsigned_upload_to_private_bucket(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    bucket = "privatebucket-1250000000"
    cos_cors.add_bucket(bucket, acl="private")
    cos_cors.set_rules(upload_rule(app_page.origin), bucket=bucket)
    watch = Watch(cos_cors)

    result = app_page.fetch(
        cos_cors.cos_url_for(KEY, bucket=bucket), method="PUT", headers=UPLOAD_HEADERS, body="PNG!"
    )
    recorded = watch.since()

    # CORS lets the page read the refusal: a readable 403, not a network error.
    assert_agree(result, recorded)
    assert result.status == 403, result
    assert result.body is not None
    assert "<Code>AccessDenied</Code>" in result.body
    [preflight] = recorded.preflights
    assert preflight.allowed
    assert preflight.bucket == bucket
    [put] = recorded.actual
    assert put.status == 403
    assert put.response_headers["Access-Control-Allow-Origin"] == app_page.origin
    assert cos_cors.objects(bucket) == {}


def test_form_upload(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    cos_cors.set_rules(
        {"AllowedOrigin": [app_page.origin], "AllowedMethod": ["POST"], "ExposeHeader": ["ETag"]}
    )
    watch = Watch(cos_cors)

    result = app_page.form_upload(
        cos_cors.cos_url_for(), key="forms/${filename}", filename="hello.txt", content="hello form"
    )
    recorded = watch.since()

    assert_agree(result, recorded)
    assert result.status == 204, result
    assert recorded.preflights == (), "a multipart/form-data POST is a simple request"
    [post] = recorded.actual
    assert (post.method, post.path, post.status) == ("POST", "/", 204)
    assert post.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert cos_cors.objects() == {"forms/hello.txt": b"hello form"}
    assert result.etag == post.response_headers["ETag"]
