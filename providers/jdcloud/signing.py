"""JDCLOUD3-HMAC-SHA256 request signing as named, pure steps (the clock and nonce are arguments).

    canonical_uri, canonical_query, signed_headers + canonical_headers -> canonical_request
      -> credential_scope -> string_to_sign -> signing_key -> signature -> authorization

The Python SDK signs only `content-type;host` (it adds date and nonce after signing); the public docs
say date and nonce must be signed, and the Go SDK (JDCLOUD2) signs them. `sign` sets date and nonce
before canonicalization, so they are signed; servers verify exactly the headers `SignedHeaders`
lists, so both ways verify. `verify` (used by the emulator) accepts JDCLOUD3 and JDCLOUD2 requests
as both SDKs send them (providers.md section 2.2 and 3.7).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, unquote_plus, urlsplit

ALGORITHM = "JDCLOUD3-HMAC-SHA256"
ALGORITHM_V2 = "JDCLOUD2-HMAC-SHA256"  # what the official Go SDK still sends
DATE_HEADER = "x-jdcloud-date"
NONCE_HEADER = "x-jdcloud-nonce"
CONTENT_SHA256_HEADER = "x-jdcloud-content-sha256"
# Never signed: Authorization carries the signature, proxies rewrite User-Agent, and the Go SDK skips
# the request id header.
IGNORED_HEADERS = frozenset({"authorization", "user-agent", "x-jdcloud-request-id"})
DEFAULT_REGION = "jdcloud-api"  # the scope's region for calls without a regionId, as the SDK does
# Algorithm -> (signing key prefix, scope terminator).
_VERSIONS = {ALGORITHM: ("JDCLOUD3", "jdcloud3_request"), ALGORITHM_V2: ("JDCLOUD2", "jdcloud2_request")}


@dataclass(frozen=True, slots=True)
class JdcloudCredentials:
    access_key: str
    secret_key: str = field(repr=False)

    def __repr__(self) -> str:
        return f"JdcloudCredentials(access_key={self.access_key!r}, secret_key='********')"


# Documented demo credentials, defined here only: the emulator accepts them by default and demo mode
# signs with them. They open nothing on the real JD Cloud.
DEMO_ACCESS_KEY = "demo-jdcloud-access-key"
DEMO_SECRET_KEY = "demo-jdcloud-secret-key"
DEMO_CREDENTIALS = JdcloudCredentials(DEMO_ACCESS_KEY, DEMO_SECRET_KEY)


def _encode(value: str, safe: str = "") -> str:
    """Percent-encode everything but RFC 3986 unreserved characters (and `safe`)."""
    return quote(value, safe="~" + safe)


def canonical_uri(path: str) -> str:
    """Decode the path, collapse repeated slashes, re-encode keeping `/` (empty -> `/`)."""
    decoded = re.sub("/+", "/", unquote_plus(path))
    if not decoded:
        return "/"
    encoded = _encode(decoded, "/")
    return encoded if encoded.startswith("/") else "/" + encoded


def canonical_query(raw_query: str) -> str:
    """Decode each pair, re-encode with only unreserved characters bare, sort by (key, value)."""
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        key, sep, value = item.partition("=")
        if not sep:
            continue  # a bare key carries no value; the SDK leaves it out too
        encoded_key = _encode(unquote_plus(key))
        if encoded_key:
            pairs.append((encoded_key, _encode(unquote_plus(value))))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def signed_headers(headers: Mapping[str, str]) -> list[str]:
    """The lowercase names the SDK signs: host plus every header present but the ignored ones."""
    names = {"host"} | {name.lower() for name in headers if name.lower() not in IGNORED_HEADERS}
    return sorted(names)


def canonical_headers(headers: Mapping[str, str], host: str, signed: Sequence[str]) -> str:
    """`name:value\\n` for each signed header in order; `host` comes from the URL, not `headers`."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return "".join(f"{name}:{(host if name == 'host' else lowered[name]).strip()}\n" for name in signed)


def canonical_request(method: str, uri: str, query: str, headers_block: str, signed: str, body: bytes) -> str:
    # headers_block ends in "\n", so a blank line follows it, as in the SDK.
    return "\n".join((method.upper(), uri, query, headers_block, signed, hashlib.sha256(body).hexdigest()))


def credential_scope(date: str, region: str, service: str, algorithm: str = ALGORITHM) -> str:
    return f"{date[:8]}/{region}/{service}/{_VERSIONS[algorithm][1]}"


def string_to_sign(date: str, scope: str, canonical_request_hash: str, algorithm: str = ALGORITHM) -> str:
    return "\n".join((algorithm, date, scope, canonical_request_hash))


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str, algorithm: str = ALGORITHM) -> bytes:
    prefix, terminator = _VERSIONS[algorithm]
    k_date = _hmac((prefix + secret_key).encode("utf-8"), date[:8])
    return _hmac(_hmac(_hmac(k_date, region), service), terminator)


def signature(key: bytes, to_sign: str) -> str:
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(access_key: str, scope: str, signed: str, sig: str, algorithm: str = ALGORITHM) -> str:
    return f"{algorithm} Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={sig}"


def host_of(url: str) -> str:
    """The host as signed: with its port unless it is 80 or 443 (the SDK's rule)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return host


def date_of(now: datetime) -> str:
    """`now` (UTC) in the x-jdcloud-date format."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign(
    credentials: JdcloudCredentials,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    service: str,
    now: datetime,
    nonce: str,
) -> dict[str, str]:
    """The headers to send: `headers` plus date, nonce, content hash and Authorization.

    Date and nonce are set before canonicalization, so they are signed (the docs ask for it and it
    stops replays with a fresh date). The content hash is added afterwards, unsigned, as the SDK does.
    """
    date = date_of(now)
    to_sign = {**headers, DATE_HEADER: date, NONCE_HEADER: nonce}
    parts = urlsplit(url)
    names = signed_headers(to_sign)
    signed = ";".join(names)
    canonical = canonical_request(
        method, canonical_uri(parts.path), canonical_query(parts.query),
        canonical_headers(to_sign, host_of(url), names), signed, body,
    )
    scope = credential_scope(date, region, service)
    sig = signature(
        signing_key(credentials.secret_key, date, region, service),
        string_to_sign(date, scope, sha256_hex(canonical.encode("utf-8"))),
    )
    return {
        **to_sign,
        CONTENT_SHA256_HEADER: sha256_hex(body),
        "Authorization": authorization(credentials.access_key, scope, signed, sig),
    }


_AUTHORIZATION = re.compile(
    r"^(?P<algorithm>JDCLOUD[23]-HMAC-SHA256) Credential=(?P<ak>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/(?P<terminator>jdcloud[23]_request), ?SignedHeaders=(?P<signed>[^,]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True, slots=True)
class ParsedAuthorization:
    algorithm: str
    access_key: str
    date: str  # yyyymmdd from the scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> ParsedAuthorization | None:
    """The parts of an Authorization header, or None when it is not a JDCLOUD2/3 one."""
    match = _AUTHORIZATION.match(value.strip())
    if not match or _VERSIONS[match["algorithm"]][1] != match["terminator"]:
        return None
    return ParsedAuthorization(
        match["algorithm"], match["ak"], match["date"], match["region"], match["service"],
        tuple(match["signed"].lower().split(";")), match["signature"],
    )


def verify(
    parsed: ParsedAuthorization,
    secret_key: str,
    *,
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    host: str,
    body: bytes,
) -> bool:
    """Whether a received request carries a valid signature (JDCLOUD3 or JDCLOUD2, as the SDKs sign).

    Exactly the headers listed in SignedHeaders are canonicalized (date and nonce may or may not be
    among them). The query may be canonicalized the Python way (decoded, re-encoded, sorted) or taken
    raw as sent (Go, `+` for spaces); either match is accepted.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    if "host" not in parsed.signed_headers or any(
        name != "host" and name not in lowered for name in parsed.signed_headers
    ):
        return False
    date = lowered.get(DATE_HEADER, "")
    if date[:8] != parsed.date:
        return False  # the scope's day and the signed date must agree
    block = canonical_headers(lowered, host, parsed.signed_headers)
    signed = ";".join(parsed.signed_headers)
    scope = credential_scope(parsed.date, parsed.region, parsed.service, parsed.algorithm)
    key = signing_key(secret_key, parsed.date, parsed.region, parsed.service, parsed.algorithm)
    for query in dict.fromkeys((canonical_query(raw_query), raw_query)):
        canonical = canonical_request(method, canonical_uri(path), query, block, signed, body)
        expected = signature(key, string_to_sign(date, scope, sha256_hex(canonical.encode("utf-8")), parsed.algorithm))
        if hmac.compare_digest(expected, parsed.signature):
            return True
    return False


__all__ = [
    "ALGORITHM",
    "ALGORITHM_V2",
    "DEFAULT_REGION",
    "DEMO_ACCESS_KEY",
    "DEMO_CREDENTIALS",
    "DEMO_SECRET_KEY",
    "JdcloudCredentials",
    "ParsedAuthorization",
    "authorization",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "credential_scope",
    "parse_authorization",
    "sign",
    "signature",
    "signed_headers",
    "signing_key",
    "string_to_sign",
    "verify",
]
