"""API keys: made once, shown once, stored as a digest, checked on every request.

A key reads ``qck_<id>_<secret>``: the id finds the stored record, the secret proves the
caller holds the key. Only the SHA-256 digest of the secret is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from graph_schema.errors import NotFoundError
from graph_schema.store import Store
from models import ApiKey, Role

__all__ = ["InvalidKeyError", "authenticate", "new_key"]

_FORMAT = re.compile(r"qck_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


class InvalidKeyError(Exception):
    """The presented key is malformed, unknown or revoked (deliberately not saying which)."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(role: Role, member: str | None = None) -> tuple[str, ApiKey]:
    """A fresh key: the text to hand to its holder once, and the record to store."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return f"qck_{key_id}_{secret}", ApiKey(id=key_id, role=role, member=member,
                                             digest=_digest(secret))


def authenticate(store: Store, presented: str) -> ApiKey:
    """The stored key ``presented`` is, or :class:`InvalidKeyError`.

    >>> import pytest
    >>> with pytest.raises(InvalidKeyError):
    ...     authenticate(None, "not-a-key")
    """
    found = _FORMAT.fullmatch(presented)
    if not found:
        raise InvalidKeyError
    key_id, secret = found.groups()
    try:
        key = store.get_key(key_id)
    except NotFoundError:
        raise InvalidKeyError from None
    if not hmac.compare_digest(key.digest, _digest(secret)):
        raise InvalidKeyError
    return key
