"""The console script as a new user runs it: demo mode, export-schema, check, emulate."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@pytest.fixture
def demo_service() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port)], env=clean_env(), stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("the service did not start within 30 s")
        yield url, process
    finally:
        process.terminate()
        process.communicate(timeout=15)  # reaps the process and closes its stderr pipe


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


def test_check_reports_a_provider_that_refuses_the_credentials() -> None:
    port = free_port()
    emulator = subprocess.Popen([str(SCRIPT), "emulate", "jdcloud", "--port", str(port)], env=clean_env(),
                                stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/_emulator/calls", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        env = clean_env(JDCLOUD_ACCESS_KEY="demo-jdcloud-access-key", JDCLOUD_SECRET_KEY="wrong-secret",
                        JDCLOUD_VM_ENDPOINT=f"http://127.0.0.1:{port}", JDCLOUD_DISK_ENDPOINT=f"http://127.0.0.1:{port}",
                        JDCLOUD_REGIONS="cn-north-1")
        result = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 1
        failed = "JDCLOUD: FAILED: describeImages in cn-north-1: AuthFailedError, provider code UNAUTHENTICATED"
        assert failed in result.stdout and "Request signature does not match" in result.stdout
        assert "wrong-secret" not in result.stdout + result.stderr
    finally:
        emulator.terminate()
        emulator.wait(timeout=15)
