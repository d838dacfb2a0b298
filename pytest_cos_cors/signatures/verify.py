"""``verify_signature(request, credentials)``: find a request's signature and judge it.

In this order, the first failure deciding: the signature is read (malformed: ``InvalidArgument``),
its SecretId looked up (``InvalidAccessKeyId``), a temporary key's session token checked (missing:
``InvalidAccessKeyId``; another token: ``InvalidToken``), its validity window held against the
clock (``AccessDenied`` "Request has expired"; not yet valid: ``RequestTimeTooSkewed``), the
headers and parameters it signs looked for, and the signature recomputed
(``SignatureDoesNotMatch``). ``docs/signatures.md`` gives each refusal's source.
"""

from __future__ import annotations

import hmac
import time
from itertools import islice

from . import cos, sigv4
from .credentials import Credential, Credentials, credential
from .request import Malformed, RequestView, SignedRequest
from .result import (
    Carrier,
    Part,
    Scheme,
    SignatureCheck,
    carrier_text,
    duration,
    iso,
    shown,
    token_shown,
)

#: How far in the future a signature may start (seconds): signer and fake read one clock, but a
#: signer may round the start up.
GRACE = 1.0
#: At most this many other SecretIds' keys are tried when explaining a mismatch.
MAX_OTHER_KEYS = 20

_ANONYMOUS = SignatureCheck("anonymous", reason="no signature: an anonymous request")


def _find(view: RequestView) -> tuple[Scheme, Carrier, str | None] | None:
    """Which signature the request carries: ``(scheme, carrier, the Authorization value)``, or
    ``None``. An empty ``Authorization`` (the Python SDK's anonymous requests send one) is no
    signature."""
    auth = view.headers.get("authorization", "").strip()
    if auth:
        if auth.startswith("AWS4-"):
            return ("sigv4", "header", auth)
        if auth.startswith("AWS "):
            return ("sigv2", "header", auth)
        return ("cos", "header", auth)
    if not view.query:
        return None
    names = {name.lower() for _, _, name, _ in view.pairs()}
    if names & cos.QUERY_MARKERS:
        return ("cos", "query", None)
    if names & sigv4.QUERY_MARKERS:
        return ("sigv4", "query", None)
    if "awsaccesskeyid" in names and "signature" in names:
        return ("sigv2", "query", None)
    return None


def _refused(
    scheme: Scheme,
    carrier: Carrier,
    part: Part,
    reason: str,
    who: Credential | None = None,
    secret_id: str | None = None,
    string_to_sign: str | None = None,
    signed_text: str | None = None,
) -> SignatureCheck:
    return SignatureCheck(
        "refused",
        scheme,
        carrier,
        secret_id=who.secret_id if who is not None else secret_id,
        temporary=who.temporary if who is not None else False,
        part=part,
        reason=reason,
        string_to_sign=string_to_sign,
        signed_text=signed_text,
    )


def _verified(
    scheme: Scheme,
    carrier: Carrier,
    what: str,
    who: Credential,
    string_to_sign: str,
    signed_text: str,
) -> SignatureCheck:
    return SignatureCheck(
        "verified",
        scheme,
        carrier,
        secret_id=who.secret_id,
        temporary=who.temporary,
        reason=f"{what} of SecretId {who.secret_id!r} verified"
        + (" (temporary key, session token sent)" if who.temporary else ""),
        string_to_sign=string_to_sign,
        signed_text=signed_text,
    )


def _known(credentials: Credentials) -> str:
    ids = list(islice(credentials, 6))
    if not ids:
        return "it has none"
    listed = ", ".join(repr(i) for i in ids[:5])
    return f"it has {listed}{', …' if len(ids) > 5 else ''}"


def _others(credentials: Credentials, secret_id: str) -> dict[str, str]:
    others: dict[str, str] = {}
    for other_id in islice(credentials, MAX_OTHER_KEYS + 1):
        found = credential(credentials, other_id)
        if other_id != secret_id and found is not None:
            others[other_id] = found.secret_key
    return others


def _identify(
    scheme: Scheme,
    carrier: Carrier,
    what: str,
    secret_id: str,
    credentials: Credentials,
    view: RequestView,
    token_name: str,
) -> SignatureCheck | Credential:
    """The SecretId's credential, or the refusal when it is unknown or (a temporary key) its
    session token is missing or another. The token travels in the header or the query
    parameter named ``token_name`` (in any case)."""
    who = credential(credentials, secret_id)
    if who is None:
        return _refused(
            scheme,
            carrier,
            "secret-id",
            f"{what} names SecretId {secret_id!r}, which is not among the endpoint's "
            f"credentials ({_known(credentials)})",
            secret_id=secret_id,
        )
    if who.token is not None:
        token = view.headers.get(token_name.lower())
        if token is None:
            token = view.param(token_name.lower())
        if token is None:
            return _refused(
                scheme,
                carrier,
                "token-missing",
                f"{what} of temporary SecretId {secret_id!r} comes without its session token "
                f"(no {token_name} header or query parameter)",
                who,
            )
        if not hmac.compare_digest(token.encode(), who.token.encode()):
            return _refused(
                scheme,
                carrier,
                "token-wrong",
                f"{what} of temporary SecretId {secret_id!r} comes with {token_name} "
                f"{token_shown(token)}, which is not its session token ({token_shown(who.token)})",
                who,
            )
    return who


def _window(
    scheme: Scheme,
    carrier: Carrier,
    what: str,
    who: Credential,
    clock: float,
    windows: list[tuple[str, int, int]],
) -> SignatureCheck | None:
    """The refusal when the clock is outside a ``(label, start, end)`` window."""
    for label, _start, end in windows:
        if clock > end:
            return _refused(
                scheme,
                carrier,
                "expired",
                f"{what} of SecretId {who.secret_id!r} expired {duration(clock - end)} ago: "
                f"{label} ended at {iso(end)} ({end}), the fake's clock read {iso(clock)}",
                who,
            )
    for label, start, _end in windows:
        if start > clock + GRACE:
            return _refused(
                scheme,
                carrier,
                "not-yet-valid",
                f"{what} of SecretId {who.secret_id!r} is not valid yet: {label} starts at "
                f"{iso(start)} ({start}), {duration(start - clock)} after the fake's clock "
                f"({iso(clock)})",
                who,
            )
    return None


def _verify_cos(
    view: RequestView, credentials: Credentials, carrier: Carrier, text: str | None, clock: float
) -> SignatureCheck:
    what = carrier_text("cos", carrier)
    try:
        signature = cos.parse_authorization(text) if text is not None else cos.parse_query(view)
    except Malformed as error:
        return _refused("cos", carrier, "malformed", f"{what} is malformed: {error}")
    who = _identify("cos", carrier, what, signature.secret_id, credentials, view, cos.TOKEN_NAME)
    if isinstance(who, SignatureCheck):
        return who
    windows = [
        (f"q-sign-time {signature.sign_time}", *signature.sign_window),
        (f"q-key-time {signature.key_time}", *signature.key_window),
    ]
    late = _window("cos", carrier, what, who, clock, windows)
    if late is not None:
        return late
    missing = cos.absent(signature, view)
    if missing is not None:
        kind, name = missing
        listed = ";".join(signature.header_list if kind == "header" else signature.param_list)
        field = "q-header-list" if kind == "header" else "q-url-param-list"
        return _refused(
            "cos",
            carrier,
            "header-missing" if kind == "header" else "param-missing",
            f"{what} of SecretId {who.secret_id!r} signs the {kind} {name!r} ({field} "
            f"{listed}), which the request does not carry",
            who,
        )
    computed = cos.compute(signature, who.secret_key, view)
    if computed.matched:
        return _verified("cos", carrier, what, who, computed.string_to_sign, computed.http_string)
    part, cause = cos.explain(signature, who.secret_key, view, _others(credentials, who.secret_id))
    forms = cos.other_forms(signature, view)
    also = f" (it also tried {' and '.join(forms)}, as an SDK may sign them)" if forms else ""
    return _refused(
        "cos",
        carrier,
        part,
        f"{what} of SecretId {who.secret_id!r} does not match: {cause}. The fake signed "
        f"StringToSign {shown(computed.string_to_sign)} built from HttpString "
        f"{shown(computed.http_string)}{also}",
        who,
        string_to_sign=computed.string_to_sign,
        signed_text=computed.http_string,
    )


def _verify_sigv4(
    view: RequestView, credentials: Credentials, carrier: Carrier, text: str | None, clock: float
) -> SignatureCheck:
    what = carrier_text("sigv4", carrier)
    try:
        signature = sigv4.parse_header(text, view) if text is not None else sigv4.parse_query(view)
    except Malformed as error:
        return _refused("sigv4", carrier, "malformed", f"{what} is malformed: {error}")
    who = _identify(
        "sigv4", carrier, what, signature.secret_id, credentials, view, sigv4.TOKEN_NAME
    )
    if isinstance(who, SignatureCheck):
        return who
    stamp = signature.timestamp
    if signature.expires is None:
        skew = clock - stamp
        if abs(skew) > sigv4.MAX_SKEW:
            side = "before" if skew > 0 else "after"
            return _refused(
                "sigv4",
                carrier,
                "skewed",
                f"{what} of SecretId {who.secret_id!r} is dated {signature.amz_date}, "
                f"{duration(abs(skew))} {side} the fake's clock ({iso(clock)}); a header "
                "signature may be 15 min away at most",
                who,
            )
    else:
        label = f"X-Amz-Date {signature.amz_date} + X-Amz-Expires {signature.expires}"
        late = _window(
            "sigv4", carrier, what, who, clock, [(label, stamp, stamp + signature.expires)]
        )
        if late is not None:
            return late
    missing = sigv4.absent(signature, view)
    if missing is not None:
        return _refused(
            "sigv4",
            carrier,
            "header-missing",
            f"{what} of SecretId {who.secret_id!r} signs the header {missing!r} (SignedHeaders "
            f"{';'.join(signature.signed_headers)}), which the request does not carry",
            who,
        )
    computed = sigv4.compute(signature, who.secret_key, view)
    if computed.matched:
        return _verified(
            "sigv4", carrier, what, who, computed.string_to_sign, computed.canonical_request
        )
    part, cause = sigv4.explain(
        signature, who.secret_key, view, _others(credentials, who.secret_id)
    )
    return _refused(
        "sigv4",
        carrier,
        part,
        f"{what} of SecretId {who.secret_id!r} does not match: {cause}. The fake signed "
        f"StringToSign {shown(computed.string_to_sign)} built from the canonical request "
        f"{shown(computed.canonical_request)}",
        who,
        string_to_sign=computed.string_to_sign,
        signed_text=computed.canonical_request,
    )


def _sigv2(view: RequestView, carrier: Carrier, text: str | None) -> SignatureCheck:
    if text is not None:
        secret_id = text[4:].partition(":")[0].strip()
    else:
        secret_id = view.param("awsaccesskeyid") or ""
    return SignatureCheck(
        "unverified",
        "sigv2",
        carrier,
        secret_id=secret_id or None,
        reason=f"{carrier_text('sigv2', carrier)} (SecretId {secret_id!r}) is accepted "
        "unverified: the fake verifies COS signatures and AWS SigV4 only",
    )


def verify_signature(
    request: SignedRequest, credentials: Credentials, *, now: float | None = None
) -> SignatureCheck:
    """Judge the signature of ``request`` against ``credentials`` (``SecretId -> SecretKey`` or
    ``SecretId -> (SecretKey, SessionToken)``) at ``now`` (Unix seconds; the real clock by
    default). Never raises for anything a client sends."""
    view = RequestView(request)
    found = _find(view)
    if found is None:
        return _ANONYMOUS
    scheme, carrier, text = found
    clock = time.time() if now is None else now
    if scheme == "cos":
        return _verify_cos(view, credentials, carrier, text, clock)
    if scheme == "sigv4":
        return _verify_sigv4(view, credentials, carrier, text, clock)
    return _sigv2(view, carrier, text)


__all__ = ["GRACE", "verify_signature"]
