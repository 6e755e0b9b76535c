"""The console script as a new user runs it: demo mode, export-schema, check, emulate."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("cloud-images-graphql")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any provider credentials or service settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENLAYERCLOUD_", "JDCLOUD_", "CIG_"))}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail(f"the service at {url} did not answer /healthz in time")


@contextmanager
def serving(*options: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`serve` in demo mode with `options`, until it answers /healthz."""
    port = free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port), *options], env=clean_env(), stderr=subprocess.PIPE, text=True,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, time.monotonic() + 30)
        yield url, process
    finally:
        process.terminate()
        process.communicate(timeout=15)  # reaps the process and closes its stderr pipe


@pytest.fixture
def demo_service() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving() as service:
        yield service


Service = tuple[str, subprocess.Popen[str]]


def test_serve_without_credentials_starts_demo_mode_and_answers(demo_service: Service) -> None:
    url, process = demo_service
    query = "{ images(first: 3) { totalCount edges { node { name } } } }"
    body = requests.post(url + "/graphql", json={"query": query}, timeout=30).json()
    assert body["data"]["images"]["totalCount"] > 500
    assert len(body["data"]["images"]["edges"]) == 3
    ready = requests.get(url + "/readyz", timeout=10).json()
    assert ready == {"status": "ok", "demo": True, "providers": {"ZENLAYER": "ok", "JDCLOUD": "ok"}}
    page = requests.get(url + "/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.ok and "graphiql" in page.text.lower()
    process.terminate()
    _, stderr = process.communicate(timeout=15)
    first_lines = "\n".join(stderr.splitlines()[:3])
    assert "demo mode" in first_lines and f"{url}/graphql" in first_lines


def counter(text: str, route: str) -> float:
    """The `cig_http_requests_total` of a route, summed over statuses, from Prometheus text."""
    prefix = f'cig_http_requests_total{{route="{route}",'
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


@pytest.mark.timeout(120)
def test_metrics_add_up_every_worker_and_only_grow() -> None:
    with serving("--workers", "2") as (url, _):
        seen: list[float] = []
        for _ in range(30):
            requests.post(url + "/graphql", json={"query": "{ locations { id } }"}, timeout=30,
                          headers={"Connection": "close"})  # a new connection each time: any worker may answer
            seen.append(scrape(url))
        # One worker's counter alone falls back now and then (4, 6, 4, 6); the sum only grows. (A worker
        # counts a request just after answering it, so a scrape may trail the last request briefly.)
        assert seen == sorted(seen) and seen[-1] >= 29
        deadline = time.monotonic() + 10
        while scrape(url) < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scrape(url) == 30


def scrape(url: str) -> float:
    return counter(requests.get(url + "/metrics", timeout=10, headers={"Connection": "close"}).text, "/graphql")


def test_serve_reload_starts_for_development() -> None:
    with serving("--reload") as (url, _):
        assert requests.post(url + "/graphql", json={"query": "{ locations { id } }"}, timeout=30).ok


def test_export_schema_prints_the_committed_schema() -> None:
    result = subprocess.run([str(SCRIPT), "export-schema", "--output", "-"], capture_output=True, text=True,
                            env=clean_env(), timeout=60, check=True)
    assert "type Image implements Node" in result.stdout
    assert result.stdout == (ROOT / "schema.graphql").read_text()


def test_check_in_demo_mode_and_with_bad_configuration() -> None:
    ok = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, env=clean_env(), timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ZENLAYER: ok" in ok.stdout and "JDCLOUD: ok" in ok.stdout
    bad = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, timeout=60,
                         env=clean_env(JDCLOUD_ACCESS_KEY="ak"))
    assert bad.returncode == 2 and "JDCLOUD_SECRET_KEY" in bad.stderr


@dataclass
class Standalone:
    url: str
    environment: dict[str, str]  # what `emulate` printed to point the service at it
    process: subprocess.Popen[str]


@pytest.fixture
def standalone() -> Iterator[Callable[[str], Standalone]]:
    """`emulate <provider>` with its default port (0: a free one), as the README shows it."""
    started: list[subprocess.Popen[str]] = []

    def start(provider: str) -> Standalone:
        process = subprocess.Popen([str(SCRIPT), "emulate", provider], env=clean_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline() == "# point the service at this emulator:\n"
        lines = iter(process.stdout.readline, "\n")  # the block ends with an empty line
        environment = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines)
        logged = process.stderr.readline()
        url = logged.split(" listening on ")[1].split()[0]
        return Standalone(url, environment, process)

    yield start
    for process in started:
        process.terminate()
        process.communicate(timeout=15)


def test_emulate_logs_its_real_url_and_the_environment_that_points_the_service_at_it(
    standalone: Callable[[str], Standalone],
) -> None:
    zenlayer, jdcloud = standalone("zenlayer"), standalone("jdcloud")
    for emulator in (zenlayer, jdcloud):
        assert not emulator.url.endswith(":0") and requests.get(emulator.url + "/_emulator/calls", timeout=5).ok
    assert zenlayer.environment["ZENLAYERCLOUD_SCHEME"] == "http"
    assert zenlayer.environment["ZENLAYERCLOUD_DOMAIN"] == zenlayer.url.removeprefix("http://")
    assert jdcloud.environment["JDCLOUD_VM_ENDPOINT"] == jdcloud.url
    result = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, timeout=60,
                            env=clean_env(**zenlayer.environment, **jdcloud.environment))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo mode" not in result.stdout
    assert f"ZENLAYER: endpoint {zenlayer.url}/api/v2/zec" in result.stdout and "ZENLAYER: ok" in result.stdout
    first_region = jdcloud.environment["JDCLOUD_REGIONS"].split(",")[0]
    assert f"JDCLOUD: ok: describeImages answered in {first_region}" in result.stdout
    # Fault injection, as the README shows it: the next call fails, and check says how.
    requests.put(jdcloud.url + "/_emulator/faults", json={"script": ["error", "error", "error", "error"]}, timeout=5)
    failed = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, timeout=60,
                            env=clean_env(**jdcloud.environment))
    assert failed.returncode == 1
    assert f"JDCLOUD: FAILED: describeImages in {first_region}: UnavailableError, provider code" in failed.stdout
    assert "HTTP status 503" in failed.stdout and "Service temporarily unavailable" in failed.stdout


def test_check_keeps_the_provider_s_message_and_hints_at_the_usual_mistakes(
    standalone: Callable[[str], Standalone],
) -> None:
    zenlayer, jdcloud = standalone("zenlayer"), standalone("jdcloud")

    def check(**env: str) -> str:
        result = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, timeout=60,
                                env=clean_env(CIG_UPSTREAM_MAX_ATTEMPTS="1", **env))
        assert result.returncode == 1, result.stdout + result.stderr
        return result.stdout

    # The emulator knows every default region; a region list the endpoint does not know is the mistake.
    unknown_region = check(**{**jdcloud.environment, "JDCLOUD_REGIONS": "cn-nowhere-9"})
    assert "JDCLOUD: FAILED: describeImages in cn-nowhere-9: NotFoundError, provider code NOT_FOUND, HTTP status " \
        "404" in unknown_region and "Region cn-nowhere-9 not found" in unknown_region
    assert "JDCLOUD: hint: region cn-nowhere-9 is not known there: JDCLOUD_REGIONS" in unknown_region
    no_scheme = check(**{k: v for k, v in zenlayer.environment.items() if k != "ZENLAYERCLOUD_SCHEME"})
    assert "ZENLAYER: FAILED: DescribeZones in no location (a global call): UnavailableError, provider code " \
        "NETWORK_ERROR" in no_scheme
    assert "ZENLAYER: hint: nothing answered over https: an emulator (and plain-HTTP proxies) needs " \
        "ZENLAYERCLOUD_SCHEME=http" in no_scheme
    wrong = check(**{**jdcloud.environment, "JDCLOUD_SECRET_KEY": "wrong-secret"})
    assert "AuthFailedError, provider code UNAUTHENTICATED, HTTP status 401" in wrong
    assert "Request signature does not match" in wrong and "this machine's clock" in wrong
    assert "wrong-secret" not in wrong


def test_serve_names_its_http_stack_and_answers_repeated_questions_from_its_response_cache(
    demo_service: Service,
) -> None:
    url, process = demo_service
    params = {"query": "{ images(first: 2) { edges { node { id name } } } }"}
    first = requests.get(url + "/graphql", params=params, timeout=30)
    again = requests.get(url + "/graphql", params=params, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("max-age=")
    assert again.status_code == 304 and again.content == b""
    metrics = requests.get(url + "/metrics", timeout=10).text
    assert 'cig_response_cache_lookups_total{result="hit"} 1.0' in metrics
    process.terminate()
    _, stderr = process.communicate(timeout=15)
    assert "HTTP stack: uvicorn, event loop uvloop, HTTP parser httptools" in stderr
