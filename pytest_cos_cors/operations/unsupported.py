"""Never silently wrong: the request headers, query parameters and form fields that change what
an operation means and that the fake does not implement. Each gets ``501 NotImplemented`` naming
it (docs/cos-operations.md, "Never silently wrong"), instead of an answer that ignores it.

What real clients send routinely and that does not change the meaning is *not* here, and keeps
working: boto3's ``x-amz-checksum-*`` (verified where the standard library can),
``x-amz-sdk-checksum-algorithm``, ``x-amz-checksum-algorithm``, ``x-amz-checksum-type``,
``x-amz-checksum-mode``, ``x-amz-content-sha256`` (unless it announces an ``aws-chunked``
body), ``Expect``; signatures; ``x-cos-sdk-retry``; ``If-Match`` and ``Range`` on a GET...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..errors import not_implemented_header, not_implemented_parameter

#: Server-side encryption, of the object or (``copy-source-``) of a copy's source.
SSE = (
    "x-cos-server-side-encryption",
    "x-amz-server-side-encryption",
    "x-cos-copy-source-server-side-encryption",
    "x-amz-copy-source-server-side-encryption",
)
#: SSE-C on reads (a GET of an SSE-C object needs the key).
SSE_C = ("x-cos-server-side-encryption-customer-", "x-amz-server-side-encryption-customer-")
#: Object ACLs.
ACL = ("x-cos-acl", "x-amz-acl", "x-cos-grant-", "x-amz-grant-")
#: Tags, website redirects, object lock, append, callbacks, traffic limits.
OTHER_WRITE = (
    "x-cos-tagging",
    "x-amz-tagging",
    "x-amz-website-redirect-location",
    "x-cos-website-redirect-location",
    "x-amz-object-lock-",
    "x-amz-write-offset-bytes",
    "x-cos-callback",
    "x-cos-traffic-limit",
)
#: S3's conditional writes.
CONDITIONAL_WRITE = ("if-match", "if-none-match")


def _standard(value: str) -> bool:
    return value.strip().upper() == "STANDARD"


def _false(value: str) -> bool:
    return value.strip().lower() == "false"


def _plain_encoding(value: str) -> bool:
    return "aws-chunked" not in value.lower()


def _unsigned_or_hash(value: str) -> bool:
    return not value.strip().upper().startswith("STREAMING-")


#: Headers accepted with some values only: the default storage class, overwrites allowed, a body
#: that is not in ``aws-chunked`` framing.
ACCEPTED_VALUES: Mapping[str, Callable[[str], bool]] = {
    "x-cos-storage-class": _standard,
    "x-amz-storage-class": _standard,
    "x-cos-forbid-overwrite": _false,
    "content-encoding": _plain_encoding,
    "x-amz-content-sha256": _unsigned_or_hash,
}


@dataclass(frozen=True)
class Unsupported:
    """What an operation refuses: header names or prefixes (lower-case), headers accepted only
    with some values, query parameters (lower-case) or their prefixes, and whether every
    ``response-*`` parameter other than COS's six is refused."""

    headers: tuple[str, ...] = ()
    checked_headers: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    param_prefixes: tuple[str, ...] = ()
    only_known_overrides: bool = False

    def check(
        self, operation: str, headers: Iterable[tuple[str, str]], params: Iterable[str]
    ) -> str | None:
        """The 501 message for the first unimplemented header or parameter, or ``None``."""
        for name, value in headers:
            lower = name.lower()
            if lower.startswith(self.headers):
                return not_implemented_header(operation, lower)
            accepts = ACCEPTED_VALUES.get(lower)
            if accepts is not None and lower in self.checked_headers and not accepts(value):
                return not_implemented_header(operation, f"{lower}: {value}")
        for name in params:
            lower = name.lower()
            if lower in self.params or lower.startswith(self.param_prefixes):
                return not_implemented_parameter(operation, name)
            if (
                self.only_known_overrides
                and lower.startswith("response-")
                and lower not in RESPONSE_OVERRIDES
            ):
                return not_implemented_parameter(operation, name)
        return None


#: GET Object's ``response-*`` parameters and the header each one sets.
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}

_BODY = ("content-encoding", "x-amz-content-sha256")

#: PUT Object, Initiate Multipart Upload, PUT Object - Copy.
WRITE = Unsupported(
    headers=(*SSE, *ACL, *OTHER_WRITE, *CONDITIONAL_WRITE, "x-cos-tagging-directive"),
    checked_headers=("x-cos-storage-class", "x-amz-storage-class", "x-cos-forbid-overwrite"),
)
PUT = Unsupported(headers=WRITE.headers, checked_headers=(*WRITE.checked_headers, *_BODY))
#: Upload Part and Upload Part - Copy.
PART = Unsupported(headers=(*SSE, "x-cos-traffic-limit"), checked_headers=_BODY)
#: Complete Multipart Upload.
COMPLETE = Unsupported(
    headers=("x-cos-callback", *CONDITIONAL_WRITE), checked_headers=("x-cos-forbid-overwrite",)
)
#: GET Object.
GET = Unsupported(
    headers=(*SSE_C, "x-cos-traffic-limit"),
    only_known_overrides=True,
)
#: HEAD Object: COS documents no ``response-*`` for it.
HEAD = Unsupported(headers=GET.headers, param_prefixes=("response-",))
#: DELETE Object.
DELETE = Unsupported(headers=("if-match", "x-amz-if-match-", "x-amz-bypass-governance-retention"))
#: Any other operation.
NOTHING = Unsupported()

#: Form fields of a browser form upload (POST Object) that change what it does.
FORM_FIELDS = (
    "x-cos-server-side-encryption",
    "x-amz-server-side-encryption",
    "x-cos-tagging",
    "x-amz-tagging",
    "x-cos-acl",
    "x-amz-acl",
    "acl",
    "x-cos-grant-",
    "x-cos-forbid-overwrite",
    "x-cos-traffic-limit",
    "success_action_redirect",
    "redirect",
    "x-amz-website-redirect-location",
)


def check_form(fields: Iterable[tuple[str, str]]) -> str | None:
    """The 501 message for the first form field of POST Object that the fake does not
    implement (a storage class other than ``STANDARD`` included), or ``None``."""
    for name, value in fields:
        lower = name.lower()
        if lower in ("x-cos-storage-class", "x-amz-storage-class"):
            if not _standard(value):
                return not_implemented_parameter("PostObject", f"{name}={value}")
        elif lower == "x-cos-forbid-overwrite" and _false(value):
            continue
        elif lower.startswith(FORM_FIELDS):
            return not_implemented_parameter("PostObject", name)
    return None
