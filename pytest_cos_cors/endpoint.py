"""``CosCorsEndpoint``: a fake Tencent COS endpoint on a real socket, usable with or without pytest.

with CosCorsEndpoint() as ep:
    ep.set_rules({"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]})
    requests.options(ep.url_for("avatar.png"), headers={...})
    assert ep.preflights[-1].allowed
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Mapping
from types import EllipsisType, TracebackType
from typing import TYPE_CHECKING, Any

from .addressing import bucket_host, quote_key
from .assertions import AssertionsMixin
from .constants import DEFAULT_ACL, DEFAULT_BUCKET, DEFAULT_HOST, DEFAULT_REGION
from .cos_app import CosApp
from .recording import Exchange, ExchangeLog, Problems
from .rules import CORSConfiguration
from .serving import CosServer
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
    ) -> None:
        self._bucket = bucket
        self._region = region
        self._host = host
        self._port = port
        self._server: CosServer | None = None
        if not isinstance(bucket, str) or not bucket or "/" in bucket:
            raise ValueError(f"not a bucket name: {bucket!r}")
        self._store = Store()
        self._store.add_bucket(bucket, region, check_acl(acl))
        if not isinstance(max_exchanges, EllipsisType):  # ``...``: the class attribute
            self.max_exchanges = max_exchanges
        self._log = ExchangeLog(self.max_exchanges)
        self._problems = Problems()
        self._app = CosApp(self._store, region, self._log, self._problems)
        self._lifecycle = threading.Lock()

    def __repr__(self) -> str:
        state = f"port={self._port}" if self.is_running else "stopped"
        return f"<CosCorsEndpoint bucket={self._bucket!r} region={self._region!r} {state}>"

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Bind and serve from a background thread; returns at once."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the endpoint is already running")
            server = CosServer(
                self._host,
                self._port,
                self._app,
                self._problems,
                stop_timeout=self.stop_timeout,
                framing_error=protocol_error,
                internal_error=internal_error,
            )
            self._port = server.port
            server.start()
            self._server = server

    def stop(self) -> None:
        """Stop serving: requests in flight finish (or are cut off after ``stop_timeout`` and
        reported by :meth:`check`), every thread is joined and the socket closed. Idempotent."""
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
        """How many requests the endpoint is serving right now: their request line has arrived
        and the endpoint has not answered yet (0 when it is not running). A test can wait on it
        to be sure a request reached the endpoint before it does something concurrent."""
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
        return f"http://{self._url_host()}:{self._port}"

    @property
    def bucket_host(self) -> str:
        """``<bucket>.cos.<region>.myqcloud.com`` of the endpoint's bucket."""
        return bucket_host(self._bucket, self._region)

    def url_for(self, key: str = "", bucket: str | None = None) -> str:
        """A path-style URL on the endpoint's own address: ``http://127.0.0.1:PORT/<bucket>/<key>``
        (``key`` is percent-encoded here)."""
        return f"{self.url}/{bucket or self._bucket}/{quote_key(key.lstrip('/'))}"

    def cos_url_for(self, key: str = "", bucket: str | None = None) -> str:
        """The production-style ``http://<bucket>.cos.<region>.myqcloud.com/<key>``: for the SDK
        and for a browser started with :meth:`browser_args`."""
        host = bucket_host(bucket or self._bucket, self._region)
        return f"http://{host}/{quote_key(key.lstrip('/'))}"

    def _url_host(self) -> str:
        host = self._host
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

    def browser_args(self) -> list[str]:
        """Chromium flags mapping ``*.myqcloud.com`` and ``*.tencentcos.cn`` to this endpoint,
        every other name to ``~NOTFOUND`` except ``localhost``, ``*.localhost`` and
        ``127.0.0.1`` (one flag: Chromium keeps only the last ``--host-resolver-rules``)."""
        target = f"{self._url_host()}:{self.port}"
        rules = [
            f"MAP *.myqcloud.com {target}",
            f"MAP *.tencentcos.cn {target}",
            "MAP * ~NOTFOUND",
            "EXCLUDE localhost",
            "EXCLUDE *.localhost",
            "EXCLUDE 127.0.0.1",
        ]
        return [f"--host-resolver-rules={', '.join(rules)}"]

    def cos_config(self, **overrides: Any) -> Any:
        """A ``qcloud_cos.CosConfig`` that reaches this endpoint (IP/Port mode, plain http, dummy
        credentials); keyword arguments override any of its parameters."""
        try:
            from qcloud_cos import CosConfig
        except ImportError as error:
            raise ModuleNotFoundError(
                "cos_config() needs the Tencent COS Python SDK: pip install cos-python-sdk-v5",
                name="qcloud_cos",
            ) from error
        options: dict[str, Any] = {
            "Region": self._region,
            "IP": self._url_host(),
            "Port": self.port,
            "Scheme": "http",
            "SecretId": _SECRET_ID,
            "SecretKey": _SECRET_KEY,
        }
        options.update(overrides)
        return CosConfig(**options)

    # -- buckets, rules, objects -------------------------------------------------------------

    def add_bucket(self, name: str, acl: str = DEFAULT_ACL) -> None:
        """Add a bucket (in the endpoint's region); ``ValueError`` if it exists."""
        if not name or "/" in name:
            raise ValueError(f"not a bucket name: {name!r}")
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
