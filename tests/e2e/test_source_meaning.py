"""Sources chosen by what each parameter means, contradictions without calls, unknown raw values, and the
standalone emulators answering the service's default configuration."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest
import requests

from providers.base import ProviderName
from providers.deviations import Deviations

from .harness import Stack, running_stack
from .queries import codes
from .test_cli import SCRIPT, clean_env, free_port
from .test_filters import QUERY, catalog, key

JDCLOUD = ProviderName("jdcloud")


async def answer(stack: Stack, filter: dict[str, Any]) -> dict[str, Any]:
    body = await stack.graphql(QUERY, {"filter": filter})
    assert "errors" not in body, body["errors"]
    return body["data"]["images"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("raw", "sources"), [
    ({"offline": True}, {"public", "thirdparty"}),
    ({"offline": False}, {"public", "thirdparty"}),
    ({"launchPermission": "ownerOnly"}, {"private"}),
])
async def test_a_parameter_meaningful_for_some_sources_lists_only_those(
    raw: dict[str, Any], sources: set[str]
) -> None:
    watching = Deviations()
    async with running_stack(emulator_options={"jdcloud": {"deviations": watching}}) as stack:
        images = await answer(stack, {"providers": ["JDCLOUD"], "locations": ["cn-north-1"], "jdcloud": raw})
        assert {params["imageSource"] for params in watching.received} == sources
        assert images["totalCount"] == len(images["edges"]) > 0


@pytest.mark.parametrize("filter", [
    {"jdcloud": {"offline": True, "imageSource": "private"}},
    {"jdcloud": {"offline": False}, "source": "SHARED"},
    {"jdcloud": {"launchPermission": "ownerOnly", "imageSource": "public"}},
    {"jdcloud": {"launchPermission": "specifiedUsers"}, "source": "OFFICIAL"},
    {"jdcloud": {"launchPermission": "ownerOnly", "offline": True}},
])
async def test_contradictory_filters_answer_empty_without_a_provider_call(stack: Stack, filter: dict[str, Any]) -> None:
    images = await answer(stack, {"providers": ["JDCLOUD"], **filter})
    assert images == {"totalCount": 0, "edges": []}
    assert stack.calls == 0


async def test_a_contradiction_on_one_provider_leaves_the_others_answer(stack: Stack) -> None:
    images = await answer(stack, {"locations": ["asia-east-1a", "cn-north-1"], "source": "OFFICIAL",
                                  "jdcloud": {"launchPermission": "ownerOnly"}})
    expected = {key(r) for r in catalog() if r.location == "asia-east-1a" and r.source_raw == "OFFICIAL"}
    assert {(e["node"]["provider"], e["node"]["location"], e["node"]["imageId"]) for e in images["edges"]} == expected
    assert stack.jdcloud.counter.total == 0 and stack.zenlayer.counter["DescribeImages"] == 1


@pytest.mark.parametrize("raw", [
    {"launchPermission": "nobody"},
    {"rootDeviceType": "floppy"},
    {"imageSource": "nonsense", "offline": True},  # an unknown source is not judged: the provider refuses it
])
async def test_unknown_raw_values_reach_the_provider_and_its_refusal_comes_back_coded(
    stack: Stack, raw: dict[str, Any]
) -> None:
    body = await stack.graphql(QUERY, {"filter": {"providers": ["JDCLOUD"], "jdcloud": raw}})
    assert set(codes(body)) == {"BAD_USER_INPUT"}
    assert {(e["extensions"]["provider"], e["extensions"]["upstreamStatus"], e["extensions"]["upstreamCode"])
            for e in body["errors"]} == {("JDCLOUD", 400, "INVALID_ARGUMENT")}
    assert stack.jdcloud.counter["describeImages"] > 0


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within 30 s")


def test_standalone_emulators_answer_the_services_default_regions_and_zones() -> None:
    """`emulate zenlayer`, `emulate jdcloud` and `serve` pointed at them, JDCLOUD_REGIONS and ZENLAYERCLOUD_ZONES
    unset: the service asks for its default regions (cn-east-1 included) and the zones DescribeZones names."""
    zen_port, jd_port, port = free_port(), free_port(), free_port()
    jd_url = f"http://127.0.0.1:{jd_port}"
    env = clean_env(
        ZENLAYERCLOUD_ACCESS_KEY_ID="demo-zenlayer-access-key-id",
        ZENLAYERCLOUD_ACCESS_KEY_PASSWORD="demo-zenlayer-access-key-password",
        ZENLAYERCLOUD_DOMAIN=f"127.0.0.1:{zen_port}", ZENLAYERCLOUD_SCHEME="http",
        JDCLOUD_ACCESS_KEY="demo-jdcloud-access-key", JDCLOUD_SECRET_KEY="demo-jdcloud-secret-key",
        JDCLOUD_VM_ENDPOINT=jd_url, JDCLOUD_DISK_ENDPOINT=jd_url,
    )
    commands = [["emulate", "zenlayer", "--port", str(zen_port)], ["emulate", "jdcloud", "--port", str(jd_port)],
                ["serve", "--port", str(port)]]
    processes = [subprocess.Popen([str(SCRIPT), *c], env=env, stderr=subprocess.DEVNULL) for c in commands]
    try:
        for url in (f"http://127.0.0.1:{zen_port}/_emulator/calls", f"{jd_url}/_emulator/calls",
                    f"http://127.0.0.1:{port}/healthz"):
            _wait_for(url)
        query = "{ images(first: 5) { totalCount edges { node { id } } } locations(provider: JDCLOUD) { id } }"
        body = requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=60).json()
        assert "errors" not in body, body["errors"]
        assert {loc["id"] for loc in body["data"]["locations"]} == {"cn-north-1", "cn-east-1", "cn-east-2",
                                                                    "cn-south-1"}
        assert body["data"]["images"]["totalCount"] == len(catalog())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
