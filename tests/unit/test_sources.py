"""sources.load_configuration: every accepted input form gives the same configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_cos_cors import CORSConfiguration, CORSRule, CosError
from pytest_cos_cors.sources import is_whole_configuration, load_configuration

RULE = CORSRule(
    ["https://example.com", "https://bar.com"], ["PUT", "GET"], ["*"], ["ETag"], 600, "example-id"
)
EXPECTED = CORSConfiguration([RULE])
SDK_RULE: dict[str, Any] = {
    "ID": "example-id",
    "AllowedOrigin": ["https://example.com", "https://bar.com"],
    "AllowedMethod": ["PUT", "GET"],
    "AllowedHeader": "*",
    "ExposeHeader": "ETag",
    "MaxAgeSeconds": "600",
}
SNAKE_RULE: dict[str, Any] = {
    "id": "example-id",
    "allowed_origins": ("https://example.com", "https://bar.com"),
    "allowed_methods": ["PUT", "GET"],
    "allowed_headers": ["*"],
    "expose_headers": ["ETag"],
    "max_age_seconds": 600,
}
XML = (
    "<CORSConfiguration><CORSRule><ID>example-id</ID>"
    "<AllowedOrigin>https://example.com</AllowedOrigin>"
    "<AllowedOrigin>https://bar.com</AllowedOrigin>"
    "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
    "<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
    "<MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>"
)
XML_WITH_VARY = XML.replace(
    "</CORSConfiguration>", "<ResponseVary>true</ResponseVary></CORSConfiguration>"
)


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    (tmp_path / "cors.xml").write_text(XML, encoding="utf-8")
    (tmp_path / "cors.json").write_text(json.dumps({"CORSRule": [SDK_RULE]}), encoding="utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "nested.XML").write_bytes(XML.encode("utf-8"))
    return tmp_path


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(RULE, id="CORSRule"),
        pytest.param(SDK_RULE, id="sdk-rule-dict"),
        pytest.param(SNAKE_RULE, id="snake-rule-dict"),
        pytest.param(XML, id="xml-str"),
        pytest.param(XML.encode("utf-8"), id="xml-bytes"),
        pytest.param(bytearray(XML.encode("utf-8")), id="xml-bytearray"),
        pytest.param(Path("cors.xml"), id="relative-xml-path"),
        pytest.param(Path("rules/nested.XML"), id="relative-nested-xml-path"),
        pytest.param(Path("cors.json"), id="relative-json-path"),
        pytest.param({"CORSRule": [SDK_RULE]}, id="sdk-config-dict"),
        pytest.param({"CORSRule": SDK_RULE}, id="sdk-config-dict-single-rule"),
        pytest.param({"rules": [SNAKE_RULE]}, id="snake-config-dict"),
        pytest.param(EXPECTED, id="CORSConfiguration"),
    ],
)
def test_every_form_gives_the_same_configuration(value: object, base_dir: Path) -> None:
    configuration = load_configuration(value, base_dir=base_dir)
    assert configuration == EXPECTED
    assert configuration.response_vary is None


def test_absolute_path_ignores_base_dir(
    base_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert load_configuration(base_dir / "cors.xml", base_dir=elsewhere) == EXPECTED


def test_several_rules_in_several_forms() -> None:
    configuration = load_configuration(CORSRule("*", "GET"), SDK_RULE, SNAKE_RULE)
    assert configuration.rules == (CORSRule("*", "GET"), RULE, RULE)


@pytest.mark.parametrize(
    ("value", "override", "expected"),
    [
        pytest.param(XML_WITH_VARY, None, True, id="document-true-kept"),
        pytest.param(XML_WITH_VARY, False, False, id="document-true-overridden-false"),
        pytest.param(XML, True, True, id="document-absent-overridden-true"),
        pytest.param(XML, "TRUE", True, id="override-as-string"),
        pytest.param(
            {"CORSRule": [SDK_RULE], "ResponseVary": "false"}, None, False, id="sdk-dict-false-kept"
        ),
        pytest.param(
            {"CORSRule": [SDK_RULE], "ResponseVary": "false"},
            "true",
            True,
            id="sdk-dict-overridden",
        ),
        pytest.param(RULE, True, True, id="rules-with-override"),
        pytest.param(RULE, None, None, id="rules-without-override"),
    ],
)
def test_response_vary(value: object, override: bool | str | None, expected: bool | None) -> None:
    configuration = load_configuration(value, response_vary=override)
    assert configuration.response_vary is expected
    assert configuration.rules == (RULE,)


@pytest.mark.parametrize(
    ("args", "rule_index"),
    [
        pytest.param((RULE, XML), 1, id="rule-then-xml"),
        pytest.param((RULE, {"CORSRule": [SDK_RULE]}), 1, id="rule-then-sdk-config"),
        pytest.param((EXPECTED, RULE), 0, id="configuration-then-rule"),
        pytest.param((RULE, RULE, Path("cors.xml")), 2, id="path-third"),
        pytest.param((SDK_RULE, XML.encode("utf-8")), 1, id="bytes-second"),
    ],
)
def test_whole_configuration_mixed_with_rules_is_refused(
    args: tuple[object, ...], rule_index: int
) -> None:
    with pytest.raises(CosError) as info:
        load_configuration(*args)
    assert info.value.code == "MalformedXML"
    assert info.value.rule_index == rule_index
    assert "only argument" in str(info.value.detail)


@pytest.mark.parametrize(
    ("args", "code", "rule_index"),
    [
        pytest.param((RULE, {"AllowedOrigin": "*"}), "MalformedXML", 1, id="dict-without-method"),
        pytest.param(
            (RULE, {"AllowedOrigin": "*", "AllowedMethods": "GET"}),
            "MalformedXML",
            1,
            id="dict-key-typo",
        ),
        pytest.param((42,), "MalformedXML", 0, id="not-a-rule"),
        pytest.param((RULE, CORSRule("*", "PATCH")), "InvalidRequest", 1, id="bad-method"),
        pytest.param((), "MalformedXML", None, id="nothing"),
        pytest.param((RULE,) * 101, "InvalidRequest", None, id="101-rules"),
    ],
)
def test_bad_arguments(args: tuple[object, ...], code: str, rule_index: int | None) -> None:
    with pytest.raises(CosError) as info:
        load_configuration(*args)
    assert (info.value.code, info.value.rule_index) == (code, rule_index)


def test_bad_json_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CosError) as info:
        load_configuration(Path("bad.json"), base_dir=tmp_path)
    assert info.value.code == "MalformedXML"
    assert "not valid JSON" in str(info.value.detail)


def test_bad_xml_file_keeps_the_cos_error(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text(XML.replace("PUT", "PATCH"), encoding="utf-8")
    with pytest.raises(CosError) as info:
        load_configuration(tmp_path / "bad.xml")
    assert (info.value.code, info.value.message) == (
        "InvalidRequest",
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
    )


@pytest.mark.parametrize(
    ("value", "whole"),
    [
        pytest.param(RULE, False, id="CORSRule"),
        pytest.param(SDK_RULE, False, id="sdk-rule"),
        pytest.param(SNAKE_RULE, False, id="snake-rule"),
        pytest.param(XML, True, id="str"),
        pytest.param(b"", True, id="bytes"),
        pytest.param(Path("x.xml"), True, id="path"),
        pytest.param({"CORSRule": []}, True, id="sdk-config"),
        pytest.param({"response_vary": True}, True, id="snake-config"),
        pytest.param(EXPECTED, True, id="CORSConfiguration"),
    ],
)
def test_is_whole_configuration(value: object, whole: bool) -> None:
    assert is_whole_configuration(value) is whole
