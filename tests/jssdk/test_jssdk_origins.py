"""A page from an origin outside the bucket's rules: every SDK call fails, nothing is changed."""

from __future__ import annotations

from typing import Any

from browser.harness import put_object

from .conftest import CORS_ERROR, MIB, SdkPage

CALLS: list[tuple[str, dict[str, Any], int | None]] = [
    ("putObject", {"Key": "new.txt", "Body": "x"}, None),
    ("uploadFile", {"Key": "big.bin", "SliceSize": MIB}, 3_000_000),
    ("sliceUploadFile", {"Key": "big2.bin"}, 3_000_000),
    ("getObject", {"Key": "kept.txt"}, None),
    ("headObject", {"Key": "kept.txt"}, None),
    ("getBucket", {"Prefix": "", "Delimiter": "/"}, None),
    ("deleteMultipleObject", {"Objects": [{"Key": "kept.txt"}]}, None),
    ("deleteObject", {"Key": "kept.txt"}, None),
]


def test_origin_outside_the_rules_every_call_fails(sdk_page: SdkPage) -> None:
    put_object(sdk_page.cos_cors, "kept.txt", b"kept")
    sdk_page.cos_cors.clear_log()
    evil = sdk_page.open("evil")  # the rule names http://app.localhost:PORT only

    results = {
        method: sdk_page.call(method, params, body_bytes=size) for method, params, size in CALLS
    }

    failures = {method: result.message for method, result in results.items()}
    assert failures == dict.fromkeys(failures, CORS_ERROR), failures
    assert sdk_page.cos_cors.objects() == {"kept.txt": b"kept"}
    # The browser sent only preflights, each refused; no actual request reached the fake.
    exchanges = sdk_page.cos_cors.exchanges
    assert exchanges, "the browser sent nothing"
    assert all(e.is_preflight and e.origin == evil for e in exchanges), sdk_page.log()
    assert {(e.status, e.allowed) for e in exchanges} == {(403, False)}, sdk_page.log()
    assert {e.request_method for e in exchanges} == {"PUT", "GET", "HEAD", "POST", "DELETE"}
