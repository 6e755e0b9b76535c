"""ZC2-HMAC-SHA256: each named step against saved vectors, and the official SDK's signer as oracle."""

from __future__ import annotations

import json

import pytest
from zenlayercloud.common.credential import Credential
from zenlayercloud.common.request import BaseRequest
from zenlayercloud.zec.v20250901 import models as sdk_models
from zenlayercloud.zec.v20250901.zec_client import ZecClient

from providers.zenlayer import signing
from providers.zenlayer.models import serialize_request
from providers.zenlayer.signing import DEMO_CREDENTIALS, ZenlayerCredentials, ZenlayerToken

# The signing example of Zenlayer's public API docs.
DOCS_PASSWORD = "Gu5t9xGARNpq86cd98joQYCN3"
DOCS_BODY = b'{"pageSize":10,"pageNum":1,"zoneId":"HKG-A"}'
DOCS_CONTENT_TYPE = "application/json; charset=utf-8"
DOCS_HOST = "console.zenlayer.com"
DOCS_TIMESTAMP = 1673361177

EXPECTED_CANONICAL = (
    "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:console.zenlayer.com\n\ncontent-type;host\n"
    "5f714687ba91c606d503467766151206392474accd137ffea6dce2420b67c29a"
)
EXPECTED_STRING_TO_SIGN = (
    "ZC2-HMAC-SHA256\n1673361177\n29396f9dfa0f03820b931e8aa06e20cda197e73285ebd76aceb83f7dede493ee"
)
EXPECTED_SIGNATURE = "efb356c32e55c781e10dc676da59462c22596d82e91c57803666243379555b2f"
EXPECTED_SIGNATURE_PLAIN_JSON = "9fdd5117d611874c57b6514c5265c94aee7b716f33906836f9ebda1b56cbc119"


def test_canonical_request_step() -> None:
    assert signing.canonical_request(DOCS_CONTENT_TYPE, DOCS_HOST, DOCS_BODY) == EXPECTED_CANONICAL


def test_string_to_sign_step() -> None:
    assert signing.string_to_sign(DOCS_TIMESTAMP, EXPECTED_CANONICAL) == EXPECTED_STRING_TO_SIGN


def test_signature_step_matches_the_docs() -> None:
    assert signing.signature(DOCS_PASSWORD, EXPECTED_STRING_TO_SIGN) == EXPECTED_SIGNATURE


def test_authorization_step() -> None:
    assert signing.authorization("my-key-id", EXPECTED_SIGNATURE) == (
        "ZC2-HMAC-SHA256 Credential=my-key-id, SignedHeaders=content-type;host, Signature=" + EXPECTED_SIGNATURE
    )


def test_the_content_type_sent_is_the_one_signed() -> None:
    headers = signing.sign(
        ZenlayerCredentials("id", DOCS_PASSWORD), host=DOCS_HOST, content_type="application/json", body=DOCS_BODY,
        timestamp=DOCS_TIMESTAMP,
    )
    assert headers["Authorization"].endswith("Signature=" + EXPECTED_SIGNATURE_PLAIN_JSON)


def test_sign_returns_the_three_headers() -> None:
    headers = signing.sign(
        ZenlayerCredentials("AKID", DOCS_PASSWORD), host=DOCS_HOST, content_type=DOCS_CONTENT_TYPE, body=DOCS_BODY,
        timestamp=DOCS_TIMESTAMP,
    )
    assert headers == {
        "x-zc-timestamp": "1673361177",
        "x-zc-signature-method": "ZC2-HMAC-SHA256",
        "Authorization": signing.authorization("AKID", EXPECTED_SIGNATURE),
    }


def test_a_token_is_a_bearer_header_without_timestamp() -> None:
    headers = signing.sign(ZenlayerToken("pat-123"), host=DOCS_HOST, content_type="application/json", body=b"{}",
                           timestamp=DOCS_TIMESTAMP)
    assert headers == {"Authorization": "Bearer pat-123"}


def test_repr_never_shows_secrets() -> None:
    credentials = ZenlayerCredentials("visible-id", "very-secret-password")
    assert "very-secret-password" not in repr(credentials)
    assert "visible-id" in repr(credentials)
    assert "pat-secret" not in repr(ZenlayerToken("pat-secret"))
    assert DEMO_CREDENTIALS.access_key_password not in repr(DEMO_CREDENTIALS)


def _sdk_authorization(credentials: ZenlayerCredentials, *, host: str, content_type: str, body: str,
                       timestamp: int) -> str:
    """The SDK's own signing code (AbstractClient._build_zc2_authorization) on a request we describe."""
    client = ZecClient(Credential(credentials.access_key_id, credentials.access_key_password))
    request = BaseRequest(host=host, method="POST", uri="/api/v2/zec", data=body)
    request.set_host(host)
    request.set_content_type(content_type)
    request.header["x-zc-timestamp"] = str(timestamp)
    return str(client._build_zc2_authorization(request))


def _sdk_images_request(**fields: object) -> sdk_models.DescribeImagesRequest:
    request = sdk_models.DescribeImagesRequest()
    request._deserialize(fields)
    return request


SDK_BODIES = [
    {"zoneId": "asia-east-1a"},
    {"zoneId": "asia-east-1a", "osType": "linux", "pageSize": 3},
    {"zoneId": "asia-east-1a", "imageName": "测试 镜像 a&b=c", "pageNum": 2, "pageSize": 1000},
    {"zoneId": "na-west-1a", "tagKeys": ["env", "team"], "tags": [{"key": "env", "value": "prod é"}]},
    {"zoneId": "eu-west-1a", "imageIds": ["ubuntu2404_20240712", "img-ew1a-0003"], "imageStatus": "SYNCING"},
]


@pytest.mark.parametrize("fields", SDK_BODIES)
def test_bodies_are_the_bytes_the_sdk_sends(fields: dict[str, object]) -> None:
    sdk_body = json.dumps(_sdk_images_request(**fields).serialize())
    assert serialize_request(fields) == sdk_body.encode("ascii")


@pytest.mark.parametrize("fields", SDK_BODIES)
@pytest.mark.parametrize("content_type", ["application/json", DOCS_CONTENT_TYPE])
def test_signature_matches_the_sdk(fields: dict[str, object], content_type: str) -> None:
    credentials = ZenlayerCredentials("oracle-key-id", "oracle-password-ü")
    body = serialize_request(fields)
    ours = signing.sign(credentials, host="127.0.0.1:8443", content_type=content_type, body=body,
                        timestamp=1700000000)
    theirs = _sdk_authorization(credentials, host="127.0.0.1:8443", content_type=content_type,
                                body=body.decode("ascii"), timestamp=1700000000)
    assert ours["Authorization"] == theirs


def test_signature_matches_the_sdk_on_raw_utf8_bodies() -> None:
    credentials = ZenlayerCredentials("k", "p")
    text = json.dumps({"imageName": "测试 镜像 a&b=c"}, ensure_ascii=False)
    ours = signing.sign(credentials, host=DOCS_HOST, content_type="application/json", body=text.encode("utf-8"),
                        timestamp=DOCS_TIMESTAMP)
    assert ours["Authorization"] == _sdk_authorization(credentials, host=DOCS_HOST, content_type="application/json",
                                                       body=text, timestamp=DOCS_TIMESTAMP)
