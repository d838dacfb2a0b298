"""The production CORS file, kept in the repository, is what the tests run against."""

from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.cors_rules(Path("production_cors.xml"))


def test_signed_upload_from_the_app(cos_cors):
    r = requests.options(cos_cors.url_for("avatars/1.png"), headers={
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Headers"] == "content-type,content-md5,authorization"
    assert r.headers["Vary"] == "Origin"


def test_custom_metadata_header_is_not_allowed(cos_cors):
    requests.options(cos_cors.url_for("avatars/1.png"), headers={
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type,x-cos-meta-author"})
    cos_cors.assert_preflight_denied(origin="https://app.example.com", method="PUT",
                                     reason="header 'x-cos-meta-author'")


def test_public_download_headers(cos_cors):
    r = requests.get(cos_cors.url_for("missing.txt"), headers={"Origin": "https://blog.example"})
    assert r.status_code == 404
    assert r.headers["Access-Control-Allow-Origin"] == "*"
