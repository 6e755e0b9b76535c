"""Hostile requests against the running service (uvicorn on loopback, real emulators): each class is
refused with a 4xx or a GraphQL error carrying a stable code, never a 5xx or a masked internal error,
those refused before execution cost no provider call, and the service answers the next query."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import pytest
import pytest_asyncio

from graphql_api.settings import Secret

from .harness import Stack, running_stack

BIG = 2 * 1024 * 1024  # over the default CIG_MAX_BODY_BYTES (1 MiB)
HEALTHY = '{ locations { id } }'


def q(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    status: int  # expected HTTP status
    code: str  # expected extensions.code of the first error
    body: bytes | None = None
    method: str = "POST"
    params: dict[str, str] | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    calls: int | None = 0  # provider calls it may cost (None: not checked)


ALIASES = " ".join(f'a{i}: images(first: 1000, filter: {{name: "n{i}"}}) {{ totalCount }}' for i in range(29))
FRAGMENTS = " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(60))
SPREADS = " ".join(f"...F{i}" for i in range(60))
DIRECTIVES = " ".join(f"t{i}: __typename @include(if: true)" for i in range(60))
TOKENS = "{ " + " ".join(f"t{i}: __typename" for i in range(3000)) + " }"
# Each level multiplies the answer (types x fields x fields ...): refused by graphql-core's introspection depth.
DEEP = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"


def deep_json(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


CASES = [
    Case("oversized body", 413, "PAYLOAD_TOO_LARGE", q("{ __typename }", {"pad": "x" * BIG})),
    Case("invalid UTF-8 in a JSON string", 400, "INVALID_JSON", b'{"query": "{ __typename }", "x": "\xff\xfe"}'),
    Case("a \\u escape that is not Unicode", 400, "INVALID_JSON",
         b'{"query": "{ __typename }", "variables": {"a": "\\ud800"}}'),
    Case("a number too long to convert", 400, "INVALID_JSON",
         b'{"query": "{ __typename }", "variables": {"a": 1' + b"0" * 500 + b"}}"),
    Case("not JSON", 400, "INVALID_JSON", b"{query: nope"),
    Case("JSON that is not an object", 400, "NOT_AN_OBJECT", b'"{ __typename }"'),
    Case("JSON null", 400, "NOT_AN_OBJECT", b"null"),
    Case("batched array", 400, "BAD_REQUEST", b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]'),
    Case("variables that are not an object", 400, "NOT_AN_OBJECT", b'{"query": "{ __typename }", "variables": [1]}'),
    Case("variables nested deep", 400, "JSON_TOO_DEEP", q("{ __typename }", deep_json(40))),
    Case("JSON nested past the decoder's depth", 400, "INVALID_JSON",
         b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 3000 + b"]" * 3000 + b"}}"),
    Case("a huge list in variables", 400, "LIST_TOO_LONG",
         q("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [f"x{i}" for i in range(5000)]})),
    Case("oversized variables", 413, "VARIABLES_TOO_LARGE", q("{ __typename }", {"a": "x" * 100_000})),
    Case("oversized document", 413, "DOCUMENT_TOO_LARGE", q("{ __typename }" + " " * 100_000)),
    Case("too many tokens", 400, "GRAPHQL_PARSE_FAILED", q(TOKENS)),
    Case("deep nesting", 400, "GRAPHQL_VALIDATION_FAILED", q(DEEP)),
    Case("alias flood", 400, "GRAPHQL_VALIDATION_FAILED",
         q("{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }")),
    Case("expensive aliases under the alias limit", 400, "QUERY_TOO_EXPENSIVE", q("{ " + ALIASES + " }")),
    Case("fragment cycle", 400, "GRAPHQL_VALIDATION_FAILED",
         q("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")),
    Case("fragment flood", 400, "GRAPHQL_VALIDATION_FAILED", q("{ " + SPREADS + " } " + FRAGMENTS)),
    Case("directive flood", 400, "GRAPHQL_VALIDATION_FAILED", q("{ " + DIRECTIVES + " }")),
    Case("huge first", 200, "BAD_USER_INPUT", q("{ images(first: 100000) { totalCount } }")),
    Case("first beyond a 32-bit Int", 400, "GRAPHQL_VALIDATION_FAILED",
         q("{ images(first: 99999999999) { totalCount } }")),
    Case("NUL byte in the document", 400, "GRAPHQL_PARSE_FAILED", q("{ __type\u0000name }")),
    Case("NUL byte in a location id", 200, "BAD_USER_INPUT",
         q('{ images(filter: {locations: ["cn-north-1\\u0000"]}) { totalCount } }'), calls=None),
    Case("wrong content type", 415, "UNSUPPORTED_MEDIA_TYPE", b"{ __typename }",
         headers={"Content-Type": "text/plain"}),
    Case("form body", 415, "UNSUPPORTED_MEDIA_TYPE", b"query=%7B__typename%7D",
         headers={"Content-Type": "application/x-www-form-urlencoded"}),
    Case("malformed cursor", 200, "BAD_USER_INPUT", q('{ images(first: 1, after: "%%%not-a-cursor") { totalCount } }')),
    Case("malformed id", 200, "BAD_USER_INPUT", q('{ node(id: "bm90IGFuIGlk") { id } }')),
    Case("unknown location", 200, "BAD_USER_INPUT",
         q('{ images(filter: {locations: ["mars-1"]}) { totalCount } }'), calls=None),
    Case("too many tags", 200, "BAD_USER_INPUT",
         q("{ images(filter: {tagKeys: [" + ", ".join(f'"k{i}"' for i in range(25)) + "]}) { totalCount } }")),
    Case("too many node ids", 200, "BAD_USER_INPUT",
         q("{ nodes(ids: [" + ", ".join(f'"id{i}"' for i in range(150)) + "]) { id } }")),
    Case("a non-string operationName", 400, "BAD_REQUEST", b'{"query": "{ __typename }", "operationName": 7}'),
    Case("an unknown method", 405, "METHOD_NOT_ALLOWED", method="PUT"),
    Case("nothing acceptable", 406, "NOT_ACCEPTABLE", q("{ __typename }"), headers={"Accept": "image/png"}),
    Case("a 60 KB GET URL", 414, "URI_TOO_LONG", method="GET", params={"query": "{ __typename " + " " * 60_000 + "}"}),
    Case("GET variables that are not JSON", 400, "INVALID_JSON", method="GET",
         params={"query": "{ __typename }", "variables": "{nope"}),
    Case("GET variables with a \\u escape that is not Unicode", 400, "INVALID_JSON", method="GET",
         params={"query": "{ __typename }", "variables": '{"a": "\\udc00"}'}),
    Case("GET variables nested deep", 400, "JSON_TOO_DEEP", method="GET",
         params={"query": "{ __typename }", "variables": json.dumps(deep_json(40))}),
    Case("GET variables that are not an object", 400, "NOT_AN_OBJECT", method="GET",
         params={"query": "{ __typename }", "variables": "[1, 2]"}),
    Case("a long bad enum value echoed", 400, "GRAPHQL_VALIDATION_FAILED",
         q("{ images(filter: {osType: " + "W" * 5000 + "}) { totalCount } }")),
]


async def exchange(stack: Stack, case: Case) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Content-Type": "application/json", "Accept": "application/graphql-response+json", **case.headers}
    async with stack.session.request(
        case.method, stack.url + "/graphql", data=io.BytesIO(case.body) if case.body else None, params=case.params,
        headers=headers,
    ) as response:
        text = await response.text()
        return response.status, json.loads(text), dict(response.headers)


async def healthy(stack: Stack) -> None:
    body = await stack.graphql(HEALTHY)
    assert "errors" not in body and body["data"]["locations"], body


def first_code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hostile_stack() -> Any:
    async with running_stack() as stack:
        await healthy(stack)  # the locations are cached: what follows is planned without any call
        yield stack


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_a_hostile_request_is_refused_cheaply_and_the_service_keeps_serving(
    hostile_stack: Stack, case: Case
) -> None:
    stack = hostile_stack
    stack.reset_calls()
    status, body, _ = await exchange(stack, case)
    assert (status, first_code(body)) == (case.status, case.code), body
    assert all(e["extensions"].get("code") != "INTERNAL_SERVER_ERROR" for e in body["errors"]), body
    assert all(len(e["message"]) <= 1200 for e in body["errors"]), body  # echoed values are cut
    if case.calls is not None:
        assert stack.calls == case.calls, case.name
    await healthy(stack)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_url_longer_than_the_http_parser_takes_still_gets_an_http_answer(hostile_stack: Stack) -> None:
    """Past about 80 KB uvicorn's parser refuses the request line itself (400, plain text) before any app
    code runs; below it this service answers 414 in JSON (`CIG_MAX_URL_BYTES`, 16 KB by default)."""
    async with hostile_stack.session.get(
        hostile_stack.url + "/graphql", params={"query": "{ __typename " + " " * 200_000 + "}"}
    ) as response:
        assert response.status in (400, 414)
    await healthy(hostile_stack)


async def test_cases_cover_at_least_25_classes() -> None:
    assert len({c.name for c in CASES}) >= 25


async def test_key_brute_force_is_refused_before_parsing_and_rate_limited() -> None:
    key = "cig-test-key-0123456789"
    async with running_stack(api_keys=(Secret(key),), rate_limit=5.0, rate_burst=5) as stack:
        statuses = []
        for attempt in range(30):
            async with stack.session.post(
                stack.url + "/graphql", data=b"\xff not even json", headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer guess-{attempt}",
                },
            ) as response:
                body = await response.json(content_type=None)
                statuses.append((response.status, first_code(body)))
        assert set(statuses) == {(401, "UNAUTHENTICATED")}  # never parsed: not a 400 for the body
        assert stack.calls == 0
        answers = []
        for _ in range(8):
            async with stack.session.post(
                stack.url + "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {key}"},
            ) as response:
                answers.append((response.status, response.headers.get("Retry-After"), await response.json()))
        assert [a[0] for a in answers[:5]] == [200] * 5  # the burst
        limited = [a for a in answers if a[0] == 429]
        assert limited and all(a[1] == "1" and first_code(a[2]) == "RATE_LIMITED" for a in limited)


async def test_production_switches_hide_the_schema() -> None:
    async with running_stack(introspection=False, field_suggestions=False) as stack:
        body = await stack.graphql("{ __schema { types { name } } }")
        assert first_code(body) == "GRAPHQL_VALIDATION_FAILED" and "data" not in body
        body = await stack.graphql("{ imagez { totalCount } }")
        assert first_code(body) == "GRAPHQL_VALIDATION_FAILED"
        assert "Did you mean" not in json.dumps(body)
        assert "errors" not in await stack.graphql("{ images(first: 1) { totalCount } }")
