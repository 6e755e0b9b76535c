"""When one provider or location fails, the others' data still comes back beside an error entry."""

from __future__ import annotations

import dataclasses

import pytest

from graphql_api.settings import Secret, Settings
from providers.jdcloud import models as jdcloud_models

from .harness import Stack, running_stack
from .queries import PAGE, codes


async def test_a_failing_provider_leaves_the_others_data_and_an_error_entry(stack: Stack) -> None:
    stack.jdcloud.faults.error_rate = 1.0
    body = await stack.graphql(PAGE, {"first": 1000})
    images = body["data"]["images"]
    assert images["totalCount"] is None and images["complete"] is False  # not the Zenlayer count as if exact
    assert images["failedSources"] and all(label.startswith("jdcloud/") for label in images["failedSources"])
    assert len(images["edges"]) == 273 and {e["node"]["provider"] for e in images["edges"]} == {"ZENLAYER"}
    assert set(codes(body)) == {"UPSTREAM_UNAVAILABLE"}
    for error in body["errors"]:
        assert error["path"] == ["images"]
        assert error["extensions"]["provider"] == "JDCLOUD"
        assert error["extensions"]["location"]
        assert error["extensions"]["requestId"]
        assert error["extensions"]["upstreamStatus"] == 503
    listed = await stack.graphql("{ locations(provider: JDCLOUD) { id } }")
    regions = {loc["id"] for loc in listed["data"]["locations"]}
    assert {e["extensions"]["location"] for e in body["errors"]} == regions  # every region reported


async def test_every_source_failing_marks_the_connection_incomplete_not_empty(stack: Stack) -> None:
    stack.zenlayer.faults.error_rate = 1.0
    stack.jdcloud.faults.error_rate = 1.0
    body = await stack.graphql(PAGE, {"first": 10})
    images = body["data"]["images"]
    # A UI must not show "0 images": the count is unknown, and the connection says which sources failed.
    assert images["totalCount"] is None and images["complete"] is False and images["edges"] == []
    assert images["failedSources"] == ["zenlayer"] + [f"jdcloud/{region}/{source}" for region in
                                                        ("cn-east-2", "cn-north-1", "cn-south-1")
                                                        for source in ("public", "thirdparty", "private", "shared",
                                                                       "community")]
    assert set(codes(body)) == {"UPSTREAM_UNAVAILABLE"}


async def test_every_volume_source_failing_marks_the_volume_connection_incomplete(stack: Stack) -> None:
    stack.jdcloud.faults.error_rate = 1.0
    query = "query V { volumes(first: 100) { totalCount complete failedSources nodes { provider } } }"
    volumes = (await stack.graphql(query))["data"]["volumes"]
    assert volumes["totalCount"] is None and volumes["complete"] is False
    assert volumes["failedSources"] == ["jdcloud/cn-east-2", "jdcloud/cn-north-1", "jdcloud/cn-south-1"]
    assert volumes["nodes"] and {n["provider"] for n in volumes["nodes"]} == {"ZENLAYER"}


async def test_throttling_surfaces_after_retries_and_recovers(stack: Stack) -> None:
    stack.zenlayer.faults.throttle_rate = 1.0
    stack.zenlayer.faults.retry_after_seconds = 0.01
    body = await stack.graphql(PAGE, {"first": 5, "filter": {"providers": ["ZENLAYER"]}})
    assert codes(body) == ["UPSTREAM_THROTTLED"]
    assert body["errors"][0]["extensions"]["upstreamStatus"] == 429
    stack.zenlayer.faults.throttle_rate = 0.0
    body = await stack.graphql(PAGE, {"first": 5, "filter": {"providers": ["ZENLAYER"]}})
    assert "errors" not in body and len(body["data"]["images"]["edges"]) == 5


async def test_one_retry_hides_a_single_throttle(stack: Stack) -> None:
    await stack.graphql("{ locations { id } }")
    stack.zenlayer.faults.retry_after_seconds = 0.01
    stack.zenlayer.faults.queue("throttle")
    body = await stack.graphql(PAGE, {"first": 5, "filter": {"locations": ["asia-east-1a"]}})
    assert "errors" not in body and len(body["data"]["images"]["edges"]) == 5


async def test_wrong_credentials_are_an_operator_problem_not_a_crash() -> None:
    def wrong_jd_secret(settings: Settings) -> Settings:
        jdcloud = dataclasses.replace(settings.section("jdcloud"), secret_key=Secret("nope"))
        return dataclasses.replace(settings, providers={**settings.providers, jdcloud_models.NAME: jdcloud})

    async with running_stack(adjust=wrong_jd_secret) as stack:
        body = await stack.graphql(PAGE, {"first": 3})
        assert set(codes(body)) == {"UPSTREAM_AUTH_FAILED"}
        assert "nope" not in str(body)
        assert len(body["data"]["images"]["edges"]) == 3  # Zenlayer still answers
        async with stack.session.get(stack.url + "/readyz") as response:
            ready = await response.json()
        assert response.status == 200 and ready["status"] == "degraded"


@pytest.mark.parametrize("code", ["INTERNAL", "UNKNOWN"])
async def test_jdclouds_documented_500s_come_back_coded(stack: Stack, code: str) -> None:
    stack.jdcloud.faults.queue(*[f"status:{code}"] * 2)  # the harness makes two attempts per call
    filter = {"providers": ["JDCLOUD"], "locations": ["cn-south-1"], "source": "OFFICIAL"}
    body = await stack.graphql(PAGE, {"first": 5, "filter": filter})
    assert codes(body) == ["UPSTREAM_UNAVAILABLE"]
    assert {k: body["errors"][0]["extensions"][k] for k in ("provider", "upstreamStatus", "upstreamCode")} == {
        "provider": "JDCLOUD", "upstreamStatus": 500, "upstreamCode": code}
    assert (await stack.graphql(PAGE, {"first": 5, "filter": filter}))["data"]["images"]["totalCount"] > 0
