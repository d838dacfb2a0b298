"""SPEC §3: the CORS configuration document, its validation and the rule model.

The expected wire strings are written out literally (never imported from ``errors.py``) so that a
typo in the package is caught here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pytest_cos_cors import CORSConfiguration, CORSRule, CosError

MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
TOO_MANY = "The number of CORS rules should not exceed allowed limit of 100 rules."


def rule(*elements: tuple[str, str]) -> str:
    return "<CORSRule>" + "".join(f"<{n}>{v}</{n}>" for n, v in elements) + "</CORSRule>"


def doc(*rules: str, tail: str = "") -> str:
    return "<CORSConfiguration>" + "".join(rules) + tail + "</CORSConfiguration>"


ORIGIN = ("AllowedOrigin", "https://a.com")
GET = ("AllowedMethod", "GET")
OK_RULE = rule(ORIGIN, GET)


def error_of(body: str | bytes) -> CosError:
    with pytest.raises(CosError) as info:
        CORSConfiguration.from_xml(body)
    return info.value


# --- SPEC §3 row 3: MalformedXML (schema level; parser hardening is in test_cos_xml.py) ---------

MALFORMED_SCHEMA_CASES = [
    pytest.param(doc(OK_RULE).replace("</CORSConfiguration>", ""), id="not-well-formed-unclosed"),
    pytest.param(
        "<CORSConfiguration><CORSRule></CORSConfiguration>", id="not-well-formed-mismatch"
    ),
    pytest.param("just text", id="not-xml-at-all"),
    pytest.param("<CORSConfig>" + OK_RULE + "</CORSConfig>", id="wrong-root"),
    pytest.param(
        "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>",
        id="rule-as-root",
    ),
    pytest.param(doc(), id="no-rule"),
    pytest.param(doc(tail="<ResponseVary>true</ResponseVary>"), id="no-rule-only-vary"),
    pytest.param(doc(rule(GET)), id="rule-without-origin"),
    pytest.param(doc(rule(ORIGIN)), id="rule-without-method"),
    pytest.param(doc(rule()), id="empty-rule"),
    pytest.param(doc(rule(("ID", "a"), ("ID", "b"), ORIGIN, GET)), id="two-ids"),
    pytest.param(
        doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "1"), ("MaxAgeSeconds", "1"))), id="two-max-age"
    ),
    pytest.param(doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "-1"))), id="max-age-negative"),
    pytest.param(doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "2147483648"))), id="max-age-too-big"),
    pytest.param(doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "abc"))), id="max-age-abc"),
    pytest.param(doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "1.5"))), id="max-age-fraction"),
    pytest.param(doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "1e3"))), id="max-age-exponent"),
    pytest.param(doc(OK_RULE, tail="<ResponseVary>yes</ResponseVary>"), id="vary-yes"),
    pytest.param(doc(OK_RULE, tail="<ResponseVary>1</ResponseVary>"), id="vary-one"),
    pytest.param(doc(OK_RULE, tail="<ResponseVary>true</ResponseVary>" * 2), id="vary-twice"),
    pytest.param(
        doc(rule(ORIGIN, GET, ("AllowedOrigins", "https://b.com"))), id="unknown-element-in-rule"
    ),
    pytest.param(doc(rule(ORIGIN, GET, ("ResponseVary", "true"))), id="vary-inside-rule"),
    pytest.param(doc(OK_RULE, tail="<Extra>1</Extra>"), id="unknown-element-at-root"),
    pytest.param(doc(rule(ORIGIN, GET, ("AllowedHeader", "<x>1</x>"))), id="element-in-value"),
    pytest.param(doc("<CORSRule>junk" + OK_RULE[len("<CORSRule>") :]), id="text-inside-rule"),
    pytest.param(doc(OK_RULE, tail="junk"), id="text-inside-root"),
    pytest.param(doc(rule(("AllowedOrigin", ""), GET)), id="empty-origin"),
    pytest.param(doc(rule(("AllowedOrigin", "   "), GET)), id="blank-origin"),
    pytest.param(
        doc("<CORSRule><AllowedOrigin/><AllowedMethod>GET</AllowedMethod></CORSRule>"),
        id="self-closed-origin",
    ),
    pytest.param(doc(rule(ORIGIN, ("AllowedMethod", ""))), id="empty-method"),
    pytest.param(doc(rule(ORIGIN, GET, ("AllowedHeader", ""))), id="empty-header"),
    pytest.param(doc(rule(ORIGIN, GET, ("ExposeHeader", ""))), id="empty-expose"),
    pytest.param(doc(rule(("ID", ""), ORIGIN, GET)), id="empty-id"),
    pytest.param(doc(rule(ORIGIN, GET, ("MaxAgeSeconds", ""))), id="empty-max-age"),
    pytest.param(doc(OK_RULE, tail="<ResponseVary></ResponseVary>"), id="empty-vary"),
]


@pytest.mark.parametrize("body", MALFORMED_SCHEMA_CASES)
def test_schema_errors_are_malformed_xml(body: str) -> None:
    error = error_of(body)
    assert (error.code, error.message, error.status) == ("MalformedXML", MALFORMED, 400)


@pytest.mark.parametrize(
    ("body", "rule_index", "field"),
    [
        pytest.param(doc(OK_RULE, rule(GET)), 1, "AllowedOrigin", id="origin-missing-in-rule-1"),
        pytest.param(
            doc(OK_RULE, OK_RULE, rule(ORIGIN, GET, ("ID", "a"), ("ID", "b"))),
            2,
            "ID",
            id="two-ids-in-rule-2",
        ),
        pytest.param(
            doc(rule(ORIGIN, GET, ("MaxAgeSeconds", "x"))),
            0,
            "MaxAgeSeconds",
            id="bad-max-age-in-rule-0",
        ),
        pytest.param(
            doc(OK_RULE, rule(ORIGIN, GET, ("Foo", "1"))), 1, "Foo", id="unknown-in-rule-1"
        ),
    ],
)
def test_malformed_xml_says_where(body: str, rule_index: int, field: str) -> None:
    error = error_of(body)
    assert error.code == "MalformedXML"
    assert (error.rule_index, error.field) == (rule_index, field)
    assert error.where() == f"rules[{rule_index}].{field}"


# --- SPEC §3 rows 4-8 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        pytest.param(doc(*[OK_RULE] * 101), "InvalidRequest", TOO_MANY, id="101-rules"),
        pytest.param(
            doc(rule(ORIGIN, ("AllowedMethod", "PATCH"))),
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
            id="method-PATCH",
        ),
        pytest.param(
            doc(rule(ORIGIN, ("AllowedMethod", "get"))),
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is get",
            id="method-lowercase-get",
        ),
        pytest.param(
            doc(rule(ORIGIN, GET, ("AllowedMethod", "OPTIONS"))),
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS",
            id="method-OPTIONS-after-GET",
        ),
        pytest.param(
            doc(rule(("AllowedOrigin", "https://*.*.example.com"), GET)),
            "InvalidArgument",
            'AllowedOrigin "https://*.*.example.com" can not have more than one wildcard.',
            id="origin-two-wildcards",
        ),
        pytest.param(
            doc(rule(("AllowedOrigin", "**"), GET)),
            "InvalidArgument",
            'AllowedOrigin "**" can not have more than one wildcard.',
            id="origin-double-star",
        ),
        pytest.param(
            doc(rule(ORIGIN, GET, ("AllowedHeader", "x-*-meta-*"))),
            "InvalidArgument",
            'AllowedHeader "x-*-meta-*" can not have more than one wildcard.',
            id="header-two-wildcards",
        ),
        pytest.param(
            doc(rule(ORIGIN, GET, ("ExposeHeader", "*"))),
            "InvalidArgument",
            'ExposeHeader "*" contains wildcard. We currently do not support wildcard '
            "for ExposeHeader.",
            id="expose-star",
        ),
        pytest.param(
            doc(rule(ORIGIN, GET, ("ExposeHeader", "ETag"), ("ExposeHeader", "x-cos-meta-*"))),
            "InvalidArgument",
            'ExposeHeader "x-cos-meta-*" contains wildcard. We currently do not support '
            "wildcard for ExposeHeader.",
            id="expose-partial-wildcard",
        ),
    ],
)
def test_value_errors(body: str, code: str, message: str) -> None:
    error = error_of(body)
    assert (error.code, error.message, error.status) == (code, message, 400)


def test_100_rules_are_accepted() -> None:
    configuration = CORSConfiguration.from_xml(doc(*[OK_RULE] * 100))
    assert len(configuration.rules) == 100


@pytest.mark.parametrize(
    "elements",
    [
        pytest.param((("AllowedOrigin", "*"), GET), id="origin-star-alone"),
        pytest.param((("AllowedOrigin", "https://*.example.com"), GET), id="origin-star-middle"),
        pytest.param((("AllowedOrigin", "*.example.com"), GET), id="origin-star-start"),
        pytest.param((("AllowedOrigin", "https://example.*"), GET), id="origin-star-end"),
        pytest.param((ORIGIN, GET, ("AllowedHeader", "*")), id="header-star"),
        pytest.param((ORIGIN, GET, ("AllowedHeader", "x-cos-meta-*")), id="header-partial-star"),
        pytest.param((ORIGIN, GET, ("MaxAgeSeconds", "0")), id="max-age-zero"),
        pytest.param((ORIGIN, GET, ("MaxAgeSeconds", "2147483647")), id="max-age-max"),
        pytest.param(
            (*(("AllowedMethod", m) for m in ("PUT", "GET", "POST", "DELETE", "HEAD")), ORIGIN),
            id="all-five-methods",
        ),
    ],
)
def test_valid_values_are_accepted(elements: tuple[tuple[str, str], ...]) -> None:
    configuration = CORSConfiguration.from_xml(doc(rule(*elements)))
    parsed = configuration.rules[0]
    for name, value in elements:
        attribute = {
            "AllowedOrigin": parsed.allowed_origins,
            "AllowedMethod": parsed.allowed_methods,
            "AllowedHeader": parsed.allowed_headers,
        }.get(name)
        if attribute is not None:
            assert value in attribute
        else:
            assert parsed.max_age_seconds == int(value)


# --- Order of the checks -------------------------------------------------------------------------

BAD_METHOD = ("AllowedMethod", "PATCH")
BAD_ORIGIN = ("AllowedOrigin", "https://*.*.com")
BAD_HEADER = ("AllowedHeader", "*-*")
BAD_EXPOSE = ("ExposeHeader", "x-*")


@pytest.mark.parametrize(
    ("body", "code", "rule_index", "field"),
    [
        pytest.param(
            doc(rule(ORIGIN, BAD_METHOD), *[OK_RULE] * 100),
            "InvalidRequest",
            None,
            "CORSRule",
            id="count-before-method-of-rule-0",
        ),
        pytest.param(
            doc(*[OK_RULE] * 149, rule(ORIGIN)),
            "MalformedXML",
            149,
            "AllowedMethod",
            id="structure-of-rule-150-before-count",
        ),
        pytest.param(
            doc(*[OK_RULE] * 101, tail="<ResponseVary>maybe</ResponseVary>"),
            "MalformedXML",
            None,
            "ResponseVary",
            id="bad-vary-before-count",
        ),
        pytest.param(
            doc(rule(BAD_METHOD, ORIGIN), rule(ORIGIN, GET, ("MaxAgeSeconds", "-5"))),
            "MalformedXML",
            1,
            "MaxAgeSeconds",
            id="structure-of-rule-1-before-values",
        ),
        pytest.param(
            doc(rule(BAD_ORIGIN, GET), rule(ORIGIN, BAD_METHOD)),
            "InvalidArgument",
            0,
            "AllowedOrigin",
            id="rule-0-origin-before-rule-1-method",
        ),
        pytest.param(
            doc(rule(ORIGIN, GET, BAD_EXPOSE), rule(ORIGIN, BAD_METHOD)),
            "InvalidArgument",
            0,
            "ExposeHeader",
            id="rule-0-expose-before-rule-1-method",
        ),
        pytest.param(
            doc(rule(BAD_EXPOSE, BAD_HEADER, BAD_ORIGIN, BAD_METHOD)),
            "InvalidRequest",
            0,
            "AllowedMethod",
            id="method-before-origin-header-expose",
        ),
        pytest.param(
            doc(OK_RULE, rule(BAD_EXPOSE, BAD_HEADER, BAD_ORIGIN, GET)),
            "InvalidArgument",
            1,
            "AllowedOrigin",
            id="origin-before-header-expose",
        ),
        pytest.param(
            doc(rule(BAD_EXPOSE, BAD_HEADER, ORIGIN, GET)),
            "InvalidArgument",
            0,
            "AllowedHeader",
            id="header-before-expose",
        ),
    ],
)
def test_order_of_checks(body: str, code: str, rule_index: int | None, field: str) -> None:
    error = error_of(body)
    assert (error.code, error.rule_index, error.field) == (code, rule_index, field)


# --- Accepted document shapes --------------------------------------------------------------------

EXPECTED_RULE = CORSRule(
    ["https://a.com", "https://b.com"], ["PUT", "GET"], ["Range"], ["ETag"], 600, "r1"
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            doc(
                rule(
                    ("ID", "r1"),
                    ORIGIN,
                    ("AllowedOrigin", "https://b.com"),
                    ("AllowedMethod", "PUT"),
                    GET,
                    ("AllowedHeader", "Range"),
                    ("ExposeHeader", "ETag"),
                    ("MaxAgeSeconds", "600"),
                )
            ),
            id="documented-order",
        ),
        pytest.param(
            doc(
                rule(
                    ("MaxAgeSeconds", "600"),
                    ("ExposeHeader", "ETag"),
                    ("AllowedMethod", "PUT"),
                    ("AllowedHeader", "Range"),
                    ORIGIN,
                    ("ID", "r1"),
                    GET,
                    ("AllowedOrigin", "https://b.com"),
                )
            ),
            id="shuffled-order",
        ),
        pytest.param(
            '<CORSConfiguration xmlns="http://www.qcloud.com/document/product/436/7737">'
            + rule(
                ("ID", "r1"),
                ORIGIN,
                ("AllowedOrigin", "https://b.com"),
                ("AllowedMethod", "PUT"),
                GET,
                ("AllowedHeader", "Range"),
                ("ExposeHeader", "ETag"),
                ("MaxAgeSeconds", "600"),
            )
            + "</CORSConfiguration>",
            id="default-namespace",
        ),
        pytest.param(
            '<c:CORSConfiguration xmlns:c="urn:x"><c:CORSRule><c:ID>r1</c:ID>'
            "<c:AllowedOrigin>https://a.com</c:AllowedOrigin>"
            "<c:AllowedOrigin>https://b.com</c:AllowedOrigin>"
            "<c:AllowedMethod>PUT</c:AllowedMethod><c:AllowedMethod>GET</c:AllowedMethod>"
            "<c:AllowedHeader>Range</c:AllowedHeader><c:ExposeHeader>ETag</c:ExposeHeader>"
            "<c:MaxAgeSeconds>600</c:MaxAgeSeconds></c:CORSRule></c:CORSConfiguration>",
            id="prefixed-namespace",
        ),
        pytest.param(
            "<?xml version='1.0' encoding='utf-8' ?>\n<!-- a comment -->\n"
            "<CORSConfiguration>\n<!-- c -->\n<CORSRule>\n  <ID>r1</ID><!-- c -->\n"
            "  <AllowedOrigin>https://a.com</AllowedOrigin>\n"
            "  <AllowedOrigin>https://b.com</AllowedOrigin><?pi x?>\n"
            "  <AllowedMethod>PUT</AllowedMethod>\n  <AllowedMethod>GET</AllowedMethod>\n"
            "  <AllowedHeader>Range</AllowedHeader>\n  <ExposeHeader>ETag</ExposeHeader>\n"
            "  <MaxAgeSeconds>600</MaxAgeSeconds>\n</CORSRule>\n</CORSConfiguration>\n",
            id="declaration-comments-pi-whitespace",
        ),
    ],
)
def test_accepted_shapes(body: str) -> None:
    configuration = CORSConfiguration.from_xml(body)
    assert configuration.rules == (EXPECTED_RULE,)
    assert configuration.response_vary is None
    assert CORSConfiguration.from_xml(body.encode("utf-8")) == configuration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("true", True, id="true"),
        pytest.param("TRUE", True, id="TRUE"),
        pytest.param("True", True, id="True"),
        pytest.param("false", False, id="false"),
        pytest.param("FALSE", False, id="FALSE"),
        pytest.param("fAlSe", False, id="fAlSe"),
    ],
)
def test_response_vary_any_case(text: str, expected: bool) -> None:
    body = doc(OK_RULE, tail=f"<ResponseVary>{text}</ResponseVary>")
    assert CORSConfiguration.from_xml(body).response_vary is expected


def test_response_vary_absent_is_none() -> None:
    assert CORSConfiguration.from_xml(doc(OK_RULE)).response_vary is None


def test_rules_keep_document_order_and_case() -> None:
    body = doc(
        rule(
            ("AllowedOrigin", "https://B.com"),
            ("AllowedMethod", "HEAD"),
            GET,
            ("AllowedHeader", "X-Cos-Meta-Author"),
            ("ExposeHeader", "ETag"),
        ),
        rule(("AllowedOrigin", "https://A.com"), ("AllowedMethod", "DELETE")),
    )
    configuration = CORSConfiguration.from_xml(body)
    first, second = configuration.rules
    assert first.allowed_origins == ("https://B.com",)
    assert first.allowed_methods == ("HEAD", "GET")
    assert first.allowed_headers == ("X-Cos-Meta-Author",)
    assert first.expose_headers == ("ETag",)
    assert first.id is None
    assert first.max_age_seconds is None
    assert second.allowed_origins == ("https://A.com",)


def test_escaped_characters_are_read_as_text() -> None:
    body = doc(rule(("AllowedOrigin", "https://a.com?x=1&amp;y=&lt;2&gt;"), GET))
    assert CORSConfiguration.from_xml(body).rules[0].allowed_origins == ("https://a.com?x=1&y=<2>",)


# --- The model -----------------------------------------------------------------------------------


def test_rule_is_frozen() -> None:
    value = CORSRule("https://a.com", "GET")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.allowed_origins = ("https://b.com",)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.max_age_seconds = 5  # type: ignore[misc]


def test_configuration_is_frozen() -> None:
    configuration = CORSConfiguration([CORSRule("https://a.com", "GET")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        configuration.response_vary = True  # type: ignore[misc]


def test_rule_equality_and_hash_by_value() -> None:
    a = CORSRule(["https://a.com"], ["GET"], ["Range"], ["ETag"], 600, "x")
    b = CORSRule("https://a.com", "GET", "Range", "ETag", "600", "x")
    c = CORSRule("https://a.com", "GET", "Range", "ETag", 601, "x")
    assert a == b
    assert hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2


def test_configuration_equality_and_hash_by_value() -> None:
    a = CORSConfiguration([CORSRule("https://a.com", "GET")], "true")
    b = CORSConfiguration([CORSRule(("https://a.com",), ("GET",))], True)
    c = CORSConfiguration([CORSRule("https://a.com", "GET")], None)
    assert a == b
    assert hash(a) == hash(b)
    assert a != c


def test_rule_is_not_callable() -> None:
    assert callable(CORSRule("https://a.com", "GET")) is False


@pytest.mark.parametrize(
    ("kwargs", "attribute", "expected"),
    [
        pytest.param({}, "allowed_origins", ("https://a.com",), id="origin"),
        pytest.param({}, "allowed_methods", ("GET",), id="method"),
        pytest.param(
            {"allowed_headers": "x-cos-meta-author"},
            "allowed_headers",
            ("x-cos-meta-author",),
            id="header",
        ),
        pytest.param({"expose_headers": "ETag"}, "expose_headers", ("ETag",), id="expose"),
    ],
)
def test_bare_string_is_one_entry(
    kwargs: dict[str, Any], attribute: str, expected: tuple[str, ...]
) -> None:
    assert getattr(CORSRule("https://a.com", "GET", **kwargs), attribute) == expected


def test_rule_defaults() -> None:
    value = CORSRule("https://a.com", "GET")
    assert (value.allowed_headers, value.expose_headers, value.max_age_seconds, value.id) == (
        (),
        (),
        None,
        None,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"allowed_origins": ()}, "AllowedOrigin", id="no-origin"),
        pytest.param({"allowed_methods": []}, "AllowedMethod", id="no-method"),
        pytest.param({"allowed_origins": [""]}, "AllowedOrigin", id="empty-origin"),
        pytest.param({"allowed_origins": [b"https://a.com"]}, "AllowedOrigin", id="bytes-origin"),
        pytest.param({"allowed_headers": [1]}, "AllowedHeader", id="int-header"),
        pytest.param({"max_age_seconds": -1}, "MaxAgeSeconds", id="negative-max-age"),
        pytest.param({"max_age_seconds": 2147483648}, "MaxAgeSeconds", id="huge-max-age"),
        pytest.param({"max_age_seconds": True}, "MaxAgeSeconds", id="bool-max-age"),
        pytest.param({"max_age_seconds": "1.5"}, "MaxAgeSeconds", id="fraction-max-age"),
        pytest.param({"id": ""}, "ID", id="empty-id"),
    ],
)
def test_rule_constructor_refuses(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"allowed_origins": "https://a.com", "allowed_methods": "GET"}
    arguments.update(kwargs)
    with pytest.raises(CosError) as info:
        CORSRule(**arguments)
    assert (info.value.code, info.value.message, info.value.field) == (
        "MalformedXML",
        MALFORMED,
        field,
    )


@pytest.mark.parametrize(
    ("rules", "code", "rule_index", "field"),
    [
        pytest.param([], "MalformedXML", None, "CORSRule", id="no-rules"),
        pytest.param(
            [CORSRule("*", "GET")] * 101, "InvalidRequest", None, "CORSRule", id="101-rules"
        ),
        pytest.param(
            [CORSRule("*", "GET"), CORSRule("*", "PATCH")],
            "InvalidRequest",
            1,
            "AllowedMethod",
            id="bad-method-rule-1",
        ),
        pytest.param(
            [CORSRule("*", "GET"), {"AllowedOrigin": "*"}],
            "MalformedXML",
            1,
            "AllowedMethod",
            id="dict-without-method-rule-1",
        ),
        pytest.param(
            [CORSRule("*", "GET"), "https://a.com"], "MalformedXML", 1, None, id="string-as-rule"
        ),
    ],
)
def test_configuration_constructor_refuses(
    rules: list[Any], code: str, rule_index: int | None, field: str | None
) -> None:
    with pytest.raises(CosError) as info:
        CORSConfiguration(rules)
    assert (info.value.code, info.value.rule_index, info.value.field) == (code, rule_index, field)


def test_configuration_accepts_one_rule_and_rule_dicts() -> None:
    assert CORSConfiguration(CORSRule("*", "GET")).rules == (CORSRule("*", "GET"),)
    assert CORSConfiguration([{"AllowedOrigin": "*", "AllowedMethod": "GET"}]).rules == (
        CORSRule("*", "GET"),
    )


# --- CosError ------------------------------------------------------------------------------------


def test_cos_error_attributes() -> None:
    with pytest.raises(CosError) as info:
        CORSConfiguration([CORSRule("*", "GET"), CORSRule("https://*.*", "GET")])
    error = info.value
    assert error.code == "InvalidArgument"
    assert error.message == 'AllowedOrigin "https://*.*" can not have more than one wildcard.'
    assert error.status == 400
    assert error.rule_index == 1
    assert error.field == "AllowedOrigin"
    assert error.where() == "rules[1].AllowedOrigin"
    assert str(error).startswith('InvalidArgument: AllowedOrigin "https://*.*"')
    assert "rules[1].AllowedOrigin" in str(error)
    assert isinstance(error, Exception)


def test_cos_error_defaults() -> None:
    error = CosError("NoSuchBucket", "The specified bucket does not exist.", 404)
    assert (error.code, error.message, error.status) == (
        "NoSuchBucket",
        "The specified bucket does not exist.",
        404,
    )
    assert (error.rule_index, error.field, error.detail) == (None, None, None)
    assert error.where() == ""
    assert str(error) == "NoSuchBucket: The specified bucket does not exist."


# --- from_dict / to_dict -------------------------------------------------------------------------

FULL_RULE = CORSRule(
    ["https://example.com", "https://bar.com"],
    ["PUT", "GET"],
    ["*"],
    ["Content-Length", "ETag"],
    600,
    "example-id",
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            {
                "ID": "example-id",
                "AllowedOrigin": ["https://example.com", "https://bar.com"],
                "AllowedMethod": ["PUT", "GET"],
                "AllowedHeader": ["*"],
                "ExposeHeader": ["Content-Length", "ETag"],
                "MaxAgeSeconds": "600",
            },
            id="sdk-lists-str-max-age",
        ),
        pytest.param(
            {
                "ID": "example-id",
                "AllowedOrigin": ("https://example.com", "https://bar.com"),
                "AllowedMethod": ["PUT", "GET"],
                "AllowedHeader": "*",
                "ExposeHeader": ["Content-Length", "ETag"],
                "MaxAgeSeconds": 600,
            },
            id="sdk-single-values-int-max-age",
        ),
        pytest.param(
            {
                "id": "example-id",
                "allowed_origins": ["https://example.com", "https://bar.com"],
                "allowed_methods": ["PUT", "GET"],
                "allowed_headers": "*",
                "expose_headers": ["Content-Length", "ETag"],
                "max_age_seconds": 600,
            },
            id="snake-case",
        ),
    ],
)
def test_rule_from_dict(data: dict[str, Any]) -> None:
    assert CORSRule.from_dict(data) == FULL_RULE


def test_rule_from_dict_single_values() -> None:
    data = {"AllowedOrigin": "https://a.com", "AllowedMethod": "GET", "ExposeHeader": "ETag"}
    assert CORSRule.from_dict(data) == CORSRule(["https://a.com"], ["GET"], (), ["ETag"])


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        pytest.param("AllowedOrigins", "AllowedOrigin", id="plural"),
        pytest.param("allowed_origin", "allowed_origins", id="snake-singular"),
        pytest.param("MaxAgeSecond", "MaxAgeSeconds", id="max-age"),
        pytest.param("ALLOWEDMETHOD", "AllowedMethod", id="upper-case"),
    ],
)
def test_rule_from_dict_unknown_key_suggests(key: str, suggestion: str) -> None:
    data = {"AllowedOrigin": "*", "AllowedMethod": "GET", key: "x"}
    if key in ("AllowedOrigins", "allowed_origin"):
        del data["AllowedOrigin"]
    with pytest.raises(CosError) as info:
        CORSRule.from_dict(data)
    assert info.value.code == "MalformedXML"
    assert info.value.detail is not None
    assert f"did you mean {suggestion!r}" in info.value.detail
    assert repr(key) in info.value.detail


def test_rule_from_dict_unknown_key_without_suggestion() -> None:
    with pytest.raises(CosError) as info:
        CORSRule.from_dict({"AllowedOrigin": "*", "AllowedMethod": "GET", "zzzz": 1})
    assert info.value.detail is not None
    assert "'zzzz'" in info.value.detail
    assert "did you mean" not in info.value.detail


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            {"AllowedOrigin": "*", "allowed_origins": "*", "AllowedMethod": "GET"},
            id="same-field-twice",
        ),
        pytest.param({"AllowedOrigin": "*"}, id="no-method"),
        pytest.param({"AllowedMethod": "GET"}, id="no-origin"),
        pytest.param(
            {"AllowedOrigin": "*", "AllowedMethod": "GET", "MaxAgeSeconds": "ten"}, id="bad-max-age"
        ),
    ],
)
def test_rule_from_dict_refuses(data: dict[str, Any]) -> None:
    with pytest.raises(CosError) as info:
        CORSRule.from_dict(data)
    assert (info.value.code, info.value.message) == ("MalformedXML", MALFORMED)


def test_rule_to_dict_is_sdk_shape() -> None:
    assert FULL_RULE.to_dict() == {
        "ID": "example-id",
        "AllowedOrigin": ["https://example.com", "https://bar.com"],
        "AllowedMethod": ["PUT", "GET"],
        "AllowedHeader": ["*"],
        "ExposeHeader": ["Content-Length", "ETag"],
        "MaxAgeSeconds": "600",
    }
    assert CORSRule("*", "GET").to_dict() == {"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(FULL_RULE, id="full"),
        pytest.param(CORSRule("*", "GET"), id="minimal"),
        pytest.param(CORSRule("*", "GET", max_age_seconds=0), id="max-age-zero"),
    ],
)
def test_rule_dict_round_trip(value: CORSRule) -> None:
    assert CORSRule.from_dict(value.to_dict()) == value


SDK_CONFIG: dict[str, Any] = {
    "CORSRule": [
        {
            "ID": "example-id",
            "AllowedOrigin": ["https://example.com", "https://bar.com"],
            "AllowedMethod": ["PUT", "GET"],
            "AllowedHeader": ["*"],
            "ExposeHeader": ["Content-Length", "ETag"],
            "MaxAgeSeconds": "600",
        },
        {"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]},
    ],
    "ResponseVary": "true",
}
EXPECTED_CONFIG = CORSConfiguration([FULL_RULE, CORSRule("*", "GET")], True)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SDK_CONFIG, id="sdk"),
        pytest.param({**SDK_CONFIG, "ResponseVary": "True"}, id="sdk-vary-capitalised"),
        pytest.param({**SDK_CONFIG, "ResponseVary": True}, id="sdk-vary-bool"),
        pytest.param(
            {
                "rules": [FULL_RULE.to_dict(), {"allowed_origins": "*", "allowed_methods": "GET"}],
                "response_vary": True,
            },
            id="snake",
        ),
        pytest.param(
            {"CORSRule": [FULL_RULE, CORSRule("*", "GET")], "ResponseVary": "true"},
            id="rule-objects-inside",
        ),
    ],
)
def test_configuration_from_dict(data: dict[str, Any]) -> None:
    assert CORSConfiguration.from_dict(data) == EXPECTED_CONFIG


def test_configuration_from_dict_single_rule_forms() -> None:
    one = CORSConfiguration([CORSRule("*", "GET")])
    assert (
        CORSConfiguration.from_dict({"CORSRule": {"AllowedOrigin": "*", "AllowedMethod": "GET"}})
        == one
    )
    assert CORSConfiguration.from_dict({"AllowedOrigin": "*", "AllowedMethod": "GET"}) == one
    assert CORSConfiguration.from_dict([{"AllowedOrigin": "*", "AllowedMethod": "GET"}]) == one


@pytest.mark.parametrize(
    ("data", "rule_index", "needle"),
    [
        pytest.param({"CORSRules": []}, None, "did you mean 'CORSRule'", id="config-key-typo"),
        pytest.param(
            {
                "CORSRule": [
                    {"AllowedOrigin": "*", "AllowedMethod": "GET"},
                    {"AllowedOrigin": "*", "AllowedMethods": "GET"},
                ]
            },
            1,
            "did you mean 'AllowedMethod'",
            id="rule-key-typo-in-rule-1",
        ),
        pytest.param({"CORSRule": [], "ResponseVary": "true"}, None, "at least one", id="no-rules"),
    ],
)
def test_configuration_from_dict_refuses(
    data: dict[str, Any], rule_index: int | None, needle: str
) -> None:
    with pytest.raises(CosError) as info:
        CORSConfiguration.from_dict(data)
    assert info.value.code == "MalformedXML"
    assert info.value.rule_index == rule_index
    assert needle in str(info.value.detail)


def test_configuration_to_dict_and_back() -> None:
    assert EXPECTED_CONFIG.to_dict() == SDK_CONFIG
    assert CORSConfiguration.from_dict(EXPECTED_CONFIG.to_dict()) == EXPECTED_CONFIG
    without_vary = CORSConfiguration([CORSRule("*", "GET")])
    assert without_vary.to_dict() == {
        "CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}]
    }
    false_vary = CORSConfiguration([CORSRule("*", "GET")], False)
    assert false_vary.to_dict()["ResponseVary"] == "false"
    assert CORSConfiguration.from_dict(false_vary.to_dict()) == false_vary
