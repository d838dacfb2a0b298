"""HTTP/1.1 message framing (RFC 9112), without I/O: where a request head ends, what it says,
how long its body is, the chunked coding, and the head of a response.

Everything here works on bytes handed to it and raises :class:`FramingError` with the status a
careful HTTP/1.1 server answers. Choices where the RFC leaves one:

- lines end with CRLF only (a bare LF or CR is not a line end, and a bare CR is refused);
- empty lines before a request line are skipped (RFC 9112 §2.2);
- ``Content-Length: 3, 3`` (or the same value in two field lines) is taken as 3, as RFC 9112
  §6.3 allows; different values are a 400;
- an obsolete line folding in a field value is replaced by one space (RFC 9112 §5.2);
- a ``Host`` value must be made of the characters of an RFC 3986 authority;
- trailer fields of a chunked body are checked and discarded;
- limits (as http.server had them, plus a total): a request line longer than 65,536 bytes is a
  414, a field line longer than 65,536 bytes, more than 100 field lines or a head over 1 MiB is a
  431.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CRLF = b"\r\n"

_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_STR_TOKEN = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
# What a request target may not contain: controls, space, DEL (obs-text is tolerated).
_BAD_TARGET = re.compile(rb"[\x00-\x20\x7f]")
# What a field value may not contain once the line is split (RFC 9110 §5.5: CR, LF, NUL).
_BAD_VALUE = re.compile(rb"[\x00\r\n]")
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_DIGITS = re.compile(rb"[0-9]+")
_HOST = re.compile(rb"[-A-Za-z0-9._~%!$&'()*+,;=:@\[\]]*")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(;[^\x00\r\n]*)?")
_MAX_LENGTH_DIGITS = 18


class FramingError(Exception):
    """A request the HTTP layer refuses: the status to answer, a one-line reason, and the
    request target when it was read (for the error document's ``Resource``)."""

    def __init__(self, status: int, message: str, target: str = "", method: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.target = target
        self.method = method  # when known: a HEAD request's refusal has no body


@dataclass(frozen=True)
class Limits:
    """The size limits of a request, in bytes (a line's length counts its CRLF)."""

    max_request_line: int = 65536
    max_field_line: int = 65536
    max_fields: int = 100
    max_head: int = 1 << 20
    max_chunk_line: int = 4096
    max_chunked_body: int = 1 << 30


@dataclass(frozen=True)
class RequestHead:
    """A parsed request head. ``target`` and field values are the bytes sent, read as Latin-1
    (as http.server did); ``content_length`` is ``None`` without a length, ``chunked`` tells the
    chunked coding; ``keep_alive`` is what the request asks (RFC 9112 §9.3); ``host`` is the
    ``Host`` field's value (``""`` without one)."""

    method: str
    target: str
    version: str
    minor: int
    fields: tuple[tuple[str, str], ...]
    line: str
    content_length: int | None
    chunked: bool
    keep_alive: bool
    expect_continue: bool
    host: str = ""

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.content_length)


class HeadScanner:
    """Finds the end of a request head in a growing buffer, enforcing the limits on the way.

    :meth:`feed` is called with the whole buffer each time bytes arrive; it looks only at what
    it has not seen, so a head trickling in byte by byte costs linear time.
    """

    __slots__ = ("_fields", "_limits", "_pos")

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._pos = 0  # start of the first line not yet complete
        self._fields = -1  # complete lines seen, less the request line

    def feed(self, buf: bytes | bytearray) -> int | None:
        """The index just past the head's empty line, or ``None`` while it is incomplete."""
        limits = self._limits
        while True:
            end = buf.find(CRLF, self._pos)
            if end < 0:
                break
            length = end + 2 - self._pos
            if self._fields < 0:
                if length > limits.max_request_line:
                    raise FramingError(414, "The request line is too long.")
            elif end == self._pos:
                return end + 2
            elif length > limits.max_field_line:
                raise FramingError(431, "A header field line is too long.")
            self._fields += 1
            if self._fields > limits.max_fields:
                raise FramingError(431, "The request has too many header fields.")
            self._pos = end + 2
        partial = len(buf) - self._pos
        if self._fields < 0 and partial > limits.max_request_line:
            raise FramingError(414, "The request line is too long.")
        if self._fields >= 0 and partial > limits.max_field_line:
            raise FramingError(431, "A header field line is too long.")
        if len(buf) > limits.max_head:
            raise FramingError(431, "The request head is too large.")
        return None


def first_line(buf: bytes | bytearray, limit: int = 1024) -> str:
    """The request line as received so far (for reports), at most ``limit`` characters."""
    end = buf.find(CRLF)
    line = bytes(buf[: end if end >= 0 else limit])[:limit]
    return line.decode("latin-1")


def parse_head(head: bytes) -> RequestHead:
    """Parse a complete head (request line and field lines, without the final empty line)."""
    lines = head.split(CRLF)
    if lines and lines[-1] == b"":
        lines.pop()
    request_line = lines[0]
    line_text = request_line.decode("latin-1")
    parts = request_line.split(b" ")
    if len(parts) != 3:
        raise FramingError(400, "The request line is malformed.")
    raw_method, raw_target, raw_version = parts
    target = raw_target.decode("latin-1")
    if _TOKEN.fullmatch(raw_method) is None:
        raise FramingError(400, "The request method is malformed.", target)
    if not raw_target or _BAD_TARGET.search(raw_target) is not None:
        raise FramingError(400, "The request target is malformed.", target)
    version = _VERSION.fullmatch(raw_version)
    if version is None:
        raise FramingError(400, "The HTTP version is malformed.", target)
    if version.group(1) != b"1":
        raise FramingError(505, "Only HTTP/1.0 and HTTP/1.1 are supported.", target)
    minor = int(version.group(2))
    method = raw_method.decode("ascii")
    try:
        fields = _parse_fields(lines[1:], target)
        return _framed(method, target, minor, fields, line_text)
    except FramingError as error:
        error.method = method
        raise


def _parse_fields(lines: list[bytes], target: str) -> list[tuple[bytes, bytes]]:
    fields: list[tuple[bytes, bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not fields:
                raise FramingError(400, "Whitespace before the first header field.", target)
            name, value = fields[-1]
            folded = line.strip(b" \t")
            fields[-1] = (name, value + b" " + folded if value else folded)
            if _BAD_VALUE.search(folded) is not None:
                raise FramingError(400, "A header field value is malformed.", target)
            continue
        colon = line.find(b":")
        name = line[:colon]
        if colon <= 0 or _TOKEN.fullmatch(name) is None:
            raise FramingError(400, "A header field name is malformed.", target)
        value = line[colon + 1 :].strip(b" \t")
        if _BAD_VALUE.search(value) is not None:
            raise FramingError(400, "A header field value is malformed.", target)
        fields.append((name, value))
    return fields


def _framed(
    method: str, target: str, minor: int, raw: list[tuple[bytes, bytes]], line: str
) -> RequestHead:
    """The field checks of RFC 9112 §3.2 (Host) and §6 (body length), in that order."""
    hosts: list[bytes] = []
    lengths: list[bytes] = []
    codings: list[bytes] = []
    connection: list[bytes] = []
    expect = False
    for name, value in raw:
        lower = name.lower()
        if lower == b"host":
            hosts.append(value)
        elif lower == b"content-length":
            lengths.append(value)
        elif lower == b"transfer-encoding":
            codings.extend(c.strip().lower() for c in value.split(b",") if c.strip())
        elif lower == b"connection":
            connection.extend(c.strip().lower() for c in value.split(b","))
        elif lower == b"expect":
            expect = value.lower() == b"100-continue"
    if len(hosts) > 1:
        raise FramingError(400, "The request has more than one Host header field.", target)
    if not hosts and minor >= 1:
        raise FramingError(400, "An HTTP/1.1 request needs a Host header field.", target)
    if hosts and _HOST.fullmatch(hosts[0]) is None:
        raise FramingError(400, "The Host header field is malformed.", target)
    content_length: int | None = None
    chunked = False
    if codings:
        _check_codings(codings, lengths, minor, target)
        chunked = True
    elif lengths:
        content_length = _content_length(lengths, target)
    if minor >= 1:
        keep_alive = b"close" not in connection
    else:
        keep_alive = b"keep-alive" in connection and b"close" not in connection
    fields = tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in raw)
    return RequestHead(
        method=method,
        target=target,
        version=f"HTTP/1.{minor}",
        minor=minor,
        fields=fields,
        line=line,
        content_length=content_length,
        chunked=chunked,
        keep_alive=keep_alive,
        expect_continue=expect and minor >= 1,
        host=hosts[0].decode("latin-1") if hosts else "",
    )


def _check_codings(codings: list[bytes], lengths: list[bytes], minor: int, target: str) -> None:
    """RFC 9112 §6.1 and §6.3: the only request body coding understood is chunked, final."""
    if lengths:
        raise FramingError(
            400, "Content-Length and Transfer-Encoding must not be sent together.", target
        )
    if minor < 1:
        raise FramingError(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.", target)
    names = [c.split(b";", 1)[0].strip() for c in codings]
    if names[-1] != b"chunked" or names.count(b"chunked") > 1:
        raise FramingError(400, "The chunked transfer coding must be applied last, once.", target)
    if len(names) > 1:
        unknown = names[0].decode("latin-1")
        raise FramingError(501, f"The transfer coding {unknown!r} is not implemented.", target)


def _content_length(values: list[bytes], target: str) -> int:
    found: set[bytes] = set()
    for value in values:
        for item in value.split(b","):
            item = item.strip(b" \t")
            if _DIGITS.fullmatch(item) is None or len(item) > _MAX_LENGTH_DIGITS:
                shown = value.decode("latin-1")
                raise FramingError(400, f"Content-Length {shown!r} is not a length.", target)
            found.add(item.lstrip(b"0") or b"0")
    if len(found) > 1:
        raise FramingError(400, "The request has conflicting Content-Length values.", target)
    return int(found.pop())


# -- the chunked coding ------------------------------------------------------------------------

_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


class ChunkedDecoder:
    """Decodes a chunked request body fed in pieces (RFC 9112 §7.1). Trailer fields are checked
    and dropped. :meth:`feed` returns what follows the body once it is complete (the start of a
    pipelined request), else ``b""``."""

    __slots__ = ("_left", "_limits", "_parts", "_pending", "_state", "_trailer", "size", "target")

    def __init__(self, limits: Limits, target: str = "") -> None:
        self._limits = limits
        self._pending = bytearray()
        self._parts: list[bytes] = []
        self._state = _SIZE
        self._left = 0
        self._trailer = 0
        self.size = 0
        self.target = target

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def body(self) -> bytes:
        return b"".join(self._parts)

    def feed(self, data: bytes | bytearray) -> bytes:
        if self._state == _DONE:
            return bytes(data)
        pending = self._pending
        pending += data
        while True:
            state = self._state
            if state == _DATA:
                if not pending:
                    return b""
                take = min(self._left, len(pending))
                self._parts.append(bytes(pending[:take]))
                del pending[:take]
                self._left -= take
                if self._left == 0:
                    self._state = _DATA_END
                continue
            if state == _DATA_END:
                if len(pending) < 2:
                    return b""
                if pending[:2] != CRLF:
                    raise FramingError(400, "A chunk does not end with CRLF.", self.target)
                del pending[:2]
                self._state = _SIZE
                continue
            end = pending.find(CRLF)
            if end < 0:
                self._check_partial(len(pending))
                return b""
            line = bytes(pending[:end])
            del pending[: end + 2]
            if state == _SIZE:
                self._size_line(line)
            elif self._trailer_line(line):
                rest = bytes(pending)
                pending.clear()
                return rest

    def _check_partial(self, length: int) -> None:
        if self._state == _SIZE and length > self._limits.max_chunk_line:
            raise FramingError(400, "A chunk size line is too long.", self.target)
        if self._state == _TRAILER and self._trailer + length > self._limits.max_head:
            raise FramingError(431, "The chunked body's trailer is too large.", self.target)

    def _size_line(self, line: bytes) -> None:
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None or len(match.group(1)) > 16 or len(line) > self._limits.max_chunk_line:
            raise FramingError(400, "A chunk size is malformed.", self.target)
        size = int(match.group(1), 16)
        if size == 0:
            self._state = _TRAILER
            return
        self.size += size
        if self.size > self._limits.max_chunked_body:
            raise FramingError(413, "The chunked request body is too large.", self.target)
        self._left = size
        self._state = _DATA

    def _trailer_line(self, line: bytes) -> bool:
        """Check one trailer line; ``True`` at the empty line that ends the body."""
        if not line:
            self._state = _DONE
            return True
        self._trailer += len(line) + 2
        if self._trailer > self._limits.max_head:
            raise FramingError(431, "The chunked body's trailer is too large.", self.target)
        colon = line.find(b":")
        if (
            colon <= 0
            or _TOKEN.fullmatch(line[:colon]) is None
            or _BAD_VALUE.search(line, colon + 1) is not None
        ):
            raise FramingError(400, "A trailer field is malformed.", self.target)
        return False


# -- responses ---------------------------------------------------------------------------------

_STATUS = re.compile(r"[1-9][0-9][0-9](?: [^\x00\r\n]*)?")
_NO_BODY_STATUSES = frozenset({204, 304})
_valid_names: set[str] = set()


class ResponseError(ValueError):
    """The application gave a status or header that cannot go on the wire."""


def status_code(status: str) -> int:
    """The code of a WSGI status (``"200 OK"``); :class:`ResponseError` when malformed."""
    if type(status) is not str or _STATUS.fullmatch(status) is None:
        raise ResponseError(f"invalid WSGI status {status!r}")
    return int(status[:3])


def allows_body(code: int, method: str) -> bool:
    """Whether a response with this status, to this method, has a body (RFC 9110 §6.4.1)."""
    return method != "HEAD" and code >= 200 and code not in _NO_BODY_STATUSES


def response_head(status: str, headers: list[tuple[str, str]], extra: str) -> bytes:
    """``HTTP/1.1 <status>``, the application's header lines as given, then ``extra`` (the
    engine's own lines, each ending in CRLF) and the empty line; :class:`ResponseError` for a
    name that is not a token or a value with CR, LF or NUL, ``UnicodeEncodeError`` for text
    outside Latin-1."""
    lines = ["HTTP/1.1 ", status, "\r\n"]
    for name, value in headers:
        if name not in _valid_names:
            if type(name) is not str or _STR_TOKEN.fullmatch(name) is None:
                raise ResponseError(f"invalid header name {name!r}")
            if len(_valid_names) < 1024:
                _valid_names.add(name)
        if type(value) is not str or "\r" in value or "\n" in value or "\0" in value:
            raise ResponseError(f"invalid value for header {name}: {value!r}")
        lines += (name, ": ", value, "\r\n")
    lines += (extra, "\r\n")
    return "".join(lines).encode("latin-1")
