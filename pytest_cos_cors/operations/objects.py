"""Objects: PUT Object, GET Object, HEAD Object, DELETE Object, and POST Object (a browser form
upload). docs/cos-operations.md 2.11 and 2.12; SPEC §6."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import cos_xml, wire
from ..addressing import bucket_host, quote_key
from ..errors import (
    ENTITY_TOO_LARGE,
    INVALID_RANGE,
    NO_SUCH_KEY,
    POST_NEEDS_FILE,
    POST_NEEDS_KEY,
    PRECONDITION_FAILED,
    CosError,
    invalid_header_value,
)
from ..request_parsing import (
    NOT_SATISFIABLE,
    STORED_HEADERS,
    etag_matches,
    header_safe,
    http_date,
    parse_range,
    stored_headers,
    user_metadata,
)
from ..store import StoredObject
from .context import Context, Reply, check_integrity
from .unsupported import RESPONSE_OVERRIDES, check_form

#: What a browser form upload's body may hold beyond its file (the other fields, the form's
#: framing) before it is refused from its ``Content-Length`` [dec].
FORM_OVERHEAD = 1 << 20


def too_large() -> CosError:
    return CosError("EntityTooLarge", ENTITY_TOO_LARGE)


def safe_headers(pairs: Iterable[tuple[str, str]]) -> None:
    """``400 InvalidArgument`` for a value that could not be sent back as a header."""
    for name, value in pairs:
        if not header_safe(value):
            raise CosError("InvalidArgument", invalid_header_value(name))


# -- PUT, DELETE ---------------------------------------------------------------------------------


def put_object(context: Context) -> Reply:
    """PutObject: the body (refused over ``max_object_bytes`` from its ``Content-Length``,
    before it is read), its stored headers and metadata; ``ETag`` and the CRC-64."""
    chunks = context.read_body(context.limits.max_object_bytes, too_large())
    check_integrity(context, chunks)
    pairs = list(context.headers.items())
    stored = StoredObject.create(chunks, stored_headers(pairs), user_metadata(pairs))
    context.store.put_object(context.bucket, context.key, stored)
    return Reply(200, headers=object_written(stored))


def object_written(stored: StoredObject) -> list[tuple[str, str]]:
    """The headers of a successful write: ``ETag`` and ``x-cos-hash-crc64ecma``."""
    return [("ETag", stored.etag), ("x-cos-hash-crc64ecma", str(stored.crc64))]


def delete_object(context: Context) -> Reply:
    """DeleteObject: ``204``, also when the key does not exist."""
    context.store.delete_object(context.bucket, context.key)
    return Reply(204)


# -- GET, HEAD -----------------------------------------------------------------------------------


def get_object(context: Context) -> Reply:
    """GetObject."""
    return read_object(context)


def head_object(context: Context) -> Reply:
    """HeadObject: GetObject without the body."""
    return read_object(context)


def _precondition(context: Context, stored: StoredObject) -> int | None:
    """412 or 304 when a condition fails (RFC 9110 §13.2.2's order), else ``None``."""
    headers = context.headers
    modified = int(stored.last_modified)
    if_match = headers.get("If-Match")
    if if_match is not None:
        if not etag_matches(if_match, stored.etag):
            return 412
    else:
        since = http_date(headers.get("If-Unmodified-Since", ""))
        if since is not None and modified > since:
            return 412
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        if etag_matches(if_none_match, stored.etag):
            return 304
    else:
        since = http_date(headers.get("If-Modified-Since", ""))
        if since is not None and modified <= since:
            return 304
    return None


def _range_applies(context: Context, stored: StoredObject) -> bool:
    """``If-Range``: the range applies only when the validator still matches [dec, RFC 9110]."""
    value = context.headers.get("If-Range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == stored.etag
    date = http_date(value)
    return date is not None and int(stored.last_modified) == int(date)


def _overrides(context: Context) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in context.args.items():
        header = RESPONSE_OVERRIDES.get(name.lower())
        if header is not None:
            if not header_safe(value):
                raise CosError("InvalidArgument", invalid_header_value(name))
            found[header] = value
    return found


def read_object(context: Context) -> Reply:
    """GET or HEAD: conditions, then ``Range``, then the ``response-*`` overrides."""
    stored = context.store.get_object(context.bucket, context.key)
    if stored is None:
        context.note = context.note or f"no object {context.key!r}"
        return context.error(404, "NoSuchKey", NO_SUCH_KEY)
    overrides = _overrides(context)
    validators = [
        ("ETag", stored.etag),
        ("Last-Modified", wire.http_date(stored.last_modified)),
        ("x-cos-hash-crc64ecma", str(stored.crc64)),
    ]
    failed = _precondition(context, stored)
    if failed == 412:
        return context.error(412, "PreconditionFailed", PRECONDITION_FAILED)
    if failed == 304:
        kept = [(k, v) for k, v in stored.headers if k in ("Cache-Control", "Expires")]
        return Reply(304, headers=[*validators, *kept], no_length=True)
    size = stored.size
    start, stop = 0, size
    status = 200
    ranged: list[tuple[str, str]] = []
    bounds = parse_range(context.headers.get("Range"), size)
    if bounds is not None and _range_applies(context, stored):
        if bounds == NOT_SATISFIABLE:
            reply = context.error(416, "InvalidRange", INVALID_RANGE)
            reply.headers.append(("Content-Range", f"bytes */{size}"))
            return reply
        start, stop = bounds[0], bounds[1] + 1
        status = 206
        ranged.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
    values = dict(stored.headers)
    values.update(overrides)
    entity = [(name, values[name]) for name in STORED_HEADERS if name in values]
    headers = [
        entity[0],  # Content-Type
        *ranged,
        ("Accept-Ranges", "bytes"),
        *entity[1:],
        *validators,
        *stored.metadata,
    ]
    if context.method == "HEAD":
        return Reply(status, headers=headers, content_length=stop - start)
    return Reply(
        status, headers=headers, content_length=stop - start, stream=stored.pieces(start, stop)
    )


# -- POST (a browser form upload) ----------------------------------------------------------------


def post_object_precheck(context: Context) -> None:
    """Before the form is read (the ACL check reads it for a signature): a body declared larger
    than ``max_object_bytes`` plus :data:`FORM_OVERHEAD` is refused unread."""
    context.refuse_declared(context.limits.max_object_bytes + FORM_OVERHEAD, too_large())


def post_object(context: Context) -> Reply:
    """PostObject: stores the ``file`` field under the ``key`` field (``${filename}``
    replaced), with the stored headers and ``x-cos-meta-*`` of the other fields. A field value
    that could not be sent back as a header (a line break...) is refused here, at upload."""
    request = context.request
    form, files = request.form, request.files
    upload = files.get("file")
    if upload is None or len(files.getlist("file")) != 1:
        return context.error(400, "InvalidArgument", POST_NEEDS_FILE)
    key = form.get("key")
    if not key:
        return context.error(400, "InvalidArgument", POST_NEEDS_KEY)
    key = key.replace("${filename}", upload.filename or "")
    fields = list(form.items(multi=True))
    refusal = check_form(fields)
    if refusal is not None:
        context.note = refusal
        return context.error(501, "NotImplemented", refusal)
    headers = stored_headers(fields)
    metadata = user_metadata(fields)
    safe_headers([*headers, *metadata])
    stream: Any = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    if size > context.limits.max_object_bytes:
        raise too_large()
    stream.seek(0)
    buffer = bytearray(size)
    view = memoryview(buffer)
    filled = 0
    while filled < size:
        got = stream.readinto(view[filled:])
        if not got:
            break
        filled += got
    view.release()
    del buffer[filled:]
    stored = StoredObject.create(buffer, headers, metadata)
    context.store.put_object(context.bucket, key, stored)
    info = context.store.info(context.bucket)
    region = info.region if info is not None else context.region
    location = f"http://{bucket_host(context.bucket, region)}/{quote_key(key)}"
    answer = [*object_written(stored), ("Location", location)]
    status = form.get("success_action_status", "204")
    if status == "200":
        return Reply(200, headers=answer)
    if status == "201":
        body = cos_xml.render(
            "PostResponse",
            [
                ("Location", location),
                ("Bucket", context.bucket),
                ("Key", key),
                ("ETag", stored.etag),
            ],
        )
        return Reply(201, body, [("Content-Type", "application/xml"), *answer])
    return Reply(204, headers=answer)
