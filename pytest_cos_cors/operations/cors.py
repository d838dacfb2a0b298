"""CORS: the preflight (``OPTIONS`` on any path of a bucket, SPEC §4) and the bucket's CORS
configuration (``PUT``, ``GET``, ``DELETE /?cors``, SPEC §3). Verdicts come from the evaluator
only."""

from __future__ import annotations

from ..errors import MAX_BODY_BYTES, NO_CORS_CONFIGURATION, NO_SUCH_BUCKET, XML_SIZE_LIMIT, CosError
from ..evaluator import evaluate_preflight
from ..request_parsing import check_content_md5
from ..rules import CORSConfiguration
from .context import Context, Reply


def preflight(context: Context) -> Reply:
    """PreflightRequest: never subject to the ACL; the first matching rule's headers."""
    info = context.store.info(context.bucket)
    if info is None:
        context.note = f"the bucket {context.bucket!r} does not exist"
        return context.error(404, "NoSuchBucket", NO_SUCH_BUCKET)
    headers = context.headers
    decision = evaluate_preflight(
        info.configuration,
        headers.get("Origin"),
        headers.get("Access-Control-Request-Method"),
        headers.get("Access-Control-Request-Headers"),
    )
    context.decision = decision
    if decision.allowed:
        return Reply(200)
    assert decision.status is not None
    assert decision.error_code is not None
    assert decision.error_message is not None
    return context.error(decision.status, decision.error_code, decision.error_message)


def put_bucket_cors(context: Context) -> Reply:
    """PutBucketCors: over 65,536 bytes is refused from ``Content-Length`` before the body is
    read (the same ``XMLSizeLimit`` answer as for a chunked body that grows past it)."""
    body = context.read_document(MAX_BODY_BYTES, CosError("XMLSizeLimit", XML_SIZE_LIMIT))
    digest_error = check_content_md5(context.headers.get("Content-MD5"), body)
    if digest_error is not None:
        return context.error(400, *digest_error)
    try:
        configuration = CORSConfiguration.from_xml(body)
    except CosError as error:
        context.note = str(error)
        return context.cos_error(error)
    context.store.set_configuration(context.bucket, configuration)
    return Reply(200)


def get_bucket_cors(context: Context) -> Reply:
    """GetBucketCors: the stored rules, or ``404 NoSuchCORSConfiguration``."""
    configuration = context.store.configuration(context.bucket)
    if configuration is None:
        return context.error(404, "NoSuchCORSConfiguration", NO_CORS_CONFIGURATION)
    return Reply(200, configuration.to_xml(), [("Content-Type", "application/xml")])


def delete_bucket_cors(context: Context) -> Reply:
    """DeleteBucketCors: ``204``, also when nothing was configured."""
    context.store.set_configuration(context.bucket, None)
    return Reply(204)
