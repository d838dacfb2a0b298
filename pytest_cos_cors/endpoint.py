"""``CosCorsEndpoint``: a fake Tencent COS endpoint on a real socket, usable with or without pytest.

with CosCorsEndpoint() as ep:
    ep.set_rules({"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]})
    requests.options(ep.url_for("avatar.png"), headers={...})
    assert ep.preflights[-1].allowed
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import EllipsisType, MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import tls
from .addressing import bucket_host, quote_key
from .assertions import AssertionsMixin
from .constants import DEFAULT_ACL, DEFAULT_BUCKET, DEFAULT_HOST, DEFAULT_REGION
from .cos_app import CosApp
from .naming import check_bucket, check_region
from .operations.context import DEFAULT_MAX_OBJECT_BYTES, Limits
from .operations.router import is_quick
from .origins import SiteContent, SiteDispatcher, parse_origin, site_app
from .recording import Exchange, ExchangeLog, Problems
from .rules import CORSConfiguration
from .serving import CosServer
from .serving.framing import RequestHead
from .signatures import Credentials, check_credentials
from .sources import load_configuration
from .store import Store, UnknownBucketError, check_acl
from .wire import internal_error, protocol_error

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CosCorsEndpoint", "CosCorsEndpointError"]

_SECRET_ID = "AKIDcoscorsfakeSecretId0000000000000"
_SECRET_KEY = "coscorsfakeSecretKey0000000000000"


class CosCorsEndpointError(AssertionError):
    """Raised by :meth:`CosCorsEndpoint.check`: the endpoint failed on a request (an exception
    in its handler) or had to cut requests off when it stopped."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        self.problems = problems
        count = len(problems)
        header = f"the fake COS endpoint reported {count} problem{'s' if count != 1 else ''}:"
        body = "\n\n".join(f"[{i}] {text.rstrip()}" for i, text in enumerate(problems, 1))
        super().__init__(f"{header}\n\n{body}")


class CosCorsEndpoint(AssertionsMixin):
    """A fake COS endpoint serving ``bucket`` (and any bucket added later) on ``host:port``.

    ``port=0`` picks a free port. Nothing is served until :meth:`start` (or ``with``).
    ``ValueError`` when ``bucket`` is not a COS bucket name (``<name>-<appid>``) or ``region`` not
    one of COS's regions (:mod:`pytest_cos_cors.naming`).

    ``credentials`` (``SecretId -> SecretKey``, or ``SecretId -> (SecretKey, SessionToken)`` for
    temporary keys) makes it verify every request's signature as COS does
    (:mod:`pytest_cos_cors.signatures`); ``None``, the default, accepts any signature.
    """

    #: How many exchanges are kept; the oldest are dropped beyond it, and counted in
    #: :attr:`dropped_exchanges` (``None``: no limit). About 3 KB each: the default bounds the
    #: log near 300 MB. Override per endpoint with the ``max_exchanges=`` keyword.
    max_exchanges: int | None = 100_000
    #: How long :meth:`stop` lets requests in flight finish before cutting them off.
    stop_timeout: float = 2.0

    def __init__(
        self,
        bucket: str = DEFAULT_BUCKET,
        region: str = DEFAULT_REGION,
        host: str = DEFAULT_HOST,
        port: int = 0,
        acl: str = DEFAULT_ACL,
        *,
        max_exchanges: int | EllipsisType | None = ...,
        max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
        credentials: Credentials | None = None,
    ) -> None:
        if (
            isinstance(max_object_bytes, bool)
            or not isinstance(max_object_bytes, int)
            or max_object_bytes < 0
        ):
            raise ValueError(f"max_object_bytes must be an int >= 0, not {max_object_bytes!r}")
        self._bucket = bucket
        self._region = region
        self._host = host
        self._host_in_url = _host_in_url(host)
        self._port = port
        self._server: CosServer | None = None
        check_region(region)
        check_bucket(bucket, region)
        self._store = Store()
        self._store.add_bucket(bucket, region, check_acl(acl))
        if not isinstance(max_exchanges, EllipsisType):  # ``...``: the class attribute
            self.max_exchanges = max_exchanges
        self._log = ExchangeLog(self.max_exchanges)
        self._problems = Problems()
        # ``max_object_bytes``: the largest PUT Object, POST Object, part or copy it accepts
        # (COS's 5 GiB by default); a larger one is EntityTooLarge, refused from its
        # Content-Length before its body is read.
        self._app = CosApp(
            self._store,
            region,
            self._log,
            self._problems,
            limits=Limits(max_object_bytes=max_object_bytes),
            credentials=_checked(credentials),
        )
        # Served origins (serve_origin) in front of COS, routed by Host.
        self._sites = SiteDispatcher(self._app)
        self._lifecycle = threading.Lock()

    def __repr__(self) -> str:
        state = f"port={self._port}" if self.is_running else "stopped"
        return f"<CosCorsEndpoint bucket={self._bucket!r} region={self._region!r} {state}>"

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Bind and serve from the process's serving thread (started if it does not run);
        returns at once."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the endpoint is already running")
            server = CosServer(
                self._host,
                self._port,
                self._sites,
                self._problems,
                stop_timeout=self.stop_timeout,
                framing_error=protocol_error,
                internal_error=internal_error,
                tls=tls.server_context,
                quick=self._quick,
            )
            self._port = server.port
            server.start()
            self._server = server

    def _quick(self, head: RequestHead, secure: bool) -> bool:
        """What the server may answer on its selector thread: a COS request whose operation is
        quick (:func:`~.operations.router.is_quick`); never a served origin's site, whose
        application may take its time or call this endpoint back."""
        if self._sites.claims("https" if secure else "http", head.host):
            return False
        return is_quick(head.method, head.target.partition("?")[2], (n for n, _ in head.fields))

    def stop(self) -> None:
        """Stop serving: requests in flight finish (or are cut off after ``stop_timeout`` and
        reported by :meth:`check`), the endpoint's worker threads are joined and its sockets
        closed; the process's serving thread ends too when this was the last endpoint and the
        fixtures do not keep it for the session. Idempotent."""
        with self._lifecycle:
            server, self._server = self._server, None
            if server is not None:
                server.stop()

    def check(self) -> None:
        """Raise :class:`CosCorsEndpointError` when the endpoint failed on a request or cut
        requests off at stop; the error lists each with its traceback."""
        __tracebackhide__ = True
        problems = self._problems.snapshot()
        if problems:
            raise CosCorsEndpointError(problems)

    @property
    def problems(self) -> tuple[str, ...]:
        """What :meth:`check` would report, oldest first (a snapshot; empty when all is well):
        each handler failure with its traceback, each request cut off at stop."""
        return self._problems.snapshot()

    def clear_problems(self) -> None:
        """Forget the problems reported so far, so that :meth:`check` (and the ``cos_cors``
        fixture's teardown) passes again: for a test that provokes a failure on purpose and has
        already asserted on it."""
        self._problems.clear()

    def requests_in_progress(self) -> int:
        """How many requests the endpoint is serving right now: their request has begun to
        arrive and the endpoint has not finished sending its answer (0 when it is not running).
        A test can wait on it to be sure a request reached the endpoint before it does something
        concurrent."""
        server = self._server
        return 0 if server is None else server.requests_in_progress()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.check()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def region(self) -> str:
        return self._region

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The bound port (the requested one, 0 meaning any, before :meth:`start`)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        if self._port == 0:
            raise RuntimeError("the endpoint has no port yet: start() it first")
        return f"http://{self._host_in_url}:{self._port}"

    @property
    def bucket_host(self) -> str:
        """``<bucket>.cos.<region>.myqcloud.com`` of the endpoint's bucket."""
        return bucket_host(self._bucket, self._region)

    @property
    def https_url(self) -> str:
        """``https://127.0.0.1:PORT``: the same port answers TLS (its certificate names
        ``127.0.0.1``, ``localhost`` and ``::1``; trust it with :meth:`ca_file`)."""
        return "https" + self.url[4:]

    def url_for(self, key: str = "", bucket: str | None = None) -> str:
        """A path-style URL on the endpoint's own address: ``http://127.0.0.1:PORT/<bucket>/<key>``
        (``key`` is percent-encoded here)."""
        return f"{self.url}/{bucket or self._bucket}/{quote_key(key.lstrip('/'))}"

    def cos_url_for(self, key: str = "", bucket: str | None = None, *, scheme: str = "http") -> str:
        """The production-style ``http://<bucket>.cos.<region>.myqcloud.com/<key>``
        (``scheme="https"``: the ``https://`` one, which a page served over https must use):
        for the SDK and for a browser started with :meth:`browser_args`."""
        if scheme not in ("http", "https"):
            raise ValueError(f"scheme must be 'http' or 'https', not {scheme!r}")
        host = bucket_host(bucket or self._bucket, self._region)
        return f"{scheme}://{host}/{quote_key(key.lstrip('/'))}"

    def browser_args(self) -> list[str]:
        """Chromium flags for a browser of this endpoint alone: ``--host-resolver-rules``
        mapping ``*.myqcloud.com``, ``*.tencentcos.cn`` and the host of every origin served so
        far (:meth:`serve_origin`: call it first) to this endpoint, every other name to
        ``~NOTFOUND`` except ``localhost``, ``*.localhost`` and ``127.0.0.1`` (one flag:
        Chromium keeps only the last); and ``--ignore-certificate-errors-spki-list`` with the
        hash of the fake's one key, so that Chromium accepts the fake's certificates for any
        of these names, and no other certificate error. For one browser shared by a whole
        session, use the ``cos_cors_browser_args`` fixture instead."""
        target = f"{self._host_in_url}:{self.port}"
        rules = [
            f"MAP *.myqcloud.com {target}",
            f"MAP *.tencentcos.cn {target}",
            *(f"MAP {host} {target}" for host in sorted(self._sites.hosts)),
            "MAP * ~NOTFOUND",
            "EXCLUDE localhost",
            "EXCLUDE *.localhost",
            "EXCLUDE 127.0.0.1",
        ]
        return [f"--host-resolver-rules={', '.join(rules)}", tls.browser_flag()]

    def serve_origin(self, origin: str, content: SiteContent) -> str:
        """Serve a site under ``origin`` (``https://app.example.com``,
        ``http://admin.example.com:8080``) from this endpoint, routed by ``Host`` like the
        buckets: ``content`` is HTML (``str`` or ``bytes``) served at ``/``, a ``pathlib.Path``
        to a directory of static files (``index.html`` for ``/``, content types by extension)
        or to one file, or a WSGI application (a Flask app, say). Requests to it are served,
        never recorded as COS exchanges. Serving an origin again replaces its site.

        Returns the origin as a browser writes it (``Origin`` header, ``location.origin``).
        ``ValueError`` for something that is not an origin or that a browser would never
        send here (``localhost``, an IP address, a COS domain); ``TypeError`` for content
        of another kind."""
        parsed = parse_origin(origin)
        self._sites.serve(parsed, site_app(content))
        return str(parsed)

    @property
    def served_origins(self) -> tuple[str, ...]:
        """The origins :meth:`serve_origin` serves, in the order they were first served."""
        return tuple(str(origin) for origin in self._sites.origins)

    @property
    def sites(self) -> SiteDispatcher:
        """The endpoint's WSGI application: its served origins in front of COS (what the
        session browser's front routes to)."""
        return self._sites

    def bucket_names(self) -> tuple[str, ...]:
        """The names of the endpoint's buckets, the starting one and every one added since."""
        return self._store.names()

    @contextmanager
    def intercept(self, label: str | None = None) -> Iterator[Self]:
        """``with endpoint.intercept(): ...``: for the block, this process's connections to COS
        host names (``<bucket>.cos.<region>.myqcloud.com``, ``cos.<region>.myqcloud.com``,
        ``*.cos.accelerate.myqcloud.com``, ``*.tencentcos.cn``, the ``cos-internal``
        variants) reach this endpoint, over HTTP and verified HTTPS, from any Python client,
        production code unchanged (:mod:`pytest_cos_cors.intercept`). The ``cos_cors`` fixture
        does it for its endpoint unless its ``intercept`` setting is off.
        ``InterceptConflictError`` when another endpoint already intercepts one of its
        buckets."""
        if not self.is_running:
            raise RuntimeError("the endpoint is not running: start() it before intercept()")
        from .intercept import intercept

        with intercept(self, label):
            self._log.record_via = True
            try:
                yield self
            finally:
                self._log.record_via = False

    @staticmethod
    def ca_file() -> str:
        """The PEM file of the test authority behind every certificate of the fake (one key
        pair and authority per process): ``requests.get(url, verify=cos_cors.ca_file())``."""
        return tls.ca_file()

    @staticmethod
    def ssl_context() -> ssl.SSLContext:
        """An ``ssl.SSLContext`` for Python clients that trusts the fake's certificates (and
        nothing else): for ``http.client``, ``urllib``, ``httpx``, ``aiohttp``."""
        return tls.client_context()

    def cos_config(self, **overrides: Any) -> Any:
        """A ``qcloud_cos.CosConfig`` that reaches this endpoint path-style (plain http; signing
        with the endpoint's first credentials, their session token as ``Token`` for a temporary
        key, or with dummy ones when it has none): every URL the SDK makes, presigned ones
        included, is
        ``http://127.0.0.1:PORT/<bucket>/<key>``, so ``get_presigned_url`` gives a URL that
        ``requests`` and a browser open as it is. Keyword arguments override any parameter of
        ``CosConfig``; with ``IP``, ``Domain`` or ``Endpoint`` among them it is a plain
        ``CosConfig`` of those parameters (``IP``/``Port`` mode connects to the IP and sends the
        bucket's real ``Host``, but its presigned URLs carry no bucket)."""
        try:
            from qcloud_cos import CosConfig
        except ImportError as error:
            raise ModuleNotFoundError(
                "cos_config() needs the Tencent COS Python SDK: pip install cos-python-sdk-v5",
                name="qcloud_cos",
            ) from error
        options: dict[str, Any] = {
            "Region": self._region,
            "Scheme": "http",
            "SecretId": _SECRET_ID,
            "SecretKey": _SECRET_KEY,
        }
        for secret_id, entry in (self._app.credentials or {}).items():
            options["SecretId"] = secret_id
            if isinstance(entry, str):
                options["SecretKey"] = entry
            else:
                options["SecretKey"], options["Token"] = entry
            break
        options.update(overrides)
        if {"IP", "Domain", "Endpoint"} & options.keys():
            return CosConfig(**options)
        return _path_style_config(CosConfig, self.url)(**options)

    # -- credentials ---------------------------------------------------------------------------

    @property
    def credentials(self) -> Mapping[str, str | tuple[str, str]] | None:
        """The credentials whose signatures the endpoint verifies (a read-only copy), or
        ``None`` when it accepts any signature."""
        return self._app.credentials

    def set_credentials(self, credentials: Credentials | None) -> None:
        """Verify signatures against ``credentials`` from the next request on (``SecretId ->
        SecretKey``, or ``SecretId -> (SecretKey, SessionToken)``), or, with ``None``, stop
        verifying. A copy is taken and swapped in whole; ``TypeError``/``ValueError`` naming
        the entry at fault leave the current ones in place."""
        self._app.credentials = _checked(credentials)

    # -- buckets, rules, objects -------------------------------------------------------------

    def add_bucket(self, name: str, acl: str = DEFAULT_ACL) -> None:
        """Add a bucket (in the endpoint's region); ``ValueError`` if it exists or if ``name`` is
        not a COS bucket name (``<name>-<appid>``)."""
        check_bucket(name, self._region)
        if not self._store.add_bucket(name, self._region, check_acl(acl)):
            raise ValueError(f"the bucket {name!r} already exists")

    def set_rules(
        self,
        *rules: object,
        bucket: str | None = None,
        response_vary: bool | str | None = None,
    ) -> CORSConfiguration:
        """Replace the bucket's CORS configuration, as ``PUT /?cors`` would; accepts every form
        the ``cors_rules`` marker accepts. Raises :class:`~pytest_cos_cors.CosError` (COS's
        code and message) for an invalid configuration. Returns the stored configuration."""
        name = bucket or self._bucket
        if self._store.info(name) is None:
            raise UnknownBucketError(name, self._store.names())
        configuration = load_configuration(*rules, response_vary=response_vary)
        self._store.set_configuration(name, configuration)
        return configuration

    def clear_rules(self, bucket: str | None = None) -> None:
        """Remove the bucket's CORS configuration, as ``DELETE /?cors`` would."""
        self._store.set_configuration(bucket or self._bucket, None)

    def configuration(self, bucket: str | None = None) -> CORSConfiguration | None:
        return self._store.configuration(bucket or self._bucket)

    def objects(self, bucket: str | None = None) -> Mapping[str, bytes]:
        """A read-only snapshot: object key (no leading slash) -> content."""
        return self._store.objects(bucket or self._bucket)

    # -- what was seen -----------------------------------------------------------------------

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """Every request answered so far, oldest first (a snapshot)."""
        return self._log.snapshot()

    @property
    def preflights(self) -> tuple[Exchange, ...]:
        """The ``OPTIONS`` exchanges, oldest first (a snapshot)."""
        return self._log.filter(is_preflight=True)

    @property
    def dropped_exchanges(self) -> int:
        """How many of the oldest exchanges were dropped to stay within ``max_exchanges``."""
        return self._log.dropped

    def clear_log(self) -> None:
        """Forget the exchanges seen so far."""
        self._log.clear()


def _checked(credentials: object) -> Mapping[str, str | tuple[str, str]] | None:
    """A read-only copy of valid ``credentials``; ``TypeError``/``ValueError`` naming the
    entry at fault (:func:`~pytest_cos_cors.signatures.check_credentials`)."""
    if credentials is None:
        return None
    checked = check_credentials(credentials)
    return MappingProxyType(
        {
            secret_id: entry.secret_key if entry.token is None else (entry.secret_key, entry.token)
            for secret_id, entry in checked.items()
        }
    )


def _path_style_config(config_class: Any, endpoint_url: str) -> Any:
    """A subclass of ``qcloud_cos.CosConfig`` whose URLs all point at ``endpoint_url``
    path-style: ``http://<bucket>.<endpoint>/<key>`` becomes ``<endpoint_url>/<bucket>/<key>``,
    any other host (the bucket-less service host, a CI endpoint) ``<endpoint_url>/<path>``.

    ``CosConfig.uri`` is where the SDK builds the URL of a request, of ``get_presigned_url`` and
    of ``get_object_url``; without ``IP`` the SDK sets no ``Host`` header of its own, so the
    fake routes each request path-style (SPEC section 1)."""

    class EndpointCosConfig(config_class):  # type: ignore[misc]
        def uri(
            self,
            bucket: str | None = None,
            path: str | None = None,
            endpoint: str | None = None,
            domain: str | None = None,
            useAppid: bool = False,
        ) -> str:
            url: str = super().uri(
                bucket=bucket, path=path, endpoint=endpoint, domain=domain, useAppid=useAppid
            )
            parts = urlsplit(url)
            suffix = "." + (endpoint or self._endpoint)
            prefix = ""
            if bucket is not None and parts.netloc.endswith(suffix):
                prefix = "/" + parts.netloc[: -len(suffix)]
            return endpoint_url + prefix + parts.path  # uri() never has a query

    return EndpointCosConfig


def _host_in_url(host: str) -> str:
    """How ``host`` is written in the endpoint's URLs (a wildcard address as loopback, an IPv6
    address in brackets)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host
