"""COS's own request signature (``q-sign-algorithm=sha1``), as COS's "Request Signature" page
writes it::

    KeyTime      = q-key-time                      (StartTimestamp;EndTimestamp)
    SignKey      = HMAC-SHA1(SecretKey, KeyTime)                    (lower-case hex)
    HttpString   = method\\nUriPathname\\nHttpParameters\\nHttpHeaders\\n
    StringToSign = sha1\\nq-sign-time\\nSHA1(HttpString)\\n
    Signature    = HMAC-SHA1(SignKey, StringToSign)

``method`` is lower-case, ``UriPathname`` the decoded path; ``HttpParameters`` and
``HttpHeaders`` are ``name=value`` joined with ``&``, names UrlEncoded and lower-cased, values
UrlEncoded, in the order of ``q-url-param-list`` / ``q-header-list`` (lexicographic when the
signer followed the page). This module parses the signature and computes what it should be; the
checks around it (SecretId, token, time) are :mod:`.verify`'s.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from .request import Malformed, RequestView, cos_encode
from .result import Part

#: The signature's own fields, as they appear in the Authorization header or the query.
FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)
_REQUIRED = ("q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-signature")
#: Query parameters whose presence makes a request presigned with COS's signature.
QUERY_MARKERS = frozenset({"q-sign-algorithm", "q-ak", "q-signature"})
#: Where a temporary key's session token travels (header, or query parameter).
TOKEN_NAME = "x-cos-security-token"
METHODS = ("get", "put", "post", "delete", "head", "options", "patch")


@dataclass(frozen=True, slots=True)
class CosSignature:
    """The fields of one COS signature."""

    algorithm: str
    secret_id: str
    sign_time: str
    key_time: str
    header_list: tuple[str, ...]
    param_list: tuple[str, ...]
    signature: str
    sign_window: tuple[int, int]
    key_window: tuple[int, int]


def _seconds(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def _window(name: str, value: str) -> tuple[int, int]:
    start, semicolon, end = value.partition(";")
    if not semicolon or not _seconds(start) or not _seconds(end):
        raise Malformed(f"{name} {value!r} is not StartTimestamp;EndTimestamp (Unix seconds)")
    window = (int(start), int(end))
    if window[1] < window[0]:
        raise Malformed(f"{name} {value!r} ends before it starts")
    return window


def _names(value: str) -> tuple[str, ...]:
    return tuple(name for name in value.split(";") if name)


def parse_fields(fields: dict[str, str]) -> CosSignature:
    """The signature from its fields (names lower-case); :class:`Malformed` when one is missing
    or unreadable."""
    missing = [name for name in _REQUIRED if not fields.get(name)]
    if missing:
        raise Malformed(f"it has no {', '.join(missing)}")
    algorithm = fields["q-sign-algorithm"]
    if algorithm.lower() != "sha1":
        raise Malformed(f"q-sign-algorithm is {algorithm!r}; COS signs with sha1 only")
    signature = fields["q-signature"]
    return CosSignature(
        algorithm=algorithm,
        secret_id=fields["q-ak"],
        sign_time=fields["q-sign-time"],
        key_time=fields["q-key-time"],
        header_list=_names(fields.get("q-header-list", "").lower()),
        param_list=_names(fields.get("q-url-param-list", "").lower()),
        signature=signature.lower(),
        sign_window=_window("q-sign-time", fields["q-sign-time"]),
        key_window=_window("q-key-time", fields["q-key-time"]),
    )


def parse_authorization(value: str) -> CosSignature:
    """An ``Authorization`` header value (``q-sign-algorithm=sha1&q-ak=...``), read as sent."""
    fields: dict[str, str] = {}
    for item in value.strip().split("&"):
        name, equals, field = item.partition("=")
        name = name.lower()
        if not equals:
            raise Malformed(f"{item!r} is not name=value")
        if name in fields:
            raise Malformed(f"it has {name} twice")
        fields[name] = field
    return parse_fields(fields)


def parse_query(view: RequestView) -> CosSignature:
    """The signature of a presigned URL: its ``q-*`` parameters, decoded once (the SDKs
    UrlEncode them; the browser SDK encodes ``q-url-param-list`` a second time, which leaves the
    list itself once decoded)."""
    fields: dict[str, str] = {}
    for _, _, name, value in view.pairs():
        lower = name.lower()
        if lower in FIELDS:
            if lower in fields:
                raise Malformed(f"the URL has {lower} twice")
            fields[lower] = value
    return parse_fields(fields)


def sign_key(secret_key: str, key_time: str) -> str:
    return hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()


def string_to_sign(sign_time: str, http_string: str) -> str:
    return f"sha1\n{sign_time}\n{hashlib.sha1(http_string.encode()).hexdigest()}\n"


def signature_of(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha1).hexdigest()


def absent(signature: CosSignature, view: RequestView) -> tuple[str, str] | None:
    """``("header", name)`` or ``("param", name)`` for the first signed header or parameter the
    request does not carry, else ``None``."""
    for name in signature.header_list:
        if name not in view.headers:
            return ("header", name)
    if signature.param_list:
        params = view.cos_params()
        for name in signature.param_list:
            if name not in params:
                return ("param", name)
    return None


def http_parameters(signature: CosSignature, view: RequestView) -> str:
    if not signature.param_list:
        return ""
    params = view.cos_params()
    return "&".join(f"{name}={cos_encode(params[name])}" for name in signature.param_list)


def _strip_port(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1] or host
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else host


def http_headers_variants(signature: CosSignature, view: RequestView) -> Iterator[str]:
    """``HttpHeaders`` from the request's values; then, when ``host`` is signed with a port, the
    same without it (the Python SDK signs ``urlparse(url).hostname``, which COS's default ports
    make equal to the ``Host`` header; a fake on another port does not)."""
    if not signature.header_list:
        yield ""
        return
    headers = view.headers
    values = [(name, headers[name]) for name in signature.header_list]
    yield "&".join(f"{name}={cos_encode(value)}" for name, value in values)
    host = headers.get("host")
    if host is not None and "host" in signature.header_list and _strip_port(host) != host:
        bare = _strip_port(host)
        yield "&".join(
            f"{name}={cos_encode(bare if name == 'host' else value)}" for name, value in values
        )


def paths(view: RequestView) -> list[str]:
    """The ``UriPathname`` candidates: the decoded path, then ``/`` + the routed key (a
    path-style request's SDK may sign either)."""
    decoded = view.decoded_path()
    candidates = [decoded]
    key = view.request.key
    if key is not None and "/" + key != decoded:
        candidates.append("/" + key)
    return candidates


def other_forms(signature: CosSignature, view: RequestView) -> list[str]:
    """The candidates besides the first, in words (``the path '/key'``, ``host '127.0.0.1'
    without its port``): a mismatch's reason says that they were tried too."""
    forms = []
    decoded = view.decoded_path()
    key = view.request.key
    if key is not None and "/" + key != decoded:
        forms.append(f"the path {'/' + key!r}")
    host = view.headers.get("host")
    if host is not None and "host" in signature.header_list and _strip_port(host) != host:
        forms.append(f"host {_strip_port(host)!r} without its port")
    return forms


def http_string(method: str, path: str, parameters: str, headers: str) -> str:
    return f"{method.lower()}\n{path}\n{parameters}\n{headers}\n"


@dataclass(frozen=True, slots=True)
class Computed:
    """What the fake signed: the first candidate's strings, and whether any candidate matched
    (then the strings are the matching candidate's)."""

    matched: bool
    http_string: str
    string_to_sign: str


def compute(signature: CosSignature, secret_key: str, view: RequestView) -> Computed:
    """Sign the request as COS would, with each path and ``host`` candidate, until one matches."""
    key = sign_key(secret_key, signature.key_time)
    parameters = http_parameters(signature, view)
    first: tuple[str, str] | None = None
    for headers in http_headers_variants(signature, view):
        for path in paths(view):
            text = http_string(view.method, path, parameters, headers)
            to_sign = string_to_sign(signature.sign_time, text)
            if hmac.compare_digest(signature_of(key, to_sign), signature.signature):
                return Computed(True, text, to_sign)
            if first is None:
                first = (text, to_sign)
    assert first is not None
    return Computed(False, *first)


def explain(
    signature: CosSignature,
    secret_key: str,
    view: RequestView,
    other_keys: dict[str, str],
) -> tuple[Part, str]:
    """After a mismatch: ``(part, cause)`` for the likeliest cause the fake can test — another
    method, the percent-encoded path, another configured SecretId's key (each with every path
    and ``host`` candidate) — else ``signature``."""
    key = sign_key(secret_key, signature.key_time)
    parameters = http_parameters(signature, view)
    candidates = [
        (path, headers)
        for headers in http_headers_variants(signature, view)
        for path in paths(view)
    ]
    decoded = view.decoded_path()

    def matches(method: str, path: str | None = None, with_key: str = key) -> bool:
        for candidate, headers in candidates:
            text = http_string(method, candidate if path is None else path, parameters, headers)
            to_sign = string_to_sign(signature.sign_time, text)
            if hmac.compare_digest(signature_of(with_key, to_sign), signature.signature):
                return True
        return False

    for method in METHODS:
        if method != view.method.lower() and matches(method):
            return (
                "method",
                f"it was made for {method.upper()}, the request is {view.method.upper()}",
            )
    if view.path != decoded and matches(view.method, view.path):
        return (
            "path",
            f"it was made for the percent-encoded path {view.path!r}; COS signs the decoded "
            f"path {decoded!r}",
        )
    for other_id, other_key in other_keys.items():
        if matches(view.method, with_key=sign_key(other_key, signature.key_time)):
            return (
                "secret-key",
                f"it was made with the SecretKey of SecretId {other_id!r}, not of "
                f"{signature.secret_id!r}",
            )
    signed = ", ".join(signature.header_list) or "none"
    params = ", ".join(signature.param_list) or "none"
    return (
        "signature",
        "either it was made with another SecretKey, or a signed value changed after signing: "
        f"the method ({view.method.upper()}), the path ({decoded!r}), a signed header "
        f"({signed}) or a signed parameter ({params})",
    )


__all__ = [
    "FIELDS",
    "QUERY_MARKERS",
    "TOKEN_NAME",
    "Computed",
    "CosSignature",
    "absent",
    "compute",
    "explain",
    "http_string",
    "other_forms",
    "parse_authorization",
    "parse_fields",
    "parse_query",
    "sign_key",
    "signature_of",
    "string_to_sign",
]
