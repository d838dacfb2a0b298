"""``serve`` under clients that misbehave (issue 13, item 8): what a client sends cannot forge a
log line or reach the terminal as a control sequence, and a stop that has to cut off a stalled
upload exits with the documented status 1."""

from __future__ import annotations

import signal
import socket
import time

from cli.serving import DEADLINE, ServeProcess

BUCKET = "examplebucket-1250000000"


def raw_request(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    sock.sendall(data)
    return sock


def test_the_log_escapes_what_a_client_sent() -> None:
    with ServeProcess() as serve:
        forged = "%0AOPTIONS%20forged-1250000000/x%20-%3E%20200%20allowed"
        head = (
            f"OPTIONS /{BUCKET}/a.png?note=a{forged} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            "Origin: https://app.example\x1b]0;owned\x07\x1b[2J\r\n"
            "Access-Control-Request-Method: PUT\r\n"
            "Connection: close\r\n\r\n"
        )
        with raw_request(serve.port, head.encode("latin-1")) as sock:
            assert sock.recv(65536).startswith(b"HTTP/1.1 403 ")
        [line] = serve.wait_for_lines(1)
        assert line == (
            f"OPTIONS {BUCKET}/a.png?note=a\\nOPTIONS forged-1250000000/x -> 200 allowed "
            "origin=https://app.example\\x1b]0;owned\\x07\\x1b[2J method=PUT headers=- -> 403 "
            "DENIED: the bucket has no CORS configuration"
        )
        assert serve.stop(signal.SIGINT) == 0
        assert serve.lines[-1] == "stopped after 1 exchange (0 preflights allowed, 1 denied)"


def test_sigterm_with_a_stalled_upload_exits_1_and_says_why() -> None:
    with ServeProcess() as serve:
        head = (
            f"PUT /{BUCKET}/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
        )
        with raw_request(serve.port, head.encode() + b"only part of the body"):
            time.sleep(0.5)  # the upload has started and stalls
            status = serve.stop(signal.SIGTERM)
        stderr = serve.stderr()
    assert status == 1
    assert stderr.startswith("the fake COS endpoint reported 1 problem:\n"), stderr
    assert "cut off" in stderr
    assert serve.lines[-1] == "stopped after 0 exchanges (0 preflights allowed, 0 denied)"
