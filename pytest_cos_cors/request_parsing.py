"""What a COS request says beyond its bucket and key (SPEC §3 to §6): its sub-resource, its
headers as received, its ``Content-MD5`` and ``Range``, its user metadata, and whether it is
anonymous or signed. Pure functions of the request; no answer is decided here."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import BAD_DIGEST, INVALID_DIGEST

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.wrappers import Request

#: Methods that read, and methods that write (an ACL allows them apart).
READS = frozenset({"GET", "HEAD"})
WRITES = frozenset({"PUT", "POST", "DELETE"})

#: Query keys that carry a signature: their presence makes a request non-anonymous.
SIGNATURE_PARAMS = frozenset({"q-sign-algorithm", "sign", "x-amz-signature", "signature"})
#: Form fields that carry a browser form upload's signature.
SIGNATURE_FIELDS = frozenset(
    {"q-sign-algorithm", "q-signature", "signature", "x-amz-signature", "sign"}
)
#: Query keys that are parameters, not sub-resources (lower-case).
PARAMETERS = frozenset(
    {
        "q-sign-algorithm",
        "q-ak",
        "q-sign-time",
        "q-key-time",
        "q-header-list",
        "q-url-param-list",
        "q-signature",
        "sign",
        "signature",
        "awsaccesskeyid",
        "expires",
        "x-cos-security-token",
        "x-amz-security-token",
        "prefix",
        "max-keys",
        "marker",
        "delimiter",
        "encoding-type",
        "x-id",
        "versionid",
    }
)
#: Prefixes of query keys that are parameters (lower-case).
PARAMETER_PREFIXES = ("x-amz-", "response-")
#: Prefixes of the headers and form fields that are an object's user metadata (lower-case).
META_PREFIXES = ("x-cos-meta-", "x-amz-meta-")


def sub_resource(args: Iterable[str]) -> str | None:
    """The first query key that names a sub-resource (``cors``, ``acl``...), if any."""
    for name in args:
        lower = name.lower()
        if lower in PARAMETERS or lower.startswith(PARAMETER_PREFIXES):
            continue
        return name
    return None


def environ_headers(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    """``Request(environ).headers.items()``: the same names, values and order, built directly."""
    pairs = []
    for key, value in environ.items():
        if key[:5] == "HTTP_":
            if key != "HTTP_CONTENT_TYPE" and key != "HTTP_CONTENT_LENGTH":
                pairs.append((key[5:].replace("_", "-").title(), value))
        elif (key == "CONTENT_TYPE" or key == "CONTENT_LENGTH") and value:
            pairs.append((key.replace("_", "-").title(), value))
    return pairs


def user_metadata(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``x-cos-meta-*`` (and ``x-amz-meta-*``) headers or form fields, names lower-cased."""
    return [(k.lower(), v) for k, v in pairs if k.lower().startswith(META_PREFIXES)]


def check_content_md5(header: str | None, body: bytes) -> tuple[str, str] | None:
    """``(code, message)`` when ``Content-MD5`` is present and wrong (SPEC §3 row 2)."""
    if header is None:
        return None
    try:
        digest = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "InvalidDigest", INVALID_DIGEST
    if len(digest) != 16:
        return "InvalidDigest", INVALID_DIGEST
    if digest != hashlib.md5(body).digest():
        return "BadDigest", BAD_DIGEST
    return None


def parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """One satisfiable ``bytes=a-b`` (or ``a-``, ``-n``) range as inclusive bounds."""
    if not value:
        return None
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "" or int(last) == 0 or size == 0:
            return None
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or start > end:
        return None
    return start, end


def is_anonymous(request: Request) -> bool:
    """Whether the request carries no signature: no ``Authorization`` header, no signature in
    its query, and (a browser form upload) none among its form fields (SPEC §6)."""
    if "Authorization" in request.headers:
        return False
    if any(k.lower() in SIGNATURE_PARAMS for k in request.args):
        return False
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        return not any(k.lower() in SIGNATURE_FIELDS for k in request.form)
    return True
