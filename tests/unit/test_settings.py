from __future__ import annotations

from pathlib import Path

import pytest

from graphql_api.settings import SettingsError, load


def test_no_credentials_means_demo_mode_with_documented_defaults() -> None:
    settings = load({})
    assert settings.demo_mode
    assert settings.section("zenlayer").base_url == "https://console.zenlayer.com"
    assert settings.section("jdcloud").vm_endpoint == "https://vm.jdcloud-api.com"
    assert settings.cache_url == "memory://" and settings.cache_ttl == 300


def test_provider_variables_and_secret_masking() -> None:
    settings = load({
        "ZENLAYERCLOUD_ACCESS_KEY_ID": "id", "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD": "s3cret-password",
        "ZENLAYERCLOUD_ZONES": "asia-east-1a, na-west-1a", "JDCLOUD_REGIONS": "cn-north-1",
        "CIG_API_KEYS": "k1,k2",
    })
    assert not settings.demo_mode
    assert settings.section("zenlayer").zones == ("asia-east-1a", "na-west-1a")
    assert settings.section("jdcloud").regions == ("cn-north-1",)
    assert not settings.section("jdcloud").configured
    assert "s3cret-password" not in repr(settings) and "k1" not in repr(settings)


def test_toml_file_with_environment_winning(tmp_path: Path) -> None:
    config = tmp_path / "cig.toml"
    config.write_text('[jdcloud]\naccess_key = "ak"\nsecret_key = "sk"\nregions = ["cn-east-2"]\n'
                      '[cig]\ncache_ttl = 60\n')
    settings = load({"CIG_CONFIG": str(config), "CIG_CACHE_TTL": "30"})
    assert settings.section("jdcloud").configured and settings.section("jdcloud").regions == ("cn-east-2",)
    assert settings.cache_ttl == 30


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZENLAYERCLOUD_ACCESS_KEY_ID": "id"}, "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"),
        ({"JDCLOUD_SECRET_KEY": "sk"}, "JDCLOUD_ACCESS_KEY"),
        ({"CIG_CACHE_TTL": "soon"}, "CIG_CACHE_TTL"),
        ({"CIG_MAX_PAGE_SIZE": "0"}, "CIG_MAX_PAGE_SIZE"),
        ({"CIG_CACHE_URL": "memcached://x"}, "CIG_CACHE_URL"),
        ({"ZENLAYERCLOUD_SCHEME": "ftp"}, "ZENLAYERCLOUD_SCHEME"),
        ({"CIG_GRAPHIQL": "maybe"}, "CIG_GRAPHIQL"),
        ({"CIG_CONFIG": "/nonexistent/cig.toml"}, "CIG_CONFIG"),
        ({"CIG_OPERATION_TIMEOUT": "-1"}, "CIG_OPERATION_TIMEOUT"),
        ({"CIG_BREAKER_FAILURES": "0"}, "CIG_BREAKER_FAILURES"),
        ({"CIG_JDCLOUD_ACTION_RATE_LIMITS": "describeImages"}, "CIG_JDCLOUD_ACTION_RATE_LIMITS"),
        ({"CIG_ZENLAYER_ACTION_RATE_LIMITS": "DescribeImages=0"}, "CIG_ZENLAYER_ACTION_RATE_LIMITS"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load(env)


def test_a_redis_password_never_appears_in_the_error() -> None:
    with pytest.raises(SettingsError) as info:
        load({"CIG_CACHE_URL": "rediss://user:hunter2@cache:6379/0"})
    assert "hunter2" not in str(info.value)


def test_resilience_settings_and_an_explicit_zero() -> None:
    defaults = load({})
    assert (defaults.operation_timeout, defaults.stale_if_error, defaults.stale_while_revalidate) == (5.0, 900.0, 0.0)
    assert (defaults.breaker_failures, defaults.breaker_open_seconds, defaults.quota_max_wait) == (5, 30.0, 2.0)
    settings = load({
        "CIG_OPERATION_TIMEOUT": "0", "CIG_STALE_IF_ERROR": "0", "CIG_MIN_MAX_AGE": "0",
        "CIG_ZENLAYER_ACTION_RATE_LIMITS": "DescribeImages=10, DescribeZones=0.5",
    })
    assert settings.operation_timeout == 0 and settings.stale_if_error == 0 and settings.min_max_age == 0
    assert settings.section("zenlayer").action_rate_limits == (("DescribeImages", 10.0), ("DescribeZones", 0.5))


def test_log_format_and_cors_origins() -> None:
    assert load({}).log_format == "text" and load({}).cors_origins == ()
    settings = load({"CIG_LOG_FORMAT": "JSON", "CIG_CORS_ORIGINS": "https://App.example.com, http://127.0.0.1:3000"})
    assert settings.log_format == "json"
    assert settings.cors_origins == ("https://app.example.com", "http://127.0.0.1:3000")
    assert load({"CIG_CORS_ORIGINS": "*"}).cors_origins == ("*",)


@pytest.mark.parametrize(("name", "value"), [
    ("CIG_LOG_FORMAT", "xml"),
    ("CIG_CORS_ORIGINS", "https://app.example.com/"),  # a path (even "/") is not part of an origin
    ("CIG_CORS_ORIGINS", "app.example.com"),
    ("CIG_CORS_ORIGINS", "https://ok.example.com,ftp://files.example.com"),
])
def test_bad_log_format_and_origins_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load({name: value})
