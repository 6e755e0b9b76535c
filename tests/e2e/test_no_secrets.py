"""No secret anywhere: with non-demo credentials and API keys configured, requests that fail in every
way (refused keys, providers refusing the credentials, bad input, hostile bodies) leave no trace of a
secret in any log line, response, `/metrics` series or Redis key and value."""

from __future__ import annotations

import dataclasses
import logging

import pytest
import redis.asyncio as redis

from graphql_api.settings import Secret, Settings
from tests.support import REDIS_TEST_URL

from .harness import running_stack

pytestmark = pytest.mark.redis

ZEN_PASSWORD = "zen-pw-S3cr3t-0a1b2c3d"
JD_SECRET = "jd-sk-S3cr3t-4e5f6a7b"
API_KEY = "cig-key-S3cr3t-8c9d0e1f"
SECRETS = (ZEN_PASSWORD, JD_SECRET, API_KEY)


def with_secrets(settings: Settings) -> Settings:
    """Credentials the emulators do not know: every provider call fails with an auth error."""
    sections = dict(settings.providers)
    for provider, section in sections.items():
        if hasattr(section, "access_key_password"):
            sections[provider] = dataclasses.replace(section, access_key_password=Secret(ZEN_PASSWORD))
        if hasattr(section, "secret_key"):
            sections[provider] = dataclasses.replace(section, secret_key=Secret(JD_SECRET))
    return dataclasses.replace(settings, providers=sections)


async def test_no_secret_in_logs_responses_metrics_or_redis(
    redis_db: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    caplog.set_level(logging.DEBUG)
    async with running_stack(
        with_secrets, api_keys=(Secret(API_KEY),), cache_url=REDIS_TEST_URL, stale_if_error=0.0,
        report_upstream_calls=True,
    ) as stack:
        good = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        requests = [
            ({"Authorization": f"Bearer {API_KEY}x"}, b'{"query": "{ __typename }"}'),
            ({"Authorization": API_KEY}, b'{"query": "{ __typename }"}'),
            ({"Authorization": f"Basic {API_KEY}"}, b"{}"),
            (good, b'{"query": "{ images(first: 5) { totalCount edges { node { id } } } }"}'),
            (good, b'{"query": "{ volumes(first: 5) { totalCount } }"}'),
            (good, b'{"query": "{ locations { id } }"}'),
            (good, b'{"query": "{ image(id: \\"SW1hZ2U6emVubGF5ZXI6YXNpYS1lYXN0LTFhOmltZy0x\\") { name } }"}'),
            (good, b'{"query": "{ images(first: 1) { totalCount } }", "variables": {"k": "'
             + API_KEY.encode() + b'\\ud800"}}'),
            (good, b'{"query": "{ nope }"}'),
            ({**good, "X-Dry-Run": "true"}, b'{"query": "{ images(first: 5) { totalCount } }"}'),
        ]
        for headers, body in requests:
            async with stack.session.post(
                stack.url + "/graphql", data=body, headers={"Content-Type": "application/json", **headers},
            ) as response:
                seen.append(f"{response.status} {dict(response.headers)} {await response.text()}")
        assert any("UPSTREAM_AUTH_FAILED" in text for text in seen), seen  # the providers refused our secrets
        assert any("UNAUTHENTICATED" in text for text in seen), seen
        async with stack.session.get(stack.url + "/metrics") as response:
            seen.append(await response.text())
        keys = [key async for key in redis_db.scan_iter("*")]
        seen.extend(key.decode("utf-8", "replace") for key in keys)
        for key in keys:
            value = await redis_db.dump(key)
            if value is not None:
                seen.append(value.decode("utf-8", "replace"))
    seen.extend(record.getMessage() + " " + str(getattr(record, "fields", "")) for record in caplog.records)
    seen.append(caplog.text)
    assert keys, "nothing reached Redis: the check would prove nothing"
    for secret in SECRETS:
        leaks = [text for text in seen if secret in text]
        assert not leaks, (secret, leaks[:3])
