"""What a handler is given and what it gives back.

A handler is ``(Context) -> Reply``. It refuses a request by raising
:class:`~pytest_cos_cors.errors.CosError` (the shared path turns it into COS's ``<Error>``
answer), or by returning :meth:`Context.error`.

The request body is read here only, once, and never twice in memory: a body with a
``Content-Length`` goes straight into one buffer of that size (refused before a byte is read when
the length is over the operation's limit); a chunked body goes into 1 MiB blocks, kept as they
are. :class:`CountingInput` counts what was read, for the recorded ``body_size``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import ClientDisconnected

from .. import cos_xml, wire
from ..errors import INVALID_ENCODING_TYPE, CosError, invalid_argument
from ..request_parsing import check_checksums, check_content_md5, form_signed, is_anonymous

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers, MultiDict
    from werkzeug.wrappers import Request

    from ..addressing import Target
    from ..evaluator import Decision
    from ..signatures import SignatureCheck
    from ..store import Chunks, Store

#: How much of a body is read at once (and the size of a chunked body's blocks).
READ_SIZE = 1 << 20
#: COS's single-PUT limit, the default of ``CosCorsEndpoint(max_object_bytes=...)``.
DEFAULT_MAX_OBJECT_BYTES = 5 * 1024**3


@dataclass
class Reply:
    """What a handler decided to answer, before COS's common headers are added.

    ``stream`` replaces ``body`` for an object's content (``content_length`` then gives its
    length); ``no_length`` sends no ``Content-Length`` at all (a 304).
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_length: int | None = None  # when it differs from len(body) (HEAD, a stream)
    error: bool = False
    stream: Iterable[bytes] | None = None
    no_length: bool = False


@dataclass(frozen=True)
class Limits:
    """The endpoint's size limits."""

    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES


class CountingInput(io.RawIOBase):
    """``wsgi.input``, counting the bytes read through it (whoever reads: a handler, the form
    parser, the drain after the answer)."""

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        reader = getattr(self._inner, "readinto", None)
        if reader is not None:
            got = reader(buffer) or 0
        else:
            data = self._inner.read(len(buffer))
            got = len(data)
            buffer[:got] = data
        self.count += got
        return got

    def read(self, size: int | None = -1) -> bytes:
        data: bytes = self._inner.read(-1 if size is None else size)
        self.count += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data: bytes = self._inner.readline(-1 if size is None else size)
        self.count += len(data)
        return data


class Context:
    """One request being answered: its request, bucket and key, the store, the limits; the
    CORS decision, the note and the operation the shared path records; the body, read once."""

    def __init__(
        self,
        request: Request,
        target: Target,
        region: str,
        store: Store,
        limits: Limits,
        counter: CountingInput | None = None,
    ) -> None:
        self.request = request
        self.target = target
        self.region = region
        self.store = store
        self.limits = limits
        self.counter = counter
        self.request_id = wire.request_id()
        self._trace_id: str | None = None
        self.decision: Decision | None = None
        #: The verdict on the request's signature, when the endpoint has credentials.
        self.signature: SignatureCheck | None = None
        self.is_preflight = request.method == "OPTIONS"
        self.note = ""
        self.operation: str | None = None
        #: The declared length of a body refused before it was read.
        self.refused_length: int | None = None

    # -- what the request says ---------------------------------------------------------------

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def headers(self) -> Headers:
        return self.request.headers

    @property
    def args(self) -> MultiDict[str, str]:
        return self.request.args

    @property
    def bucket(self) -> str:
        bucket = self.target.bucket
        assert bucket is not None  # the shared path answers a request without one
        return bucket

    @property
    def key(self) -> str:
        return self.target.key

    def anonymous(self, *, form: bool = False) -> bool:
        """Whether the request is anonymous for an ACL (SPEC §6): with credentials, when the
        verifier found no signature; without, when it carries none at all. ``form``: a browser
        form upload's signature fields count (read, never verified)."""
        check = self.signature
        if check is None:
            return is_anonymous(self.request, form=form)
        return check.anonymous and not (form and form_signed(self.request))

    @property
    def trace_id(self) -> str:
        """Drawn when first needed: only error answers carry one."""
        if self._trace_id is None:
            self._trace_id = wire.trace_id()
        return self._trace_id

    # -- errors ------------------------------------------------------------------------------

    def error(
        self, status: int, code: str, message: str, extra: Sequence[tuple[str, str]] = ()
    ) -> Reply:
        """COS's ``<Error>`` answer (no body for a HEAD); ``extra`` elements after ``TraceId``
        (a signature mismatch's ``StringToSign``)."""
        if self.request.method == "HEAD":
            return Reply(status, error=True)
        body = cos_xml.error_body(
            code, message, self.target.resource(self.region), self.request_id, self.trace_id, extra
        )
        return Reply(status, body, [("Content-Type", "application/xml")], error=True)

    def cos_error(self, error: CosError) -> Reply:
        return self.error(error.status, error.code, error.message)

    # -- the body ----------------------------------------------------------------------------

    @property
    def declared_length(self) -> int | None:
        """``Content-Length``; ``None`` for a chunked body."""
        return self.request.content_length

    def refuse_declared(self, limit: int, error: CosError) -> None:
        """Raise ``error`` when the declared ``Content-Length`` is over ``limit``: nothing of the
        body is read (a client waiting for ``100 Continue`` never sends it)."""
        declared = self.declared_length
        if declared is not None and declared > limit:
            self.refused_length = declared
            raise error

    def read_body(self, limit: int, error: CosError) -> Chunks:
        """The body as read-only chunks, in one buffer when its length is declared; ``error``
        when it is over ``limit`` (from ``Content-Length``, before reading; for a chunked body,
        as soon as more than ``limit`` bytes have arrived)."""
        self.refuse_declared(limit, error)
        stream: Any = self.request.stream
        declared = self.declared_length
        if declared is not None:
            if declared == 0:
                return ()
            buffer = bytearray(declared)
            view = memoryview(buffer)
            filled = 0
            while filled < declared:
                got = stream.readinto(view[filled : filled + READ_SIZE])
                if not got:
                    raise ClientDisconnected()
                filled += got
            return (view.toreadonly(),)
        chunks: list[memoryview] = []
        total = 0
        while True:
            block = bytearray(READ_SIZE)
            filled = _fill(stream, block)
            total += filled
            if total > limit:
                raise error
            if filled < READ_SIZE:
                del block[filled:]
            if filled:
                chunks.append(memoryview(block).toreadonly())
            if filled < READ_SIZE:
                return tuple(chunks)

    def read_document(self, limit: int, error: CosError) -> bytes:
        """A small body (an XML document) as ``bytes``."""
        return b"".join(self.read_body(limit, error))

    def drain(self) -> None:
        """Read and drop what the handler left of the body (not a refused one)."""
        if self.refused_length is not None:
            return
        stream = self.request.stream
        while stream.read(READ_SIZE):
            pass

    @property
    def body_size(self) -> int:
        """What the request's body held: the bytes read, or the declared length of a body
        refused before it was read."""
        if self.refused_length is not None:
            return self.refused_length
        return 0 if self.counter is None else self.counter.count


def _fill(stream: Any, block: bytearray) -> int:
    view = memoryview(block)
    try:
        filled = 0
        while filled < len(block):
            got = stream.readinto(view[filled:])
            if not got:
                break
            filled += got
        return filled
    finally:
        view.release()


def appid(bucket: str) -> str:
    """The APPID of a ``<name>-<appid>`` bucket (the bucket's own name when it has none): COS's
    ``Owner``/``Initiator`` ``ID`` and ``DisplayName`` in listings [dec]."""
    suffix = bucket.rpartition("-")[2]
    return suffix if suffix.isascii() and suffix.isdigit() else bucket


def owner(bucket: str) -> list[tuple[str, str]]:
    """The children of an ``Owner`` or ``Initiator`` element."""
    account = appid(bucket)
    return [("ID", account), ("DisplayName", account)]


def encoding(context: Context) -> bool:
    """Whether ``encoding-type=url`` was asked for (empty means not); ``InvalidArgument`` for
    any other value."""
    value = context.args.get("encoding-type", "")
    if value == "":
        return False
    if value.lower() != "url":
        raise CosError("InvalidArgument", INVALID_ENCODING_TYPE)
    return True


def count_argument(context: Context, name: str, default: int, most: int) -> int:
    """A non-negative integer query parameter (``max-keys``, ``max-parts``, ``max-uploads``),
    clamped to ``most``; an empty value is the default; ``InvalidArgument`` otherwise."""
    raw = context.args.get(name, "").strip()
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2147483647:
        raise CosError("InvalidArgument", invalid_argument(name))
    return min(int(raw), most)


def check_integrity(context: Context, body: bytes | Chunks) -> None:
    """``Content-MD5`` and the ``x-amz-checksum-*`` boto3 sends, each checked when present:
    ``InvalidDigest``/``BadDigest`` (or ``InvalidRequest`` for a checksum that is not base64)."""
    headers = context.headers
    problem = check_content_md5(headers.get("Content-MD5"), body) or check_checksums(headers, body)
    if problem is not None:
        raise CosError(problem[0], problem[1])


def argument(context: Context, name: str) -> str | None:
    """A query parameter by name, matched without regard to case when not sent exactly so
    (``uploadId``, ``partNumber``)."""
    args = context.args
    value = args.get(name)
    if value is not None:
        return value
    lower = name.lower()
    return next((v for k, v in args.items() if k.lower() == lower), None)
