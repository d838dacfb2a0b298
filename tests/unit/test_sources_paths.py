"""Configuration files given the wrong way: a file name as a string, a missing file, a format
that is not read (issue 18, defect 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_cos_cors import CosCorsEndpoint, CosError
from pytest_cos_cors.sources import (
    ConfigurationFileError,
    FileFormatError,
    load_configuration,
    read_rules,
)

XML = (
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
)


@pytest.mark.parametrize("name", ["cors/production.xml", "cors.json", "CORS.XML"])
def test_a_file_name_in_a_string_says_pass_a_path(name: str) -> None:
    with pytest.raises(CosError) as raised:
        load_configuration(name)
    assert raised.value.code == "MalformedXML"
    assert raised.value.detail == (
        f"{name!r} is a file name, not COS XML: pass a pathlib.Path to read a file, "
        f"as in Path({name!r})"
    )


def test_an_existing_file_named_in_a_string(tmp_path: Path) -> None:
    (tmp_path / "rules").write_text(XML)
    with pytest.raises(CosError, match=r"'rules' is a file name, not COS XML"):
        read_rules(("rules",), tmp_path)


def test_xml_text_is_still_xml() -> None:
    assert load_configuration(XML).rules[0].allowed_origins == ("*",)


def test_a_missing_relative_file_names_the_path_and_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationFileError) as raised:
        CosCorsEndpoint().set_rules(Path("cors/missing.xml"))
    assert isinstance(raised.value, OSError)
    assert isinstance(raised.value.error, FileNotFoundError)
    assert str(raised.value) == (
        f"cannot read the configuration file 'cors/missing.xml': no such file: "
        f"{tmp_path}/cors/missing.xml (a relative path is taken from the current directory, "
        f"{tmp_path})"
    )


def test_a_missing_absolute_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    with pytest.raises(ConfigurationFileError) as raised:
        load_configuration(missing)
    assert str(raised.value) == (
        f"cannot read the configuration file '{missing}': no such file: {missing}"
    )


def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationFileError) as raised:
        read_rules((Path("."),), tmp_path)
    assert str(raised.value) == (
        f"cannot read the configuration file '.': it is a directory: {tmp_path} "
        f"(a relative path is taken from the test file's directory, {tmp_path})"
    )


def test_a_format_that_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "cors.yaml"
    path.write_text("CORSRule:\n  - AllowedOrigin: ['*']\n")
    with pytest.raises(FileFormatError) as raised:
        load_configuration(path)
    assert raised.value.detail == (
        "cors.yaml is not COS XML: a configuration file is read as COS XML, or the dict the "
        "SDK's put_bucket_cors takes as JSON in a file whose name ends in .json"
    )


def test_xml_under_another_name_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cors.txt"
    path.write_text(f"\n  {XML}")
    assert load_configuration(path).rules[0].allowed_methods == ("GET",)
