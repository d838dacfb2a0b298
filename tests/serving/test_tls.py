"""HTTPS on the same port as HTTP: told apart by the first byte, the handshake driven by the
selector loop (a slow or silent TLS client holds no worker), keep-alive and pipelining through
TLS, the certificates (one key, a name per SNI), and the engine's cut and close-without-answer.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pytest_cos_cors import tls
from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.recording import Problems
from pytest_cos_cors.serving import CloseConnection, CosServer
from pytest_cos_cors.wire import internal_error, protocol_error

from .conftest import Answer, Client, request, wait_for

BUCKET_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"


class TlsClient(Client):
    """:class:`Client` over TLS, trusting the fake's authority; SNI ``name`` (none for an IP)."""

    def __init__(self, port: int, name: str = "127.0.0.1", timeout: float = 5.0) -> None:
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        try:
            self.sock = tls.client_context().wrap_socket(raw, server_hostname=name)
        except BaseException:
            raw.close()
            raise
        self.reader = self.sock.makefile("rb")

    def certificate(self) -> x509.Certificate:
        der = self.sock.getpeercert(binary_form=True)  # type: ignore[attr-defined]
        assert der is not None
        return x509.load_der_x509_certificate(der)


def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answers the scheme, the Host and the body it read."""
    body = environ["wsgi.input"].read()
    text = f"{environ['wsgi.url_scheme']} {environ.get('HTTP_HOST', '')} {len(body)}".encode()
    start_response("200 OK", [("Content-Length", str(len(text)))])
    return [text]


class TlsServed:
    def __init__(self, app: Any, **settings: Any) -> None:
        self.problems = Problems()
        self.contexts = 0

        def context() -> ssl.SSLContext:
            self.contexts += 1
            return tls.server_context()

        self.server = CosServer(
            "127.0.0.1",
            0,
            app,
            self.problems,
            framing_error=protocol_error,
            internal_error=internal_error,
            tls=context,
        )
        for name, value in settings.items():
            setattr(self.server, name, value)
        self.port: int = self.server.port
        self.server.start()


@pytest.fixture
def serve_tls() -> Iterator[Callable[..., TlsServed]]:
    started: list[TlsServed] = []

    def start(app: Any = echo, **settings: Any) -> TlsServed:
        served = TlsServed(app, **settings)
        started.append(served)
        return served

    yield start
    for served in started:
        served.server.stop()
        assert served.problems.snapshot() == ()


def get(path: str = "/", host: str = "h", body: bytes = b"") -> bytes:
    headers = [("Host", host)]
    if body:
        headers.append(("Content-Length", str(len(body))))
    return request("PUT" if body else "GET", path, headers, body)


# -- one port, two protocols ---------------------------------------------------------------------


def test_http_and_https_on_the_same_port(serve_tls: Callable[..., TlsServed]) -> None:
    served = serve_tls()
    with Client(served.port) as plain:
        plain.send(get(host="a"))
        assert plain.answer().body == b"http a 0"
    assert served.contexts == 0, "no TLS context until a TLS client comes"
    with TlsClient(served.port) as secure:
        secure.send(get(host="b"))
        assert secure.answer().body == b"https b 0"
        assert secure.sock.selected_alpn_protocol() == "http/1.1"  # type: ignore[attr-defined]
    with TlsClient(served.port) as again:
        again.send(get(host="c"))
        assert again.answer().body == b"https c 0"
    assert served.contexts == 1, "one context per server, made once"


def test_keep_alive_and_pipelining_over_tls(serve_tls: Callable[..., TlsServed]) -> None:
    served = serve_tls()
    with TlsClient(served.port) as client:
        for n in range(5):
            client.send(get(host=f"k{n}"))
            assert client.answer().body == f"https k{n} 0".encode()
        time.sleep(0.05)  # handed back to the selector loop, idle
        client.send(get(host="idle"))
        assert client.answer().body == b"https idle 0"
        # Three requests in one write: whatever TLS decrypted at once is served in order.
        client.send(get(host="p1") + get(host="p2", body=b"xyz") + get(host="p3"))
        assert [client.answer().body for _ in range(3)] == [
            b"https p1 0",
            b"https p2 3",
            b"https p3 0",
        ]


@pytest.mark.parametrize("size", [10, 70_000, 3_000_000])
def test_bodies_in_and_out_over_tls(serve_tls: Callable[..., TlsServed], size: int) -> None:
    def big(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body) * 2))])
        return [body, body[::-1]]

    served = serve_tls(big)
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    with TlsClient(served.port) as client:
        client.send(get(body=payload))
        answer = client.answer()
        assert answer.body == payload + payload[::-1]
        chunked = request(
            "PUT", "/", [("Host", "h"), ("Transfer-Encoding", "chunked")], b""
        ) + b"%x\r\n%b\r\n0\r\n\r\n" % (len(payload), payload)
        client.send(chunked)
        assert client.answer().body == payload + payload[::-1]


def test_the_endpoint_answers_https_as_it_answers_http() -> None:
    with CosCorsEndpoint() as endpoint:
        endpoint.set_rules({"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]})
        preflight = request(
            "OPTIONS",
            "/a.txt",
            [
                ("Host", BUCKET_HOST),
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "PUT"),
            ],
        )
        answers: list[Answer] = []
        with Client(endpoint.port) as plain:
            plain.send(preflight)
            answers.append(plain.answer())
        with TlsClient(endpoint.port, BUCKET_HOST) as secure:
            secure.send(preflight)
            answers.append(secure.answer())
        same = [
            [(k, v) for k, v in a.headers if not k.lower().startswith(("x-cos-", "date"))]
            for a in answers
        ]
        assert answers[0].status == answers[1].status == 200
        assert same[0] == same[1]
        assert [e.status for e in endpoint.preflights] == [200, 200]


# -- certificates ----------------------------------------------------------------------------------


def spki_pin(certificate: x509.Certificate) -> str:
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def names(certificate: x509.Certificate) -> list[str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(n.value) for n in san]


def test_a_certificate_per_name_all_with_one_key(serve_tls: Callable[..., TlsServed]) -> None:
    served = serve_tls()
    seen = {}
    for name in (
        "127.0.0.1",  # no SNI: the default certificate
        "localhost",
        BUCKET_HOST,
        "otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        "examplebucket-1250000000.cos.ap-beijing.tencentcos.cn",
        "app.example.com",
    ):
        client = TlsClient(served.port, name)  # verified against tls.ca_file()
        with client:
            client.send(get(host=name))
            assert client.answer().status == 200
            seen[name] = client.certificate()
    assert {spki_pin(c) for c in seen.values()} == {tls.spki_pin()}
    assert names(seen["127.0.0.1"]) == [
        "localhost",
        "127.0.0.1",
        "::1",
        "*.myqcloud.com",
        "*.tencentcos.cn",
    ]
    assert names(seen[BUCKET_HOST]) == ["*.cos.ap-beijing.myqcloud.com"]
    assert names(seen["app.example.com"]) == ["app.example.com"]
    assert tls.browser_flag() == f"--ignore-certificate-errors-spki-list={tls.spki_pin()}"


def test_python_clients_trust_the_endpoint_with_its_ca_file() -> None:
    requests = pytest.importorskip("requests")
    with CosCorsEndpoint() as endpoint:
        url = endpoint.https_url + f"/{endpoint.bucket}/k.txt"
        assert url.startswith("https://127.0.0.1:")
        session = requests.Session()
        put = session.put(url, data=b"over tls", verify=endpoint.ca_file())
        got = session.get(url, verify=endpoint.ca_file())
        assert (put.status_code, got.status_code, got.content) == (200, 200, b"over tls")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url)  # the system's authorities do not know the fake's
        context = endpoint.ssl_context()
        with (
            socket.create_connection(("127.0.0.1", endpoint.port)) as raw,
            context.wrap_socket(raw, server_hostname=endpoint.bucket_host) as secure,
        ):
            secure.sendall(get("/k.txt", host=endpoint.bucket_host))
            assert secure.recv(12) == b"HTTP/1.1 200"


def test_a_policy_that_refuses_a_name_fails_the_handshake() -> None:
    problems = Problems()
    refusing = tls.server_context(
        lambda name: None if name == "evil.example" else tls.identity().context_for(name)
    )
    server = CosServer(
        "127.0.0.1", 0, echo, problems, framing_error=protocol_error, tls=lambda: refusing
    )
    server.start()
    try:
        with pytest.raises(ssl.SSLError, match=r"UNRECOGNIZED_NAME|unrecognized name"):
            TlsClient(server.port, "evil.example")
        with TlsClient(server.port, "good.example") as client:
            client.send(get())
            assert client.answer().status == 200
    finally:
        server.stop()
    assert problems.snapshot() == ()


# -- clients that do not finish --------------------------------------------------------------------


def test_a_slow_handshake_holds_no_worker(serve_tls: Callable[..., TlsServed]) -> None:
    served = serve_tls(request_timeout=0.3)
    hello = socket.create_connection(("127.0.0.1", served.port))
    silent = socket.create_connection(("127.0.0.1", served.port))
    try:
        hello.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a hello
        time.sleep(0.05)
        assert served.server.workers == 0
        with TlsClient(served.port) as other:  # served meanwhile
            other.send(get())
            assert other.answer().status == 200
        hello.settimeout(3)
        started = time.monotonic()
        assert hello.recv(100) == b"", "the unfinished handshake is closed at request_timeout"
        assert 0.2 < time.monotonic() - started < 2.5
    finally:
        hello.close()
        silent.close()
    assert served.problems.snapshot() == ()


@pytest.mark.parametrize(
    "sent",
    [
        b"\x16\x03\x01\x00\x05hello",  # a record, but no ClientHello in it
        b"\x16" + b"\x00" * 600,  # nonsense
    ],
    ids=["bad-hello", "nonsense"],
)
def test_broken_tls_is_closed_and_not_a_problem(
    serve_tls: Callable[..., TlsServed], sent: bytes
) -> None:
    served = serve_tls()
    with socket.create_connection(("127.0.0.1", served.port), timeout=3) as raw:
        raw.sendall(sent)
        data = b""
        try:
            while chunk := raw.recv(1000):
                data += chunk
        except ConnectionResetError:
            pass
    assert not data.startswith(b"HTTP/"), data
    assert served.problems.snapshot() == ()


def test_a_client_that_refuses_the_certificate(serve_tls: Callable[..., TlsServed]) -> None:
    served = serve_tls()
    strict = ssl.create_default_context()  # does not trust the fake's authority
    with (
        socket.create_connection(("127.0.0.1", served.port)) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        strict.wrap_socket(raw, server_hostname="localhost")
    with TlsClient(served.port) as client:
        client.send(get())
        assert client.answer().status == 200


def test_stop_with_tls_connections_in_every_phase(serve_tls: Callable[..., TlsServed]) -> None:
    served = serve_tls()
    handshaking = socket.create_connection(("127.0.0.1", served.port))
    handshaking.sendall(b"\x16\x03\x01")
    idle = TlsClient(served.port)
    idle.send(get())
    idle.answer()
    half = TlsClient(served.port)
    half.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
    assert wait_for(lambda: served.server.requests_in_progress() == 1)
    served.server.stop_timeout = 0.2
    started = time.monotonic()
    served.server.stop()
    assert time.monotonic() - started < 1.5
    assert idle.closed_by_server(1)
    assert half.closed_by_server(1)
    for closable in (handshaking, idle, half):
        closable.close()
    assert len(served.problems.snapshot()) == 1  # the half request, cut off at stop
    served.problems.clear()


# -- the engine's tools for a router -------------------------------------------------------------


def test_close_connection_answers_nothing(serve_tls: Callable[..., TlsServed]) -> None:
    def nothing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_HOST") == "nobody":
            raise CloseConnection
        return echo(environ, start_response)

    served = serve_tls(nothing)
    makers: list[Callable[[], Client]] = [
        lambda: Client(served.port),
        lambda: TlsClient(served.port),
    ]
    for make in makers:
        with make() as client:
            client.send(get(host="somebody"))
            assert client.answer().status == 200
            client.send(get(host="nobody"))
            with pytest.raises(ConnectionError, match="without an answer"):
                client.answer()


def test_cut_connections_closes_what_is_open_and_serves_what_comes_after(
    serve_tls: Callable[..., TlsServed],
) -> None:
    gate, entered = threading.Event(), threading.Event()

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_HOST") == "slow":
            entered.set()
            gate.wait(5)
        return echo(environ, start_response)

    served = serve_tls(slow)
    idle_plain, idle_secure, busy = Client(served.port), TlsClient(served.port), Client(served.port)
    try:
        for client in (idle_plain, idle_secure):
            client.send(get())
            client.answer()
        busy.send(get(host="slow"))
        assert entered.wait(5)
        assert served.server.cut_connections(2.0)
        assert idle_plain.closed_by_server(1)
        assert idle_secure.closed_by_server(1)
        gate.set()
        assert busy.answer().body == b"http slow 0", "a request in progress is answered"
        assert busy.closed_by_server(1), "then its connection is closed, not kept alive"
        with TlsClient(served.port) as later:
            later.send(get(host="later"))
            assert later.answer().body == b"https later 0"
            later.send(get(host="again"))
            assert later.answer().body == b"https again 0", "kept alive after the cut"
    finally:
        gate.set()
        for client in (idle_plain, idle_secure, busy):
            client.close()
