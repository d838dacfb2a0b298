"""Hostile XML on ``PUT /?cors`` over real HTTP: every document gets its 400 and COS code, no
entity is expanded, no file is opened, no connection is made, and memory stays bounded.

The per-case time is measured by ``benchmarks``-style scripts, never asserted here."""

from __future__ import annotations

import gc
import select
import socket
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.errors import MALFORMED_XML, TOO_MANY_RULES, XML_SIZE_LIMIT

from .conftest import FileWatch, assert_cos_error, request

CANARY_TEXT = "CANARY-7f3c9a-do-not-leak"
RULE = (
    "<CORSRule><AllowedOrigin>{origin}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"
)
GOOD = (
    "<CORSConfiguration><CORSRule><AllowedOrigin>https://good.example</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
)
LIMIT = 65536


@dataclass(frozen=True)
class Places:
    canary: Path  # a file whose content must never come back
    dtd: Path  # an external DTD that would pull the canary in
    listener: socket.socket  # a listening socket nobody may connect to

    @property
    def port(self) -> int:
        port: int = self.listener.getsockname()[1]
        return port


def config(origin: str) -> str:
    return f"<CORSConfiguration>{RULE.format(origin=origin)}</CORSConfiguration>"


def billion_laughs(_: Places) -> bytes:
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return f"<!DOCTYPE lolz [{''.join(lines)}]>{config('&lol9;')}".encode()


def quadratic(_: Places) -> bytes:
    head = f'<!DOCTYPE c [<!ENTITY a "{"x" * 30000}">]>'
    refs = "&a;" * ((LIMIT - len(head) - 200) // 3)
    body = f"{head}{config(refs)}".encode()
    assert LIMIT - 200 < len(body) <= LIMIT
    return body


def xxe_file(p: Places) -> bytes:
    return f'<!DOCTYPE c [<!ENTITY x SYSTEM "{p.canary.as_uri()}">]>{config("&x;")}'.encode()


def xxe_http(p: Places) -> bytes:
    url = f"http://127.0.0.1:{p.port}/xxe"
    return f'<!DOCTYPE c [<!ENTITY x SYSTEM "{url}">]>{config("&x;")}'.encode()


def external_dtd_file(p: Places) -> bytes:
    return f'<!DOCTYPE CORSConfiguration SYSTEM "{p.dtd.as_uri()}">{config("&x;")}'.encode()


def external_dtd_http(p: Places) -> bytes:
    url = f"http://127.0.0.1:{p.port}/evil.dtd"
    return f'<!DOCTYPE CORSConfiguration SYSTEM "{url}">{config("&x;")}'.encode()


def parameter_entity(p: Places) -> bytes:
    return (f'<!DOCTYPE c [<!ENTITY % p SYSTEM "{p.dtd.as_uri()}"> %p;]>{config("&x;")}').encode()


def _utf16(build: Callable[[Places], bytes]) -> Callable[[Places], bytes]:
    # UTF-16 hides "<!DOCTYPE" from a byte search: the parser's own hardening must hold.
    def encoded(p: Places) -> bytes:
        text = '<?xml version="1.0" encoding="UTF-16"?>' + build(p).decode()
        return text.encode("utf-16")

    return encoded


def utf7_xxe(p: Places) -> bytes:
    # UTF-7 spells "<" as "+ADw-": no "<!DOCTYPE" bytes at all, and libxml2 decodes it.
    text = xxe_file(p).decode()
    coded = text.replace("<", "+ADw-").replace(">", "+AD4-").replace("!", "+ACE-")
    return b'<?xml version="1.0" encoding="UTF-7"?>' + coded.encode()


def too_large(_: Places) -> bytes:
    body = config("https://a.example").encode()
    padding = LIMIT + 1 - len(body)
    return body.replace(b"<CORSRule>", b"<CORSRule>" + b" " * padding, 1)


def deep(_: Places) -> bytes:
    head = "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><ID>"
    tail = "</ID></CORSRule></CORSConfiguration>"
    depth = (LIMIT - len(head) - len(tail)) // len("<a></a>")
    body = (head + "<a>" * depth + "</a>" * depth + tail).encode()
    assert LIMIT - 7 < len(body) <= LIMIT
    return body


def invalid_utf8(_: Places) -> bytes:
    return config("https://a.example/\xff").encode("latin-1").replace(b"\xff", b"\xc3\x28\xff")


def empty(_: Places) -> bytes:
    return b""


def wrong_root(_: Places) -> bytes:
    return RULE.format(origin="*").replace("CORSRule", "CORSConfig").encode()


def too_many_rules(_: Places) -> bytes:
    return ("<CORSConfiguration>" + RULE.format(origin="*") * 101 + "</CORSConfiguration>").encode()


MALFORMED = (400, "MalformedXML", MALFORMED_XML)
CASES: dict[str, tuple[Callable[[Places], bytes], tuple[int, str, str]]] = {
    "billion-laughs": (billion_laughs, MALFORMED),
    "quadratic-blowup": (quadratic, MALFORMED),
    "xxe-file": (xxe_file, MALFORMED),
    "xxe-http": (xxe_http, MALFORMED),
    "external-dtd-file": (external_dtd_file, MALFORMED),
    "external-dtd-http": (external_dtd_http, MALFORMED),
    "parameter-entity": (parameter_entity, MALFORMED),
    "utf16-billion-laughs": (_utf16(billion_laughs), MALFORMED),
    "utf16-xxe-file": (_utf16(xxe_file), MALFORMED),
    "utf16-xxe-http": (_utf16(xxe_http), MALFORMED),
    "utf16-external-dtd-file": (_utf16(external_dtd_file), MALFORMED),
    "utf16-external-dtd-http": (_utf16(external_dtd_http), MALFORMED),
    "utf16-parameter-entity": (_utf16(parameter_entity), MALFORMED),
    "utf7-xxe-file": (utf7_xxe, MALFORMED),
    "65537-bytes": (too_large, (400, "XMLSizeLimit", XML_SIZE_LIMIT)),
    "deep-nesting": (deep, MALFORMED),
    "invalid-utf8": (invalid_utf8, MALFORMED),
    "empty-body": (empty, MALFORMED),
    "wrong-root": (wrong_root, MALFORMED),
    "101-rules": (too_many_rules, (400, "InvalidRequest", TOO_MANY_RULES)),
}


@pytest.fixture
def places(tmp_path: Path) -> Iterator[Places]:
    canary = tmp_path / "canary.txt"
    canary.write_text(CANARY_TEXT)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY x SYSTEM "{canary.as_uri()}">')
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        yield Places(canary, dtd, listener)
        # Nobody may have connected: an accept() that would block proves it.
        readable, _, _ = select.select([listener], [], [], 0.05)
        assert readable == [], "the parser opened a connection to the http:// entity or DTD"


def put_cors(endpoint: CosCorsEndpoint, body: bytes) -> tuple[int, str, str]:
    answer = request(endpoint, "PUT", "/?cors", body=body)
    fields = answer.error()
    assert_cos_error(answer, answer.status, fields["Code"])
    assert CANARY_TEXT.encode() not in answer.body
    assert all(CANARY_TEXT not in v for _, v in answer.headers)
    return answer.status, fields["Code"], fields["Message"]


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_cors_document_is_refused(
    endpoint: CosCorsEndpoint, places: Places, file_watch: type[FileWatch], case: str
) -> None:
    build, expected = CASES[case]
    body = build(places)
    endpoint.set_rules(GOOD)
    watch = file_watch(places.canary, places.dtd)
    assert put_cors(endpoint, body) == expected
    assert watch.events() == [], "the parser opened a local file"
    # the stored configuration is untouched, and the canary is nowhere to be read back
    answer = request(endpoint, "GET", "/?cors")
    assert answer.status == 200
    assert b"https://good.example" in answer.body
    assert CANARY_TEXT.encode() not in answer.body
    (exchange,) = [e for e in endpoint.exchanges if e.method == "PUT"]
    assert exchange.status == expected[0]
    assert exchange.body_size == len(body)


def test_the_file_watch_sees_an_open(tmp_path: Path, file_watch: type[FileWatch]) -> None:
    """The watch the test above relies on does see a read (so its silence means something)."""
    target = tmp_path / "seen.txt"
    target.write_text("x")
    watch = file_watch(target)
    assert watch.events() == []
    assert target.read_text() == "x"
    assert watch.events() != []


def test_the_listener_sees_a_connection(places: Places) -> None:
    """The listener check of ``places`` fails when something connects (so its silence means
    something): connect, then drain it before the fixture's own check."""
    with socket.create_connection(("127.0.0.1", places.port)):
        readable, _, _ = select.select([places.listener], [], [], 5)
        assert readable == [places.listener]
        accepted, _ = places.listener.accept()
        accepted.close()


MEMORY_CASES = ["billion-laughs", "quadratic-blowup", "deep-nesting", "65537-bytes", "101-rules"]


@pytest.mark.parametrize("case", MEMORY_CASES)
def test_memory_stays_bounded(endpoint: CosCorsEndpoint, places: Places, case: str) -> None:
    """Peak traced memory while one hostile 64 KB document is sent, read, parsed and refused
    stays under 5 MB, and 30 more of them leave nothing behind."""
    build, expected = CASES[case]
    body = build(places)
    assert put_cors(endpoint, body) == expected  # warm-up: imports, thread pools, caches
    endpoint.clear_log()
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        assert put_cors(endpoint, body) == expected
        _, peak = tracemalloc.get_traced_memory()
        assert peak - before < 5 * 1024 * 1024, f"peak {peak - before} bytes"
        for _ in range(30):
            put_cors(endpoint, body)
        endpoint.clear_log()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 256 * 1024, f"grew by {after - before} bytes over 30 requests"
