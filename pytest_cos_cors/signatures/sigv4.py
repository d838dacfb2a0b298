"""AWS Signature Version 4 (what boto3 sends to COS's S3-compatible endpoint), with the standard
library alone: canonical request, string to sign, signing-key chain.

Header form: ``Authorization: AWS4-HMAC-SHA256 Credential=<SecretId>/<date>/<region>/s3/
aws4_request, SignedHeaders=..., Signature=...`` with ``X-Amz-Date``. Query form (presigned):
``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-Expires``,
``X-Amz-SignedHeaders``, ``X-Amz-Signature``. S3's rules: the canonical URI is the path as sent
(S3 does not normalise it), the canonical query sorts the UriEncoded names and values (all but
``X-Amz-Signature``), header values are trimmed with inner runs of spaces collapsed, and the
payload hash is ``x-amz-content-sha256`` as sent (``UNSIGNED-PAYLOAD`` for a presigned URL). The
body itself is not hashed: the verifier never sees it.
"""

from __future__ import annotations

import calendar
import email.utils
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from .request import Malformed, RequestView, cos_encode
from .result import Part

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: A presigned URL may live a week at most (S3's limit).
MAX_EXPIRES = 604800
#: How far a header-signed request's date may be from the server's clock (S3: 15 minutes).
MAX_SKEW = 900
QUERY_MARKERS = frozenset({"x-amz-algorithm", "x-amz-credential", "x-amz-signature"})
#: Where a temporary key's session token travels (header, or query parameter).
TOKEN_NAME = "X-Amz-Security-Token"
METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH")


@dataclass(frozen=True, slots=True)
class SigV4Signature:
    """The fields of one SigV4 signature."""

    secret_id: str
    amz_date: str
    timestamp: int
    scope: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    expires: int | None


_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z", re.ASCII)


def _timestamp(amz_date: str) -> int:
    """``20240101T000000Z`` in Unix seconds (by hand: ``strptime`` costs a third of a check)."""
    if _AMZ_DATE.fullmatch(amz_date) is None:
        raise Malformed(f"X-Amz-Date {amz_date!r} is not YYYYMMDDTHHMMSSZ")
    fields = (
        int(amz_date[0:4]),
        int(amz_date[4:6]),
        int(amz_date[6:8]),
        int(amz_date[9:11]),
        int(amz_date[11:13]),
        int(amz_date[13:15]),
    )
    if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and fields[3] < 24 and fields[4] < 60):
        raise Malformed(f"X-Amz-Date {amz_date!r} is not a date")
    return calendar.timegm((*fields, 0, 0, 0))


def _signature(
    credential: str,
    amz_date: str,
    signed_headers: str,
    signature: str,
    expires: int | None,
) -> SigV4Signature:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not parts[0]:
        raise Malformed(
            f"Credential {credential!r} is not <SecretId>/<date>/<region>/<service>/aws4_request"
        )
    secret_id, date, region, service, _ = parts
    if date != amz_date[:8]:
        raise Malformed(f"the Credential's date {date} is not the date of X-Amz-Date {amz_date}")
    if not signature:
        raise Malformed("it has no Signature")
    headers = tuple(name for name in signed_headers.lower().split(";") if name)
    if not headers:
        raise Malformed("it has no SignedHeaders")
    return SigV4Signature(
        secret_id=secret_id,
        amz_date=amz_date,
        timestamp=_timestamp(amz_date),
        scope="/".join(parts[1:]),
        date=date,
        region=region,
        service=service,
        signed_headers=headers,
        signature=signature.lower(),
        expires=expires,
    )


def _header_date(view: RequestView) -> str:
    amz_date = view.headers.get("x-amz-date")
    if amz_date:
        return amz_date.strip()
    date = view.headers.get("date")
    if date:
        parsed = email.utils.parsedate_tz(date)
        if parsed is not None:
            try:
                moment = time.gmtime(email.utils.mktime_tz(parsed))
            except (OverflowError, OSError, ValueError):
                raise Malformed(f"Date {date!r} is not a date") from None
            return time.strftime("%Y%m%dT%H%M%SZ", moment)
    raise Malformed("the request has neither X-Amz-Date nor Date")


def parse_header(value: str, view: RequestView) -> SigV4Signature:
    """``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise Malformed(f"the algorithm is {algorithm!r}, not {ALGORITHM}")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, field = item.strip().partition("=")
        if equals:
            fields[name.strip()] = field.strip()
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if n not in fields]
    if missing:
        raise Malformed(f"it has no {', '.join(missing)}")
    return _signature(
        fields["Credential"], _header_date(view), fields["SignedHeaders"], fields["Signature"], None
    )


def parse_query(view: RequestView) -> SigV4Signature:
    """A presigned URL's ``X-Amz-*`` parameters."""
    fields: dict[str, str] = {}
    for _, _, name, value in view.pairs():
        lower = name.lower()
        if lower.startswith("x-amz-"):
            fields.setdefault(lower, value)
    missing = [
        name
        for name in (
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
        )
        if not fields.get(name.lower())
    ]
    if missing:
        raise Malformed(f"the URL has no {', '.join(missing)}")
    if fields["x-amz-algorithm"] != ALGORITHM:
        raise Malformed(f"X-Amz-Algorithm is {fields['x-amz-algorithm']!r}, not {ALGORITHM}")
    expires_text = fields["x-amz-expires"]
    if not (expires_text.isascii() and expires_text.isdigit()) or not (
        1 <= int(expires_text) <= MAX_EXPIRES
    ):
        raise Malformed(
            f"X-Amz-Expires {expires_text!r} is not a number of seconds from 1 to 604800"
        )
    return _signature(
        fields["x-amz-credential"],
        fields["x-amz-date"],
        fields["x-amz-signedheaders"],
        fields["x-amz-signature"],
        int(expires_text),
    )


def absent(signature: SigV4Signature, view: RequestView) -> str | None:
    """The first signed header the request does not carry."""
    for name in signature.signed_headers:
        if name not in view.headers:
            return name
    return None


@lru_cache(maxsize=64)
def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_query(signature: SigV4Signature, view: RequestView) -> str:
    """UriEncoded names and values (decoded first, so that any encoding of a character counts
    once), sorted; a presigned URL's ``X-Amz-Signature`` left out."""
    presigned = signature.expires is not None
    pairs = sorted(
        (cos_encode(name), cos_encode(value))
        for _, _, name, value in view.pairs()
        if not (presigned and name.lower() == "x-amz-signature")
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def canonical_request(
    signature: SigV4Signature, view: RequestView, method: str, uri: str, query: str
) -> str:
    headers = view.headers
    lines = "".join(
        f"{name}:{' '.join(headers[name].split())}\n" for name in signature.signed_headers
    )
    if signature.expires is None:
        payload = headers.get("x-amz-content-sha256") or UNSIGNED_PAYLOAD
    else:
        payload = UNSIGNED_PAYLOAD
    return (
        f"{method.upper()}\n{uri}\n{query}\n{lines}\n{';'.join(signature.signed_headers)}\n"
        f"{payload}"
    )


def string_to_sign(signature: SigV4Signature, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{signature.amz_date}\n{signature.scope}\n{digest}"


@dataclass(frozen=True, slots=True)
class Computed:
    matched: bool
    canonical_request: str
    string_to_sign: str


def compute(signature: SigV4Signature, secret_key: str, view: RequestView) -> Computed:
    key = signing_key(secret_key, signature.date, signature.region, signature.service)
    canonical = canonical_request(
        signature, view, view.method, view.path, canonical_query(signature, view)
    )
    to_sign = string_to_sign(signature, canonical)
    mac = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return Computed(hmac.compare_digest(mac, signature.signature), canonical, to_sign)


def explain(
    signature: SigV4Signature, secret_key: str, view: RequestView, other_keys: dict[str, str]
) -> tuple[Part, str]:
    """After a mismatch: ``(part, cause)`` — another method, another configured SecretId's key,
    else ``signature``."""
    query = canonical_query(signature, view)

    def matches(method: str, key_text: str) -> bool:
        key = signing_key(key_text, signature.date, signature.region, signature.service)
        canonical = canonical_request(signature, view, method, view.path, query)
        mac = hmac.new(key, string_to_sign(signature, canonical).encode(), hashlib.sha256)
        return hmac.compare_digest(mac.hexdigest(), signature.signature)

    for method in METHODS:
        if method != view.method.upper() and matches(method, secret_key):
            return (
                "method",
                f"it was made for {method}, the request is {view.method.upper()}",
            )
    for other_id, other_key in other_keys.items():
        if matches(view.method, other_key):
            return (
                "secret-key",
                f"it was made with the SecretKey of SecretId {other_id!r}, not of "
                f"{signature.secret_id!r}",
            )
    return (
        "signature",
        "either it was made with another SecretKey, or a signed value changed after signing: "
        f"the method ({view.method.upper()}), the path ({view.path!r}), the query, or "
        f"a signed header ({', '.join(signature.signed_headers)})",
    )


__all__ = [
    "ALGORITHM",
    "MAX_EXPIRES",
    "MAX_SKEW",
    "QUERY_MARKERS",
    "TOKEN_NAME",
    "Computed",
    "SigV4Signature",
    "absent",
    "canonical_query",
    "canonical_request",
    "compute",
    "explain",
    "parse_header",
    "parse_query",
    "signing_key",
    "string_to_sign",
]
