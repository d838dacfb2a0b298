"""Multipart upload: Initiate, Upload Part, Complete, List Parts, Abort, and List Multipart
Uploads (docs/cos-operations.md 2.1 to 2.6).

An upload leaves no object until it is completed: the object is then the listed parts' chunks
side by side (never joined into a new buffer), its ETag ``"<hex>-<parts>"``, its CRC-64 that of
the whole object.
"""

from __future__ import annotations

import hashlib
import itertools

from .. import cos_xml, wire
from ..addressing import bucket_host, quote_key
from ..errors import (
    ENTITY_TOO_SMALL,
    INVALID_PART,
    INVALID_PART_NUMBER,
    INVALID_PART_ORDER,
    MALFORMED_XML,
    NO_SUCH_UPLOAD,
    CosError,
    invalid_argument,
)
from ..request_parsing import check_content_md5, stored_headers, user_metadata
from ..store import Part, StoredObject, UploadInfo, crc64
from .context import (
    Context,
    Reply,
    argument,
    check_integrity,
    count_argument,
    encoding,
    owner,
)
from .objects import too_large

#: The smallest a part other than the last may be, checked at Complete [doc].
MIN_PART_BYTES = 1024 * 1024
XML = ("Content-Type", "application/xml")


def no_such_upload() -> CosError:
    return CosError("NoSuchUpload", NO_SUCH_UPLOAD, 404)


def upload_id(context: Context) -> str:
    return argument(context, "uploadId") or ""


def part_number(context: Context) -> int:
    """``partNumber``: an integer in 1..10000, else ``400 InvalidArgument``."""
    raw = (argument(context, "partNumber") or "").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= cos_xml.MAX_PARTS:
        raise CosError("InvalidArgument", INVALID_PART_NUMBER)
    return int(raw)


def current_upload(context: Context) -> UploadInfo:
    """The upload named by ``uploadId`` for this key, or ``404 NoSuchUpload``."""
    upload = context.store.upload(context.bucket, context.key, upload_id(context))
    if upload is None:
        context.note = context.note or f"no upload {upload_id(context)!r} of {context.key!r}"
        raise no_such_upload()
    return upload


def initiate(context: Context) -> Reply:
    """InitiateMultipartUpload: an upload record keeping the object's future headers."""
    pairs = list(context.headers.items())
    new_id = context.store.create_upload(
        context.bucket, context.key, tuple(stored_headers(pairs)), tuple(user_metadata(pairs))
    )
    body = cos_xml.render(
        "InitiateMultipartUploadResult",
        [("Bucket", context.bucket), ("Key", context.key), ("UploadId", new_id)],
        declaration=b"",
    )
    return Reply(200, body, [XML])


def upload_part(context: Context) -> Reply:
    """UploadPart: the part's ``ETag`` (its MD5) and CRC-64; the same number again replaces
    it."""
    number = part_number(context)
    current_upload(context)
    chunks = context.read_body(context.limits.max_object_bytes, too_large())
    check_integrity(context, chunks)
    part = Part.create(number, chunks)
    return add_part(context, part)


def add_part(context: Context, part: Part) -> Reply:
    """Store ``part`` (``NoSuchUpload`` when the upload went away meanwhile); the answer of
    Upload Part."""
    if not context.store.put_part(context.bucket, context.key, upload_id(context), part):
        raise no_such_upload()
    return Reply(200, headers=[("ETag", part.etag), ("x-cos-hash-crc64ecma", str(part.crc64))])


def _bare(etag: str) -> str:
    return etag.strip().strip('"').lower()


def multipart_etag(parts: list[Part]) -> str:
    """S3's rule [dec]: the MD5 of the parts' binary MD5s, then ``-<number of parts>``."""
    digests = b"".join(bytes.fromhex(_bare(part.etag)) for part in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def complete(context: Context) -> Reply:
    """CompleteMultipartUpload. Checks in this order: the upload exists, the body is a part
    list, numbers ascend, each listed part exists with that ETag and the numbers follow each
    other, every part but the last is at least 1 MiB."""
    upload = current_upload(context)
    body = context.read_document(
        cos_xml.MAX_REQUEST_XML_BYTES, CosError("MalformedXML", MALFORMED_XML)
    )
    digest_error = check_content_md5(context.headers.get("Content-MD5"), body)
    if digest_error is not None:
        raise CosError(*digest_error)
    listed = cos_xml.parse_complete(body)
    for (number_before, _), (number_after, _) in itertools.pairwise(listed):
        if number_after <= number_before:
            raise CosError("InvalidPartOrder", INVALID_PART_ORDER)
    parts: list[Part] = []
    for number, etag in listed:
        part = upload.parts.get(number)
        if part is None or _bare(etag) != _bare(part.etag):
            context.note = f"part {number} with ETag {etag} was not uploaded"
            raise CosError("InvalidPart", INVALID_PART)
        parts.append(part)
    for before, after in itertools.pairwise(parts):
        if after.number != before.number + 1:
            context.note = f"parts {before.number} and {after.number} do not follow each other"
            raise CosError("InvalidPart", INVALID_PART)
    for part in parts[:-1]:
        if part.size < MIN_PART_BYTES:
            context.note = f"part {part.number} has {part.size} bytes, less than 1 MiB"
            raise CosError("EntityTooSmall", ENTITY_TOO_SMALL)
    chunks = tuple(chunk for part in parts for chunk in part.chunks)
    crc = 0
    for chunk in chunks:
        crc = crc64(chunk, crc)
    stored = StoredObject.create(
        chunks, upload.headers, upload.metadata, etag=multipart_etag(parts), crc=crc
    )
    if not context.store.finish_upload(context.bucket, context.key, upload.upload_id, stored):
        raise no_such_upload()
    info = context.store.info(context.bucket)
    region = info.region if info is not None else context.region
    location = f"http://{bucket_host(context.bucket, region)}/{quote_key(context.key)}"
    body = cos_xml.render(
        "CompleteMultipartUploadResult",
        [
            ("Location", location),
            ("Bucket", context.bucket),
            ("Key", context.key),
            ("ETag", stored.etag),
        ],
        declaration=cos_xml.DECLARATION_UTF8,
        namespace=cos_xml.COMPLETE_NAMESPACE,
    )
    return Reply(200, body, [XML, ("x-cos-hash-crc64ecma", str(stored.crc64))])


def abort(context: Context) -> Reply:
    """AbortMultipartUpload: the upload and its parts are gone; no object results."""
    if not context.store.abort_upload(context.bucket, context.key, upload_id(context)):
        raise no_such_upload()
    return Reply(204)


def list_parts(context: Context) -> Reply:
    """ListParts: the parts after ``part-number-marker``, at most ``max-parts`` of them."""
    upload = current_upload(context)
    encode = encoding(context)
    max_parts = count_argument(context, "max-parts", 1000, 1000)
    raw = context.args.get("part-number-marker", "").strip()
    if raw and not (raw.isascii() and raw.isdigit()):
        raise CosError("InvalidArgument", invalid_argument("part-number-marker"))
    marker = int(raw) if raw else 0
    after = [part for number, part in upload.parts.items() if number > marker]
    page, truncated = after[:max_parts], len(after) > max_parts
    account = owner(context.bucket)
    children: list[cos_xml.Node] = [("Bucket", context.bucket)]
    if encode:
        children.append(("EncodingType", "url"))
    children += [
        ("Key", quote_key(context.key) if encode else context.key),
        ("UploadId", upload.upload_id),
        ("Owner", account),
        ("PartNumberMarker", str(marker)),
        ("Initiator", account),
    ]
    for part in page:
        children.append(
            (
                "Part",
                [
                    ("PartNumber", str(part.number)),
                    ("LastModified", wire.iso_date(part.last_modified)),
                    ("ETag", part.etag),
                    ("Size", str(part.size)),
                ],
            )
        )
    if truncated:
        children.append(("NextPartNumberMarker", str(page[-1].number if page else marker)))
    children += [
        ("StorageClass", "STANDARD"),
        ("MaxParts", str(max_parts)),
        ("IsTruncated", "true" if truncated else "false"),
    ]
    return Reply(200, cos_xml.render("ListPartsResult", children, declaration=b""), [XML])


def list_uploads(context: Context) -> Reply:
    """ListMultipartUploads (``GET /?uploads``): by key, then in initiation order."""
    args = context.args
    prefix = args.get("prefix", "")
    delimiter = args.get("delimiter", "")
    key_marker = args.get("key-marker", "")
    upload_id_marker = args.get("upload-id-marker", "")
    encode = encoding(context)
    max_uploads = count_argument(context, "max-uploads", 1000, 1000)
    found, truncated = context.store.list_uploads(
        context.bucket, prefix, delimiter, key_marker, upload_id_marker, max_uploads
    )

    def text(value: str) -> str:
        return quote_key(value) if encode else value

    children: list[cos_xml.Node] = [("Bucket", context.bucket)]
    if encode:
        children.append(("Encoding-Type", "url"))
    children += [("KeyMarker", text(key_marker)), ("UploadIdMarker", upload_id_marker)]
    if truncated and found:
        last_key, last = found[-1]
        children += [
            ("NextKeyMarker", text(last_key)),
            ("NextUploadIdMarker", last.upload_id if last is not None else ""),
        ]
    children += [("MaxUploads", str(max_uploads)), ("Prefix", text(prefix))]
    if delimiter:
        children.append(("Delimiter", text(delimiter)))
    children.append(("IsTruncated", "true" if truncated else "false"))
    account = owner(context.bucket)
    for key, upload in found:
        if upload is not None:
            children.append(
                (
                    "Upload",
                    [
                        ("Key", text(key)),
                        ("UploadId", upload.upload_id),
                        ("Initiator", account),
                        ("Owner", account),
                        ("StorageClass", "STANDARD"),
                        ("Initiated", wire.iso_date(upload.initiated)),
                    ],
                )
            )
    for key, upload in found:
        if upload is None:
            children.append(("CommonPrefixes", [("Prefix", text(key))]))
    body = cos_xml.render("ListMultipartUploadsResult", children, declaration=b"")
    return Reply(200, body, [XML])
