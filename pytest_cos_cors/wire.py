"""COS's wire format, written once (SPEC §2): the status line, dates, request and trace ids, the
header block every answer ends with, and the standalone ``<Error>`` answers of the last resort
(the application failed) and of the HTTP layer (a request refused before the application saw it).

Both the WSGI application and the server import it; it imports nothing above the codec. The codec
(lxml) is loaded with the first standalone error, so that the server stays light at import time.
"""

from __future__ import annotations

import base64
import itertools
import os
import secrets
import time
from email.utils import formatdate
from http import HTTPStatus

from .constants import SERVER_NAME
from .errors import INTERNAL_ERROR

Headers = list[tuple[str, str]]

# -- the status line ---------------------------------------------------------------------------

_STATUS_LINES: dict[int, str] = {}


def reason_phrase(code: int) -> str:
    """RFC 9110's reason phrase (``Forbidden``), ``Unknown`` for a code it does not name."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def status_line(code: int) -> str:
    """``403 Forbidden``: the RFC 9110 reason phrase (werkzeug would send ``403 FORBIDDEN``)."""
    line = _STATUS_LINES.get(code)
    if line is None:
        line = _STATUS_LINES[code] = f"{code} {reason_phrase(code)}"
    return line


# -- dates -------------------------------------------------------------------------------------

_DATE: tuple[int, str] = (0, "")


def http_date(timestamp: float | None = None) -> str:
    """An RFC 9110 date (``Date``, ``Last-Modified``); the current time when ``timestamp`` is
    ``None``, formatted once a second (the format has no finer field)."""
    global _DATE
    if timestamp is not None:
        return formatdate(timestamp, usegmt=True)
    now = int(time.time())
    cached = _DATE
    if cached[0] != now:
        cached = _DATE = (now, formatdate(now, usegmt=True))
    return cached[1]


def iso_date(timestamp: float) -> str:
    """The ISO 8601 date of COS's XML documents (``LastModified`` of a listing)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(timestamp))


def iso_date_seconds(timestamp: float) -> str:
    """The ISO 8601 date of ``CopyObjectResult`` (no milliseconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


# -- ids ---------------------------------------------------------------------------------------

_PROCESS = f"{os.getpid():x}_{secrets.token_hex(4)}"
_COUNTER = itertools.count(1)


def request_id() -> str:
    """A new ``x-cos-request-id``: base64-looking and unique per request."""
    raw = f"{int(time.time()):x}_{_PROCESS}_{next(_COUNTER):x}"
    return base64.b64encode(raw.encode()).decode()


def trace_id() -> str:
    """A new ``x-cos-trace-id`` (error answers only)."""
    return base64.b64encode(secrets.token_hex(40).encode()).decode()


# -- headers -----------------------------------------------------------------------------------


def cos_headers(request: str, trace: str | None = None) -> Headers:
    """The block every COS answer ends with: ``Date``, ``Server``, ``x-cos-request-id`` and, for
    an error, ``x-cos-trace-id``."""
    headers = [("Date", http_date()), ("Server", SERVER_NAME), ("x-cos-request-id", request)]
    if trace is not None:
        headers.append(("x-cos-trace-id", trace))
    return headers


# -- standalone errors -------------------------------------------------------------------------


def error_answer(code: str, message: str, resource: str) -> tuple[bytes, Headers]:
    """A complete COS ``<Error>`` answer with fresh ids: its body and every header."""
    from .cos_xml import error_body  # lxml: loaded with the first error, not with the server

    request, trace = request_id(), trace_id()
    body = error_body(code, message, resource, request, trace)
    headers = [
        ("Content-Type", "application/xml"),
        ("Content-Length", str(len(body))),
        *cos_headers(request, trace),
    ]
    return body, headers


def internal_error(resource: str) -> tuple[bytes, Headers]:
    """The last resort: ``InternalError`` for a request the application failed on outside its
    handlers; body and headers."""
    return error_answer("InternalError", INTERNAL_ERROR, resource)


def protocol_error(status: int, message: str | None, target: str) -> tuple[bytes, Headers]:
    """A COS ``<Error>`` for a request the HTTP layer refused before the application saw it
    (a malformed request line, too many or too long headers...): body and headers."""
    phrase = reason_phrase(status)
    code = "".join(word[:1].upper() + word[1:] for word in phrase.replace("-", " ").split())
    path = target.split("?", 1)[0] if target.startswith("/") else "/"
    return error_answer(code, message or phrase, path)
