"""``cos_cors.browser_args()`` itself: the flags users pass to Chromium, used verbatim."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pytest_cos_cors import tls

from .harness import CHROMIUM, CHROMIUM_ARGS, AppPage, BrowserSession, Watch, assert_agree

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint

RULE = {
    "AllowedOrigin": ["http://app.localhost:*"],
    "AllowedMethod": ["PUT"],
    "AllowedHeader": ["*"],
}


def test_session_browser_runs_with_the_session_args(
    browser_session: BrowserSession, cos_cors_browser_args: list[str]
) -> None:
    # Every host name to the session's front; the fake's key accepted, no other bad certificate.
    rules, spki = cos_cors_browser_args
    assert re.fullmatch(
        r"--host-resolver-rules=MAP \* 127\.0\.0\.1:\d+, EXCLUDE localhost, "
        r"EXCLUDE \*\.localhost, EXCLUDE 127\.0\.0\.1",
        rules,
    ), rules
    assert spki == f"--ignore-certificate-errors-spki-list={tls.spki_pin()}"
    assert browser_session.args == [*CHROMIUM_ARGS, rules, spki]
    assert not any(
        a.startswith("--ignore-certificate-errors=") or a == "--ignore-certificate-errors"
        for a in browser_session.args
    )


def test_browser_started_with_browser_args_verbatim(
    browser_session: BrowserSession, cos_cors: CosCorsEndpoint
) -> None:
    cos_cors.set_rules(RULE)
    browser = browser_session.playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *cos_cors.browser_args()]
    )
    try:
        context = browser.new_context()
        try:
            app = AppPage(context.new_page(), context, browser_session.pages, cos_cors)
            app.open("app")
            urls = {
                "myqcloud.com": cos_cors.cos_url_for("a.txt"),
                "tencentcos.cn": f"http://{cos_cors.bucket}.cos.{cos_cors.region}.tencentcos.cn/b.txt",
            }
            for domain, url in urls.items():
                watch = Watch(cos_cors)
                result = app.fetch(url, method="PUT", headers={"x-cos-meta-k": "v"}, body=domain)
                assert_agree(result, watch.since())
                assert result.status == 200, (domain, result)
            other = app.fetch("http://example.com/")
        finally:
            context.close()
    finally:
        browser.close()
    assert cos_cors.objects() == {"a.txt": b"myqcloud.com", "b.txt": b"tencentcos.cn"}
    assert not other.ok, "every other host name must resolve to nothing"


def test_other_hosts_do_not_resolve(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    for url in ("http://example.com/", "http://cos.ap-beijing.myqcloud.org/"):
        result = app_page.fetch(url)
        assert not result.ok, url
    assert cos_cors.exchanges == ()


def test_browser_args_of_an_endpoint_with_a_served_https_origin(
    browser_session: BrowserSession, cos_cors: CosCorsEndpoint
) -> None:
    # A browser of this endpoint alone: serve_origin first, then browser_args() maps its host.
    origin = cos_cors.serve_origin("https://app.example.com", "<!doctype html><title>app</title>")
    cos_cors.set_rules(
        {"AllowedOrigin": [origin], "AllowedMethod": ["PUT"], "AllowedHeader": ["*"]}
    )
    browser = browser_session.playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *cos_cors.browser_args()]
    )
    try:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(origin + "/")
            app = AppPage(page, context, browser_session.pages, cos_cors)
            watch = Watch(cos_cors)
            result = app.fetch(
                cos_cors.cos_url_for("s.txt", scheme="https"),
                method="PUT",
                headers={"x-cos-meta-k": "v"},
                body="secure",
            )
            assert_agree(result, watch.since())
            assert result.status == 200, result
            unserved = app.fetch("https://www.example.com/")
        finally:
            context.close()
    finally:
        browser.close()
    assert not unserved.ok
    assert cos_cors.objects() == {"s.txt": b"secure"}
    assert {e.origin for e in cos_cors.exchanges} == {origin}
