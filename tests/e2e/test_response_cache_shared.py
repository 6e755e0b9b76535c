"""The response cache in a real Redis, shared by two service processes; `purge` empties it."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import redis.asyncio as redis

from providers.jdcloud.catalog import default_catalog as jdcloud_catalog
from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO
from tests.support import REDIS_TEST_URL

from .harness import Stack, running_stack
from .test_cli import SCRIPT, clean_env, free_port
from .test_response_cache import PICKER, metric, post

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]


def service_env(stack: Stack) -> dict[str, str]:
    """The environment of a second service process using the same emulators and Redis as `stack`."""
    return clean_env(
        ZENLAYERCLOUD_ACCESS_KEY_ID=ZEN_DEMO.access_key_id,
        ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=ZEN_DEMO.access_key_password,
        ZENLAYERCLOUD_DOMAIN=urlsplit(stack.zenlayer.url).netloc, ZENLAYERCLOUD_SCHEME="http",
        JDCLOUD_ACCESS_KEY=JD_DEMO.access_key, JDCLOUD_SECRET_KEY=JD_DEMO.secret_key,
        JDCLOUD_VM_ENDPOINT=stack.jdcloud.url, JDCLOUD_DISK_ENDPOINT=stack.jdcloud.url,
        JDCLOUD_REGIONS=",".join(sorted(jdcloud_catalog().regions_with_images)), CIG_CACHE_URL=REDIS_TEST_URL,
    )


@pytest.fixture
def second_process() -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str]) -> str:
        port = free_port()
        process = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], env=env, cwd=ROOT,
                                   stderr=subprocess.DEVNULL, text=True)
        started.append(process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=15)


async def wait_until_up(session: aiohttp.ClientSession, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            async with session.get(url + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.2)
    pytest.fail("the second service did not start within 30 s")


async def test_two_service_processes_serve_each_others_entries_and_purge_empties_redis(
    redis_db: redis.Redis, executions: list[str], second_process: Any
) -> None:
    first_query = {"query": PICKER, "variables": {"first": 20}}
    second_query = {"query": PICKER, "variables": {"first": 7, "filter": {"providers": ["JDCLOUD"]}}}
    async with running_stack(cache_url=REDIS_TEST_URL) as a:
        b = Stack(second_process(service_env(a)), a.emulators, a.session)
        await wait_until_up(a.session, b.url)

        _, _, from_a = await post(a, first_query)
        assert len(executions) == 1
        a.reset_calls()
        assert (await post(b, first_query))[2] == from_a  # b executes nothing: the answer is in Redis
        assert await metric(b, 'cig_response_cache_lookups_total{result="hit"}') == 1
        assert a.calls == 0

        _, _, from_b = await post(b, second_query)  # b builds and stores this one
        assert await metric(b, 'cig_response_cache_lookups_total{result="miss"}') == 1
        a.reset_calls()
        assert (await post(a, second_query))[2] == from_b
        assert len(executions) == 1 and a.calls == 0  # a answered from b's entry

        await redis_db.set("someone-else:key", b"kept")
        purge = await asyncio.create_subprocess_exec(
            str(SCRIPT), "purge", env=service_env(a), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(purge.communicate(), 30)
        assert purge.returncode == 0, err
        assert b"response cache: deleted 2 entries" in out, out
        keys = await redis_db.keys("*")
        assert keys == [b"someone-else:key"]  # both caches are empty, nothing else was touched
        await post(a, second_query)
        assert len(executions) == 2 and a.calls > 0  # executed and fetched again


def test_purge_says_what_it_cannot_reach() -> None:
    env = clean_env(CIG_CACHE_URL="redis://:hunter2@127.0.0.1:1/0", CIG_RESPONSE_CACHE_URL="memory://")
    purge = subprocess.run([str(SCRIPT), "purge"], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert purge.returncode == 1
    assert "response cache: memory:// lives inside each serve process" in purge.stdout
    assert "purge failed: ConnectionError" in purge.stderr and "hunter2" not in purge.stderr + purge.stdout
