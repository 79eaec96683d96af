"""API keys: made once, shown once, stored as a digest, checked on every request.

A key reads ``qck_<id>_<secret>``: the id finds the stored record, the secret proves the
caller holds the key. Only the SHA-256 digest of the secret is stored (see
:mod:`models.access`). Sign-in links (``qcl_``) and web sessions (``qcs_``) are keys of other
kinds, made and checked the same way (:mod:`service.sessions`); a key of one kind never opens
the door of another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from models import ApiKey, Role
from models.access import KeyKind
from models.errors import NotFoundError, UnauthorisedError
from models.privacy import Caller
from service.access import allow
from service.community import LiveCommunity

__all__ = ["authenticate", "create_key", "find_key", "list_keys", "new_key", "revoke_key"]

_PREFIX: dict[KeyKind, str] = {"api": "qck", "link": "qcl", "session": "qcs"}
_REFUSED: dict[KeyKind, str] = {"api": "not a valid API key",
                                "link": "this sign-in link is not valid: it was used already, "
                                        "has expired or was never made",
                                "session": "not signed in"}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(role: Role, member: str | None = None, *, kind: KeyKind = "api",
            expires: dt.datetime | None = None) -> tuple[str, ApiKey]:
    """A fresh key: the text to hand to its holder once, and the record to store."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return f"{_PREFIX[kind]}_{key_id}_{secret}", ApiKey(
        id=key_id, role=role, member=member, digest=_digest(secret), kind=kind,
        expires=expires)


def find_key(live: LiveCommunity, presented: str, kind: KeyKind = "api") -> ApiKey:
    """The stored key of ``kind`` whose text is ``presented``, or :class:`UnauthorisedError`
    when it is malformed, unknown, revoked, of another kind or expired (deliberately not saying
    which)."""
    refused = UnauthorisedError(_REFUSED[kind])
    found = re.fullmatch(_PREFIX[kind] + r"_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", presented)
    if not found:
        raise refused
    key_id, secret = found.groups()
    try:
        key = live.store.get_key(key_id)
    except NotFoundError:
        raise refused from None
    if (not hmac.compare_digest(key.digest, _digest(secret)) or key.kind != kind
            or key.expired(dt.datetime.now(dt.UTC))):
        raise refused
    return key


def authenticate(live: LiveCommunity, presented: str) -> Caller:
    """Who holds the API key ``presented``, or :class:`UnauthorisedError`."""
    key = find_key(live, presented)
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
    """The keys that exist, with the sign-in links and sessions (their records: never the keys
    themselves)."""
    return live.store.api_keys()


@allow("admin")
def revoke_key(live: LiveCommunity, caller: Caller, key_id: str) -> None:
    """Revoke a key: requests with it are refused from now on."""
    live.store.revoke_key(key_id)
