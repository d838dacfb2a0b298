"""Copies: PUT Object - Copy and Upload Part - Copy, between the buckets of the endpoint
(docs/cos-operations.md 2.7 and 2.8). A copy shares the source's memory: objects are immutable."""

from __future__ import annotations

from .. import cos_xml, wire
from ..errors import (
    ACCESS_DENIED,
    COPY_TO_ITSELF,
    INVALID_COPY_RANGE,
    INVALID_COPY_SOURCE,
    INVALID_METADATA_DIRECTIVE,
    NO_SUCH_BUCKET,
    NO_SUCH_KEY,
    PRECONDITION_FAILED,
    CosError,
    not_implemented_parameter,
)
from ..request_parsing import (
    etag_matches,
    http_date,
    parse_copy_range,
    parse_copy_source,
    stored_headers,
    user_metadata,
)
from ..store import Part, StoredObject, fingerprint
from .context import Context, Reply
from .multipart import XML, add_part, current_upload, part_number
from .objects import too_large


def _header(context: Context, suffix: str) -> str | None:
    headers = context.headers
    return headers.get(f"x-cos-{suffix}") or headers.get(f"x-amz-{suffix}")


def _conditions(context: Context, stored: StoredObject) -> None:
    """The four ``x-cos-copy-source-If-*`` on the source: any failure is ``412`` [doc];
    ``If-Unmodified-Since`` counts only without ``If-Match``, ``If-Modified-Since`` only
    without ``If-None-Match`` [dec, as GET Object]."""
    modified = int(stored.last_modified)
    if_match = _header(context, "copy-source-if-match")
    if_none_match = _header(context, "copy-source-if-none-match")
    failed = False
    if if_match is not None:
        failed = not etag_matches(if_match, stored.etag)
    else:
        since = http_date(_header(context, "copy-source-if-unmodified-since") or "")
        failed = since is not None and modified > since
    if if_none_match is not None:
        failed = failed or etag_matches(if_none_match, stored.etag)
    else:
        since = http_date(_header(context, "copy-source-if-modified-since") or "")
        failed = failed or (since is not None and modified <= since)
    if failed:
        raise CosError("PreconditionFailed", PRECONDITION_FAILED, 412)


def copy_source(context: Context, operation: str) -> tuple[str, str, StoredObject]:
    """The source ``(bucket, key, object)``: ``400 InvalidArgument`` when unreadable, ``404``
    for an unknown bucket or key, ``403`` when the request is anonymous and the source
    bucket's ACL does not allow reading it [dec], ``412`` for a failed condition."""
    parsed = parse_copy_source(_header(context, "copy-source") or "")
    if parsed is None:
        raise CosError("InvalidArgument", INVALID_COPY_SOURCE)
    bucket, key, version = parsed
    if version is not None:
        raise CosError("NotImplemented", not_implemented_parameter(operation, "versionId"), 501)
    info = context.store.info(bucket)
    if info is None:
        context.note = f"the copy source bucket {bucket!r} does not exist"
        raise CosError("NoSuchBucket", NO_SUCH_BUCKET, 404)
    if info.acl == "private" and context.anonymous():
        raise CosError("AccessDenied", ACCESS_DENIED, 403)
    stored = context.store.get_object(bucket, key)
    if stored is None:
        context.note = f"no copy source object {key!r} in {bucket!r}"
        raise CosError("NoSuchKey", NO_SUCH_KEY, 404)
    _conditions(context, stored)
    return bucket, key, stored


def copy_object(context: Context) -> Reply:
    """CopyObject (PUT Object - Copy): ``x-cos-metadata-directive`` ``Copy`` (the source's
    headers and metadata) or ``Replaced`` (the request's); S3's ``COPY``/``REPLACE`` too."""
    bucket, key, source = copy_source(context, "CopyObject")
    if source.size > context.limits.max_object_bytes:
        raise too_large()
    directive = (_header(context, "metadata-directive") or "Copy").strip().lower()
    if directive not in ("copy", "replaced", "replace"):
        raise CosError("InvalidArgument", INVALID_METADATA_DIRECTIVE)
    replace = directive != "copy"
    if (bucket, key) == (context.bucket, context.key) and not replace:
        raise CosError("InvalidRequest", COPY_TO_ITSELF)
    if replace:
        pairs = list(context.headers.items())
        headers, metadata = stored_headers(pairs), user_metadata(pairs)
    else:
        headers, metadata = list(source.headers), list(source.metadata)
    etag = source.etag
    if "-" in etag:  # a multipart source: the copy gets a single-part ETag [dec, S3]
        etag = f'"{fingerprint(source.chunks)[0]}"'
    stored = StoredObject.create(source.chunks, headers, metadata, etag=etag, crc=source.crc64)
    context.store.put_object(context.bucket, context.key, stored)
    body = cos_xml.render(
        "CopyObjectResult",
        [
            ("ETag", stored.etag),
            ("CRC64", str(stored.crc64)),
            ("LastModified", wire.iso_date_seconds(stored.last_modified)),
        ],
        declaration=cos_xml.DECLARATION_UTF8,
    )
    return Reply(200, body, [XML])


def upload_part_copy(context: Context) -> Reply:
    """UploadPartCopy: ``x-cos-copy-source-range: bytes=first-last`` of the source (the whole
    source without it) becomes part N."""
    number = part_number(context)
    current_upload(context)
    _, _, source = copy_source(context, "UploadPartCopy")
    value = _header(context, "copy-source-range")
    if value is None:
        start, stop = 0, source.size
    else:
        bounds = parse_copy_range(value, source.size)
        if bounds is None:
            raise CosError("InvalidArgument", INVALID_COPY_RANGE)
        start, stop = bounds[0], bounds[1] + 1
    if stop - start > context.limits.max_object_bytes:
        raise too_large()
    part = Part.create(number, source.view(start, stop))
    add_part(context, part)
    body = cos_xml.render(
        "CopyPartResult",
        [("ETag", part.etag), ("LastModified", wire.iso_date(part.last_modified))],
        declaration=b"",
    )
    return Reply(200, body, [XML, ("x-cos-hash-crc64ecma", str(part.crc64))])
