"""A client's freshness bound from its Cache-Control request header, floored by the operator."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.requests import Request

from graphql_api.context import build_context, requested_max_age
from graphql_api.settings import DEFAULTS


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None), ("", None), ("max-age=30", 30.0), ("no-store, max-age=12", 12.0), ("no-cache", 0.0),
        ("max-age=30, no-cache", 0.0), ('max-age="7"', 7.0), ("max-age=soon", None), ("max-age=-3", 0.0),
        ("private", None),
    ],
)
def test_max_age_is_read_from_cache_control(header: str | None, expected: float | None) -> None:
    assert requested_max_age(header) == expected


def request_with(cache_control: str) -> Request:
    return Request({"type": "http", "headers": [(b"cache-control", cache_control.encode())]})


def test_the_operator_floor_applies_and_no_header_means_no_bound() -> None:
    limits = replace(DEFAULTS.limits, min_max_age=5.0)
    assert build_context({}, limits, request_with("max-age=1")).operation.max_age == 5.0
    assert build_context({}, limits, request_with("max-age=60")).operation.max_age == 60.0
    assert build_context({}, limits).operation.max_age is None
