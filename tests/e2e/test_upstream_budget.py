"""The upstream-call budget against the emulators' call counters: a dry run predicts what execution
then makes, a query over the budget makes no listing call, pages past page 1 are reserved from what
is left, and `extensions.upstreamCalls` reports the calls made."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphql_api import budget
from graphql_api.settings import ResponseCacheSettings

from .harness import Stack, running_stack

WARM = "{ locations { id } }"
JD_PUBLIC = '{providers: [JDCLOUD], locations: ["cn-north-1"], source: OFFICIAL}'
REPRESENTATIVE = [
    # sorted in the service: all three pages of the source, whatever the window (before anything caches them)
    f"{{ images(first: 2, orderBy: [{{field: NAME}}], filter: {JD_PUBLIC}) {{ totalCount }} }}",
    "{ images(first: 10) { totalCount edges { node { id } } } }",
    "{ volumes(first: 5) { totalCount } }",
    '{ a: images(first: 3, filter: {name: "Ubuntu"}) { totalCount } b: images(first: 3, filter: {name: "Ubuntu"}) '
    "{ totalCount } }",  # the same pages twice: counted once, as the loaders fetch them once
    f"{{ images(first: 1, filter: {JD_PUBLIC}) {{ totalCount }} }}",
    f"{{ images(first: 250, filter: {JD_PUBLIC}) {{ totalCount }} }}",  # its page 1 is cached now: pages 2, 3
    "{ images(first: 5, filter: {osType: LINUX}) { totalCount } }",  # read whole where JD cannot filter
    "{ locations { id } images(first: 2, last: null) { totalCount } }",
]


async def dry_run(stack: Stack, query: str) -> dict[str, Any]:
    body = await stack.graphql(query, **{"X-Dry-Run": "true"})
    assert body.get("data") is None and "errors" not in body, body
    plan: dict[str, Any] = body["extensions"]["upstreamPlan"]
    return plan


def counted(stack: Stack) -> dict[str, int]:
    return {name.upper(): e.counter.total for name, e in stack.emulators.items() if e.counter.total}


async def test_the_dry_run_predicts_the_calls_execution_makes() -> None:
    async with running_stack() as stack:
        await stack.graphql(WARM)
        checked = 0
        for query in REPRESENTATIVE:
            stack.reset_calls()
            plan = await dry_run(stack, query)
            assert stack.calls == 0, query  # a dry run calls nothing
            body = await stack.graphql(query)
            assert "errors" not in body, body
            predicted = {p: sum(actions.values()) for p, actions in plan["byProvider"].items()}
            if plan["exact"]:
                assert counted(stack) == predicted, (query, plan)
                checked += 1
            else:  # a listing read whole of unknown length: page 1 of each is the part known ahead
                assert stack.calls >= plan["calls"], (query, plan)
        assert checked >= 6


async def test_a_cold_dry_run_names_what_it_cannot_know_yet() -> None:
    async with running_stack() as stack:
        plan = await dry_run(stack, "{ images(first: 10) { totalCount } }")
        assert stack.calls == 0
        assert plan["exact"] is False and plan["locationsUnknown"] == ["JDCLOUD", "ZENLAYER"]


async def test_an_operation_over_budget_makes_no_listing_call_and_names_its_count() -> None:
    aliases = " ".join(f'a{i}: images(first: 1000, filter: {{name: "n{i}"}}) {{ totalCount }}' for i in range(29))
    async with running_stack(max_upstream_calls=100) as stack:
        stack.reset_calls()
        body = await stack.graphql("{ " + aliases + " }")
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_EXPENSIVE" and "data" not in body
        assert error["extensions"]["calls"] == 2 + 29 * 20 and str(error["extensions"]["calls"]) in error["message"]
        # Cold, planning lists each provider's locations (what any listing needs first): Zenlayer's zones.
        assert stack.calls == stack.zenlayer.counter["DescribeZones"] == 1
        stack.reset_calls()
        body = await stack.graphql("{ " + aliases + " }")
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_EXPENSIVE"
        assert stack.calls == 0  # warm: nothing at all
        assert "errors" not in await stack.graphql("{ images(first: 10) { totalCount } }")  # within budget


async def test_pages_past_page_1_are_reserved_from_what_is_left() -> None:
    # JD's three regions have 15 listings. Cold, the plan counts 1 locations call (an upper bound: JD's
    # regions are configured, listing them calls nothing) + 15 pages 1: exactly the budget.
    query = "{ images(first: 300, filter: {providers: [JDCLOUD]}) { totalCount edges { cursor } } }"
    async with running_stack(max_upstream_calls=16) as stack:
        body = await stack.graphql(query)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_EXPENSIVE"]
        assert stack.calls == 15  # the pages 1; the next page was never asked for
    async with running_stack(max_upstream_calls=17) as stack:
        body = await stack.graphql(query)
        assert "errors" not in body and len(body["data"]["images"]["edges"]) == 300
        assert stack.calls == 16


async def test_responses_report_the_provider_calls_they_made_when_asked() -> None:
    async with running_stack(report_upstream_calls=True) as stack:
        body = await stack.graphql("{ images(first: 10) { totalCount } }")
        report = body["extensions"]["upstreamCalls"]
        assert report["calls"] == stack.calls == 21
        assert report["byProvider"] == {
            "JDCLOUD": {"describeImages": 15}, "ZENLAYER": {"DescribeImages": 5, "DescribeZones": 1},
        }
    async with running_stack() as stack:
        body = await stack.graphql("{ images(first: 10) { totalCount } }")
        assert "upstreamCalls" not in body.get("extensions", {})  # off by default


async def test_dry_runs_neither_come_from_nor_go_into_the_response_cache() -> None:
    query = "{ images(first: 3) { totalCount } }"
    async with running_stack() as stack:
        answered = await stack.graphql(query)
        assert answered["data"]["images"]["totalCount"] > 0
        for _ in range(2):
            assert "upstreamPlan" in (await stack.graphql(query, **{"X-Dry-Run": "true"}))["extensions"]
            async with stack.session.post(stack.url + "/graphql", json={
                "query": query, "extensions": {"dryRun": True},
            }) as response:
                body = await response.json()
            assert body["data"] is None and "upstreamPlan" in body["extensions"], body
        assert await stack.graphql(query) == answered


@pytest.fixture
def plannings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operations the call planner planned (a kept plan is not planned again)."""
    seen: list[str] = []
    original = budget.plan_operation

    async def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[4].__class__.__name__)
        return await original(*args, **kwargs)

    monkeypatch.setattr(budget, "plan_operation", spy)
    return seen


PAGE = "query($first: Int) { images(first: $first) { totalCount edges { node { id } } } }"
NO_RESPONSE_CACHE = ResponseCacheSettings(enabled=False)  # every request executes: its plan is what is seen


async def test_a_warm_plan_is_kept_only_while_what_it_read_is_unchanged(plannings: list[str]) -> None:
    # A budget the warm page fits (no call) and the cold one does not (21 calls).
    async with running_stack(max_upstream_calls=10, cache_ttl=3.0, response_cache=NO_RESPONSE_CACHE) as stack:
        assert "errors" in await stack.graphql(PAGE, {"first": 5})  # cold: refused
        locations = (await stack.graphql("{ locations { id provider } }"))["data"]["locations"]
        for location in locations:  # warmed one location at a time, each within the budget
            one = f'{{ images(first: 1, filter: {{locations: ["{location["id"]}"]}}) {{ totalCount }} }}'
            assert "errors" not in await stack.graphql(one), location
        planned = len(plannings)
        stack.reset_calls()
        answers = [await stack.graphql(PAGE, {"first": 5}) for _ in range(3)]
        assert all("errors" not in a for a in answers) and answers[0] == answers[1] == answers[2]
        assert stack.calls == 0 and len(plannings) == planned + 1  # planned once, then kept
        await stack.graphql(PAGE, {"first": 6})  # other variables: a plan of their own
        assert len(plannings) == planned + 2
        await asyncio.sleep(3.1)  # every answer it read is past its freshness: planned again, refused again
        refused = await stack.graphql(PAGE, {"first": 5})
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["QUERY_TOO_EXPENSIVE"]
        assert len(plannings) == planned + 3 and counted(stack).get("ZENLAYER", 0) <= 1  # no listing call


async def test_a_kept_plan_is_dropped_when_the_cache_stores_anything(plannings: list[str]) -> None:
    async with running_stack(response_cache=NO_RESPONSE_CACHE) as stack:
        await stack.graphql(PAGE, {"first": 5})  # cold: 22 calls, not kept
        await stack.graphql(PAGE, {"first": 5})  # warm: planned, kept
        await stack.graphql(PAGE, {"first": 5})
        assert len(plannings) == 2
        await stack.graphql("{ volumes(first: 1) { totalCount } }")  # stores the volume pages
        await stack.graphql(PAGE, {"first": 5})  # what it read may have changed: planned again
        assert len(plannings) == 4


async def test_without_the_memo_every_operation_is_planned(plannings: list[str]) -> None:
    async with running_stack(answer_memo=False, response_cache=NO_RESPONSE_CACHE) as stack:
        for _ in range(3):
            await stack.graphql(PAGE, {"first": 5})
        assert len(plannings) == 3
