"""Buckets: PUT Bucket, HEAD Bucket, DELETE Bucket, and GET Bucket (List Objects: ``prefix``,
``delimiter`` with ``CommonPrefixes``, ``marker``/``NextMarker`` paging with ``max-keys``,
``encoding-type=url``; docs/cos-operations.md 2.10)."""

from __future__ import annotations

from .. import cos_xml, wire
from ..addressing import quote_key
from ..constants import ACLS
from ..errors import BUCKET_EXISTS, BUCKET_NOT_EMPTY, INVALID_ACL, INVALID_BUCKET_NAME
from ..naming import bucket_name_problem
from .context import Context, Reply, count_argument, encoding, owner


def put_bucket(context: Context) -> Reply:
    """PutBucket: a new bucket with the ACL of ``x-cos-acl``/``x-amz-acl`` (``private`` by
    default); ``400 InvalidBucketName`` for a name COS refuses (:mod:`..naming`, the reason
    in the message), ``409 BucketAlreadyOwnedByYou`` when it exists."""
    headers = context.headers
    acl = headers.get("x-cos-acl") or headers.get("x-amz-acl") or "private"
    if acl not in ACLS:
        return context.error(400, "InvalidArgument", INVALID_ACL)
    region = context.target.region or context.region
    problem = bucket_name_problem(context.bucket, region)
    if problem is not None:
        return context.error(400, "InvalidBucketName", f"{INVALID_BUCKET_NAME} ({problem})")
    if not context.store.add_bucket(context.bucket, region, acl):
        return context.error(409, "BucketAlreadyOwnedByYou", BUCKET_EXISTS)
    return Reply(200)


def head_bucket(context: Context) -> Reply:
    """HeadBucket: ``200`` with the bucket's region."""
    info = context.store.info(context.bucket)
    assert info is not None
    return Reply(200, headers=[("x-cos-bucket-region", info.region)])


def delete_bucket(context: Context) -> Reply:
    """DeleteBucket: ``204`` when it holds no object and no unfinished multipart upload."""
    if context.store.delete_bucket(context.bucket) is False:
        return context.error(409, "BucketNotEmpty", BUCKET_NOT_EMPTY)
    return Reply(204)


def get_bucket(context: Context) -> Reply:
    """GetBucket (List Objects)."""
    args = context.args
    prefix = args.get("prefix", "")
    marker = args.get("marker", "")
    delimiter = args.get("delimiter", "")
    encode = encoding(context)
    max_keys = count_argument(context, "max-keys", 1000, 1000)
    bucket = context.bucket
    found, truncated = context.store.list_objects(bucket, prefix, marker, max_keys, delimiter)

    def text(value: str) -> str:
        return quote_key(value) if encode else value

    children: list[cos_xml.Node] = [("Name", bucket)]
    if encode:
        children.append(("EncodingType", "url"))
    children += [("Prefix", text(prefix)), ("Marker", text(marker)), ("MaxKeys", str(max_keys))]
    if delimiter:
        children.append(("Delimiter", text(delimiter)))
    children.append(("IsTruncated", "true" if truncated else "false"))
    if truncated and found:
        children.append(("NextMarker", text(found[-1][0])))
    for key, stored in found:
        if stored is None:
            children.append(("CommonPrefixes", [("Prefix", text(key))]))
    account = owner(bucket)
    for key, stored in found:
        if stored is not None:
            children.append(
                (
                    "Contents",
                    [
                        ("Key", text(key)),
                        ("LastModified", wire.iso_date(stored.last_modified)),
                        ("ETag", stored.etag),
                        ("Size", str(stored.size)),
                        ("Owner", account),
                        ("StorageClass", "STANDARD"),
                    ],
                )
            )
    body = cos_xml.render("ListBucketResult", children)
    info = context.store.info(bucket)
    region = info.region if info is not None else context.region
    return Reply(200, body, [("Content-Type", "application/xml"), ("x-cos-bucket-region", region)])
