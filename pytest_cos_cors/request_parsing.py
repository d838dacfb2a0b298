"""What a COS request says beyond its bucket and key (SPEC §3 to §6, docs/cos-operations.md):
its sub-resources, its headers as received, its ``Content-MD5`` and ``x-amz-checksum-*``, its
``Range`` and conditions, its stored headers and user metadata, its copy source, and whether it
is anonymous or signed. Pure functions of the request; no answer is decided here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote

from .addressing import host_bucket
from .errors import BAD_CHECKSUM, BAD_DIGEST, INVALID_CHECKSUM, INVALID_DIGEST
from .signatures.cos import FIELDS as COS_SIGNATURE_FIELDS

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
        *COS_SIGNATURE_FIELDS,
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
        "part-number-marker",
        "max-parts",
        "key-marker",
        "upload-id-marker",
        "max-uploads",
    }
)
#: Prefixes of query keys that are parameters (lower-case).
PARAMETER_PREFIXES = ("x-amz-", "response-")
#: Prefixes of the headers and form fields that are an object's user metadata (lower-case).
META_PREFIXES = ("x-cos-meta-", "x-amz-meta-")

#: Query keys that name a sub-resource or select an operation (lower-case): the five the fake
#: routes (``cors``, ``uploads``, ``uploadId``, ``partNumber``, ``delete``) and every other one
#: that COS's API documentation, its SDKs (cos-python-sdk-v5 1.9.44, cos-js-sdk-v5 1.10.1) or
#: S3's API (botocore's model, for boto3) use, which the fake answers ``501 NotImplemented``
#: naming it. Any other query key is a parameter that routing ignores
#: (docs/cos-operations.md 6.1).
SUB_RESOURCES = frozenset(
    {
        # routed by the fake
        "cors",
        "uploads",
        "uploadid",
        "partnumber",
        "delete",
        # COS: buckets
        "acl",
        "tagging",
        "lifecycle",
        "versioning",
        "versions",
        "policy",
        "website",
        "referer",
        "logging",
        "inventory",
        "replication",
        "domain",
        "domaincertificate",
        "origin",
        "encryption",
        "accelerate",
        "location",
        "object-lock",
        "intelligenttiering",
        "intelligent-tiering",
        "response-control",
        "live",
        "vod",
        # COS: objects
        "restore",
        "select",
        "append",
        "symlink",
        # Cloud Infinite (数据万象) on COS's own domain
        "ci-process",
        "style",
        "image_process",
        "imageinspect",
        # S3 (boto3), beyond the above
        "list-type",
        "abac",
        "analytics",
        "attributes",
        "legal-hold",
        "retention",
        "metadataconfiguration",
        "metadatainventorytable",
        "metadatajournaltable",
        "metadatatable",
        "metrics",
        "notification",
        "ownershipcontrols",
        "policystatus",
        "publicaccessblock",
        "renameobject",
        "requestpayment",
        "session",
        "torrent",
    }
)
#: Prefixes of query keys in COS's own namespace that are not :data:`PARAMETERS`: COS takes
#: some request headers as query parameters too (``x-cos-traffic-limit``), so an unknown one
#: may change the operation (lower-case).
SUB_RESOURCE_PREFIXES = ("x-cos-",)
#: Cloud Infinite's processing at download, named by the query key's first segment (before a
#: ``/`` or a ``|``): ``?imageMogr2/thumbnail/!50p|watermark/...``, ``?imageInfo``
#: (lower-case).
PROCESSING = frozenset(
    {"imagemogr2", "imageview2", "watermark", "imageinfo", "exif", "imageave", "imageslim"}
)
_PROCESSING_HEAD = re.compile(r"[/|]")


def is_sub_resource(name: str) -> bool:
    """Whether the query key ``name`` (any case) names a sub-resource or selects an operation,
    implemented or not, rather than being a parameter (``prefix``, a signature's field, or a
    key COS does not know, such as a cache-buster's ``_`` or ``v``)."""
    lower = name.lower()
    if lower in PARAMETERS:
        return False
    if lower in SUB_RESOURCES:  # before the prefixes: ``response-control`` is one
        return True
    if lower.startswith(PARAMETER_PREFIXES):
        return False
    if lower.startswith(SUB_RESOURCE_PREFIXES):
        return True
    return _PROCESSING_HEAD.split(lower, 1)[0] in PROCESSING


def sub_resources(args: Iterable[str]) -> list[str]:
    """The query keys that name a sub-resource or select an operation (``cors``, ``uploads``,
    ``uploadId``, ``acl``...: :func:`is_sub_resource`), as sent, in order, each once; parameters
    and keys COS does not know are left out."""
    found = []
    for name in args:
        if is_sub_resource(name) and name not in found:
            found.append(name)
    return found


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


Body = bytes | Sequence[memoryview]


class HeaderLookup(Protocol):
    """Request headers looked up by name (a werkzeug ``Headers``, a ``HeaderMap``, a dict)."""

    def get(self, name: str, /) -> str | None: ...
    def __contains__(self, name: str, /) -> bool: ...


def _chunks(body: Body) -> Sequence[bytes | memoryview]:
    return (body,) if isinstance(body, bytes) else body


def check_content_md5(header: str | None, body: Body) -> tuple[str, str] | None:
    """``(code, message)`` when ``Content-MD5`` is present and wrong (SPEC §3 row 2)."""
    if header is None:
        return None
    try:
        digest = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "InvalidDigest", INVALID_DIGEST
    if len(digest) != 16:
        return "InvalidDigest", INVALID_DIGEST
    md5 = hashlib.md5()
    for chunk in _chunks(body):
        md5.update(chunk)
    if digest != md5.digest():
        return "BadDigest", BAD_DIGEST
    return None


#: The ``x-amz-checksum-*`` headers boto3 sends (flexible checksums), by algorithm: those the
#: standard library computes are verified, the others (CRC32C, CRC64NVME) only accepted.
CHECKSUM_HEADERS = {
    "x-amz-checksum-crc32": "CRC32",
    "x-amz-checksum-crc32c": "CRC32C",
    "x-amz-checksum-crc64nvme": "CRC64NVME",
    "x-amz-checksum-sha1": "SHA1",
    "x-amz-checksum-sha256": "SHA256",
}


def _checksum(algorithm: str, body: Body) -> bytes | None:
    if algorithm == "CRC32":
        crc = 0
        for chunk in _chunks(body):
            crc = zlib.crc32(chunk, crc)
        return crc.to_bytes(4, "big")
    if algorithm in ("SHA1", "SHA256"):
        digest = hashlib.new(algorithm.lower())
        for chunk in _chunks(body):
            digest.update(chunk)
        return digest.digest()
    return None


def has_checksum(headers: HeaderLookup) -> bool:
    """Whether the request carries one of the ``x-amz-checksum-*`` values."""
    return any(name in headers for name in CHECKSUM_HEADERS)


def check_checksums(headers: HeaderLookup, body: Body) -> tuple[str, str] | None:
    """``(code, message)`` when an ``x-amz-checksum-*`` header is not base64, or (CRC32, SHA1,
    SHA256) does not match the body."""
    for name, algorithm in CHECKSUM_HEADERS.items():
        value = headers.get(name)
        if value is None:
            continue
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "InvalidRequest", INVALID_CHECKSUM.format(header=name)
        expected = _checksum(algorithm, body)
        if expected is not None and given != expected:
            return "BadDigest", BAD_CHECKSUM.format(algorithm=algorithm)
    return None


#: What :func:`parse_range` gives for a range that starts past the end: ``416 InvalidRange``.
NOT_SATISFIABLE = (-1, -1)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """One ``bytes=a-b`` (or ``a-``, ``-n``) range as inclusive bounds, the end clamped to the
    object; :data:`NOT_SATISFIABLE` when it starts at or past the end (or is a suffix of
    nothing); ``None`` (serve the whole object) when absent, multiple, reversed or not a byte
    range (docs/cos-operations.md 2.11)."""
    if not value:
        return None
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (_digits(first) or first == "") or not (_digits(last) or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        if int(last) == 0 or size == 0:
            return NOT_SATISFIABLE
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        return NOT_SATISFIABLE
    end = size - 1 if last == "" else min(int(last), size - 1)
    return start, end


def parse_copy_range(value: str, size: int) -> tuple[int, int] | None:
    """``x-cos-copy-source-range: bytes=first-last`` as inclusive bounds, ``last`` clamped;
    ``None`` when malformed, reversed or starting past the end (docs/cos-operations.md 2.8)."""
    unit, _, spec = value.strip().partition("=")
    first, dash, last = spec.strip().partition("-")
    if unit.strip().lower() != "bytes" or not dash:
        return None
    first, last = first.strip(), last.strip()
    if not (_digits(first) and _digits(last)):
        return None
    start, end = int(first), int(last)
    if end < start or start >= size:
        return None
    return start, min(end, size - 1)


# -- conditions ----------------------------------------------------------------------------------


def _opaque(tag: str) -> str:
    tag = tag.strip()
    if tag[:2] in ("W/", "w/"):
        tag = tag[2:]
    return tag.strip().strip('"')


def etag_matches(header: str, etag: str) -> bool:
    """Whether an ``If-Match``/``If-None-Match`` list names ``etag`` (``*`` names any);
    quotes and a weak ``W/`` are ignored."""
    wanted = _opaque(etag)
    return any(
        part.strip() == "*" or _opaque(part) == wanted for part in header.split(",") if part.strip()
    )


def http_date(value: str) -> float | None:
    """An HTTP date as a timestamp; ``None`` when it cannot be read (the condition is then
    ignored)."""
    try:
        return parsedate_to_datetime(value.strip()).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# -- what an object keeps ----------------------------------------------------------------------

#: The standard headers an object keeps from its PUT, POST or Initiate, in their wire case and
#: in the order a GET sends them back.
STORED_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
)
_STORED = {name.lower(): name for name in STORED_HEADERS}
_NOT_HEADER_SAFE = re.compile("[\r\n\x00]")


def header_safe(value: str) -> bool:
    """Whether ``value`` can go back out as an HTTP header value: no line break or NUL, only
    ISO-8859-1 characters."""
    if _NOT_HEADER_SAFE.search(value):
        return False
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def stored_headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The standard headers (or form fields) an object keeps, in :data:`STORED_HEADERS` order
    and case; an empty value is not kept (the JS SDK sends ``Cache-Control:`` empty)."""
    found: dict[str, str] = {}
    for name, value in pairs:
        canonical = _STORED.get(name.lower())
        if canonical is not None and value.strip() and canonical not in found:
            found[canonical] = value
    return [(name, found[name]) for name in STORED_HEADERS if name in found]


# -- copy ----------------------------------------------------------------------------------------

def parse_copy_source(value: str) -> tuple[str, str, str | None] | None:
    """``x-cos-copy-source`` as ``(bucket, key, versionId)``: COS's
    ``<bucket>.cos.<region>.myqcloud.com/<key>`` or S3's ``[/]<bucket>/<key>`` (boto3), the key
    percent-decoded; ``None`` when it names no bucket and key."""
    text = value.strip()
    for scheme in ("http://", "https://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
    text, _, query = text.partition("?")
    version = None
    for pair in query.split("&") if query else ():
        name, _, raw = pair.partition("=")
        if name.lower() == "versionid":
            version = unquote(raw)
    first, slash, rest = text.lstrip("/").partition("/")
    bucket = host_bucket(first) or unquote(first)
    key = unquote(rest)
    if not slash or not bucket or not key:
        return None
    return bucket, key, version


def is_anonymous(request: Request, *, form: bool = True) -> bool:
    """Whether the request carries no signature: no ``Authorization`` header, no signature in
    its query, and (a browser form upload, when ``form``) none among its form fields
    (SPEC §6)."""
    if "Authorization" in request.headers:
        return False
    if any(k.lower() in SIGNATURE_PARAMS for k in request.args):
        return False
    return not (form and form_signed(request))


def form_signed(request: Request) -> bool:
    """Whether a browser form upload (a ``multipart/form-data`` POST) carries a signature among
    its form fields (read, unverified, whether or not the endpoint has credentials)."""
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        return any(k.lower() in SIGNATURE_FIELDS for k in request.form)
    return False
