"""``serve_origin``: pages under production origins, served by the endpoint itself and routed by
``Host`` like the buckets, never recorded as COS exchanges."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import requests

from pytest_cos_cors import CosCorsEndpoint
from pytest_cos_cors.origins import Origin, content_type_of, parse_origin

BUCKET_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"


def fetch(endpoint: CosCorsEndpoint, origin: str, path: str = "/", method: str = "GET") -> Any:
    """A request for ``origin`` + ``path`` sent to the endpoint (over TLS for https)."""
    parsed = parse_origin(origin)
    base = endpoint.https_url if parsed.scheme == "https" else endpoint.url
    default = {"http": 80, "https": 443}[parsed.scheme]
    host = parsed.host if parsed.port == default else f"{parsed.host}:{parsed.port}"
    return requests.request(
        method, base + path, headers={"Host": host}, verify=endpoint.ca_file(), timeout=5
    )


@pytest.mark.parametrize(
    ("text", "origin", "written"),
    [
        ("https://app.example.com", Origin("https", "app.example.com", 443), None),
        (
            "https://App.Example.com/",
            Origin("https", "app.example.com", 443),
            "https://app.example.com",
        ),
        ("http://admin.example.com:8080", Origin("http", "admin.example.com", 8080), None),
        (
            "http://admin.example.com:80",
            Origin("http", "admin.example.com", 80),
            "http://admin.example.com",
        ),
        (
            "https://xn--bcher-kva.example:8443",
            Origin("https", "xn--bcher-kva.example", 8443),
            None,
        ),
    ],
)
def test_origins_are_read_as_a_browser_writes_them(
    text: str, origin: Origin, written: str | None
) -> None:
    assert parse_origin(text) == origin
    assert str(origin) == (written or text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("app.example.com", "not an origin"),
        ("ftp://app.example.com", "not an origin"),
        ("https://app.example.com/index.html", "not an origin"),
        ("https://app.example.com?x=1", "not an origin"),
        ("https://user@app.example.com", "not an origin"),
        ("https://*.example.com", "not an origin"),
        ("https://app.example.com:99999", "not an origin"),
        ("http://localhost:8000", "Chromium resolves localhost"),
        ("http://app.localhost:8000", "Chromium resolves localhost"),
        ("http://127.0.0.1:8000", "IP address"),
        ("https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com", "COS's own domains"),
        (42, "a string"),
    ],
)
def test_what_is_not_an_origin_is_refused_with_a_reason(text: object, words: str) -> None:
    endpoint = CosCorsEndpoint()
    with pytest.raises(ValueError, match=words):
        endpoint.serve_origin(text, "<p>x</p>")  # type: ignore[arg-type]
    assert endpoint.served_origins == ()


def test_html_text_and_bytes_at_the_root(endpoint: CosCorsEndpoint) -> None:
    assert endpoint.serve_origin("https://app.example.com/", "<p>app ü</p>") == (
        "https://app.example.com"
    )
    endpoint.serve_origin("http://admin.example.com:8080", b"<p>admin</p>")
    page = fetch(endpoint, "https://app.example.com")
    assert (page.status_code, page.text) == (200, "<p>app ü</p>")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Server" not in page.headers, "a site is not COS"
    assert fetch(endpoint, "http://admin.example.com:8080").content == b"<p>admin</p>"
    assert fetch(endpoint, "https://app.example.com", "/other").status_code == 404
    assert fetch(endpoint, "https://app.example.com", method="POST").status_code == 405
    head = fetch(endpoint, "https://app.example.com", method="HEAD")
    assert (head.status_code, head.content, head.headers["Content-Length"]) == (200, b"", "13")
    assert endpoint.served_origins == ("https://app.example.com", "http://admin.example.com:8080")
    assert endpoint.exchanges == (), "requests to a served origin are not COS exchanges"


def test_a_directory_of_static_files(endpoint: CosCorsEndpoint, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("upload()")
    (tmp_path / "js" / "index.html").write_text("<h1>js</h1>")
    (tmp_path / "style.css").write_text("p {}")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "data.unknownext").write_bytes(b"?")
    (tmp_path.parent / "secret.txt").write_text("secret")
    endpoint.serve_origin("https://app.example.com", tmp_path)

    def got(path: str) -> tuple[int, str | None, bytes]:
        response = fetch(endpoint, "https://app.example.com", path)
        return response.status_code, response.headers.get("Content-Type"), response.content

    assert got("/") == (200, "text/html; charset=utf-8", b"<h1>home</h1>")
    assert got("/js/app.js") == (200, "text/javascript; charset=utf-8", b"upload()")
    assert got("/js/") == (200, "text/html; charset=utf-8", b"<h1>js</h1>")
    assert got("/style.css")[:2] == (200, "text/css; charset=utf-8")
    assert got("/logo.png")[:2] == (200, "image/png")
    assert got("/data.unknownext")[:2] == (200, "application/octet-stream")
    assert got("/missing.html")[0] == 404
    assert got("/../secret.txt")[0] == 404
    assert got("/%2e%2e/secret.txt")[0] == 404
    assert endpoint.exchanges == ()


def test_one_file_and_content_types() -> None:
    assert content_type_of(Path("a.mjs")) == "text/javascript; charset=utf-8"
    assert content_type_of(Path("a.JSON")) == "application/json"
    assert content_type_of(Path("a.svg")) == "image/svg+xml"


def test_a_file_is_served_at_the_root(endpoint: CosCorsEndpoint, tmp_path: Path) -> None:
    page = tmp_path / "upload.html"
    page.write_text("<p>upload</p>")
    endpoint.serve_origin("https://app.example.com", page)
    assert fetch(endpoint, "https://app.example.com").text == "<p>upload</p>"
    with pytest.raises(ValueError, match="no such file or directory"):
        endpoint.serve_origin("https://app.example.com", tmp_path / "missing")
    with pytest.raises(TypeError, match="not int"):
        endpoint.serve_origin("https://app.example.com", 42)  # type: ignore[arg-type]


def test_a_wsgi_application(endpoint: CosCorsEndpoint) -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ)
        body = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()
        start_response("201 Created", [("Content-Length", str(len(body)))])
        return [body]

    endpoint.serve_origin("https://app.example.com", app)
    response = fetch(endpoint, "https://app.example.com", "/api/sign", method="POST")
    assert (response.status_code, response.text) == (201, "POST /api/sign")
    assert seen[0]["wsgi.url_scheme"] == "https"
    assert seen[0]["HTTP_HOST"] == "app.example.com"


def test_flask_app(endpoint: CosCorsEndpoint) -> None:
    flask = pytest.importorskip("flask")
    app = flask.Flask("site")
    app.add_url_rule("/", "index", lambda: "<p>flask</p>")

    endpoint.serve_origin("https://app.example.com", app)
    assert fetch(endpoint, "https://app.example.com").text == "<p>flask</p>"


def test_routing_by_scheme_host_and_port(endpoint: CosCorsEndpoint) -> None:
    endpoint.serve_origin("https://app.example.com", "<p>secure</p>")
    endpoint.serve_origin("http://app.example.com:8080", "<p>8080</p>")
    assert fetch(endpoint, "https://app.example.com").text == "<p>secure</p>"
    assert fetch(endpoint, "http://app.example.com:8080").text == "<p>8080</p>"
    # The same host under a scheme or port that is not served: 421, not COS.
    misdirected = fetch(endpoint, "http://app.example.com")
    assert misdirected.status_code == 421
    assert "served: https://app.example.com, http://app.example.com:8080" in misdirected.text
    # A served origin again: replaced.
    endpoint.serve_origin("https://app.example.com", "<p>new</p>")
    assert fetch(endpoint, "https://app.example.com").text == "<p>new</p>"
    # COS, by its host name or path-style, is untouched.
    cos = requests.put(
        endpoint.https_url + "/k",
        data=b"x",
        headers={"Host": BUCKET_HOST},
        verify=endpoint.ca_file(),
        timeout=5,
    )
    assert cos.status_code == 200
    assert requests.get(endpoint.url_for("k"), timeout=5).content == b"x"
    assert [(e.method, e.path) for e in endpoint.exchanges] == [("PUT", "/k"), ("GET", "/k")]


def test_browser_args_map_the_served_hosts_and_accept_the_fake_key(
    endpoint: CosCorsEndpoint,
) -> None:
    from pytest_cos_cors import tls

    endpoint.serve_origin("https://app.example.com", "x")
    endpoint.serve_origin("http://admin.example.com:8080", "x")
    rules, spki = endpoint.browser_args()
    target = f"127.0.0.1:{endpoint.port}"
    assert rules == (
        f"--host-resolver-rules=MAP *.myqcloud.com {target}, MAP *.tencentcos.cn {target}, "
        f"MAP admin.example.com {target}, MAP app.example.com {target}, MAP * ~NOTFOUND, "
        "EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1"
    )
    assert spki == f"--ignore-certificate-errors-spki-list={tls.spki_pin()}"
    assert "--ignore-certificate-errors" not in endpoint.browser_args()


def test_cos_urls_in_either_scheme(endpoint: CosCorsEndpoint) -> None:
    assert endpoint.cos_url_for("a b.png") == f"http://{BUCKET_HOST}/a%20b.png"
    assert endpoint.cos_url_for("a.png", scheme="https") == f"https://{BUCKET_HOST}/a.png"
    with pytest.raises(ValueError, match="scheme must be"):
        endpoint.cos_url_for("a", scheme="ftp")
    assert endpoint.https_url == f"https://127.0.0.1:{endpoint.port}"
