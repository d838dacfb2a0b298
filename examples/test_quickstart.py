import pytest
import requests


@pytest.mark.cors_rules({"AllowedOrigin": ["https://app.example.com"],
                         "AllowedMethod": ["PUT", "GET"], "AllowedHeader": ["*"],
                         "ExposeHeader": ["ETag"], "MaxAgeSeconds": 600})
def test_upload_preflight(cos_cors):
    # The production URL: during the test it reaches the fake (over verified HTTPS).
    url = "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/avatar.png"
    r = requests.options(url, headers={
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    cos_cors.assert_preflight_allowed(origin="https://app.example.com", method="PUT")


@pytest.mark.cors_rules({"AllowedOrigin": ["https://app.example.com"],
                         "AllowedMethod": ["GET"]})
def test_upload_from_another_site_is_refused(cos_cors):
    r = requests.options(cos_cors.url_for("avatar.png"), headers={
        "Origin": "https://evil.example.net",
        "Access-Control-Request-Method": "PUT"})
    assert r.status_code == 403
    cos_cors.assert_preflight_denied(origin="https://evil.example.net", method="PUT",
                                     reason="does not match any rule's AllowedOrigin")
