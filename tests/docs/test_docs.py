"""Every code sample in the README and in docs/ is executed or checked.

Fenced blocks are classified by their info string:

- ``python``: a sample that is a verbatim part of a file under ``examples/`` is run by the example
  suite (``python -m pytest examples``); otherwise a sample with ``def test_`` runs as a test file
  under pytester and must pass, and any other sample is executed with ``exec`` from the repository
  root. ``python expect-failure`` must fail, and the ``text`` block right after it must appear, line
  for line, in pytest's output.
- ``console``: ``$ python -m pytest_cos_cors ...`` commands run from the repository root and must
  print exactly the lines that follow (standard output and error together); ``$ echo $?`` prints
  the previous exit status. ``serve`` samples are replayed: the logged requests are sent, ``^C`` is
  a SIGINT, and the documented ``--port 9000`` becomes a free port. ``$ python -m pytest ...`` runs
  in a directory holding the quickstart; ``...`` there stands for any number of lines.
- ``json report-record=NODE_ID``: the report record of that quickstart test, equal but for the
  values that change from run to run.
- ``xml file=PATH``: the content of that file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cli.serving import DEADLINE, LAST_BANNER_LINE, ServeProcess

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "test_quickstart.py"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Documents maintained elsewhere: their indented blocks are illustrations, not samples.
INDENTED_BLOCKS_ALLOWED = {"docs/browser.md", "docs/benchmarks.md"}
KINDS = {"python", "console", "text", "json", "xml"}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```$", re.M | re.S)


#: Options of the inner pytest runs: warnings are errors; pytest-benchmark, when installed, would
#: otherwise warn (an error here) that xdist is active when this suite itself runs under xdist.
INNER = ("-p", "no:benchmark", "-p", "no:cacheprovider", "-W", "error")


@dataclass(frozen=True)
class Block:
    document: str
    line: int
    lang: str
    attrs: tuple[str, ...]
    text: str

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"

    def attr(self, name: str) -> str | None:
        for attr in self.attrs:
            key, _, value = attr.partition("=")
            if key == name:
                return value or key
        return None


def _blocks() -> list[Block]:
    found = []
    for path in DOCUMENTS:
        source = path.read_text()
        for match in FENCE.finditer(source):
            info = match[1].split()
            found.append(
                Block(
                    document=path.relative_to(ROOT).as_posix(),
                    line=source.count("\n", 0, match.start()) + 1,
                    lang=info[0] if info else "",
                    attrs=tuple(info[1:]),
                    text=match[2],
                )
            )
    return found


BLOCKS = _blocks()


def _of(lang: str, **attrs: bool) -> list[Any]:
    chosen = []
    for block in BLOCKS:
        if block.lang != lang:
            continue
        if any((block.attr(name) is not None) != wanted for name, wanted in attrs.items()):
            continue
        chosen.append(pytest.param(block, id=block.id))
    return chosen


def _following(block: Block) -> Block | None:
    index = BLOCKS.index(block)
    if index + 1 < len(BLOCKS) and BLOCKS[index + 1].document == block.document:
        return BLOCKS[index + 1]
    return None


def _example_holding(text: str) -> Path | None:
    for path in sorted((ROOT / "examples").rglob("*.py")):
        if text in path.read_text():
            return path
    return None


# -- the inventory ----------------------------------------------------------------------------


def test_the_documents_have_samples() -> None:
    documents = {block.document for block in BLOCKS}
    assert {"README.md", "docs/cli.md", "docs/reference.md"} <= documents
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize("block", [pytest.param(b, id=b.id) for b in BLOCKS])
def test_every_block_is_of_a_checked_kind(block: Block) -> None:
    assert block.lang in KINDS, f"{block.id}: a ```{block.lang} block is neither run nor checked"
    if block.lang == "json":
        assert block.attr("report-record"), f"{block.id}: a json block must be a report-record"
    if block.lang == "xml":
        assert block.attr("file"), f"{block.id}: an xml block must say which file it shows"


@pytest.mark.parametrize("block", _of("text"))
def test_every_text_block_is_the_output_of_the_sample_before_it(block: Block) -> None:
    index = BLOCKS.index(block)
    previous = BLOCKS[index - 1]
    assert previous.document == block.document
    assert previous.lang == "python"
    assert previous.attr("expect-failure") is not None


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_unchecked_indented_code_blocks(path: Path) -> None:
    name = path.relative_to(ROOT).as_posix()
    if name in INDENTED_BLOCKS_ALLOWED:
        pytest.skip(f"{name} is maintained with the browser and benchmark work")
    text = FENCE.sub("", path.read_text())
    lines = text.splitlines()
    indented = [
        line.strip()
        for before, line in zip(["", *lines], lines, strict=False)
        if line.startswith("    ") and (before == "" or before.startswith("    "))
    ]
    allowed = []
    if name == "README.md":
        # The set-up commands: tests/test_readme.py checks that .ci/run runs them.
        allowed = [
            "python -m pip install -e '.[test]' && python -m pytest -W error examples",
            "python -m pytest -W error tests",
        ]
    assert indented == allowed


# -- python -----------------------------------------------------------------------------------


#: Samples of these documents run next to this conftest.py (their fixtures are defined there).
CONFTESTS = {"docs/browser.md": ROOT / "examples" / "browser" / "conftest.py"}


def _run_sample(pytester: pytest.Pytester, block: Block) -> pytest.RunResult:
    text = block.text
    conftest = CONFTESTS.get(block.document)
    if conftest is not None:
        # A recipe excerpt: the fixtures and the import of its example file.
        pytester.makeconftest(conftest.read_text())
        if "import pytest" not in text:
            text = "import pytest\n\n\n" + text
    pytester.makepyfile(test_sample=text)
    return pytester.runpytest(*INNER)


@pytest.mark.parametrize("block", _of("python", **{"expect-failure": False}))
def test_python_sample_runs(pytester: pytest.Pytester, block: Block) -> None:
    example = _example_holding(block.text)
    if example is not None:
        # The example suite runs it; the quickstart also runs here below.
        assert block.text.strip() in example.read_text()
        return
    if "def test_" in block.text:
        result = _run_sample(pytester, block)
        outcomes = result.parseoutcomes()
        assert set(outcomes) == {"passed"}, result.stdout.str()
        assert outcomes["passed"] == block.text.count("\ndef test_")
        return
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(block.text, block.id, "exec"), {"__name__": "__sample__"})
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("block", _of("python", **{"expect-failure": True}))
def test_failing_sample_prints_the_documented_output(
    pytester: pytest.Pytester, block: Block
) -> None:
    output = _following(block)
    assert output is not None
    assert output.lang == "text"
    result = _run_sample(pytester, block)
    outcomes = result.parseoutcomes()
    assert "passed" not in outcomes
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) >= 1
    expected = output.text.splitlines()
    actual = result.stdout.lines
    assert any(actual[i : i + len(expected)] == expected for i in range(len(actual))), (
        f"{output.id} is not in the output:\n" + "\n".join(actual)
    )


def test_the_quickstart_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_quickstart=QUICKSTART.read_text())
    pytester.runpytest(*INNER).assert_outcomes(passed=2)


# -- console ----------------------------------------------------------------------------------


def _commands(block: Block) -> list[tuple[str, list[str]]]:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{block.id}: output before any command"
            commands[-1][1].append(line)
    return commands


def _argv(command: str) -> list[str]:
    words = shlex.split(command)
    assert words[:2] == ["python", "-m"], command
    return [sys.executable, *words[1:]]


def _matches_with_ellipsis(expected: list[str], actual: list[str]) -> bool:
    if "..." not in expected:
        return expected == actual
    position = 0
    for line in expected:
        if line == "...":
            continue
        try:
            position = actual.index(line, position) + 1
        except ValueError:
            return False
    return True


LOG_LINE = re.compile(
    r"^(?P<method>[A-Z]+) (?P<bucket>[^/ ]+)(?P<path>/\S*)"
    r"(?: origin=(?P<origin>\S+))?(?: method=(?P<acrm>\S+) headers=(?P<headers>\S+))? -> "
)


def _replay(url: str, line: str) -> None:
    match = LOG_LINE.match(line)
    assert match, f"not a log line: {line}"
    headers = {}
    if match["origin"]:
        headers["Origin"] = match["origin"]
    if match["acrm"] and match["acrm"] != "-":
        headers["Access-Control-Request-Method"] = match["acrm"]
    if match["headers"] and match["headers"] != "-":
        headers["Access-Control-Request-Headers"] = match["headers"]
    requests.request(
        match["method"],
        f"{url}/{match['bucket']}{match['path']}",
        headers=headers,
        timeout=DEADLINE,
    )


def _run_serve(command: str, expected: list[str]) -> None:
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "pytest_cos_cors", "serve"], command
    args = words[4:]
    documented_port = "0"
    if "--port" in args:
        at = args.index("--port") + 1
        documented_port, args[at] = args[at], "0"
    banner_end = expected.index(LAST_BANNER_LINE) + 1
    stop_at = expected.index("^C")
    with ServeProcess(*args) as serve:
        for count, line in enumerate(expected[banner_end:stop_at], start=1):
            _replay(serve.url, line)
            serve.wait_for_lines(count)
        assert serve.stop(signal.SIGINT) == 0
        assert serve.stderr() == ""
        actual = [line.replace(f":{serve.port}", f":{documented_port}") for line in serve.lines]
    assert actual == expected[:stop_at] + expected[stop_at + 1 :]


@pytest.mark.parametrize("block", _of("console"))
def test_console_sample(block: Block, tmp_path: Path) -> None:
    status: int | None = None
    for command, expected in _commands(block):
        if command == "echo $?":
            assert status is not None, f"{block.id}: echo $? before any command"
            assert expected == [str(status)], f"{block.id}: {command!r} exited {status}"
        elif command.startswith("python -m pytest_cos_cors serve"):
            _run_serve(command, expected)
            status = 0
        elif command.startswith("python -m pytest_cos_cors "):
            done = subprocess.run(
                _argv(command),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=60,
                check=False,
                env={**os.environ, "COLUMNS": "80"},
            )
            status = done.returncode
            assert done.stdout.splitlines() == expected, f"{block.id}: {command}"
        elif command.startswith("python -m pytest "):
            shutil.copy(QUICKSTART, tmp_path)
            env = {**os.environ, "PYTEST_ADDOPTS": "-p no:benchmark -p no:cacheprovider -W error"}
            done = subprocess.run(
                _argv(command),
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=120,
                check=False,
                env=env,
            )
            status = done.returncode
            assert status == 0, done.stdout
            assert _matches_with_ellipsis(expected, done.stdout.splitlines()), done.stdout
        else:
            pytest.fail(f"{block.id}: no way to run {command!r}")


# -- json, xml --------------------------------------------------------------------------------

#: Values that change from run to run: (path in the record, ...).
VOLATILE = [
    ("timestamp",),
    ("request", "headers", "Host"),
    ("request", "headers", "User-Agent"),
    ("response", "headers", "Content-Length"),
    ("response", "headers", "Date"),
    ("response", "headers", "x-cos-request-id"),
    ("response", "headers", "x-cos-trace-id"),
]


@pytest.mark.parametrize("block", _of("json", **{"report-record": True}))
def test_report_record_sample(pytester: pytest.Pytester, block: Block) -> None:
    documented = json.loads(block.text)
    pytester.makepyfile(test_quickstart=QUICKSTART.read_text())
    result = pytester.runpytest(*INNER, "--cos-cors-report=r.json")
    result.assert_outcomes(passed=2)
    records = json.loads((pytester.path / "r.json").read_text())["exchanges"]
    (record,) = [r for r in records if r["test"] == block.attr("report-record")]
    for path in VOLATILE:
        *parents, key = path
        actual_holder, documented_holder = record, documented
        for parent in parents:
            actual_holder, documented_holder = actual_holder[parent], documented_holder[parent]
        assert key in actual_holder
        assert type(actual_holder[key]) is type(documented_holder[key])
        actual_holder[key] = documented_holder[key]
    assert record == documented


@pytest.mark.parametrize("block", _of("xml"))
def test_xml_sample_is_the_file(block: Block) -> None:
    name = block.attr("file")
    assert name, f"{block.id}: an xml block must say which file it shows"
    assert block.text.rstrip("\n") == (ROOT / name).read_text().rstrip("\n")
