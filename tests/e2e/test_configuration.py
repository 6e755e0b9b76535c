"""Configuration as a new user meets it: every command refuses a bad setting at startup with one line
naming the setting and where it came from (the environment, or the file, table and key) and exit status
2, never a traceback; falsy values in the file are honoured; unknown names are warned about with the
nearest known one; `check` fails when credentials were meant but none were read.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from graphql_api.settings import load

from .harness import running_stack
from .test_cli import SCRIPT, clean_env

PREFIX = "cloud-images-graphql: configuration error: "


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *command], capture_output=True, text=True, env=clean_env(**env), timeout=60)


def assert_refused(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit 2, nothing on stdout, and exactly one line on stderr: the error naming the setting."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


ENV_CASES = [
    (["serve"], {"CIG_LOG_LEVEL": "LOUD"}, ["CIG_LOG_LEVEL must be one of DEBUG, INFO", "'LOUD'"]),
    (["serve"], {"CIG_GRAPHIQL_ASSETS_DIR": "/nonexistent"}, ["CIG_GRAPHIQL_ASSETS_DIR must be an existing directory"]),
    (["check"], {"CIG_DEFAULT_PAGE_SIZE": "5000"}, ["CIG_DEFAULT_PAGE_SIZE (5000) must not exceed CIG_MAX_PAGE_SIZE"]),
    (["check"], {"CIG_CACHE_URL": "postgres://u:p@h/db"}, ["CIG_CACHE_URL must be memory://", "'postgres://***@h/db'"]),
    (["check"], {"CIG_MAX_PAGE_SIZE": "2.5"}, ["CIG_MAX_PAGE_SIZE must be a whole number"]),
    (["check"], {"JDCLOUD_REGIONS": " , "}, ["JDCLOUD_REGIONS must list at least one entry"]),
    (["check"], {"ZENLAYERCLOUD_SCHEME": "ftp"}, ["ZENLAYERCLOUD_SCHEME must be one of http, https"]),
    (["check"], {"ZENLAYERCLOUD_DOMAIN": "http://127.0.0.1:9000"}, ["ZENLAYERCLOUD_DOMAIN must be a host name"]),
    (["check"], {"JDCLOUD_ACCESS_KEY": "ak"}, ["set both JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY"]),
    (["emulate", "zenlayer"], {"CIG_CACHE_TTL": "soon"}, ["CIG_CACHE_TTL must be a number, got 'soon'"]),
    (["check"], {"CIG_UPSTREAM_TIMEOUT": "0"}, ["CIG_UPSTREAM_TIMEOUT must be at least 0.1"]),
]


@pytest.mark.parametrize(("command", "env", "expected"), ENV_CASES)
def test_a_bad_environment_variable_is_refused_in_one_line(
    command: list[str], env: dict[str, str], expected: list[str]
) -> None:
    line = assert_refused(run(command, env), *expected, "(from the environment)")
    assert "u:p@" not in line


def test_an_assets_directory_without_graphiql_is_refused(tmp_path: Path) -> None:
    assert_refused(run(["serve"], {"CIG_GRAPHIQL_ASSETS_DIR": str(tmp_path)}), "lacks react@18.2.0",
                   f"CIG_GRAPHIQL_ASSETS_DIR={tmp_path}", "(from the environment)")


TOML_CASES = [
    ("[cig]\ncache_ttl = \"soon\"\n", ["serve"], "CIG_CACHE_TTL must be a number", "table [cig], key cache_ttl"),
    ("[cig]\ndefault_page_size = 5000\n", ["check"], "CIG_DEFAULT_PAGE_SIZE (5000) must not exceed",
     "table [cig], key default_page_size"),
    ("[cig]\nlog_level = \"LOUD\"\n", ["serve"], "CIG_LOG_LEVEL must be one of", "table [cig], key log_level"),
    ("[jdcloud]\nregions = []\n", ["check"], "JDCLOUD_REGIONS must list at least one entry",
     "table [jdcloud], key regions"),
    ("[zenlayercloud]\nscheme = 5\n", ["emulate", "zenlayer"], "ZENLAYERCLOUD_SCHEME must be a string",
     "table [zenlayercloud], key scheme"),
    ("[cig\ncache_ttl = 1\n", ["check"], "CIG_CONFIG=", "cannot read the settings file"),
]


@pytest.mark.parametrize(("document", "command", "message", "source"), TOML_CASES)
def test_a_bad_file_value_is_refused_naming_file_table_and_key(
    tmp_path: Path, document: str, command: list[str], message: str, source: str
) -> None:
    config = tmp_path / "cig.toml"
    config.write_text(document)
    assert_refused(run(command, {"CIG_CONFIG": str(config)}), message, source, str(config))


def test_a_misnamed_provider_table_is_warned_about_and_check_fails_on_the_demo_fallback(tmp_path: Path) -> None:
    config = tmp_path / "cig.toml"
    config.write_text('[zenlayer]\naccess_key_id = "id"\naccess_key_password = "secret-password"\n')
    result = run(["check"], {"CIG_CONFIG": str(config)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{config}: table [zenlayer] is not a settings table; it is ignored; did you mean [zenlayercloud]?" \
        in result.stderr
    assert "demo mode: no provider credentials were read, although table [zenlayer]" in result.stdout
    assert "secret-password" not in result.stdout + result.stderr


def test_unknown_names_are_warned_with_the_nearest_and_falsy_values_are_kept(tmp_path: Path) -> None:
    config = tmp_path / "cig.toml"
    config.write_text("cache_ttl = 0\n[cig]\ncache_ttl = 0\ngraphiql = false\napi_keys = []\ncache_tll = 5\n")
    result = run(["check"], {"CIG_CONFIG": str(config), "CIG_LOG_LEVL": "DEBUG"})
    assert result.returncode == 0, result.stdout + result.stderr  # warnings, not errors; demo mode as no creds
    warnings = [line for line in result.stderr.splitlines() if line.startswith("cloud-images-graphql: warning: ")]
    assert any("CIG_LOG_LEVL in the environment is not a setting" in w and "did you mean CIG_LOG_LEVEL?" in w
               for w in warnings)
    assert any("key cache_tll in table [cig]" in w and "did you mean [cig] cache_ttl?" in w for w in warnings)
    assert any("key cache_ttl is outside any table" in w and "did you mean [cig] cache_ttl?" in w for w in warnings)
    settings = load({"CIG_CONFIG": str(config)})
    assert settings.cache_ttl == 0 and settings.graphiql is False and settings.api_keys == ()


async def test_a_zero_ttl_in_the_file_turns_the_cache_off(tmp_path: Path) -> None:
    config = tmp_path / "cig.toml"
    config.write_text("[cig]\ncache_ttl = 0\n")
    ttl = load({"CIG_CONFIG": str(config)}).cache_ttl
    query = "query P { images(first: 5) { totalCount } }"
    for configured, second_calls in ((ttl, "same"), (300.0, 0)):
        async with running_stack(adjust=lambda s, t=configured: dataclasses.replace(s, cache_ttl=t)) as stack:
            await stack.graphql(query)
            first = stack.calls
            stack.reset_calls()
            await stack.graphql(query)
            assert first > 0 and stack.calls == (first if second_calls == "same" else 0)
