"""pytest glue: ini options, the ``cors_rules`` marker, the fixtures and the report section."""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pytest

from .constants import ACLS as ACLS  # re-exported: ``plugin.ACLS`` stays importable
from .constants import DEFAULT_ACL, DEFAULT_BUCKET, DEFAULT_HOST, DEFAULT_REGION
from .warning import CosCorsWarning as CosCorsWarning

# Only pytest and light modules at import time: the rule model (lxml) and the endpoint (werkzeug)
# load when a test first asks for them, so a suite that does not use the plugin pays next to
# nothing for it.
if TYPE_CHECKING:
    from .browser_front import BrowserFront
    from .endpoint import CosCorsEndpoint

MARKER = "cors_rules"

MARKER_HELP = (
    "cors_rules(*rules, bucket=None, response_vary=None): CORS rules for the cos_cors fake COS "
    "endpoint: CORSRule objects, SDK-shaped or snake_case dicts, or one whole configuration "
    "(XML text or bytes, a pathlib.Path to an XML file, or the SDK's configuration dict)."
)
#: setting -> (ini option, default, help)
SETTINGS = {
    "bucket": ("cos_cors_bucket", DEFAULT_BUCKET, "the bucket each endpoint starts with"),
    "region": ("cos_cors_region", DEFAULT_REGION, "the COS region of the endpoint's host names"),
    "host": ("cos_cors_host", DEFAULT_HOST, "the address the endpoint binds"),
    "acl": ("cos_cors_acl", DEFAULT_ACL, "the ACL of the starting bucket"),
}
#: The setting that is no string and has no ini option: ``SecretId -> SecretKey`` (or
#: ``(SecretKey, SessionToken)``) whose signatures the endpoint verifies, from
#: ``cos_cors_settings`` or ``make_cos_cors(credentials=...)``; ``None`` verifies none.
CREDENTIALS = "credentials"
#: The boolean setting (ini ``cos_cors_intercept``, default true): whether the ``cos_cors``
#: fixture's endpoint intercepts the test process's connections to COS host names
#: (:mod:`pytest_cos_cors.intercept`); ``make_cos_cors(intercept=True)`` for an extra endpoint.
INTERCEPT = "intercept"
INTERCEPT_INI = "cos_cors_intercept"
#: Each test's started endpoints, for its report section and the session report.
_ENDPOINTS = pytest.StashKey[list["CosCorsEndpoint"]]()
#: The session browser's front, from the first use of ``cos_cors_browser_args`` to the end.
_BROWSER_FRONT = pytest.StashKey["BrowserFront"]()
_INI_SETTINGS = pytest.StashKey[Mapping[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ini settings and the session report's command-line option."""
    for ini, default, help_text in SETTINGS.values():
        parser.addini(ini, f"pytest-cos-cors: {help_text} (default {default})", default=default)
    parser.addini(
        INTERCEPT_INI,
        "pytest-cos-cors: whether the cos_cors endpoint intercepts the test process's "
        "connections to COS host names (default true)",
        type="bool",
        default=True,
    )
    from .session_report import add_option

    add_option(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, and the session report with the key of each test's endpoints."""
    config.addinivalue_line("markers", MARKER_HELP)
    from .session_report import register

    register(config, _ENDPOINTS)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Warn about a ``cors_rules`` marker on a test that does not use ``cos_cors``.

    Warned while that test sets up, not while the session collects: pytest then reports the
    warning with the test, and a filter that makes it an error (``-W error``) fails that one
    test instead of the whole session."""
    if not isinstance(item, pytest.Function) or "cos_cors" in item.fixturenames:
        return
    if any(mark.name == MARKER for mark in item.own_markers):
        item.warn(
            CosCorsWarning(
                f"@pytest.mark.{MARKER} on {item.name} has no effect: the test does not use "
                "the cos_cors fixture"
            )
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report gets a ``cos_cors`` section listing its endpoints' exchanges (and
    what the session browser asked for that none of them serves)."""
    report: pytest.TestReport = yield
    endpoints = item.stash.get(_ENDPOINTS, None)
    if endpoints and report.failed and report.when in ("call", "teardown"):
        from .report import describe_exchanges

        front = item.config.stash.get(_BROWSER_FRONT, None)
        unrouted = () if front is None else front.unrouted
        report.sections.append(("cos_cors", describe_exchanges(endpoints, unrouted=unrouted)))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Once a test's reports are made, its endpoints (their objects and records) are let go:
    a long session does not keep every test's fake storage alive to its end."""
    try:
        return (yield)
    finally:
        if _ENDPOINTS in item.stash:
            del item.stash[_ENDPOINTS]


def _check_setting(source: str, key: object, value: object) -> Any:
    """One setting's value, or the test fails with a message naming where it came from."""
    if key == CREDENTIALS:
        return _check_credentials(source, value)
    if key == INTERCEPT:
        if not isinstance(value, bool):
            pytest.fail(f"{source}: {key} must be True or False, got {value!r}", pytrace=False)
        return value
    if key not in SETTINGS:
        known = [*SETTINGS, CREDENTIALS, INTERCEPT]
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        pytest.fail(
            f"{source}: unknown setting {key!r}{hint}; known: {', '.join(known)}",
            pytrace=False,
        )
    if not isinstance(value, str) or not value:
        pytest.fail(f"{source}: {key} must be a non-empty string, got {value!r}", pytrace=False)
    if key == "acl" and value not in ACLS:
        pytest.fail(f"{source}: acl must be one of {', '.join(ACLS)}, got {value!r}", pytrace=False)
    problem = None
    if key in ("bucket", "region"):
        from .naming import check_bucket, check_region

        try:
            (check_bucket if key == "bucket" else check_region)(value)
        except ValueError as error:
            problem = f"{source}: {error}"
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    return value


def _check_credentials(source: str, value: object) -> object:
    """The ``credentials`` setting (``None`` or a valid mapping), or the test fails with a
    message naming where it came from and the entry at fault."""
    if value is None:
        return None
    from .signatures import check_credentials

    try:
        check_credentials(value)
    except (TypeError, ValueError) as error:
        problem = f"{source}: {CREDENTIALS}: {error}"
    else:
        return value
    pytest.fail(problem, pytrace=False)


def _ini_settings(config: pytest.Config) -> Mapping[str, Any]:
    """The ini options' settings, checked once per session (they cannot change during it); a
    bad one fails every test that asks, each time."""
    cached = config.stash.get(_INI_SETTINGS, None)
    if cached is None:
        values: dict[str, Any] = {
            key: _check_setting(f"ini option {ini}", key, str(config.getini(ini)))
            for key, (ini, _, _) in SETTINGS.items()
        }
        values[INTERCEPT] = bool(config.getini(INTERCEPT_INI))
        cached = config.stash[_INI_SETTINGS] = MappingProxyType(values)
    return cached


def _settings(
    config: pytest.Config, overrides: Mapping[str, Any], source: str = "cos_cors_settings"
) -> dict[str, Any]:
    """The ini defaults, then ``overrides``; each problem names its source."""
    if not isinstance(overrides, Mapping):
        pytest.fail(f"{source} must return a dict, got {type(overrides).__name__}", pytrace=False)
    values = dict(_ini_settings(config))
    for key, value in overrides.items():
        values[str(key)] = _check_setting(source, key, value)
    return values


def _marker_configurations(item: pytest.Item, default_bucket: str) -> dict[str, Any]:
    marks = []
    for node, mark in item.iter_markers_with_node(MARKER):
        kind = (
            "module"
            if isinstance(node, pytest.Module)
            else "class"
            if isinstance(node, pytest.Class)
            else "test"
        )
        marks.append((f"@pytest.mark.{MARKER} on {kind} {node.name}", mark.args, mark.kwargs))
    from .markers import MarkerError, read_markers

    try:
        return read_markers(marks, Path(item.path).parent, default_bucket)
    except MarkerError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)


def _stop_all(endpoints: list[CosCorsEndpoint]) -> None:
    """Stop the endpoints, then fail the test with what went wrong inside them (``check()``) and
    with every browser request that needed a preflight the fake never answered."""
    __tracebackhide__ = True
    from .assertions import missing_preflights_message

    problems = []
    for endpoint in endpoints:
        endpoint.stop()
    for endpoint in endpoints:
        try:
            endpoint.check()
        except AssertionError as error:
            problems.append(str(error))
        missing = missing_preflights_message(endpoint.exchanges)
        if missing is not None:
            problems.append(missing)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@contextlib.contextmanager
def _intercepting(endpoint: CosCorsEndpoint, on: bool, label: str) -> Iterator[None]:
    """``endpoint.intercept(label)`` when ``on``; a conflict with another endpoint fails the test
    (its message names both endpoints)."""
    if not on:
        yield
        return
    from .intercept import InterceptConflictError

    try:
        interception = endpoint.intercept(label)
        interception.__enter__()
    except InterceptConflictError as error:
        endpoint.stop()
        message = str(error)
    else:
        try:
            yield
        finally:
            interception.__exit__(None, None, None)
        return
    pytest.fail(message, pytrace=False)


def _stop_all_then(endpoints: list[CosCorsEndpoint], interceptions: contextlib.ExitStack) -> None:
    """:func:`_stop_all`, the interceptions ending once the endpoints have stopped (their
    server threads joined) and before the test can fail."""
    __tracebackhide__ = True
    for endpoint in endpoints:
        endpoint.stop()
    interceptions.close()
    _stop_all(endpoints)


def _started_endpoint(settings: Mapping[str, Any], source: str) -> CosCorsEndpoint:
    """A started endpoint, or the test fails with a message naming the setting at fault."""
    from .endpoint import CosCorsEndpoint

    try:
        endpoint = CosCorsEndpoint(
            bucket=settings["bucket"],
            region=settings["region"],
            host=settings["host"],
            acl=settings["acl"],
            credentials=settings.get(CREDENTIALS),
        )
    except ValueError as error:
        message = f"{source}: {error}"
    else:
        try:
            endpoint.start()
            return endpoint
        except OSError as error:
            message = f"{source}: cannot listen on host {settings['host']!r}: {error}"
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def cos_cors_settings() -> dict[str, Any]:
    """Overrides for cos_cors endpoints (bucket, region, host, acl; credentials, a mapping
    SecretId -> SecretKey whose signatures the endpoint verifies): override this fixture."""
    return {}


@pytest.fixture(scope="session")
def _cos_cors_engine() -> Iterator[None]:
    """The serving engine's one thread, kept running from the first test that uses an endpoint
    fixture to the end of the session: a test's endpoint then starts and stops no thread."""
    from .serving import held

    with held():
        yield


@pytest.fixture(scope="session")
def cos_cors_browser_args(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Chromium flags for one browser shared by the session (session scope; one per
    pytest-xdist worker): each test's ``cos_cors`` endpoint and its served origins are what the
    browser reaches during that test, and nothing else (see docs/browser.md)."""
    from .browser_front import BrowserFront

    front = BrowserFront()
    front.start()
    request.config.stash[_BROWSER_FRONT] = front
    try:
        yield front.browser_args()
    finally:
        del request.config.stash[_BROWSER_FRONT]
        front.stop()
    problems = front.problems.snapshot()
    if problems:
        pytest.fail("the session browser's front failed:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def make_cos_cors(
    request: pytest.FixtureRequest, cos_cors_settings: Mapping[str, Any], _cos_cors_engine: None
) -> Iterator[Callable[..., CosCorsEndpoint]]:
    """Factory of extra started CosCorsEndpoints (function scope), all stopped at teardown;
    the session browser (``cos_cors_browser_args``) reaches them during the test."""
    endpoints = request.node.stash.setdefault(_ENDPOINTS, [])
    base = _settings(request.config, cos_cors_settings)
    mine: list[CosCorsEndpoint] = []
    interceptions = contextlib.ExitStack()

    def make(**overrides: Any) -> CosCorsEndpoint:
        __tracebackhide__ = True
        checked = {str(k): _check_setting("make_cos_cors()", k, v) for k, v in overrides.items()}
        settings = {**base, **checked}
        endpoint = _started_endpoint(settings, "make_cos_cors()")
        mine.append(endpoint)
        endpoints.append(endpoint)
        # Only when asked here: the fixture's own setting is for the cos_cors endpoint.
        label = f"make_cos_cors() endpoint of {request.node.nodeid}"
        interceptions.enter_context(
            _intercepting(endpoint, checked.get(INTERCEPT, False), label)
        )
        if front is not None:  # the session browser reaches it too during this test
            front.attach(endpoint)
        return endpoint

    front: BrowserFront | None = request.config.stash.get(_BROWSER_FRONT, None)
    with interceptions:
        yield make
        if front is not None:
            for endpoint in mine:
                front.detach(endpoint)
        _stop_all_then(mine, interceptions)


@pytest.fixture
def cos_cors(
    request: pytest.FixtureRequest, cos_cors_settings: Mapping[str, Any], _cos_cors_engine: None
) -> Iterator[CosCorsEndpoint]:
    """A started fake COS endpoint for this test, with cors_rules applied (function scope)."""
    settings = _settings(request.config, cos_cors_settings)
    configurations = _marker_configurations(request.node, settings["bucket"])
    endpoint = _started_endpoint(settings, "cos_cors_settings")
    request.node.stash.setdefault(_ENDPOINTS, []).append(endpoint)
    problem = None
    try:
        for bucket, configuration in configurations.items():
            if bucket != endpoint.bucket:
                endpoint.add_bucket(bucket)
            endpoint.set_rules(configuration, bucket=bucket)
    except ValueError as error:
        problem = f"@pytest.mark.{MARKER}: bucket {bucket!r}: {error}"
    except BaseException:
        endpoint.stop()
        raise
    if problem is not None:
        endpoint.stop()
        pytest.fail(problem, pytrace=False)
    interception = contextlib.ExitStack()
    interception.enter_context(
        _intercepting(
            endpoint,
            settings[INTERCEPT],
            f"the cos_cors endpoint of {request.node.nodeid}",
        )
    )
    front: BrowserFront | None = request.config.stash.get(_BROWSER_FRONT, None)
    if front is not None:  # the session browser reaches this endpoint during this test
        front.attach(endpoint)
    with interception:
        yield endpoint
        if front is not None:
            front.detach(endpoint)
        _stop_all_then([endpoint], interception)
