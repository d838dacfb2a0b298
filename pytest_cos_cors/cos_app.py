"""The WSGI application that answers like COS: request in, response and :class:`Exchange` out
(SPEC §1, §2, §4, §5, §6), with routing and one handler per COS operation. CORS verdicts come
from the evaluator only; the wire format (status line, dates, ids, COS headers) from
:mod:`.wire`; what a request says (sub-resource, digest, range, signature) from
:mod:`.request_parsing`."""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from . import cos_xml, wire
from .addressing import Target, bucket_host, quote_key, resolve
from .constants import ACLS
from .errors import (
    ACCESS_DENIED,
    BUCKET_EXISTS,
    BUCKET_NOT_EMPTY,
    BUCKET_REQUIRED,
    INTERNAL_ERROR,
    INVALID_ACL,
    INVALID_MAX_KEYS,
    MAX_BODY_BYTES,
    NO_CORS_CONFIGURATION,
    NO_SUCH_BUCKET,
    NO_SUCH_KEY,
    POST_NEEDS_FILE,
    POST_NEEDS_KEY,
    XML_SIZE_LIMIT,
    CosError,
    not_implemented_operation,
)
from .evaluator import Decision, evaluate_actual, evaluate_preflight
from .recording import Exchange, ExchangeLog, HeaderMap, Problems
from .request_parsing import (
    READS,
    WRITES,
    check_content_md5,
    environ_headers,
    is_anonymous,
    parse_range,
    sub_resource,
    user_metadata,
)
from .rules import CORSConfiguration
from .store import BucketInfo, Store, StoredObject

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class CosResponse(Response):
    """A response whose headers are exactly the ones given: no default Content-Type and no
    automatic Content-Length (the application sets it)."""

    default_mimetype = None
    automatically_set_content_length = False
    _wsgi_headers: tuple[int, Headers] | None = None

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        # Computed once per request: the application records them, then werkzeug sends them.
        cached = self._wsgi_headers
        if cached is not None and cached[0] == id(environ):
            return cached[1]
        headers = super().get_wsgi_headers(environ)
        self._wsgi_headers = (id(environ), headers)
        return headers


_NEWLINE = re.compile(r"[\r\n]")  # what werkzeug refuses in a header value
#: Headers werkzeug's Response rewrites on the way out.
_REWRITTEN = frozenset({"location", "content-location"})
_NO_QUERY: Mapping[str, str] = MappingProxyType({})


class _Answer:
    """A response ready to go: the status line, headers and body werkzeug's :class:`Response`
    would send for it (and does send, in the cases where it would change something)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: str, headers: list[tuple[str, str]], body: Iterable[bytes]) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @classmethod
    def of(
        cls, code: int, body: bytes, headers: list[tuple[str, str]], environ: WSGIEnvironment
    ) -> _Answer:
        status = wire.status_line(code)
        if not (100 <= code < 200 or code == 204 or code == 304):
            for name, value in headers:
                if (
                    type(value) is not str
                    or _NEWLINE.search(value) is not None
                    or name.lower() in _REWRITTEN
                ):
                    break
            else:
                # Nothing for werkzeug to add, remove, convert or refuse.
                return cls(status, headers, () if environ["REQUEST_METHOD"] == "HEAD" else [body])
        app_iter, status, wsgi_headers = CosResponse(
            body, status=status, headers=headers
        ).get_wsgi_response(environ)
        return cls(status, wsgi_headers, app_iter)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(self.status, self.headers)
        return self.body


@dataclass
class Reply:
    """What the application decided to answer, before COS's common headers are added."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_length: int | None = None  # when it differs from len(body) (HEAD)
    error: bool = False


class _Context:
    """One request being answered."""

    def __init__(self, request: Request, target: Target, region: str) -> None:
        self.request = request
        self.target = target
        self.region = region
        self.request_id = wire.request_id()
        self._trace_id: str | None = None
        self.decision: Decision | None = None
        self.is_preflight = request.method == "OPTIONS"
        self.note = ""

    @property
    def trace_id(self) -> str:
        """Drawn when first needed: only error answers carry one."""
        if self._trace_id is None:
            self._trace_id = wire.trace_id()
        return self._trace_id

    def error(self, status: int, code: str, message: str) -> Reply:
        if self.request.method == "HEAD":
            return Reply(status, error=True)
        body = cos_xml.error_body(
            code, message, self.target.resource(self.region), self.request_id, self.trace_id
        )
        return Reply(status, body, [("Content-Type", "application/xml")], error=True)

    def cos_error(self, error: CosError) -> Reply:
        return self.error(error.status, error.code, error.message)


class CosApp:
    """The fake COS service as a WSGI application."""

    def __init__(self, store: Store, region: str, log: ExchangeLog, problems: Problems) -> None:
        self.store = store
        self.region = region
        self.log = log
        self.problems = problems

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response: _Answer | CosResponse
        try:
            response = self._answer(environ)
        except ClientDisconnected:
            # The client went away in the middle of its request (or was cut off at stop, which
            # the server reports): there is nobody to answer and nothing to record.
            response = CosResponse(
                b"", status=wire.status_line(400), headers=[("Content-Length", "0")]
            )
        except Exception:
            self.problems.add(
                f"the endpoint failed on {environ.get('REQUEST_METHOD')} "
                f"{environ.get('REQUEST_URI')}:\n{traceback.format_exc()}"
            )
            response = self._last_resort(environ)
        return response(environ, start_response)

    @staticmethod
    def _last_resort(environ: WSGIEnvironment) -> CosResponse:
        body, headers = wire.internal_error(str(environ.get("PATH_INFO") or "/"))
        return CosResponse(body, status=wire.status_line(500), headers=headers)

    def _answer(self, environ: WSGIEnvironment) -> _Answer:
        timestamp = time.time()
        request = Request(environ)
        try:
            body = request.get_data()
            # request.headers.get("Host"), without the look-up machinery
            target = resolve(environ.get("HTTP_HOST"), environ.get("REQUEST_URI") or "/")
            context = _Context(request, target, self.region)
            try:
                reply = self._dispatch(context)
            except Exception:
                self.problems.add(
                    f"the endpoint failed on {request.method} {environ.get('REQUEST_URI')}:\n"
                    f"{traceback.format_exc()}"
                )
                context.decision = None
                context.note = "the endpoint failed (InternalError); see its check()"
                reply = context.error(500, "InternalError", INTERNAL_ERROR)
            response = self._response(context, reply, environ)
            self.log.append(
                Exchange(
                    method=request.method,
                    bucket=target.bucket,
                    path=target.path,
                    query=(
                        MappingProxyType(dict(request.args.items()))
                        if environ.get("QUERY_STRING")
                        else _NO_QUERY
                    ),
                    headers=HeaderMap(environ_headers(environ)),
                    status=reply.status,
                    response_headers=HeaderMap(response.headers),
                    decision=context.decision,
                    is_preflight=context.is_preflight,
                    body_size=len(body),
                    timestamp=timestamp,
                    note=context.note,
                )
            )
            return response
        finally:
            request.close()

    # -- the common part of every answer -----------------------------------------------------

    def _response(self, context: _Context, reply: Reply, environ: WSGIEnvironment) -> _Answer:
        headers: list[tuple[str, str]] = []
        entity = list(reply.headers)
        if entity and entity[0][0] == "Content-Type":
            headers.append(entity.pop(0))
        length = len(reply.body) if reply.content_length is None else reply.content_length
        headers.append(("Content-Length", str(length)))
        headers.extend(entity)
        if context.decision is not None:
            headers.extend(context.decision.headers.items())
        trace_id = context.trace_id if reply.error else None
        headers.extend(wire.cos_headers(context.request_id, trace_id))
        return _Answer.of(reply.status, reply.body, headers, environ)

    # -- routing -----------------------------------------------------------------------------

    def _dispatch(self, context: _Context) -> Reply:
        request, target = context.request, context.target
        method = request.method
        if target.bucket is None:
            context.note = "the request names no bucket"
            return context.error(400, "InvalidRequest", BUCKET_REQUIRED)
        info = self.store.info(target.bucket)
        if context.is_preflight:
            return self._preflight(context, info)
        sub = sub_resource(request.args.keys())
        if info is None:
            if method == "PUT" and target.key == "" and sub is None:
                return self._create_bucket(context)
            context.note = f"the bucket {target.bucket!r} does not exist"
            return context.error(404, "NoSuchBucket", NO_SUCH_BUCKET)
        origin = request.headers.get("Origin")
        if origin is not None:
            context.decision = evaluate_actual(info.configuration, origin, method)
        else:
            context.note = "the request has no Origin header"
        if method not in READS and method not in WRITES:
            return context.error(501, "NotImplemented", not_implemented_operation(method, sub))
        if method == "PUT" and target.key == "" and sub is None:
            return context.error(409, "BucketAlreadyOwnedByYou", BUCKET_EXISTS)
        if self._denied(context, info):
            return context.error(403, "AccessDenied", ACCESS_DENIED)
        if sub is not None:
            if sub.lower() == "cors" and target.key == "":
                if method == "PUT":
                    return self._put_cors(context, target.bucket)
                if method == "GET":
                    return self._get_cors(context, info)
                if method == "DELETE":
                    self.store.set_configuration(target.bucket, None)
                    return Reply(204)
            return context.error(501, "NotImplemented", not_implemented_operation(method, sub))
        if target.key == "":
            return self._bucket(context, info)
        return self._object(context, target.bucket, target.key)

    def _denied(self, context: _Context, info: BucketInfo) -> bool:
        """Whether the bucket's ACL refuses this request as anonymous (SPEC §6)."""
        if info.acl == "public-read-write":
            return False
        method = context.request.method
        if info.acl == "public-read" and method in READS:
            return False
        return is_anonymous(context.request)

    # -- preflight ---------------------------------------------------------------------------

    def _preflight(self, context: _Context, info: BucketInfo | None) -> Reply:
        if info is None:
            context.note = f"the bucket {context.target.bucket!r} does not exist"
            return context.error(404, "NoSuchBucket", NO_SUCH_BUCKET)
        headers = context.request.headers
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

    # -- ?cors -------------------------------------------------------------------------------

    def _put_cors(self, context: _Context, bucket: str) -> Reply:
        request = context.request
        body = request.get_data()
        if len(body) > MAX_BODY_BYTES:
            return context.error(400, "XMLSizeLimit", XML_SIZE_LIMIT)
        digest_error = check_content_md5(request.headers.get("Content-MD5"), body)
        if digest_error is not None:
            return context.error(400, *digest_error)
        try:
            configuration = CORSConfiguration.from_xml(body)
        except CosError as error:
            context.note = str(error)
            return context.cos_error(error)
        self.store.set_configuration(bucket, configuration)
        return Reply(200)

    def _get_cors(self, context: _Context, info: BucketInfo) -> Reply:
        if info.configuration is None:
            return context.error(404, "NoSuchCORSConfiguration", NO_CORS_CONFIGURATION)
        return Reply(200, info.configuration.to_xml(), [("Content-Type", "application/xml")])

    # -- buckets -----------------------------------------------------------------------------

    def _create_bucket(self, context: _Context) -> Reply:
        headers = context.request.headers
        acl = headers.get("x-cos-acl") or headers.get("x-amz-acl") or "private"
        if acl not in ACLS:
            return context.error(400, "InvalidArgument", INVALID_ACL)
        bucket = context.target.bucket
        assert bucket is not None
        if not self.store.add_bucket(bucket, context.target.region or self.region, acl):
            return context.error(409, "BucketAlreadyOwnedByYou", BUCKET_EXISTS)
        return Reply(200)

    def _bucket(self, context: _Context, info: BucketInfo) -> Reply:
        method = context.request.method
        if method == "HEAD":
            return Reply(200, headers=[("x-cos-bucket-region", info.region)])
        if method == "GET":
            return self._list(context, info)
        if method == "DELETE":
            deleted = self.store.delete_bucket(info.name)
            if deleted is False:
                return context.error(409, "BucketNotEmpty", BUCKET_NOT_EMPTY)
            return Reply(204)
        if context.request.mimetype == "multipart/form-data":
            return self._form_upload(context, info)
        return context.error(501, "NotImplemented", not_implemented_operation(method, None))

    def _list(self, context: _Context, info: BucketInfo) -> Reply:
        args = context.request.args
        prefix = args.get("prefix", "")
        marker = args.get("marker", "")
        raw_max = args.get("max-keys", "1000").strip()
        if not (raw_max.isascii() and raw_max.isdigit()) or int(raw_max) > 2147483647:
            return context.error(400, "InvalidArgument", INVALID_MAX_KEYS)
        max_keys = min(int(raw_max), 1000)
        found, truncated = self.store.list_objects(info.name, prefix, marker, max_keys)
        children: list[cos_xml.Node] = [
            ("Name", info.name),
            ("Prefix", prefix),
            ("Marker", marker),
            ("MaxKeys", str(max_keys)),
            ("IsTruncated", "true" if truncated else "false"),
        ]
        if truncated and found:
            children.append(("NextMarker", found[-1][0]))
        for key, stored in found:
            children.append(
                (
                    "Contents",
                    [
                        ("Key", key),
                        ("LastModified", wire.iso_date(stored.last_modified)),
                        ("ETag", stored.etag),
                        ("Size", str(len(stored.data))),
                    ],
                )
            )
        body = cos_xml.render("ListBucketResult", children)
        return Reply(200, body, [("Content-Type", "application/xml")])

    def _form_upload(self, context: _Context, info: BucketInfo) -> Reply:
        form, files = context.request.form, context.request.files
        upload = files.get("file")
        if upload is None or len(files.getlist("file")) != 1:
            return context.error(400, "InvalidArgument", POST_NEEDS_FILE)
        key = form.get("key")
        if not key:
            return context.error(400, "InvalidArgument", POST_NEEDS_KEY)
        key = key.replace("${filename}", upload.filename or "")
        data = upload.read()
        content_type = next(
            (v for k, v in form.items() if k.lower() == "content-type"), "application/octet-stream"
        )
        stored = StoredObject.create(data, content_type, user_metadata(form.items()))
        self.store.put_object(info.name, key, stored)
        location = f"http://{bucket_host(info.name, info.region)}/{quote_key(key)}"
        headers = [("ETag", stored.etag), ("Location", location)]
        status = form.get("success_action_status", "204")
        if status == "200":
            return Reply(200, headers=headers)
        if status == "201":
            body = cos_xml.render(
                "PostResponse",
                [
                    ("Location", location),
                    ("Bucket", info.name),
                    ("Key", key),
                    ("ETag", stored.etag),
                ],
            )
            return Reply(201, body, [("Content-Type", "application/xml"), *headers])
        return Reply(204, headers=headers)

    # -- objects -----------------------------------------------------------------------------

    def _object(self, context: _Context, bucket: str, key: str) -> Reply:
        request = context.request
        method = request.method
        if method == "PUT":
            body = request.get_data()
            digest_error = check_content_md5(request.headers.get("Content-MD5"), body)
            if digest_error is not None:
                return context.error(400, *digest_error)
            stored = StoredObject.create(
                body,
                request.headers.get("Content-Type") or "application/octet-stream",
                user_metadata(request.headers.items()),
            )
            self.store.put_object(bucket, key, stored)
            return Reply(200, headers=[("ETag", stored.etag)])
        if method == "DELETE":
            self.store.delete_object(bucket, key)
            return Reply(204)
        if method in READS:
            return self._read_object(context, bucket, key)
        return context.error(501, "NotImplemented", not_implemented_operation(method, None))

    def _read_object(self, context: _Context, bucket: str, key: str) -> Reply:
        stored = self.store.get_object(bucket, key)
        if stored is None:
            context.note = context.note or f"no object {key!r}"
            return context.error(404, "NoSuchKey", NO_SUCH_KEY)
        data = stored.data
        size = len(data)
        status = 200
        extra: list[tuple[str, str]] = []
        bounds = parse_range(context.request.headers.get("Range"), size)
        if bounds is not None:
            start, end = bounds
            data = data[start : end + 1]
            status = 206
            extra.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        headers = [
            ("Content-Type", stored.content_type),
            *extra,
            ("Accept-Ranges", "bytes"),
            ("ETag", stored.etag),
            ("Last-Modified", wire.http_date(stored.last_modified)),
            *stored.metadata,
        ]
        if context.request.method == "HEAD":
            return Reply(status, b"", headers, content_length=len(data))
        return Reply(status, data, headers)
