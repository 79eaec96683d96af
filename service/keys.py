"""API keys: made once, shown once, stored as a digest, checked on every request.

A key reads ``qck_<id>_<secret>``: the id finds the stored record, the secret proves the
caller holds the key. Only the SHA-256 digest of the secret is stored (see
:mod:`models.access`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from models import ApiKey, Role
from models.errors import NotFoundError, UnauthorisedError
from models.privacy import Caller
from service.access import allow
from service.community import LiveCommunity

__all__ = ["authenticate", "create_key", "list_keys", "new_key", "revoke_key"]

_FORMAT = re.compile(r"qck_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(role: Role, member: str | None = None) -> tuple[str, ApiKey]:
    """A fresh key: the text to hand to its holder once, and the record to store."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return f"qck_{key_id}_{secret}", ApiKey(id=key_id, role=role, member=member,
                                             digest=_digest(secret))


def authenticate(live: LiveCommunity, presented: str) -> Caller:
    """Who holds the key ``presented``, or :class:`UnauthorisedError` when it is malformed,
    unknown or revoked (deliberately not saying which)."""
    found = _FORMAT.fullmatch(presented)
    if not found:
        raise UnauthorisedError("not a valid API key")
    key_id, secret = found.groups()
    try:
        key = live.store.get_key(key_id)
    except NotFoundError:
        raise UnauthorisedError("not a valid API key") from None
    if not hmac.compare_digest(key.digest, _digest(secret)):
        raise UnauthorisedError("not a valid API key")
    return Caller(key.role, key.member)


@allow("admin")
def create_key(live: LiveCommunity, caller: Caller, role: Role,
               member: str | None = None) -> tuple[str, ApiKey]:
    """Create a key and return its text (to show once) and its stored record. A member key
    must name its member, who must exist."""
    text, key = new_key(role, member)
    live.store.add_key(key)
    return text, key


@allow("admin")
def list_keys(live: LiveCommunity, caller: Caller) -> list[ApiKey]:
    """The keys that exist (their records: never the keys themselves)."""
    return live.store.api_keys()


@allow("admin")
def revoke_key(live: LiveCommunity, caller: Caller, key_id: str) -> None:
    """Revoke a key: requests with it are refused from now on."""
    live.store.revoke_key(key_id)
