"""DELETE Multiple Objects: ``POST /?delete`` (docs/cos-operations.md 2.9)."""

from __future__ import annotations

from .. import cos_xml
from ..errors import MALFORMED_XML, MISSING_CONTENT_MD5, CosError, not_implemented_parameter
from ..request_parsing import has_checksum
from .context import Context, Reply, check_integrity


def delete_multiple(context: Context) -> Reply:
    """DeleteMultipleObjects: needs ``Content-MD5`` or (boto3) an ``x-amz-checksum-*``, each
    verified; every key is reported ``Deleted``, existing or not [dec, S3]; a quiet answer
    lists only errors (the fake has none), so it is ``<DeleteResult/>``."""
    body = context.read_document(
        cos_xml.MAX_REQUEST_XML_BYTES, CosError("MalformedXML", MALFORMED_XML)
    )
    headers = context.headers
    if "Content-MD5" not in headers and not has_checksum(headers):
        raise CosError("MissingContentMD5", MISSING_CONTENT_MD5)
    check_integrity(context, body)
    request = cos_xml.parse_delete(body)
    if request.versioned:
        raise CosError(
            "NotImplemented", not_implemented_parameter("DeleteMultipleObjects", "VersionId"), 501
        )
    context.store.delete_objects(context.bucket, request.keys)
    children: list[cos_xml.Node] = (
        [] if request.quiet else [("Deleted", [("Key", key)]) for key in request.keys]
    )
    body = cos_xml.render("DeleteResult", children, declaration=b"")
    return Reply(200, body, [("Content-Type", "application/xml")])
