"""JDCLOUD3-HMAC-SHA256: each named step against a saved vector, the official SDK's signer as oracle,
and the emulator's verifier for both algorithms the SDKs send."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from jdcloud_sdk.core.credential import Credential
from jdcloud_sdk.core.logger import ERROR, Logger
from jdcloud_sdk.core.parameterbuilder import WithoutBodyBuilder
from jdcloud_sdk.core.signer import Signer
from jdcloud_sdk.services.vm.apis.DescribeImagesRequest import DescribeImagesParameters, DescribeImagesRequest

from providers.jdcloud import signing
from providers.jdcloud.models import encode_query
from providers.jdcloud.signing import DEMO_CREDENTIALS, JdcloudCredentials

# A vector verified against the JD Cloud Python SDK's signer (only content-type;host signed).
URL = "https://vm.jdcloud-api.com/v1/regions/cn-north-1/images?imageSource=public&pageSize=100"
DATE = "20240101T000000Z"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
EXPECTED_CANONICAL = (
    "GET\n/v1/regions/cn-north-1/images\nimageSource=public&pageSize=100\n"
    "content-type:application/json\nhost:vm.jdcloud-api.com\n\ncontent-type;host\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
EXPECTED_CANONICAL_HASH = "bfce5703c1e7ee120d5e3901f2b636bf146f555b733a715487644b1ed34fe16d"
EXPECTED_SCOPE = "20240101/cn-north-1/vm/jdcloud3_request"
EXPECTED_STRING_TO_SIGN = f"JDCLOUD3-HMAC-SHA256\n{DATE}\n{EXPECTED_SCOPE}\n{EXPECTED_CANONICAL_HASH}"
EXPECTED_KEY = "07a406a4819698f7cbaef2a7873a0331f1ff9f0e7e5736ab33dbbc5a106a8bb4"
EXPECTED_SIGNATURE = "7425f49da96135389ee05f6076013f48497277b960857986a83e43fdbff019fe"
NONCE = "0f8b7c1e-1111-4a2b-9c3d-000000000001"
QUIET = Logger(ERROR)  # the SDK prints canonical requests at INFO


def _sdk_sign(url: str, headers: dict[str, str], credentials: JdcloudCredentials, region: str,
              service: str = "vm") -> dict[str, str]:
    signed = dict(headers)
    Signer(QUIET).sign(method="GET", service=service, region=region, uri=url, headers=signed, data="",
                       credential=Credential(credentials.access_key, credentials.secret_key), security_token="")
    return signed


def _signature_of(authorization: str) -> str:
    match = re.search(r"Signature=([0-9a-f]{64})$", authorization)
    assert match, authorization
    return match.group(1)


# --- each step against the saved vector ---------------------------------------------------------------


def test_canonical_uri_step() -> None:
    assert signing.canonical_uri("/v1/regions/cn-north-1/images") == "/v1/regions/cn-north-1/images"
    assert signing.canonical_uri("") == "/"
    assert signing.canonical_uri("/v1//regions/a b") == "/v1/regions/a%20b"
    assert signing.canonical_uri("/images/img-m5s0%2A%2A29") == "/images/img-m5s0%2A%2A29"
    assert signing.canonical_uri("/images/img-m5s0**29") == "/images/img-m5s0%2A%2A29"


def test_canonical_query_step() -> None:
    assert signing.canonical_query("pageSize=100&imageSource=public") == "imageSource=public&pageSize=100"
    assert signing.canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    # Go sends spaces as `+`, Python as `%20`: both canonicalize alike; bare keys are left out.
    assert signing.canonical_query("imageName=a+b&flag") == "imageName=a%20b"
    assert signing.canonical_query("imageName=a%20b") == "imageName=a%20b"
    assert signing.canonical_query("n=%E6%B5%8B%2A~") == "n=%E6%B5%8B%2A~"
    assert signing.canonical_query("") == ""


def test_header_steps() -> None:
    headers = {"Content-Type": " application/json ", "User-Agent": "x", "Authorization": "old"}
    assert signing.signed_headers(headers) == ["content-type", "host"]
    assert signing.canonical_headers(headers, "vm.jdcloud-api.com", ["content-type", "host"]) == (
        "content-type:application/json\nhost:vm.jdcloud-api.com\n"
    )
    with_date = {**headers, "x-jdcloud-date": DATE, "x-jdcloud-nonce": NONCE}
    assert signing.signed_headers(with_date) == ["content-type", "host", "x-jdcloud-date", "x-jdcloud-nonce"]
    assert signing.host_of("http://127.0.0.1:8080/v1") == "127.0.0.1:8080"
    assert signing.host_of("https://vm.jdcloud-api.com:443/v1") == "vm.jdcloud-api.com"


def test_canonical_request_step() -> None:
    parts = urlsplit(URL)
    names = ["content-type", "host"]
    canonical = signing.canonical_request(
        "GET", signing.canonical_uri(parts.path), signing.canonical_query(parts.query),
        signing.canonical_headers({"Content-Type": "application/json"}, "vm.jdcloud-api.com", names),
        ";".join(names), b"",
    )
    assert canonical == EXPECTED_CANONICAL
    assert signing.sha256_hex(canonical.encode()) == EXPECTED_CANONICAL_HASH


def test_scope_string_to_sign_key_signature_and_authorization_steps() -> None:
    assert signing.credential_scope(DATE, "cn-north-1", "vm") == EXPECTED_SCOPE
    assert signing.string_to_sign(DATE, EXPECTED_SCOPE, EXPECTED_CANONICAL_HASH) == EXPECTED_STRING_TO_SIGN
    key = signing.signing_key("SK", DATE, "cn-north-1", "vm")
    assert key.hex() == EXPECTED_KEY
    sdk_key = Signer(QUIET)._Signer__get_signature_key("SK", DATE[:8], "cn-north-1", "vm")
    assert key == sdk_key
    assert signing.signature(key, EXPECTED_STRING_TO_SIGN) == EXPECTED_SIGNATURE
    assert signing.authorization("AK", EXPECTED_SCOPE, "content-type;host", EXPECTED_SIGNATURE) == (
        f"JDCLOUD3-HMAC-SHA256 Credential=AK/{EXPECTED_SCOPE}, SignedHeaders=content-type;host, "
        f"Signature={EXPECTED_SIGNATURE}"
    )


def test_the_sdk_signer_gives_the_vector() -> None:
    signed = _sdk_sign(URL, {"Content-Type": "application/json", "x-jdcloud-date": DATE},
                       JdcloudCredentials("AK", "SK"), "cn-north-1")
    # The SDK signs every header present, the preset date too; without it the vector's pair remains.
    assert "SignedHeaders=content-type;host;x-jdcloud-date" in signed["Authorization"]
    parts = urlsplit(URL)
    names = ["content-type", "host", "x-jdcloud-date"]
    canonical = signing.canonical_request(
        "GET", signing.canonical_uri(parts.path), signing.canonical_query(parts.query),
        signing.canonical_headers({"Content-Type": "application/json", "x-jdcloud-date": DATE},
                                  "vm.jdcloud-api.com", names), ";".join(names), b"",
    )
    ours = signing.signature(signing.signing_key("SK", DATE, "cn-north-1", "vm"),
                             signing.string_to_sign(DATE, EXPECTED_SCOPE, signing.sha256_hex(canonical.encode())))
    assert _signature_of(signed["Authorization"]) == ours


# --- sign() against the SDK as oracle -----------------------------------------------------------------

ODD_VALUES = ["public", "CentOS 8.2 64位", "测试 镜像", "a&b=c 测试", "x=y", "a+b", "50% off/half", "~*()!'"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_sign_matches_the_sdk_signer(value: str) -> None:
    credentials = JdcloudCredentials("my-access-key", "my-secret-key")
    url = ("http://127.0.0.1:8123/v1/regions/cn-north-1/images?"
           + encode_query({"imageSource": "public", "imageName": value, "ids": ["img-m5s0****29"], "pageSize": 10}))
    ours = signing.sign(credentials, method="GET", url=url, headers={"Content-Type": "application/json"}, body=b"",
                        region="cn-north-1", service="vm", now=NOW, nonce=NONCE)
    sdk = _sdk_sign(url, {"Content-Type": "application/json", "x-jdcloud-date": DATE, "x-jdcloud-nonce": NONCE},
                    credentials, "cn-north-1")
    assert ours["Authorization"] == sdk["Authorization"]
    assert ours["x-jdcloud-content-sha256"] == sdk["x-jdcloud-content-sha256"]
    assert "SignedHeaders=content-type;host;x-jdcloud-date;x-jdcloud-nonce" in ours["Authorization"]


@pytest.mark.parametrize("value", ["CentOS 8.2 64位", "测试 镜像", "a+b", "50% off/half"])
def test_our_url_and_the_sdk_url_sign_alike(value: str) -> None:
    """The SDK quotes the whole query at once (`&` and `=` left bare), ours each part. For values
    without `&`/`=` both canonicalize alike, so a server sees one signature either way."""
    parameters = DescribeImagesParameters("cn-north-1")
    parameters.setImageSource("public")
    parameters.setImageName(value)
    sdk_url = WithoutBodyBuilder().build_url(DescribeImagesRequest(parameters), "https", "vm.jdcloud-api.com")
    our_url = "https://vm.jdcloud-api.com/v1/regions/cn-north-1/images?" + encode_query(
        {"imageSource": "public", "imageName": value})
    assert signing.canonical_query(urlsplit(sdk_url).query) == signing.canonical_query(urlsplit(our_url).query)
    headers = {"Content-Type": "application/json", "x-jdcloud-date": DATE, "x-jdcloud-nonce": NONCE}
    sdk = _sdk_sign(sdk_url, headers, DEMO_CREDENTIALS, "cn-north-1")
    ours = signing.sign(DEMO_CREDENTIALS, method="GET", url=our_url, headers={"Content-Type": "application/json"},
                        body=b"", region="cn-north-1", service="vm", now=NOW, nonce=NONCE)
    assert ours["Authorization"] == sdk["Authorization"]


def test_sign_takes_clock_and_nonce_and_signs_them() -> None:
    first = signing.sign(DEMO_CREDENTIALS, method="GET", url=URL, headers={"Content-Type": "application/json"},
                         body=b"", region="cn-north-1", service="vm", now=NOW, nonce=NONCE)
    assert first["x-jdcloud-date"] == DATE and first["x-jdcloud-nonce"] == NONCE
    again = signing.sign(DEMO_CREDENTIALS, method="GET", url=URL, headers={"Content-Type": "application/json"},
                         body=b"", region="cn-north-1", service="vm", now=NOW, nonce=NONCE)
    assert first == again  # pure: same inputs, same headers
    other = signing.sign(DEMO_CREDENTIALS, method="GET", url=URL, headers={"Content-Type": "application/json"},
                         body=b"", region="cn-north-1", service="vm", now=NOW, nonce="another")
    assert _signature_of(other["Authorization"]) != _signature_of(first["Authorization"])


def test_credentials_repr_hides_the_secret() -> None:
    credentials = JdcloudCredentials("visible-access-key", "very-secret-value")
    assert "very-secret-value" not in repr(credentials) and "very-secret-value" not in str(credentials)
    assert "visible-access-key" in repr(credentials)
    assert JdcloudCredentials("demo-jdcloud-access-key", "demo-jdcloud-secret-key") == DEMO_CREDENTIALS


# --- verify(): what the emulator accepts --------------------------------------------------------------


def _verify(authorization: str, secret: str, url: str, headers: dict[str, str]) -> bool:
    parsed = signing.parse_authorization(authorization)
    assert parsed is not None
    parts = urlsplit(url)
    return signing.verify(parsed, secret, method="GET", path=parts.path, raw_query=parts.query,
                          headers=headers, host=signing.host_of(url), body=b"")


def test_verify_accepts_a_python_sdk_request_signing_only_content_type_and_host() -> None:
    headers = {"Content-Type": "application/json"}
    sdk = _sdk_sign(URL, headers, JdcloudCredentials("AK", "SK"), "cn-north-1")
    assert "SignedHeaders=content-type;host," in sdk["Authorization"]
    assert _verify(sdk["Authorization"], "SK", URL, sdk)
    assert not _verify(sdk["Authorization"], "wrong", URL, sdk)
    assert not _verify(sdk["Authorization"], "SK", URL.replace("pageSize=100", "pageSize=10"), sdk)


def test_verify_accepts_our_requests_and_rejects_a_changed_signed_header() -> None:
    url = "http://127.0.0.1:9/v1/regions/cn-north-1/images?" + encode_query({"imageName": "a&b=c 测试"})
    headers = signing.sign(DEMO_CREDENTIALS, method="GET", url=url, headers={"Content-Type": "application/json"},
                           body=b"", region="cn-north-1", service="vm", now=NOW, nonce=NONCE)
    assert _verify(headers["Authorization"], DEMO_CREDENTIALS.secret_key, url, headers)
    assert not _verify(headers["Authorization"], DEMO_CREDENTIALS.secret_key, url, {**headers, "x-jdcloud-nonce": "x"})


def test_verify_accepts_a_jdcloud2_request_with_a_raw_go_style_query() -> None:
    """The Go SDK: JDCLOUD2 key prefix and scope, date and nonce signed, the raw query as sent (`+`)."""
    url = "http://127.0.0.1:9/v1/regions/cn-north-1/images?imageName=CentOS+8.2&imageSource=public&pageSize=10"
    headers = {"Content-Type": "application/json", "X-Jdcloud-Date": DATE, "X-Jdcloud-Nonce": NONCE}
    names = ["content-type", "host", "x-jdcloud-date", "x-jdcloud-nonce"]
    canonical = signing.canonical_request(
        "GET", "/v1/regions/cn-north-1/images", urlsplit(url).query,
        signing.canonical_headers(headers, "127.0.0.1:9", names), ";".join(names), b"",
    )
    algorithm = signing.ALGORITHM_V2
    scope = signing.credential_scope(DATE, "cn-north-1", "vm", algorithm)
    assert scope.endswith("/jdcloud2_request")
    sig = signing.signature(
        signing.signing_key("SK2", DATE, "cn-north-1", "vm", algorithm),
        signing.string_to_sign(DATE, scope, signing.sha256_hex(canonical.encode()), algorithm),
    )
    authorization = signing.authorization("AK2", scope, ";".join(names), sig, algorithm)
    assert authorization.startswith("JDCLOUD2-HMAC-SHA256 Credential=AK2/20240101/cn-north-1/vm/jdcloud2_request")
    assert _verify(authorization, "SK2", url, headers)
    assert not _verify(authorization, "SK", url, headers)
    # The same signature under the JDCLOUD3 name derives another key: refused.
    assert not _verify(authorization.replace("JDCLOUD2-", "JDCLOUD3-").replace("jdcloud2_", "jdcloud3_"),
                       "SK2", url, headers)


def test_parse_authorization_refuses_other_schemes() -> None:
    assert signing.parse_authorization("") is None
    assert signing.parse_authorization("Bearer abc") is None
    mixed = (f"JDCLOUD3-HMAC-SHA256 Credential=AK/20240101/cn-north-1/vm/jdcloud2_request, "
             f"SignedHeaders=content-type;host, Signature={EXPECTED_SIGNATURE}")
    assert signing.parse_authorization(mixed) is None
