"""Bounded fuzzing of the running service (uvicorn on loopback, real emulators): schemathesis in
GraphQL mode for documents, hypothesis for raw bodies, GET parameters and hostile variables. Zero
5xx, zero masked internal errors, zero tracebacks or errors in the log. Each run is capped in
examples and derandomized, so the suite stays fast and a failure repeats."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import running_stack

FUZZ = settings(max_examples=80, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[str, Collected]]:
    """The stack in a thread of its own (schemathesis and hypothesis drive it synchronously)."""
    box: dict[str, Any] = {}

    def serve() -> None:
        async def main() -> None:
            stop = asyncio.Event()
            async with running_stack() as stack:
                loop = asyncio.get_running_loop()
                box["stop"] = lambda: loop.call_soon_threadsafe(stop.set)
                box["url"] = stack.url
                await stop.wait()

        asyncio.run(main())

    collected = Collected()
    logging.getLogger().addHandler(collected)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while "url" not in box:
        assert thread.is_alive() and time.monotonic() < deadline, "the stack did not start"
        time.sleep(0.02)
    try:
        yield box["url"], collected
    finally:
        box["stop"]()
        thread.join(10)
        logging.getLogger().removeHandler(collected)


def check(response: Any) -> None:
    """A requests or schemathesis response: below 500, nothing masked, every error coded."""
    assert response.status_code < 500, response.text[:500]
    assert "INTERNAL_SERVER_ERROR" not in response.text, response.text[:500]
    if response.text.startswith("{"):
        body = json.loads(response.text)
        assert all(e["extensions"]["code"] for e in body.get("errors", [])), body


def clean_log(collected: Collected) -> None:
    bad = [r for r in collected.records if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()]
    assert not bad, [r.getMessage() for r in bad[:3]]


def test_schema_driven_documents(service: tuple[str, Collected]) -> None:
    url, collected = service
    schema = schemathesis.graphql.from_url(url + "/graphql")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    @FUZZ
    @given(case=st.one_of(*[operation.as_strategy() for operation in operations]))
    def run(case: Any) -> None:
        check(case.call(timeout=10))

    run()
    clean_log(collected)


SURROGATES = st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\uffff", "\\x", "\\u12"])
NUMBERS = st.sampled_from(["1" + "0" * 400, "-1e999", "1e-999", "0." + "1" * 5000, "NaN", "Infinity"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@st.composite
def raw_bodies(draw: st.DrawFn) -> bytes:
    """Bodies a fuzzer that knows JSON but not this API would send."""
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return json.dumps(draw(JSON)).encode()  # JSON, often not an object
    if kind == 2:
        return f'{{"query": "{{ __typename }}", "variables": {{"a": "{draw(SURROGATES)}"}}}}'.encode()
    if kind == 3:
        return f'{{"query": "{{ __typename }}", "variables": {{"a": {draw(NUMBERS)}}}}}'.encode()
    if kind == 4:
        depth = draw(st.integers(1, 3000))
        return b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * depth + b"]" * depth + b"}}"
    if kind == 5:
        return json.dumps({"query": draw(st.text(max_size=200)), "variables": draw(JSON),
                           "operationName": draw(JSON)}).encode()
    return b'{"query": "' + draw(st.binary(max_size=50)) + b'"}'


def test_raw_bodies(service: tuple[str, Collected]) -> None:
    url, collected = service

    @FUZZ
    @given(body=raw_bodies())
    def run(body: bytes) -> None:
        check(requests.post(url + "/graphql", data=body, headers={"Content-Type": "application/json"}, timeout=10))

    run()
    clean_log(collected)


def test_get_parameters(service: tuple[str, Collected]) -> None:
    url, collected = service
    text = st.text(max_size=100) | SURROGATES | NUMBERS

    @FUZZ
    @given(query=text | st.just("{ locations { id } }"), variables=text | JSON.map(json.dumps),
           extensions=st.none() | text)
    def run(query: str, variables: str, extensions: str | None) -> None:
        params = {"query": query, "variables": variables}
        if extensions is not None:
            params["extensions"] = extensions
        check(requests.get(url + "/graphql", params=params, timeout=10))

    run()
    clean_log(collected)


FILTERED = "query($filter: ImageFilter, $first: Int, $after: String) { images(filter: $filter, first: $first, " \
           "after: $after) { totalCount edges { cursor node { id } } } }"
FILTER_KEYS = st.sampled_from(["providers", "locations", "imageIds", "name", "osType", "platform", "source",
                               "status", "architecture", "tagKeys", "tags", "zenlayer", "jdcloud"])


def test_hostile_variables(service: tuple[str, Collected]) -> None:
    url, collected = service

    @FUZZ
    @given(filter=st.dictionaries(FILTER_KEYS, JSON, max_size=4) | JSON, first=JSON, after=JSON)
    def run(filter: Any, first: Any, after: Any) -> None:
        body = {"query": FILTERED, "variables": {"filter": filter, "first": first, "after": after}}
        check(requests.post(url + "/graphql", json=body, timeout=10))

    run()
    clean_log(collected)
