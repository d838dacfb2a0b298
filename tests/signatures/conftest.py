"""Shared values and helpers for the signature verifier's tests: the credentials every test
verifies against, requests signed by the official signers turned into ``SignedRequest``s, and a
wait for the real clock to pass a signature's end."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import requests
from values import BUCKET, BUCKET_HOST, REGION

from pytest_cos_cors.signatures import SignatureCheck, SignedRequest

__all__ = ["BUCKET", "BUCKET_HOST", "REGION"]

#: A permanent key, a temporary key with its session token, and a second permanent key.
SECRET_ID = "AKIDsignaturetestpermanent0000000000"
SECRET_KEY = "permanent-secret-key-for-the-tests"
TMP_ID = "AKIDsignaturetesttemporary0000000000"
TMP_KEY = "temporary-secret-key-for-the-tests"
TOKEN = "session-token-of-the-temporary-key-0123456789"
OTHER_ID = "AKIDsignaturetestotherkey00000000000"
OTHER_KEY = "the-other-permanent-secret-key"
#: A key the endpoint does not know.
STRANGER_ID = "AKIDnotknowntotheendpoint00000000000"

CREDENTIALS: Mapping[str, str | tuple[str, str]] = {
    SECRET_ID: SECRET_KEY,
    TMP_ID: (TMP_KEY, TOKEN),
    OTHER_ID: OTHER_KEY,
}


def from_prepared(prepared: requests.PreparedRequest, *, key: str | None = None) -> SignedRequest:
    """What the fake would receive for a prepared ``requests`` request (``Host`` from the URL,
    as the HTTP client adds it)."""
    assert prepared.method is not None
    assert prepared.url is not None
    return SignedRequest.from_url(prepared.method, prepared.url, prepared.headers.items(), key=key)


def replace_header(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    """``request`` with the header ``name`` set to ``value`` (removed when ``None``)."""
    headers = [(n, v) for n, v in request.headers if n.lower() != name.lower()]
    if value is not None:
        headers.append((name, value))
    return SignedRequest(request.method, request.path, request.query, tuple(headers), request.key)


def with_query(request: SignedRequest, query: str) -> SignedRequest:
    return SignedRequest(request.method, request.path, query, request.headers, request.key)


def with_method(request: SignedRequest, method: str) -> SignedRequest:
    return SignedRequest(method, request.path, request.query, request.headers, request.key)


def with_path(request: SignedRequest, path: str) -> SignedRequest:
    return SignedRequest(request.method, path, request.query, request.headers, request.key)


def header(request: SignedRequest, name: str) -> str:
    for n, v in request.headers:
        if n.lower() == name.lower():
            return v
    raise KeyError(name)


def wait_past(end: float) -> None:
    """Sleep until the real clock is past ``end`` (a signature's last second)."""
    while time.time() <= end + 0.05:
        time.sleep(max(0.01, end + 0.06 - time.time()))


def sign_time_end(authorization: str) -> int:
    """The end of the ``q-sign-time`` in a COS Authorization (or query)."""
    for item in authorization.replace("%3B", ";").split("&"):
        name, _, value = item.partition("=")
        if name == "q-sign-time":
            return int(value.split(";")[1])
    raise ValueError(f"no q-sign-time in {authorization!r}")


def assert_refused(check: SignatureCheck, code: str, part: str, *words: str) -> None:
    """``check`` refused with ``code`` for ``part``, its reason naming each of ``words``."""
    __tracebackhide__ = True
    assert check.refused, f"not refused: {check.outcome}: {check.reason}"
    assert (check.code, check.part) == (code, part), check.reason
    for word in words:
        assert word in check.reason, f"{word!r} not in the reason: {check.reason}"


def assert_verified(check: SignatureCheck, secret_id: str, *, temporary: bool = False) -> None:
    __tracebackhide__ = True
    assert check.verified, f"not verified: {check.outcome}: {check.reason}"
    assert check.secret_id == secret_id
    assert check.temporary is temporary


def pairs(mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(mapping.items() if isinstance(mapping, Mapping) else mapping)


def hand_sign(
    secret_key: str,
    http_string: str,
    *,
    sign_time: str,
    key_time: str | None = None,
) -> str:
    """COS's signature over ``http_string``, computed here from the Request Signature page's
    pseudocode (the tests' own oracle, independent of the verifier)."""
    import hashlib
    import hmac

    key_time = sign_time if key_time is None else key_time
    sign_key = hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    to_sign = f"sha1\n{sign_time}\n{hashlib.sha1(http_string.encode()).hexdigest()}\n"
    return hmac.new(sign_key.encode(), to_sign.encode(), hashlib.sha1).hexdigest()
