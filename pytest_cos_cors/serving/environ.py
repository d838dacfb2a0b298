"""The WSGI environ of a request (PEP 3333), built the way werkzeug's development server builds
it, so that an application written against werkzeug sees the same values:

- ``wsgi.url_scheme`` is ``https`` on a TLS connection, ``http`` otherwise;
- ``REQUEST_URI``/``RAW_URI`` the target as sent, ``PATH_INFO`` its path percent-decoded (UTF-8),
  ``QUERY_STRING`` its query, each passed through WSGI's UTF-8-as-Latin-1 "encoding dance";
- an absolute-form target (``GET http://host/path``) gives ``HTTP_HOST`` its authority
  (RFC 9112 §3.2.2), a target starting with ``//`` keeps its first segment in the path;
- ``HTTP_*`` for each field (a name with ``_`` is left out, as werkzeug does, so that
  ``X_Forwarded`` cannot pose as ``X-Forwarded``), repeated fields joined with ``", "``;
  ``CONTENT_TYPE`` and ``CONTENT_LENGTH`` without the prefix (the length as framed);
- a chunked body is decoded before the application runs: ``wsgi.input`` holds the decoded body,
  ``wsgi.input_terminated`` is set and ``CONTENT_LENGTH`` is absent (werkzeug then reads the
  input to its end).
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..constants import SERVER_NAME
from .framing import RequestHead

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

_KEYS: dict[str, str] = {}


def _dance(text: str) -> str:
    """WSGI's way of carrying text: its UTF-8 bytes read as Latin-1 (werkzeug's encoding dance)."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _key(name: str) -> str:
    key = _KEYS.get(name)
    if key is None:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        if len(_KEYS) < 4096:
            _KEYS[name] = key
    return key


def _split(target: str) -> tuple[str, str, str]:
    """Path, query and (for an absolute-form target) authority, as werkzeug reads them."""
    try:
        parts = urlsplit(target)
    except ValueError:  # "//[" and the like: no authority to take, all of it is the path
        path, _, query = target.partition("#")[0].partition("?")
        return path, query, ""
    path = parts.path
    if not parts.scheme and parts.netloc:
        path = f"/{parts.netloc}{path}"
    return path, parts.query, parts.netloc if parts.scheme else ""


def build_environ(
    head: RequestHead,
    body: IO[bytes],
    server: tuple[str, int],
    client: Any,
    *,
    terminated: bool = False,
    scheme: str = "http",
) -> WSGIEnvironment:
    target = head.target
    if (
        target[:1] == "/"
        and target[:2] != "//"
        and "%" not in target
        and "?" not in target
        and "#" not in target
    ):
        path, query, authority = target, "", ""  # the common case, as urlsplit would give it
    else:
        path, query, authority = _split(target)
        path = unquote(path)
    try:
        remote_addr, remote_port = str(client[0]), str(client[1])
    except (TypeError, IndexError):
        remote_addr, remote_port = "<local>", "0"
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": SERVER_NAME,
        "REQUEST_METHOD": head.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _dance(path),
        "QUERY_STRING": _dance(query),
        "REQUEST_URI": _dance(target),
        "RAW_URI": _dance(target),
        "REMOTE_ADDR": remote_addr,
        "REMOTE_PORT": remote_port,
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": head.version,
    }
    for name, value in head.fields:
        if "_" in name:
            continue
        key = _key(name)
        if key in environ:
            if key == "CONTENT_LENGTH":
                continue  # one length, as framed
            environ[key] = f"{environ[key]}, {value}"
        else:
            environ[key] = value
    if head.content_length is not None:
        environ["CONTENT_LENGTH"] = str(head.content_length)
    if terminated:
        environ["wsgi.input_terminated"] = True
    if authority:
        environ["HTTP_HOST"] = authority
    return environ
