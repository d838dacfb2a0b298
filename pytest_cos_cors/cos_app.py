"""The WSGI application that answers like COS: request in, response and :class:`Exchange` out
(SPEC §1, §2, §4, §5, §6, §9).

This module is the shared path every answer takes, errors included: the request's
:class:`~.operations.context.Context`, its route (:mod:`.operations.router`: the COS operation's
name and handler), the bucket's existence, the CORS decoration (the evaluator's verdict only),
the request's signature when the endpoint has credentials (:mod:`.signatures`), the ACL, the 501
for what an operation does not implement, COS's common headers (:mod:`.wire`) and the recorded
:class:`Exchange`. The handlers, one per COS operation, live in
:mod:`.operations`."""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from . import wire
from .addressing import resolve
from .errors import (
    ACCESS_DENIED,
    BUCKET_REQUIRED,
    INTERNAL_ERROR,
    NO_SUCH_BUCKET,
    CosError,
    not_implemented_parameter,
)
from .evaluator import evaluate_actual
from .naming import ACCELERATE
from .operations.context import Context, CountingInput, Limits, Reply
from .operations.router import PUT_BUCKET, route
from .operations.unsupported import Unsupported
from .recording import Exchange, ExchangeLog, HeaderMap, Problems
from .request_parsing import READS, WRITES, environ_headers
from .signatures import Credentials, SignedRequest, verify_signature
from .store import BucketInfo, Store

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
        cls,
        code: int,
        body: bytes | Iterable[bytes],
        headers: list[tuple[str, str]],
        environ: WSGIEnvironment,
    ) -> _Answer:
        status = wire.status_line(code)
        if not (100 <= code < 200 or code == 204):
            for name, value in headers:
                if (
                    type(value) is not str
                    or _NEWLINE.search(value) is not None
                    or name.lower() in _REWRITTEN
                ):
                    break
            else:
                # Nothing for werkzeug to add, remove, convert or refuse (a 304 keeps its
                # validators, which werkzeug would strip as entity headers).
                if environ["REQUEST_METHOD"] == "HEAD" or code == 304:
                    return cls(status, headers, ())
                return cls(status, headers, [body] if isinstance(body, bytes) else body)
        app_iter, status, wsgi_headers = CosResponse(
            body, status=status, headers=headers
        ).get_wsgi_response(environ)
        return cls(status, wsgi_headers, app_iter)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(self.status, self.headers)
        return self.body


class CosApp:
    """The fake COS service as a WSGI application."""

    def __init__(
        self,
        store: Store,
        region: str,
        log: ExchangeLog,
        problems: Problems,
        *,
        limits: Limits | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.store = store
        self.region = region
        self.log = log
        self.problems = problems
        self.limits = Limits() if limits is None else limits
        #: ``SecretId -> SecretKey`` (or ``(SecretKey, SessionToken)``) whose signatures are
        #: verified; ``None``: any signature is accepted unverified. Replaced whole, never
        #: changed in place: each request reads it once.
        self.credentials = credentials

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
        counter = None
        if "wsgi.input" in environ:
            counter = environ["wsgi.input"] = CountingInput(environ["wsgi.input"])
        # Not in environ["werkzeug.request"]: no request <-> environ cycle, so that a body read
        # and dropped is freed at once, without the garbage collector.
        request = Request(environ, populate_request=False)
        try:
            # request.headers.get("Host"), without the look-up machinery
            target = resolve(environ.get("HTTP_HOST"), environ.get("REQUEST_URI") or "/")
            context = Context(request, target, self.region, self.store, self.limits, counter)
            try:
                reply = self._dispatch(context)
                context.drain()
            except ClientDisconnected:
                raise
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
                    body_size=context.body_size,
                    timestamp=timestamp,
                    note=context.note,
                    operation=context.operation,
                    signature=context.signature,
                )
            )
            return response
        finally:
            request.close()

    # -- the common part of every answer -----------------------------------------------------

    def _response(self, context: Context, reply: Reply, environ: WSGIEnvironment) -> _Answer:
        headers: list[tuple[str, str]] = []
        entity = list(reply.headers)
        if entity and entity[0][0] == "Content-Type":
            headers.append(entity.pop(0))
        if not reply.no_length:
            length = len(reply.body) if reply.content_length is None else reply.content_length
            headers.append(("Content-Length", str(length)))
        headers.extend(entity)
        if context.decision is not None:
            headers.extend(context.decision.headers.items())
        trace_id = context.trace_id if reply.error else None
        headers.extend(wire.cos_headers(context.request_id, trace_id))
        body = reply.body if reply.stream is None else reply.stream
        return _Answer.of(reply.status, body, headers, environ)

    # -- routing -----------------------------------------------------------------------------

    def _dispatch(self, context: Context) -> Reply:
        try:
            return self._route(context)
        except CosError as error:
            context.note = context.note or str(error)
            return context.cos_error(error)

    def _route(self, context: Context) -> Reply:
        """The checks every request goes through, in this order: a bucket named, the route, a
        preflight, the bucket's existence, the CORS decoration of an actual request, its
        signature (when the endpoint has credentials), a method the fake knows, the ACL, the
        sub-resource, what the operation does not implement."""
        request, target = context.request, context.target
        method = request.method
        if target.bucket is None:
            context.note = "the request names no bucket"
            return context.error(400, "InvalidRequest", BUCKET_REQUIRED)
        found = route(method, target.key, request.args.keys(), request.headers.keys())
        operation = found.operation
        context.operation = None if operation is None else operation.name
        if operation is not PUT_BUCKET and self._in_another_region(context):
            return context.error(404, "NoSuchBucket", NO_SUCH_BUCKET)
        if context.is_preflight:
            assert operation is not None
            return operation.handler(context)
        info = self.store.info(target.bucket)
        if info is None:
            if operation is PUT_BUCKET:
                refused = self._signature(context)
                return operation.handler(context) if refused is None else refused
            context.note = f"the bucket {target.bucket!r} does not exist"
            return context.error(404, "NoSuchBucket", NO_SUCH_BUCKET)
        origin = request.headers.get("Origin")
        if origin is not None:
            context.decision = evaluate_actual(info.configuration, origin, method)
        else:
            context.note = "the request has no Origin header"
        refused = self._signature(context)
        if refused is not None:
            return refused
        if operation is None and method not in READS and method not in WRITES:
            return context.error(501, "NotImplemented", found.refusal)
        if operation is PUT_BUCKET:
            return operation.handler(context)  # 409: it exists
        if operation is not None and operation.precheck is not None:
            operation.precheck(context)
        if (operation is None or operation.acl) and self._denied(context, info):
            return context.error(403, "AccessDenied", ACCESS_DENIED)
        if operation is None:
            context.note = context.note or found.refusal
            return context.error(501, "NotImplemented", found.refusal)
        refusal = _refusal(context, operation.name, operation.unsupported)
        if refusal is not None:
            context.note = context.note or refusal
            return context.error(501, "NotImplemented", refusal)
        return operation.handler(context)

    def _in_another_region(self, context: Context) -> bool:
        """Whether the ``Host`` names a region the bucket is not in: COS's domain of a region
        answers for its own buckets only, as if the bucket did not exist [dec]. The global
        acceleration domain (``<bucket>.cos.accelerate.myqcloud.com``) reaches every region."""
        target = context.target
        if target.region is None or target.region == ACCELERATE or target.bucket is None:
            return False
        info = self.store.info(target.bucket)
        if info is None or info.region == target.region:
            return False
        context.note = (
            f"the bucket {target.bucket!r} is in {info.region}, not in {target.region} "
            "(the region of the Host)"
        )
        return True

    def _signature(self, context: Context) -> Reply | None:
        """With credentials: the verdict on the request's signature (``context.signature``), and
        COS's refusal when it does not hold (nothing has been read or written yet; the CORS
        decision already made decorates it). ``None`` when the request goes on."""
        credentials = self.credentials
        if credentials is None:
            return None
        target = context.target
        request = SignedRequest.from_environ(
            context.request.environ, key=target.key if target.region is None else None
        )
        check = context.signature = verify_signature(request, credentials)
        if not check.refused or check.status is None or check.code is None:
            return None
        extra: list[tuple[str, str]] = []
        if check.string_to_sign is not None:
            # COS's SignatureDoesNotMatch body carries what it signed [ex]; S3's element name
            # for SigV4's canonical request.
            extra.append(("StringToSign", check.string_to_sign))
            if check.signed_text is not None:
                name = "FormatString" if check.scheme == "cos" else "CanonicalRequest"
                extra.append((name, check.signed_text))
        return context.error(check.status, check.code, check.message or "", extra)

    def _denied(self, context: Context, info: BucketInfo) -> bool:
        """Whether the bucket's ACL refuses this request as anonymous (SPEC §6;
        :meth:`Context.anonymous`: with credentials, the verifier's verdict)."""
        if info.acl == "public-read-write":
            return False
        method = context.request.method
        if info.acl == "public-read" and method in READS:
            return False
        return context.anonymous(form=context.operation == "PostObject")


def _refusal(context: Context, name: str, unsupported: Unsupported) -> str | None:
    """The 501 message for a ``versionId`` or for a header or parameter the operation does
    not implement (:mod:`.operations.unsupported`)."""
    args = context.request.args
    if any(key.lower() == "versionid" for key in args):
        return not_implemented_parameter(name, "versionId")
    return unsupported.check(name, context.request.headers.items(), args.keys())
