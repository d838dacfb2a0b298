"""PUT, GET, HEAD and POST Object: stored headers, ``response-*`` overrides, ranges, conditions,
checksums, size limits and form uploads (docs/cos-operations.md 2.11, 2.12)."""

from __future__ import annotations

import hashlib
import socket
from typing import NamedTuple

import pytest
import requests

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import HOST, assert_error, call, quoted_md5, xml

STORED = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "max-age=3600",
    "Content-Disposition": 'attachment; filename="a.html"',
    "Content-Encoding": "identity",
    "Content-Language": "zh-CN",
    "Expires": "Wed, 21 Oct 2037 07:28:00 GMT",
}
BODY = b"[Object Content]"  # COS's own example: its ETag and CRC-64 are documented
ETAG = '"ee8de918d05640145b18f70f4c3aa602"'
CRC = "16749565679157681890"


@pytest.fixture
def stored(endpoint: CosCorsEndpoint) -> None:
    wire = call(endpoint, "PUT", "/page.html", {**STORED, "x-cos-meta-Author": "Ann"}, BODY)
    assert wire.status == 200


def test_put_answers_etag_and_crc64(endpoint: CosCorsEndpoint) -> None:
    wire = call(endpoint, "PUT", "/k", body=BODY)
    assert (wire.status, wire.body) == (200, b"")
    names = wire.names()
    assert "ETag" in names
    assert "x-cos-hash-crc64ecma" in names
    assert (wire.header("ETag"), wire.header("x-cos-hash-crc64ecma")) == (ETAG, CRC)
    assert wire.header("Content-Length") == "0"
    assert wire.header("Content-Type") is None
    assert endpoint.exchanges[-1].operation == "PutObject"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_stored_headers_come_back(endpoint: CosCorsEndpoint, stored: None, method: str) -> None:
    wire = call(endpoint, method, "/page.html")
    assert wire.status == 200
    for name, value in STORED.items():
        assert wire.header(name) == value, name
    names = wire.names()
    for name in ("Content-Length", "ETag", "Last-Modified", "x-cos-hash-crc64ecma"):
        assert name in names, name  # exact case: cos-python-sdk-v5 reads them from a dict
    assert wire.header("Content-Length") == str(len(BODY))
    assert (wire.header("ETag"), wire.header("x-cos-hash-crc64ecma")) == (ETAG, CRC)
    assert wire.header("x-cos-meta-author") == "Ann"
    assert wire.body == (BODY if method == "GET" else b"")
    assert endpoint.exchanges[-1].operation == f"{method.title()}Object"


def test_an_empty_header_is_not_stored(endpoint: CosCorsEndpoint) -> None:
    call(endpoint, "PUT", "/k", {"Cache-Control": "", "Content-Type": ""}, b"x")
    wire = call(endpoint, "GET", "/k")
    assert wire.header("Cache-Control") is None
    assert wire.header("Content-Type") == "application/octet-stream"


def test_response_overrides_change_the_answer_only(endpoint: CosCorsEndpoint, stored: None) -> None:
    query = (
        "response-content-type=image/png&response-content-language=en"
        "&response-expires=Thu,%2001%20Jan%202099%2000:00:00%20GMT"
        "&response-cache-control=no-store"
        "&response-content-disposition=inline&response-content-encoding=gzip"
    )
    wire = call(endpoint, "GET", f"/page.html?{query}")
    assert wire.status == 200
    assert wire.header("Content-Type") == "image/png"
    assert wire.header("Content-Language") == "en"
    assert wire.header("Expires") == "Thu, 01 Jan 2099 00:00:00 GMT"
    assert wire.header("Cache-Control") == "no-store"
    assert wire.header("Content-Disposition") == "inline"
    assert wire.header("Content-Encoding") == "gzip"
    again = call(endpoint, "GET", "/page.html")
    assert again.header("Content-Type") == STORED["Content-Type"]
    assert again.header("Cache-Control") == STORED["Cache-Control"]


def test_an_override_that_is_no_header_value_is_refused(
    endpoint: CosCorsEndpoint, stored: None
) -> None:
    wire = call(endpoint, "GET", "/page.html?response-content-type=a%0D%0AX-Evil:%201")
    message = (
        "The value of response-content-type cannot be sent back as an HTTP header: it contains a "
        "line break or a character outside ISO-8859-1."
    )
    assert_error(wire, 400, "InvalidArgument", message, "/page.html")
    assert not any(name.lower() == "x-evil" for name in wire.names())


@pytest.mark.parametrize(
    ("value", "status", "body", "content_range"),
    [
        ("bytes=3-5", 206, BODY[3:6], "bytes 3-5/16"),
        ("bytes=15-", 206, BODY[15:], "bytes 15-15/16"),
        ("bytes=16-", 416, None, "bytes */16"),
        ("bytes=16-20", 416, None, "bytes */16"),
        ("bytes=100-200", 416, None, "bytes */16"),
        ("bytes=-0", 416, None, "bytes */16"),
        ("bytes=5-3", 200, BODY, None),
        ("bytes=0-1,3-4", 200, BODY, None),
    ],
)
def test_ranges(
    endpoint: CosCorsEndpoint,
    stored: None,
    value: str,
    status: int,
    body: bytes | None,
    content_range: str | None,
) -> None:
    wire = call(endpoint, "GET", "/page.html", {"Range": value})
    assert wire.header("Content-Range") == content_range
    if status == 416:
        assert_error(
            wire, 416, "InvalidRange", "The requested range is not satisfiable", "/page.html"
        )
    else:
        assert (wire.status, wire.body) == (status, body)
    head = call(endpoint, "HEAD", "/page.html", {"Range": value})
    assert (head.status, head.body, head.header("Content-Range")) == (status, b"", content_range)


def test_any_range_of_an_empty_object_is_not_satisfiable(endpoint: CosCorsEndpoint) -> None:
    call(endpoint, "PUT", "/empty", body=b"")
    wire = call(endpoint, "GET", "/empty", {"Range": "bytes=0-"})
    assert wire.status == 416
    assert (call(endpoint, "GET", "/empty").status, call(endpoint, "GET", "/empty").body) == (
        200,
        b"",
    )


PAST = "Thu, 01 Jan 1970 00:00:00 GMT"
FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"If-Match": ETAG}, 200),
        ({"If-Match": '"0000", ' + ETAG}, 200),
        ({"If-Match": "*"}, 200),
        ({"If-Match": ETAG.strip('"')}, 200),
        ({"If-Match": '"0000"'}, 412),
        ({"If-Unmodified-Since": FUTURE}, 200),
        ({"If-Unmodified-Since": PAST}, 412),
        ({"If-Match": ETAG, "If-Unmodified-Since": PAST}, 200),
        ({"If-None-Match": ETAG}, 304),
        ({"If-None-Match": "W/" + ETAG}, 304),
        ({"If-None-Match": '"0000"'}, 200),
        ({"If-Modified-Since": FUTURE}, 304),
        ({"If-Modified-Since": PAST}, 200),
        ({"If-None-Match": '"0000"', "If-Modified-Since": FUTURE}, 200),
        ({"If-Modified-Since": "yesterday"}, 200),
        ({"If-Match": '"0000"', "Range": "bytes=100-"}, 412),
        ({"If-Match": ETAG, "Range": "bytes=8-"}, 206),
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_conditions(
    endpoint: CosCorsEndpoint, stored: None, method: str, headers: dict[str, str], status: int
) -> None:
    wire = call(endpoint, method, "/page.html", headers)
    assert wire.status == status, wire.body
    if status == 412:
        if method == "GET":
            assert_error(wire, 412, "PreconditionFailed", "Precondition not match.", "/page.html")
        else:
            assert wire.body == b""
    elif status == 304:
        assert wire.body == b""
        assert wire.header("Content-Length") is None
        assert (wire.header("ETag"), wire.header("x-cos-hash-crc64ecma")) == (ETAG, CRC)
        assert wire.header("Last-Modified")
        assert wire.header("Cache-Control") == STORED["Cache-Control"]


@pytest.mark.parametrize(
    ("if_range", "status"),
    [(ETAG, 206), ('"0000"', 200), ("W/" + ETAG, 200), (FUTURE, 200), ("nonsense", 200)],
)
def test_if_range(endpoint: CosCorsEndpoint, stored: None, if_range: str, status: int) -> None:
    wire = call(endpoint, "GET", "/page.html", {"Range": "bytes=0-3", "If-Range": if_range})
    assert wire.status == status
    assert wire.body == (BODY[:4] if status == 206 else BODY)


def test_if_range_with_the_last_modified_date(endpoint: CosCorsEndpoint, stored: None) -> None:
    modified = call(endpoint, "HEAD", "/page.html").header("Last-Modified")
    assert modified is not None
    wire = call(endpoint, "GET", "/page.html", {"Range": "bytes=0-3", "If-Range": modified})
    assert (wire.status, wire.body) == (206, BODY[:4])


# -- never silently wrong ------------------------------------------------------------------------


def _header(operation: str, name: str) -> str:
    return f"The header {name} is not implemented by this fake for {operation}."


def _param(operation: str, name: str) -> str:
    return f"The parameter {name} is not implemented by this fake for {operation}."


@pytest.mark.parametrize(
    ("method", "target", "headers", "message"),
    [
        (
            "PUT",
            "/k",
            {"x-cos-server-side-encryption": "AES256"},
            _header("PutObject", "x-cos-server-side-encryption"),
        ),
        (
            "PUT",
            "/k",
            {"x-amz-server-side-encryption": "AES256"},
            _header("PutObject", "x-amz-server-side-encryption"),
        ),
        ("PUT", "/k", {"x-cos-tagging": "a=b"}, _header("PutObject", "x-cos-tagging")),
        ("PUT", "/k", {"x-cos-acl": "private"}, _header("PutObject", "x-cos-acl")),
        (
            "PUT",
            "/k",
            {"x-cos-grant-read": 'id="1"'},
            _header("PutObject", "x-cos-grant-read"),
        ),
        (
            "PUT",
            "/k",
            {"x-cos-forbid-overwrite": "true"},
            _header("PutObject", "x-cos-forbid-overwrite: true"),
        ),
        (
            "PUT",
            "/k",
            {"x-cos-storage-class": "ARCHIVE"},
            _header("PutObject", "x-cos-storage-class: ARCHIVE"),
        ),
        (
            "PUT",
            "/k",
            {"x-cos-traffic-limit": "819200"},
            _header("PutObject", "x-cos-traffic-limit"),
        ),
        ("PUT", "/k", {"If-None-Match": "*"}, _header("PutObject", "if-none-match")),
        (
            "PUT",
            "/k",
            {"Content-Encoding": "aws-chunked"},
            _header("PutObject", "content-encoding: aws-chunked"),
        ),
        (
            "PUT",
            "/k",
            {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
            _header("PutObject", "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ),
        ("PUT", "/k?versionId=1", {}, _param("PutObject", "versionId")),
        ("GET", "/page.html?versionId=1", {}, _param("GetObject", "versionId")),
        ("DELETE", "/page.html?versionId=1", {}, _param("DeleteObject", "versionId")),
        (
            "GET",
            "/page.html?partNumber=1",
            {},
            "The requested operation GET ?partNumber is not implemented by this fake.",
        ),
        (
            "GET",
            "/page.html?response-content-md5=x",
            {},
            _param("GetObject", "response-content-md5"),
        ),
        ("HEAD", "/page.html?response-content-type=a/b", {}, None),
        (
            "GET",
            "/page.html",
            {"x-cos-server-side-encryption-customer-algorithm": "AES256"},
            _header("GetObject", "x-cos-server-side-encryption-customer-algorithm"),
        ),
        ("DELETE", "/page.html", {"If-Match": ETAG}, _header("DeleteObject", "if-match")),
        (
            "POST",
            "/k?uploads",
            {"x-cos-server-side-encryption": "AES256"},
            _header("InitiateMultipartUpload", "x-cos-server-side-encryption"),
        ),
        (
            "GET",
            "/page.html?tagging",
            {},
            "The requested operation GET ?tagging is not implemented by this fake.",
        ),
        (
            "GET",
            "/?list-type=2",
            {},
            "The requested operation GET ?list-type is not implemented by this fake.",
        ),
        (
            "PUT",
            "/k?append&position=0",
            {},
            "The requested operation PUT ?append is not implemented by this fake.",
        ),
    ],
)
def test_what_changes_the_meaning_is_not_implemented(
    endpoint: CosCorsEndpoint,
    stored: None,
    method: str,
    target: str,
    headers: dict[str, str],
    message: str | None,
) -> None:
    body = b"must not be stored" if method == "PUT" else None
    wire = call(endpoint, method, target, headers, body)
    assert wire.status == 501
    if message is not None:
        assert_error(wire, 501, "NotImplemented", message, target.split("?")[0])
    else:
        assert wire.body == b""  # HEAD
    assert endpoint.objects() == {"page.html": BODY}


@pytest.mark.parametrize(
    "headers",
    [
        {"x-cos-forbid-overwrite": "false"},
        {"x-cos-storage-class": "STANDARD"},
        {"x-amz-storage-class": "standard"},
        {"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": "20250101T000000Z"},
        {"x-amz-checksum-crc32": "rfPzYw==", "x-amz-sdk-checksum-algorithm": "CRC32"},
        {"x-amz-checksum-sha256": "Om6weQ85rIfJTzhWst0sXREOaBFgImGpqSPTuyOtyLc="},
        {"x-amz-checksum-crc32c": "AAAAAA=="},  # accepted, not verified
        {"x-cos-sdk-retry": "true", "Expect": "100-continue"},
        {"Content-Encoding": "gzip"},
    ],
)
def test_what_clients_send_routinely_keeps_working(
    endpoint: CosCorsEndpoint, headers: dict[str, str]
) -> None:
    wire = call(endpoint, "PUT", "/k", headers, b"data")
    assert wire.status == 200, wire.body
    assert endpoint.objects() == {"k": b"data"}


@pytest.mark.parametrize(
    ("header", "algorithm"),
    [("x-amz-checksum-crc32", "CRC32"), ("x-amz-checksum-sha256", "SHA256")],
)
def test_a_wrong_checksum_is_bad_digest(
    endpoint: CosCorsEndpoint, header: str, algorithm: str
) -> None:
    wire = call(endpoint, "PUT", "/k", {header: "AAAAAA=="}, b"data")
    message = f"The {algorithm} you specified did not match the calculated checksum."
    assert_error(wire, 400, "BadDigest", message, "/k")
    invalid = call(endpoint, "PUT", "/k", {header: "not base64!"}, b"data")
    assert_error(invalid, 400, "InvalidRequest", f"Value for {header} header is invalid.", "/k")
    assert endpoint.objects() == {}


# -- sizes -----------------------------------------------------------------------------------------

TOO_LARGE = "Your proposed upload exceeds the maximum allowed object size."


def test_max_object_bytes_is_refused_from_content_length_unread() -> None:
    with CosCorsEndpoint(max_object_bytes=10) as endpoint:
        assert call(endpoint, "PUT", "/ok", body=b"x" * 10).status == 200
        # Only the head is sent: the answer does not wait for the body.
        with socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) as sock:
            sock.sendall(
                f"PUT /big HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 5368709121\r\n\r\n".encode()
            )
            head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert b"<Code>EntityTooLarge</Code>" in head
        refused = endpoint.exchanges[-1]
        assert (refused.operation, refused.status, refused.body_size) == (
            "PutObject",
            400,
            5368709121,
        )
        assert endpoint.objects() == {"ok": b"x" * 10}


def test_a_chunked_body_over_the_limit_is_refused() -> None:
    with CosCorsEndpoint(max_object_bytes=10) as endpoint:
        with requests.Session() as session:
            url = endpoint.url_for("chunked")
            response = session.put(url, data=iter([b"x" * 6, b"y" * 6]))
            assert response.status_code == 400
            assert "<Code>EntityTooLarge</Code>" in response.text
            assert session.put(url, data=iter([b"x" * 5, b"y" * 5])).status_code == 200
        assert endpoint.objects() == {"chunked": b"x" * 5 + b"y" * 5}


def test_a_cors_body_over_64_kib_is_refused_unread(endpoint: CosCorsEndpoint) -> None:
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) as sock:
        sock.sendall(
            f"PUT /?cors HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 65537\r\n"
            "Expect: 100-continue\r\n\r\n".encode()
        )
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"<Code>XMLSizeLimit</Code>" in head
    assert endpoint.exchanges[-1].body_size == 65537
    assert endpoint.configuration() is None


@pytest.mark.parametrize("value", [-1, 1.5, True, "10"])
def test_max_object_bytes_must_be_a_count(value: object) -> None:
    with pytest.raises(ValueError, match="max_object_bytes"):
        CosCorsEndpoint(max_object_bytes=value)  # type: ignore[arg-type]


# -- browser form uploads ------------------------------------------------------------------------


class Answer(NamedTuple):
    status_code: int
    text: str
    headers: dict[str, str]


def _form(endpoint: CosCorsEndpoint, fields: dict[str, str], data: bytes = b"PNG") -> Answer:
    """A browser form upload of ``data`` with these fields (and ``key``)."""
    with (
        requests.Session() as session,
        session.post(
            endpoint.url_for(),
            data={"key": "up/${filename}", **fields},
            files={"file": ("a.png", data)},
        ) as response,
    ):
        return Answer(response.status_code, response.text, dict(response.headers))


def test_a_form_upload_keeps_its_headers(endpoint: CosCorsEndpoint) -> None:
    response = _form(
        endpoint,
        {"Content-Type": "image/png", "Cache-Control": "no-cache", "x-cos-meta-by": "form"},
    )
    assert response.status_code == 204
    assert response.headers["ETag"] == quoted_md5(b"PNG")
    assert response.headers["x-cos-hash-crc64ecma"]
    got = call(endpoint, "GET", "/up/a.png")
    assert (got.header("Content-Type"), got.header("Cache-Control")) == ("image/png", "no-cache")
    assert got.header("x-cos-meta-by") == "form"
    assert endpoint.exchanges[0].operation == "PostObject"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("x-cos-meta-note", "one\r\ntwo"),
        ("x-cos-meta-note", "line\nbreak"),
        ("Content-Type", "text/plain\r\nX-Evil: 1"),
        ("Cache-Control", "no-cache\rmore"),
        ("x-cos-meta-name", "\u7167\u7247"),
    ],
)
def test_a_form_field_that_is_no_header_value_is_refused_at_upload(
    endpoint: CosCorsEndpoint, field: str, value: str
) -> None:
    response = _form(endpoint, {field: value})
    assert response.status_code == 400
    assert "<Code>InvalidArgument</Code>" in response.text
    assert f"the value of {field.lower()} cannot be sent back" in response.text.lower()
    assert endpoint.objects() == {}


@pytest.mark.parametrize(
    "field",
    ["x-cos-server-side-encryption", "success_action_redirect", "x-cos-tagging", "acl"],
)
def test_form_fields_that_change_the_upload_are_not_implemented(
    endpoint: CosCorsEndpoint, field: str
) -> None:
    response = _form(endpoint, {field: "x"})
    assert response.status_code == 501
    assert f"The parameter {field} is not implemented by this fake for PostObject." in response.text
    assert endpoint.objects() == {}


def test_a_form_upload_over_the_limit() -> None:
    with CosCorsEndpoint(max_object_bytes=10) as endpoint:
        assert _form(endpoint, {}, b"x" * 10).status_code == 204
        response = _form(endpoint, {}, b"x" * 11)
        assert response.status_code == 400
        assert "<Code>EntityTooLarge</Code>" in response.text
        assert endpoint.objects() == {"up/a.png": b"x" * 10}


# -- every answer is decorated and recorded --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "target", "headers", "status"),
    [
        ("GET", "/?uploads", {}, 200),
        ("POST", "/k?uploads", {}, 200),
        ("GET", f"/k?uploadId={'1' * 74}", {}, 404),
        ("PUT", "/k", {"x-cos-tagging": "a=b"}, 501),
        ("GET", "/page.html", {"Range": "bytes=99-"}, 416),
        ("GET", "/page.html", {"If-None-Match": ETAG}, 304),
        ("POST", "/?delete", {}, 400),
        ("PUT", "/c", {"x-cos-copy-source": f"{HOST}/page.html"}, 200),
    ],
)
def test_every_answer_is_cors_decorated(
    endpoint: CosCorsEndpoint,
    stored: None,
    method: str,
    target: str,
    headers: dict[str, str],
    status: int,
) -> None:
    endpoint.set_rules(
        {
            "AllowedOrigin": "https://app.example.com",
            "AllowedMethod": ["GET", "PUT", "POST", "DELETE", "HEAD"],
            "ExposeHeader": ["ETag"],
        }
    )
    body = b"<Delete/>" if method == "POST" and "delete" in target else None
    wire = call(endpoint, method, target, {"Origin": "https://app.example.com", **headers}, body)
    assert wire.status == status
    assert wire.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert wire.header("Access-Control-Expose-Headers") == "ETag"
    exchange = endpoint.exchanges[-1]
    assert exchange.status == status
    assert exchange.allowed
    assert exchange.response_headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_md5_of_a_large_put_matches(endpoint: CosCorsEndpoint) -> None:
    data = bytes(range(256)) * 40_000  # 10 MB, several reads
    wire = call(endpoint, "PUT", "/large", body=data)
    assert wire.header("ETag") == f'"{hashlib.md5(data).hexdigest()}"'
    assert call(endpoint, "GET", "/large").body == data
    assert xml(call(endpoint, "GET", "/?prefix=large")).findtext("Contents/Size") == str(len(data))
