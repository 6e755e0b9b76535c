"""Verified pushdown: an emulator switched to ignore, misread or refuse a parameter, as a real API might.

Each test checks that the answer stays exact (against the catalogs' ground truth), that the lesson is
counted once in /metrics, and that the next query applies the condition in the service without sending
the parameter (the emulator's record of what it received). The cross-request cache is off (`cache_ttl=0`)
so the next query really reaches the provider.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as redis

from providers.base import ImageRecord, ProviderName
from providers.deviations import Deviations
from tests.support import REDIS_TEST_URL

from .harness import Stack, running_stack
from .queries import codes
from .test_filters import QUERY, catalog, key

JDCLOUD = ProviderName("jdcloud")
ZENLAYER = ProviderName("zenlayer")
DRIFT = "cig_pushdown_drift_total"
REFUSALS = "cig_pushdown_refusals_total"


def expected(provider: ProviderName, predicate: Callable[[ImageRecord], bool]) -> set[tuple[str, str, str]]:
    return {key(r) for r in catalog() if r.provider == provider and predicate(r)}


async def found(stack: Stack, filter: dict[str, Any]) -> set[tuple[str, str, str]]:
    body = await stack.graphql(QUERY, {"filter": filter})
    assert "errors" not in body, body["errors"]
    images = body["data"]["images"]
    result = {(n["node"]["provider"], n["node"]["location"], n["node"]["imageId"]) for n in images["edges"]}
    assert images["totalCount"] == len(result) == len(images["edges"])
    return result


def drifting(provider: str, deviations: Deviations) -> Any:
    return running_stack(emulator_options={provider: {"deviations": deviations}}, cache_ttl=0)


async def test_a_provider_ignoring_a_parameter_still_gets_an_exact_answer_and_is_not_asked_again() -> None:
    deviations = Deviations(ignored={"imageName"})
    async with drifting("jdcloud", deviations) as stack:
        filter = {"providers": ["JDCLOUD"], "name": "ubuntu"}
        assert await found(stack, filter) == expected(JDCLOUD, lambda r: "ubuntu" in r.name.lower())
        assert await stack.metric(DRIFT, provider="jdcloud", parameter="imageName") == 1
        deviations.received.clear()
        filter = {"providers": ["JDCLOUD"], "name": "centos", "locations": ["cn-south-1"]}
        assert await found(stack, filter) == expected(
            JDCLOUD, lambda r: "centos" in r.name.lower() and r.location == "cn-south-1")
        assert deviations.received and deviations.sent("imageName") == []  # applied by the service
        assert await stack.metric(DRIFT, provider="jdcloud", parameter="imageName") == 1  # counted once


async def test_a_provider_misreading_a_parameter_still_gets_an_exact_answer() -> None:
    deviations = Deviations(misread={"category": lambda value: "CentOS"})
    async with drifting("zenlayer", deviations) as stack:
        filter = {"providers": ["ZENLAYER"], "platform": "Ubuntu"}
        assert await found(stack, filter) == expected(ZENLAYER, lambda r: r.platform == "Ubuntu")
        assert await stack.metric(DRIFT, provider="zenlayer", parameter="category") == 1
        deviations.received.clear()
        filter = {"providers": ["ZENLAYER"], "zenlayer": {"category": "Debian"}}
        assert await found(stack, filter) == expected(ZENLAYER, lambda r: r.platform == "Debian")
        assert deviations.received and deviations.sent("category") == []
        assert await stack.metric(DRIFT, provider="zenlayer", parameter="category") == 1


async def test_a_raw_parameter_read_backwards_is_caught_too() -> None:
    deviations = Deviations(misread={"offline": lambda value: "false" if value.lower() == "true" else "true"})
    async with drifting("jdcloud", deviations) as stack:
        filter = {"providers": ["JDCLOUD"], "jdcloud": {"offline": True}}
        assert await found(stack, filter) == expected(
            JDCLOUD, lambda r: r.source_raw in ("public", "thirdparty") and r.offline is True)
        assert await stack.metric(DRIFT, provider="jdcloud", parameter="offline") == 1
        deviations.received.clear()
        await found(stack, {"providers": ["JDCLOUD"], "locations": ["cn-south-1"], "jdcloud": {"offline": True}})
        assert deviations.sent("offline") == []
        # the source restriction still holds without the parameter: only public and thirdparty are listed
        assert set(deviations.sent("imageSource")) == {"public", "thirdparty"}


async def test_a_parameter_the_provider_refuses_is_applied_by_the_service_from_then_on() -> None:
    deviations = Deviations(refused={"architecture"})
    async with drifting("jdcloud", deviations) as stack:
        filter = {"providers": ["JDCLOUD"], "architecture": "arm64"}
        assert await found(stack, filter) == expected(JDCLOUD, lambda r: r.architecture == "arm64")
        assert await stack.metric(REFUSALS, provider="jdcloud", parameter="architecture") == 1
        deviations.received.clear()
        filter = {"providers": ["JDCLOUD"], "architecture": "x86_64", "locations": ["cn-south-1"]}
        assert await found(stack, filter) == expected(
            JDCLOUD, lambda r: r.architecture == "x86_64" and r.location == "cn-south-1")
        assert deviations.received and deviations.sent("architecture") == []
        assert await stack.metric(REFUSALS, provider="jdcloud", parameter="architecture") == 1


async def test_a_refused_image_source_is_skipped_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    deviations = Deviations(refused_values={"imageSource": {"community"}})
    async with drifting("jdcloud", deviations) as stack:
        filter = {"providers": ["JDCLOUD"]}
        assert await found(stack, filter) == expected(JDCLOUD, lambda r: r.source_raw != "community")
        assert await stack.metric(REFUSALS, provider="jdcloud", parameter="imageSource=community") == 1
        deviations.received.clear()
        await found(stack, {"providers": ["JDCLOUD"], "locations": ["cn-north-1"]})
        assert set(deviations.sent("imageSource")) == {"public", "thirdparty", "private", "shared"}
    warnings = [r for r in caplog.records if r.name == "providers.trust"]
    assert len(warnings) == 1 and "imageSource=community" in warnings[0].getMessage()


async def test_a_refused_raw_value_is_the_users_to_fix_and_is_not_learned() -> None:
    deviations = Deviations(refused={"bootMode"})
    async with drifting("jdcloud", deviations) as stack:
        body = await stack.graphql(QUERY, {"filter": {"providers": ["JDCLOUD"], "jdcloud": {"bootMode": "uefi"}}})
        assert set(codes(body)) == {"BAD_USER_INPUT"}
        assert {(e["extensions"]["provider"], e["extensions"]["upstreamStatus"]) for e in body["errors"]} == {
            ("JDCLOUD", 400)}
        assert await stack.metric(REFUSALS, provider="jdcloud", parameter="bootMode") == 0
        deviations.received.clear()
        await stack.graphql(QUERY, {"filter": {"providers": ["JDCLOUD"], "jdcloud": {"bootMode": "bios"}}})
        assert deviations.sent("bootMode")  # still sent: the provider judges the user's raw value




@pytest.mark.redis
async def test_the_fleet_shares_what_one_process_learned_through_redis(redis_db: redis.Redis) -> None:
    filter = {"providers": ["JDCLOUD"], "name": "windows", "locations": ["cn-south-1"]}
    truth = expected(JDCLOUD, lambda r: "windows" in r.name.lower() and r.location == "cn-south-1")
    options = {"jdcloud": {"deviations": Deviations(ignored={"imageName"})}}
    async with running_stack(emulator_options=options, cache_url=REDIS_TEST_URL, cache_ttl=0) as first:
        assert await found(first, filter) == truth
    watching = Deviations()  # this emulator follows the docs; what matters is what it is asked
    options = {"jdcloud": {"deviations": watching}}
    async with running_stack(emulator_options=options, cache_url=REDIS_TEST_URL, cache_ttl=0) as second:
        assert await found(second, filter) == truth
        assert watching.received and watching.sent("imageName") == []
        assert await second.metric(DRIFT, provider="jdcloud", parameter="imageName") == 0  # learned, not detected
    keys = [k.decode() for k in await redis_db.keys("cig:v1:trust:*")]
    assert len(keys) == 1 and keys[0].startswith("cig:v1:trust:jdcloud:")
