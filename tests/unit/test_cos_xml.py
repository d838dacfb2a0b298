"""SPEC §2 and §3: the hardened XML parser (size, DTDs, entities, encodings) and the renderer."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest
from lxml import etree

from pytest_cos_cors import CORSConfiguration, CORSRule, CosError, cos_xml

MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
SIZE_LIMIT = "The XML you provided was larger than the maximum of 65536 bytes allowed."

OK_RULE = (
    "<CORSRule><AllowedOrigin>https://a.com</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod></CORSRule>"
)
OK_DOC = f"<CORSConfiguration>{OK_RULE}</CORSConfiguration>"


def error_of(body: str | bytes) -> CosError:
    with pytest.raises(CosError) as info:
        CORSConfiguration.from_xml(body)
    return info.value


def padded(size: int, text: str = OK_DOC) -> bytes:
    """``text`` followed by a comment that brings it to exactly ``size`` bytes."""
    data = text.encode("utf-8")
    filler = size - len(data) - len("<!---->")
    assert filler >= 0
    result = data + b"<!--" + b"x" * filler + b"-->"
    assert len(result) == size
    return result


# --- SPEC §3 row 1: size -------------------------------------------------------------------------


@pytest.mark.parametrize("as_text", [pytest.param(False, id="bytes"), pytest.param(True, id="str")])
def test_65536_bytes_are_accepted(as_text: bool) -> None:
    body = padded(65536)
    configuration = CORSConfiguration.from_xml(body.decode() if as_text else body)
    assert configuration.rules == (CORSRule("https://a.com", "GET"),)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(padded(65537), id="valid-document-65537"),
        pytest.param(b"<" * 65537, id="garbage-65537"),
        pytest.param(b"<!DOCTYPE x>" + b" " * 70000, id="dtd-over-limit"),
        pytest.param(padded(65537).decode(), id="str-65537"),
        # 65,536 characters but 65,537 bytes: the limit counts UTF-8 bytes, not characters.
        pytest.param(padded(65535).decode() + "\u00e9", id="str-65536-chars-65537-bytes"),
    ],
)
def test_over_65536_bytes_is_xml_size_limit(body: bytes | str) -> None:
    if isinstance(body, str):
        assert len(body.encode("utf-8")) == 65537
    error = error_of(body)
    assert (error.code, error.message, error.status) == ("XMLSizeLimit", SIZE_LIMIT, 400)


# --- SPEC §3 row 3: the parser refuses what it must not interpret -------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">\n' for i in range(1, 10)
    )
    + "]>\n<CORSConfiguration><CORSRule><AllowedOrigin>&lol9;</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
)

MALFORMED_PARSER_CASES = [
    pytest.param("<!DOCTYPE CORSConfiguration>" + OK_DOC, id="bare-doctype"),
    pytest.param(
        '<!DOCTYPE CORSConfiguration SYSTEM "http://127.0.0.1:9/x.dtd">' + OK_DOC, id="external-dtd"
    ),
    pytest.param(
        '<!DOCTYPE CORSConfiguration [<!ENTITY o "https://a.com">]>'
        + OK_DOC.replace("https://a.com", "&o;"),
        id="internal-entity",
    ),
    pytest.param(
        '<!DOCTYPE CORSConfiguration [<!ENTITY o "unused">]>' + OK_DOC,
        id="unused-entity-declaration",
    ),
    pytest.param(
        "<!DOCTYPE CORSConfiguration [<!ELEMENT CORSConfiguration ANY>]>" + OK_DOC,
        id="element-declaration",
    ),
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(OK_DOC.replace("https://a.com", "&undeclared;"), id="undeclared-entity"),
    pytest.param(b"", id="empty-bytes"),
    pytest.param("", id="empty-str"),
    pytest.param(b"  \n\t ", id="whitespace-only"),
    pytest.param(
        OK_DOC.replace("https://a.com", "https://\xff.com").encode("latin-1"),
        id="invalid-utf8-byte",
    ),
    pytest.param(OK_DOC.encode("utf-8").replace(b"a.com", b"\xc3(.com"), id="invalid-utf8-seq"),
    pytest.param(
        OK_DOC.encode("utf-8").replace(b"a.com", b"\xed\xa0\x80.com"), id="utf8-surrogate"
    ),
    pytest.param(OK_DOC.replace("a.com", "&#1;.com"), id="illegal-char-reference"),
    pytest.param(OK_DOC + "<CORSConfiguration/>", id="two-roots"),
    pytest.param(
        OK_DOC.replace("https://a.com", "<a>" * 5000 + "</a>" * 5000), id="deep-nesting-5000"
    ),
    pytest.param(
        OK_DOC.replace("https://a.com", "<a><b><c>x</c></b></a>"), id="nesting-inside-value"
    ),
    pytest.param(
        "<CORSConfiguration>" + "<x>" * 300 + "</x>" * 300 + OK_RULE + "</CORSConfiguration>",
        id="deep-nesting-at-root",
    ),
]


@pytest.mark.parametrize("body", MALFORMED_PARSER_CASES)
def test_parser_refusals_are_malformed_xml(body: str | bytes) -> None:
    error = error_of(body)
    assert (error.code, error.message, error.status) == ("MalformedXML", MALFORMED, 400)


def test_billion_laughs_is_refused_quickly() -> None:
    # Expanded, it would be 3 * 10**9 bytes; refusing it must not expand anything.
    error = error_of(BILLION_LAUGHS)
    assert error.code == "MalformedXML"
    assert "lol" * 100 not in str(error)


def _utf16(text: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_utf16("<!DOCTYPE CORSConfiguration>" + OK_DOC), id="doctype"),
        pytest.param(
            _utf16(
                '<!DOCTYPE CORSConfiguration [<!ENTITY o "https://a.com">]>'
                + OK_DOC.replace("https://a.com", "&o;")
            ),
            id="internal-entity",
        ),
        pytest.param(_utf16(BILLION_LAUGHS.split("\n", 1)[1]), id="billion-laughs"),
    ],
)
def test_declarations_hidden_by_utf16_are_refused(body: bytes) -> None:
    # The byte-level pre-check cannot see "<!DOCTYPE" in UTF-16: the parsed tree is checked too.
    assert b"<!DOCTYPE" not in body
    assert error_of(body).code == "MalformedXML"


def _xxe_cases(canary: Path) -> list[str]:
    uri = canary.as_uri()
    return [
        f'<?xml version="1.0"?><!DOCTYPE CORSConfiguration [<!ENTITY xxe SYSTEM "{uri}">]>'
        + OK_DOC.replace("https://a.com", "&xxe;"),
        f'<!DOCTYPE CORSConfiguration [<!ENTITY % p SYSTEM "{uri}"> %p;]>' + OK_DOC,
        f'<!DOCTYPE CORSConfiguration SYSTEM "{uri}">' + OK_DOC,
        f'<!DOCTYPE CORSConfiguration [<!ENTITY xxe SYSTEM "{canary}">]>'
        + OK_DOC.replace("https://a.com", "&xxe;"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("case", range(4), ids=["entity", "parameter-entity", "dtd", "plain-path"])
def test_xxe_never_reads_the_file(tmp_path: Path, case: int, encoding: str) -> None:
    secret = "CANARY-7d1f0c-never-read"
    canary = tmp_path / "canary.txt"
    canary.write_text(secret, encoding="utf-8")
    text = _xxe_cases(canary)[case]
    body = text.encode("utf-8") if encoding == "utf-8" else _utf16(text)
    error = error_of(body)
    assert error.code == "MalformedXML"
    for rendered in (str(error), repr(error), str(error.detail), error.message):
        assert secret not in rendered


def test_xxe_cannot_leak_through_parse_document(tmp_path: Path) -> None:
    secret = "CANARY-3b9e-never-read"
    canary = tmp_path / "canary.txt"
    canary.write_text(secret, encoding="utf-8")
    body = _utf16(_xxe_cases(canary)[0])
    with pytest.raises(CosError) as info:
        cos_xml.parse_document(body)
    assert secret not in str(info.value)


def test_parse_document_reads_a_plain_document() -> None:
    root = cos_xml.parse_document("<A><B>1</B><!-- c --></A>")
    assert root.tag == "A"
    assert [child.tag for child in root] == ["B"]


def test_predefined_and_character_references_are_fine() -> None:
    body = OK_DOC.replace("https://a.com", "https://a.com/?a=1&amp;b=&#50;&#x33;")
    assert CORSConfiguration.from_xml(body).rules[0].allowed_origins == ("https://a.com/?a=1&b=23",)


def test_non_ascii_utf8_is_read() -> None:
    body = OK_DOC.replace("a.com", "\u4f8b\u5b50.com").encode("utf-8")
    assert CORSConfiguration.from_xml(body).rules[0].allowed_origins == (
        "https://\u4f8b\u5b50.com",
    )


def test_cdata_value_is_read() -> None:
    body = OK_DOC.replace("https://a.com", "<![CDATA[https://a.com]]>")
    assert CORSConfiguration.from_xml(body).rules[0].allowed_origins == ("https://a.com",)


# --- Rendering (SPEC §2 body shape, §3 GET) -------------------------------------------------------


def test_error_body_exact_bytes() -> None:
    body = cos_xml.error_body(
        "AccessForbidden",
        "Bad <thing> & more",
        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject",
        "NjVmZDEyMzQ=",
        "OGVmYzZiMmQ=",
    )
    assert body == (
        b"<?xml version='1.0' encoding='utf-8' ?>\n"
        b"<Error>\n"
        b"<Code>AccessForbidden</Code>\n"
        b"<Message>Bad &lt;thing&gt; &amp; more</Message>\n"
        b"<Resource>examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject</Resource>\n"
        b"<RequestId>NjVmZDEyMzQ=</RequestId>\n"
        b"<TraceId>OGVmYzZiMmQ=</TraceId>\n"
        b"</Error>"
    )


def test_to_xml_exact_bytes() -> None:
    configuration = CORSConfiguration(
        [
            CORSRule("*", ["GET", "HEAD"], ["Range"], ["ETag"], 600),
            CORSRule(["https://example.com", "https://bar.com"], "PUT", id="example-id"),
        ],
        response_vary=True,
    )
    assert configuration.to_xml() == (
        b"<?xml version='1.0' encoding='utf-8' ?>\n"
        b"<CORSConfiguration>\n"
        b"<CORSRule>\n"
        b"<AllowedOrigin>*</AllowedOrigin>\n"
        b"<AllowedMethod>GET</AllowedMethod>\n"
        b"<AllowedMethod>HEAD</AllowedMethod>\n"
        b"<AllowedHeader>Range</AllowedHeader>\n"
        b"<ExposeHeader>ETag</ExposeHeader>\n"
        b"<MaxAgeSeconds>600</MaxAgeSeconds>\n"
        b"</CORSRule>\n"
        b"<CORSRule>\n"
        b"<ID>example-id</ID>\n"
        b"<AllowedOrigin>https://example.com</AllowedOrigin>\n"
        b"<AllowedOrigin>https://bar.com</AllowedOrigin>\n"
        b"<AllowedMethod>PUT</AllowedMethod>\n"
        b"</CORSRule>\n"
        b"<ResponseVary>true</ResponseVary>\n"
        b"</CORSConfiguration>"
    )


@pytest.mark.parametrize(
    ("vary", "element"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param(False, b"<ResponseVary>false</ResponseVary>", id="false"),
        pytest.param("TRUE", b"<ResponseVary>true</ResponseVary>", id="TRUE"),
    ],
)
def test_to_xml_response_vary_only_when_set(vary: bool | str | None, element: bytes | None) -> None:
    body = CORSConfiguration([CORSRule("*", "GET")], vary).to_xml()
    if element is None:
        assert b"ResponseVary" not in body
    else:
        assert element in body


def test_to_xml_keeps_case_order_and_escapes() -> None:
    configuration = CORSConfiguration(
        [
            CORSRule(
                ["https://B.com/?a=1&b=<2>", "https://A.com"],
                ["HEAD", "GET"],
                ["X-Cos-Meta-Author"],
                ["ETag"],
            )
        ]
    )
    body = configuration.to_xml()
    assert (
        b"<AllowedOrigin>https://B.com/?a=1&amp;b=&lt;2&gt;</AllowedOrigin>\n"
        b"<AllowedOrigin>https://A.com</AllowedOrigin>" in body
    )
    assert b"<AllowedMethod>HEAD</AllowedMethod>\n<AllowedMethod>GET</AllowedMethod>" in body
    assert b"<AllowedHeader>X-Cos-Meta-Author</AllowedHeader>" in body
    assert CORSConfiguration.from_xml(body) == configuration


def test_to_xml_is_parsed_by_plain_lxml() -> None:
    configuration = CORSConfiguration([CORSRule("https://\u4f8b.com", "GET")])
    root = etree.fromstring(configuration.to_xml())
    assert root.tag == "CORSConfiguration"
    assert root.findtext("CORSRule/AllowedOrigin") == "https://\u4f8b.com"


def test_render_nested_children() -> None:
    assert cos_xml.render("A", [("B", [("C", "1")]), ("D", "2")]) == (
        b"<?xml version='1.0' encoding='utf-8' ?>\n<A>\n<B>\n<C>1</C>\n</B>\n<D>2</D>\n</A>"
    )


class _FifoWatch:
    """A named pipe that records every time something opens it for reading.

    libxml2 reads files in C, out of reach of Python's audit hooks: a FIFO whose writer counts
    the readers shows whether the parser opened the path, without ever blocking the test.
    """

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.opens = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            with open(self.path, "wb") as pipe:  # blocks until a reader opens the FIFO
                if self._stop.is_set():
                    return
                self.opens += 1
                with contextlib.suppress(BrokenPipeError):
                    pipe.write(b'<!ENTITY leak "CANARY-FIFO">')

    def close(self) -> int:
        """Stop serving; the number of opens seen before."""
        seen = self.opens
        self._stop.set()
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # releases a waiting writer
        try:
            self._thread.join(5)
        finally:
            os.close(fd)
        assert not self._thread.is_alive()
        return seen


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("case", range(4), ids=["entity", "parameter-entity", "dtd", "plain-path"])
def test_parser_never_opens_an_external_file(tmp_path: Path, case: int, encoding: str) -> None:
    # UTF-16 hides the declarations from the byte-level pre-check, so lxml itself sees them.
    watch = _FifoWatch(tmp_path / "canary.dtd")
    text = _xxe_cases(watch.path)[case]
    body = text.encode("utf-8") if encoding == "utf-8" else _utf16(text)
    try:
        with pytest.raises(CosError) as info:
            CORSConfiguration.from_xml(body)
    finally:
        opens = watch.close()
    assert opens == 0
    assert info.value.code == "MalformedXML"
    assert "CANARY-FIFO" not in str(info.value)
