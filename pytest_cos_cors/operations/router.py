"""The routing table: ``(method, bucket or object, sub-resources, copy source)`` to the COS
operation's name and handler.

Sub-resources are the query keys that name one or select an operation
(:func:`~pytest_cos_cors.request_parsing.is_sub_resource`: COS's and S3's documented ones, matched
without regard to case, whatever their value). The table routes five of them, the
:data:`SELECTORS` (``cors``, ``uploads``, ``uploadId``, ``partNumber``, ``delete``). A request that
names another sub-resource (``acl``, ``tagging``, ``versioning``...), or a combination the table
does not hold, routes to nothing: the shared path answers ``501 NotImplemented`` with
:attr:`Route.refusal`, which names it. Every other query key is a parameter, which routing
ignores: ``GET /<key>?_=123`` (a cache-buster) is GetObject, as without it; the signature still
covers it when signed (docs/cos-operations.md 6.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ..errors import not_implemented_header, not_implemented_operation
from ..request_parsing import sub_resources
from . import buckets, copy, cors, multi_delete, multipart, objects
from . import unsupported as refuse
from .context import Context, Reply
from .unsupported import Unsupported

Handler = Callable[[Context], Reply]

BUCKET = "bucket"
OBJECT = "object"
#: The sub-resources that select an operation the table holds (lower-case); each is one of
#: ``request_parsing.SUB_RESOURCES``.
SELECTORS = frozenset({"cors", "uploads", "uploadid", "partnumber", "delete"})
#: The headers that make a PUT a copy.
COPY_SOURCE = ("x-cos-copy-source", "x-amz-copy-source")


@dataclass(frozen=True)
class Operation:
    """A COS operation: its name (``PutObject``...), its handler, what it refuses with 501,
    whether the bucket's ACL applies, what must be checked before the ACL is (a form upload's
    length, before the form is read for its signature), and whether it is quick: its work does
    not grow with the objects' content (a copy reads a whole object, a Complete every part's
    content for its CRC-64)."""

    name: str
    handler: Handler
    unsupported: Unsupported = refuse.NOTHING
    acl: bool = True
    precheck: Callable[[Context], None] | None = None
    quick: bool = True


@dataclass(frozen=True)
class Route:
    """Where a request goes: its operation, or (``operation is None``) the 501 message."""

    operation: Operation | None
    refusal: str = ""


PREFLIGHT = Operation("PreflightRequest", cors.preflight, acl=False)
PUT_BUCKET = Operation("PutBucket", buckets.put_bucket, acl=False)

_E: frozenset[str] = frozenset()


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


TABLE: dict[tuple[str, str, frozenset[str], bool], Operation] = {
    # buckets
    ("PUT", BUCKET, _E, False): PUT_BUCKET,
    ("HEAD", BUCKET, _E, False): Operation("HeadBucket", buckets.head_bucket),
    ("GET", BUCKET, _E, False): Operation("GetBucket", buckets.get_bucket),
    ("DELETE", BUCKET, _E, False): Operation("DeleteBucket", buckets.delete_bucket),
    ("POST", BUCKET, _E, False): Operation(
        "PostObject", objects.post_object, precheck=objects.post_object_precheck
    ),
    # CORS configuration
    ("PUT", BUCKET, _s("cors"), False): Operation("PutBucketCors", cors.put_bucket_cors),
    ("GET", BUCKET, _s("cors"), False): Operation("GetBucketCors", cors.get_bucket_cors),
    ("DELETE", BUCKET, _s("cors"), False): Operation("DeleteBucketCors", cors.delete_bucket_cors),
    # bucket-level multipart and multi-delete
    ("GET", BUCKET, _s("uploads"), False): Operation(
        "ListMultipartUploads", multipart.list_uploads
    ),
    ("POST", BUCKET, _s("delete"), False): Operation(
        "DeleteMultipleObjects", multi_delete.delete_multiple
    ),
    # objects
    ("PUT", OBJECT, _E, False): Operation("PutObject", objects.put_object, refuse.PUT),
    ("PUT", OBJECT, _E, True): Operation("CopyObject", copy.copy_object, refuse.WRITE, quick=False),
    ("GET", OBJECT, _E, False): Operation("GetObject", objects.get_object, refuse.GET),
    ("HEAD", OBJECT, _E, False): Operation("HeadObject", objects.head_object, refuse.HEAD),
    ("DELETE", OBJECT, _E, False): Operation("DeleteObject", objects.delete_object, refuse.DELETE),
    # multipart
    ("POST", OBJECT, _s("uploads"), False): Operation(
        "InitiateMultipartUpload", multipart.initiate, refuse.WRITE
    ),
    ("PUT", OBJECT, _s("uploadid", "partnumber"), False): Operation(
        "UploadPart", multipart.upload_part, refuse.PART
    ),
    ("PUT", OBJECT, _s("uploadid", "partnumber"), True): Operation(
        "UploadPartCopy", copy.upload_part_copy, refuse.PART, quick=False
    ),
    ("POST", OBJECT, _s("uploadid"), False): Operation(
        "CompleteMultipartUpload", multipart.complete, refuse.COMPLETE, quick=False
    ),
    ("GET", OBJECT, _s("uploadid"), False): Operation("ListParts", multipart.list_parts),
    ("DELETE", OBJECT, _s("uploadid"), False): Operation("AbortMultipartUpload", multipart.abort),
}

#: Every operation's COS name (the preflight's included).
OPERATION_NAMES = frozenset({PREFLIGHT.name, *(op.name for op in TABLE.values())})
#: (method, sub-resources, copying) of the operations that are not quick.
_SLOW = frozenset((m, names, c) for (m, _, names, c), op in TABLE.items() if not op.quick)
_SLOW_METHODS = frozenset(m for m, _, _ in _SLOW)


def is_quick(method: str, query: str, headers: Iterable[str]) -> bool:
    """Whether a request (its method, query string and header names) can be for a slow
    operation (:attr:`Operation.quick`): told without routing it, and so without knowing its
    bucket; a request that routes to nothing is quick (its answer is a refusal)."""
    if method not in _SLOW_METHODS:
        return True
    keys = (name for name, _ in parse_qsl(query, keep_blank_values=True))
    names = frozenset(name.lower() for name in sub_resources(keys))
    copying = method == "PUT" and any(h.lower() in COPY_SOURCE for h in headers)
    return (method, names, copying) not in _SLOW


def route(method: str, key: str, args: Iterable[str], headers: Iterable[str]) -> Route:
    """The route of a request: its method, its key (empty for the bucket itself), its query
    keys and its header names. Query keys that are not sub-resources (parameters, and keys COS
    does not know, such as a cache-buster's ``_``) do not change it."""
    if method == "OPTIONS":
        return Route(PREFLIGHT)
    names = sub_resources(args)
    for name in names:
        if name.lower() not in SELECTORS:
            return Route(None, not_implemented_operation(method, name))
    lowered = {h.lower() for h in headers}
    copying = method == "PUT" and any(h in lowered for h in COPY_SOURCE)
    level = OBJECT if key else BUCKET
    operation = TABLE.get((method, level, frozenset(n.lower() for n in names), copying))
    if operation is not None:
        return Route(operation)
    if copying and TABLE.get((method, level, frozenset(n.lower() for n in names), False)):
        header = next(h for h in COPY_SOURCE if h in lowered)
        return Route(None, not_implemented_header(f"{method} {level}", header))
    return Route(None, not_implemented_operation(method, names[0] if names else None))
