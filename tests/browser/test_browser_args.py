"""``cos_cors.browser_args()`` itself: the flags users pass to Chromium, used verbatim."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .harness import CHROMIUM, CHROMIUM_ARGS, AppPage, BrowserSession, Watch, assert_agree

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint

RULE = {
    "AllowedOrigin": ["http://app.localhost:*"],
    "AllowedMethod": ["PUT"],
    "AllowedHeader": ["*"],
}


def test_session_browser_runs_with_browser_args_of_the_endpoint(
    browser_session: BrowserSession, cos_cors: CosCorsEndpoint
) -> None:
    # The session browser differs from the recipe only by the port: the relay's, not the endpoint's.
    [flag] = cos_cors.browser_args()
    assert flag.startswith("--host-resolver-rules=")
    relay = f"127.0.0.1:{browser_session.relay.port}"
    assert browser_session.args == [
        *CHROMIUM_ARGS,
        flag.replace(f"127.0.0.1:{cos_cors.port}", relay),
    ]


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
