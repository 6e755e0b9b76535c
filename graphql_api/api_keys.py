"""API keys (`CIG_API_KEYS`): who a request comes from, as a non-secret id.

A request's scope is `anonymous` when no keys are configured, the id of its key when it sends
`Authorization: Bearer <key>` with a configured key, and None (refused) otherwise. The id is a
truncated digest: it names a key in cache keys without revealing it. Keys are compared by their
SHA-256 digests, so the time a lookup takes says nothing about the key itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .settings import Secret

ANONYMOUS = "anonymous"


def key_id(key: str) -> str:
    return "key-" + hashlib.sha256(b"cig-api-key-id\x00" + key.encode()).hexdigest()[:16]


class ApiKeys:
    def __init__(self, keys: Sequence[Secret] = ()) -> None:
        self._ids = {hashlib.sha256(k.value.encode()).digest(): key_id(k.value) for k in keys if k.value}

    @property
    def required(self) -> bool:
        return bool(self._ids)

    def scope(self, authorization: str | bytes | None) -> str | None:
        """The client's scope for an `Authorization` header value; None when the request is refused."""
        if not self._ids:
            return ANONYMOUS
        if not authorization:
            return None
        text = authorization.decode("latin-1") if isinstance(authorization, bytes) else authorization
        scheme, _, token = text.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        return self._ids.get(hashlib.sha256(token.encode("latin-1", "replace")).digest())
