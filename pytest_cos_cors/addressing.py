"""Which bucket and object a request names (SPEC §1), and the ``Resource`` of its errors (§2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

#: ``<bucket>.cos.<region>.myqcloud.com`` and the other COS domains.
_COS_HOST = re.compile(
    r"^(?P<bucket>[^.]+)\.(?:cos|cos-internal)\.(?P<region>[^.]+)\."
    r"(?:myqcloud\.com|tencentcos\.cn)$",
    re.IGNORECASE,
)


def bucket_host(bucket: str, region: str) -> str:
    """The production host name of a bucket."""
    return f"{bucket}.cos.{region}.myqcloud.com"


def host_bucket(host: str) -> str | None:
    """The bucket a COS host name (``<bucket>.cos.<region>.myqcloud.com`` or another COS
    domain; port and a final dot ignored) names, lower-cased; ``None`` for any other host."""
    match = _COS_HOST.match(strip_port(host).rstrip("."))
    return None if match is None else match.group("bucket").lower()


def quote_key(key: str) -> str:
    """An object key as it appears in a URL path (without the leading slash)."""
    return quote(key, safe="/-_.~")


def strip_port(host: str) -> str:
    host = host.strip()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end >= 0 else host
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit() and ":" not in name:
        return name
    return host


@dataclass(frozen=True)
class Target:
    """The bucket and object path a request addresses.

    ``path`` is the object path as received (percent-encoded, leading ``/``, no query), ``key`` the
    decoded key without the leading slash (empty for the bucket itself). ``region`` is the host's
    region when virtual-hosted, ``None`` otherwise.
    """

    bucket: str | None
    path: str
    key: str
    region: str | None
    request_path: str

    def resource(self, region: str) -> str:
        """The ``<Resource>`` of an error about this request."""
        if self.bucket is None:
            return self.request_path
        return bucket_host(self.bucket, self.region or region) + self.path


def raw_path(request_uri: str) -> str:
    """The percent-encoded path of a request line's target (origin or absolute form)."""
    if request_uri.startswith("/"):
        path = request_uri.split("?", 1)[0].split("#", 1)[0]
    else:
        path = urlsplit(request_uri).path
    return path or "/"


def resolve(host: str | None, request_uri: str) -> Target:
    """Route a request by its ``Host`` header and the raw target of its request line."""
    path = raw_path(request_uri)
    match = _COS_HOST.match(strip_port(host or ""))
    if match is not None:
        return Target(
            bucket=match.group("bucket").lower(),
            path=path,
            key=unquote(path[1:]),
            region=match.group("region").lower(),
            request_path=path,
        )
    first, _, rest = path[1:].partition("/")
    bucket = unquote(first)
    if not bucket:
        return Target(None, path, "", None, path)
    object_path = "/" + rest
    return Target(bucket, object_path, unquote(rest), None, path)
