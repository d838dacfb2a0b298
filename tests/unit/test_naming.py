"""COS's bucket and region names (pytest_cos_cors.naming), and the endpoint's use of them."""

from __future__ import annotations

import pytest

from pytest_cos_cors import CosCorsEndpoint
from pytest_cos_cors.naming import (
    REGIONS,
    bucket_name_problem,
    check_bucket,
    check_region,
    one_edit_apart,
)


@pytest.mark.parametrize(
    "name",
    [
        "examplebucket-1250000000",
        "examplebucket-1-1250000000",
        "mybucket123-1250000000",
        "1-newproject-1250000000",
        "x-1",
        # COS's own example of the longest domain name: exactly 60 characters.
        "123456789012345678901-1250000000",
    ],
)
def test_cos_bucket_names(name: str) -> None:
    assert check_bucket(name, "ap-beijing") == name


def test_the_domain_name_is_at_most_60_characters() -> None:
    assert bucket_name_problem("1234567890123456789012-1250000000", "ap-beijing") == (
        "its domain name 1234567890123456789012-1250000000.cos.ap-beijing.myqcloud.com has 61 "
        "characters, and COS allows 60"
    )
    # Without a region, the length is not checked.
    assert bucket_name_problem("1234567890123456789012-1250000000") is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "avatars",
            "'avatars' is not a COS bucket name: it must end in -<APPID>, the account's number, as "
            "'examplebucket-1250000000' does (did you mean 'avatars-1250000000'?)",
        ),
        (
            "Avatars_1250000000",
            "'Avatars_1250000000' is not a COS bucket name: a bucket name holds only lower-case "
            "letters, digits and '-' (did you mean 'avatars-1250000000'?)",
        ),
        (
            "a/b",
            "'a/b' is not a COS bucket name: a bucket name holds only lower-case letters, digits "
            "and '-' (did you mean 'a-b-1250000000'?)",
        ),
        (
            "uploads-",
            "'uploads-' is not a COS bucket name: it must end in -<APPID>, the account's number, "
            "as 'examplebucket-1250000000' does (did you mean 'uploads-1250000000'?)",
        ),
        (
            "uploads--1250000000",
            "'uploads--1250000000' is not a COS bucket name: the name before the APPID may not "
            "start or end with '-' (did you mean 'uploads-1250000000'?)",
        ),
        ("", "a bucket name must be a non-empty string, got ''"),
    ],
)
def test_names_cos_would_refuse(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=r".") as raised:
        check_bucket(name)
    assert str(raised.value) == message


def test_regions() -> None:
    for region in ("ap-beijing", "ap-guangzhou", "ap-nanjing", "ap-shanghai-fsi", "eu-frankfurt"):
        assert check_region(region) == region
    assert len(REGIONS) == len(set(REGIONS)) == 22
    with pytest.raises(ValueError, match=r".") as raised:
        check_region("ap-guanzhou")
    assert str(raised.value) == "'ap-guanzhou' is not a COS region (did you mean 'ap-guangzhou'?)"
    with pytest.raises(ValueError, match=r"did you mean 'ap-beijing'"):
        check_region("AP-BEIJING")
    with pytest.raises(ValueError, match=r"is not a COS region; COS's regions are ap-beijing-1,"):
        check_region("us-east-1")


@pytest.mark.parametrize(
    ("first", "second", "apart"),
    [
        ("examplebucket-1250000000", "examplebucket-125000000", True),
        ("examplebucket-1250000000", "examplebucket-1250000001", True),
        ("examplebucket-1250000000", "examplebuckett-1250000000", True),
        ("examplebucket-1250000000", "examplebucket-1250000000", False),
        ("examplebucket-1250000000", "examplebucket-1250000011", False),
        ("abc", "acb", False),
        ("", "a", True),
    ],
)
def test_one_edit_apart(first: str, second: str, apart: bool) -> None:
    assert one_edit_apart(first, second) is apart
    assert one_edit_apart(second, first) is apart


def test_the_endpoint_refuses_what_cos_would() -> None:
    with pytest.raises(ValueError, match=r"^'avatars' is not a COS bucket name"):
        CosCorsEndpoint(bucket="avatars")
    with pytest.raises(ValueError, match=r"^'ap-guanzhou' is not a COS region"):
        CosCorsEndpoint(region="ap-guanzhou")
    endpoint = CosCorsEndpoint(region="ap-guangzhou")
    with pytest.raises(ValueError, match=r"^'Assets' is not a COS bucket name"):
        endpoint.add_bucket("Assets")
