"""What one record keeps is bounded, whatever the request sent (issue 13, memory)."""

from __future__ import annotations

from pytest_cos_cors.recording import RECORDED_CHARACTERS, VALUE_KEPT, HeaderMap


def test_ordinary_headers_are_kept_whole() -> None:
    pairs = [("Origin", "https://app.example.com"), ("X-Long", "v" * 5000)]
    assert HeaderMap(pairs).pairs() == tuple(pairs)


def test_huge_headers_keep_the_start_of_each_long_value() -> None:
    pairs = [("Origin", "https://app.example.com")] + [
        (f"X-Big-{i}", "v" * 60_000) for i in range(15)
    ]
    kept = HeaderMap(pairs)
    assert kept["Origin"] == "https://app.example.com"
    assert (
        kept["X-Big-3"] == "v" * VALUE_KEPT + f"... [{60_000 - VALUE_KEPT} characters not recorded]"
    )
    assert len(kept) == 16
    assert sum(len(k) + len(v) for k, v in kept.pairs()) < RECORDED_CHARACTERS * 2
