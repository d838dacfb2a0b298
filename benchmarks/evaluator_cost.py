"""Item 3: the pure evaluator's cost per decision, for 1, 10 and 100 rules.

Rule ``i`` allows the origin ``https://app{i}.example.com``, ``PUT`` and ``GET``, one named header
and exposes ``ETag``; the preflight asks for ``PUT`` with ``content-type``. "first" matches rule
0, "last" the last rule, "none" no rule (every rule fails on its origin, and the refusal reason
and the nearest rule are worked out). ``timeit``: the median of several repeats, per call.

Nothing is memoised per request, so every call pays the whole decision. The one thing kept per
configuration is its index of rule masks, built on the first evaluation: the "new configuration"
figures drop it before every call, so they are the cost of a configuration's first decision.
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable

from .common import Section, ratio, us

SIZES = (1, 10, 100)
CASES = ("first", "last", "none")


def configuration(size: int) -> object:
    from pytest_cos_cors import CORSConfiguration, CORSRule

    return CORSConfiguration(
        [
            CORSRule(
                allowed_origins=[f"https://app{i}.example.com"],
                allowed_methods=["PUT", "GET"],
                allowed_headers=["Content-Type"],
                expose_headers=["ETag"],
                max_age_seconds=600,
            )
            for i in range(size)
        ]
    )


def decision_call(size: int, case: str, new: bool = False) -> Callable[[], object]:
    from pytest_cos_cors import evaluate_preflight

    config = configuration(size)
    origin = {
        "first": "https://app0.example.com",
        "last": f"https://app{size - 1}.example.com",
        "none": "https://evil.example.net",
    }[case]
    expected = case != "none"

    def call() -> object:
        if new:
            object.__setattr__(config, "_evaluation_index", None)
        return evaluate_preflight(config, origin, "PUT", "content-type")  # type: ignore[arg-type]

    decision = call()
    assert decision.allowed is expected  # type: ignore[attr-defined]
    return call


def per_call(call: Callable[[], object], number: int, repeat: int) -> float:
    return statistics.median(timeit.repeat(call, number=number, repeat=repeat)) / number


def measure(number: int, repeat: int) -> dict[tuple[int, str], float]:
    return {
        (size, case): per_call(decision_call(size, case), max(1, number // size), repeat)
        for size in SIZES
        for case in CASES
    }


def section(number: int, repeat: int) -> Section:
    figures = measure(number, repeat)
    new = {
        case: per_call(decision_call(100, case, new=True), max(1, number // 100), repeat)
        for case in CASES
    }
    s = Section(
        "evaluator",
        "3. Evaluator cost per decision",
        "`evaluate_preflight` on configurations of 1, 10 and 100 rules; `timeit`, median of "
        f"{repeat} repeats, per call. Growth is the 100-rule figure over the 10-rule one (10x "
        "more rules: linear growth is at most 10x).",
    )
    for case in CASES:
        for size in SIZES:
            value = figures[(size, case)]
            target, met = "", None
            if size == 100 and case == "none":
                target, met = "<= 20 us", value <= 20e-6
            s.add(
                f"{size} rule{'s' if size > 1 else ''}, match {case}",
                us(value),
                baseline=f"1 rule {us(figures[(1, case)])}" if size > 1 else "",
                ratio=ratio(value / figures[(1, case)]) if size > 1 else "",
                target=target,
                met=met,
            )
        growth = figures[(100, case)] / figures[(10, case)]
        s.add(
            f"growth 10 -> 100 rules, match {case}",
            ratio(growth),
            target="<= 10x (linear)",
            met=growth <= 10.0,
        )
    for case in CASES:
        s.add(
            f"100 rules, match {case}, first decision of a new configuration",
            us(new[case]),
            baseline=f"later decisions {us(figures[(100, case)])}",
        )
    s.notes.append(
        "Nothing is memoised per request: every figure is the whole cost of a decision, the "
        "first of its kind or not. Each (immutable) configuration gets, on its first evaluation, "
        "an index of rule masks (an int per origin entry, method and header name, bit i for rule "
        "i), so a decision is a few dictionary look-ups and mask operations whatever the number "
        "of rules; the per-rule checks a decision carries are made only when read. The "
        '"first decision of a new configuration" rows drop the index before every call: they '
        "include building it, linear in the rules, once per configuration."
    )
    return s
