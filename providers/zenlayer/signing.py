"""ZC2-HMAC-SHA256, the Zenlayer Cloud API 2.0 request signature, as named pure steps.

    canonical_request(content_type, host, body)      six lines; path is always "/", query empty
      -> string_to_sign(timestamp, canonical)         "ZC2-HMAC-SHA256\\n<ts>\\n<sha256(canonical)>"
      -> signature(password, string_to_sign)          hex HMAC-SHA256, keyed by the password as-is
      -> authorization(access_key_id, signature)      the Authorization header value

`sign` chains them and returns the headers to add. Only content-type and host are signed, so the
Content-Type passed here must be the exact value sent (the docs sign `application/json;
charset=utf-8`, the SDKs plain `application/json`). The clock is always an argument: nothing here
reads the time, so every step is checked against saved vectors in the tests.

A personal access token (`ZenlayerToken`) replaces the signature with `Authorization: Bearer ...`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

ALGORITHM = "ZC2-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host"


@dataclass(frozen=True, slots=True)
class ZenlayerCredentials:
    """An access key pair. The password never appears in repr (logs, tracebacks, test output)."""

    access_key_id: str
    access_key_password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ZenlayerToken:
    """A personal access token, sent as a bearer token instead of a signature."""

    token: str = field(repr=False)


# The documented demo account: the built-in emulator accepts it, and demo mode signs with it. It opens
# nothing real; a real deployment configures ZENLAYERCLOUD_ACCESS_KEY_ID / _PASSWORD instead.
DEMO_CREDENTIALS = ZenlayerCredentials(
    access_key_id="demo-zenlayer-access-key-id",
    access_key_password="demo-zenlayer-access-key-password",
)


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_request(content_type: str, host: str, body: bytes) -> str:
    """Step 1. The URI is "/" whatever the real path (/api/v2/zec): that is what the SDKs sign."""
    return "\n".join((
        "POST",
        "/",
        "",
        f"content-type:{content_type}\nhost:{host}\n",
        SIGNED_HEADERS,
        _sha256_hex(body),
    ))


def string_to_sign(timestamp: int, canonical: str) -> str:
    """Step 2. `timestamp` is unix seconds, the same value sent as x-zc-timestamp."""
    return f"{ALGORITHM}\n{timestamp}\n{_sha256_hex(canonical.encode('utf-8'))}"


def signature(password: str, to_sign: str) -> str:
    """Step 3. No key derivation: the password itself is the HMAC key."""
    return hmac.new(password.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(access_key_id: str, signature_hex: str) -> str:
    """Step 4. The key id travels here only; it is not part of what is signed."""
    return f"{ALGORITHM} Credential={access_key_id}, SignedHeaders={SIGNED_HEADERS}, Signature={signature_hex}"


def sign(
    credentials: ZenlayerCredentials | ZenlayerToken, *, host: str, content_type: str, body: bytes, timestamp: int
) -> dict[str, str]:
    """The authentication headers for one request (a fresh timestamp per attempt is the caller's job)."""
    if isinstance(credentials, ZenlayerToken):
        return {"Authorization": f"Bearer {credentials.token}"}
    canonical = canonical_request(content_type, host, body)
    signed = signature(credentials.access_key_password, string_to_sign(timestamp, canonical))
    return {
        "x-zc-timestamp": str(timestamp),
        "x-zc-signature-method": ALGORITHM,
        "Authorization": authorization(credentials.access_key_id, signed),
    }


__all__ = [
    "ALGORITHM",
    "DEMO_CREDENTIALS",
    "SIGNED_HEADERS",
    "ZenlayerCredentials",
    "ZenlayerToken",
    "authorization",
    "canonical_request",
    "sign",
    "signature",
    "string_to_sign",
]
