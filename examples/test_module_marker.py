"""A module-wide rule for downloads, with per-test additions that take precedence."""

import pytest
import requests

pytestmark = pytest.mark.cors_rules(
    {"AllowedOrigin": "*", "AllowedMethod": ["GET", "HEAD"], "AllowedHeader": "range"}
)


def preflight(cos_cors, origin, method, headers=""):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return requests.options(cos_cors.url_for("report.pdf"), headers=request_headers)


def test_anyone_may_download(cos_cors):
    r = preflight(cos_cors, "https://partner.example.org", "GET", "range")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers


@pytest.mark.cors_rules({"AllowedOrigin": "https://app.example.com", "AllowedMethod": "GET",
                         "AllowedHeader": "*", "MaxAgeSeconds": 60})
def test_the_app_gets_its_own_rule_first(cos_cors):
    r = preflight(cos_cors, "https://app.example.com", "GET", "range")
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert r.headers["Access-Control-Max-Age"] == "60"
    assert cos_cors.preflights[0].rule_index == 0


def test_uploads_are_not_allowed_by_the_module_rule(cos_cors):
    r = preflight(cos_cors, "https://app.example.com", "PUT")
    assert r.status_code == 403
    decision = cos_cors.explain("https://app.example.com", "PUT")
    assert not decision.allowed
    assert "method 'PUT'" in decision.reason
