"""Signing in to the web pages: one-time links, sessions, and the token every form carries.

An admin makes a sign-in link for a member; opening it burns it and starts a session, which the
browser keeps in a cookie. Links and sessions are keys of their own kinds (:mod:`service.keys`),
stored as digests with an expiry, and act for their member in the member's role, so a page
calls the same use cases as the API with the same caller and can never show what the API
would refuse. Erasing a member deletes their links and sessions with their keys.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac

from models import ApiKey, Role
from models.access import LINK_ROLES
from models.api import LONGEST_LINK
from models.errors import NotFoundError, QConnectError, UnauthorisedError
from models.privacy import Caller
from models.settings import get_settings
from service.access import allow
from service.community import LiveCommunity
from service.keys import find_key, new_key

__all__ = ["create_link", "form_token", "own_name", "session_caller", "sign_in",
           "sign_out", "valid_form_token"]

@allow("admin")
def create_link(live: LiveCommunity, caller: Caller, member: str, role: Role = "member",
                lasts: dt.timedelta = dt.timedelta(hours=24)) -> tuple[str, ApiKey]:
    """A one-time sign-in link's token for ``member`` acting as ``role``, valid for
    ``lasts``: the text to hand over once, and the stored record."""
    if role not in LINK_ROLES:
        raise QConnectError(f"sign-in links are for {', '.join(LINK_ROLES)}; an {role} uses "
                            "an API key")
    if not dt.timedelta(0) < lasts <= LONGEST_LINK:
        raise QConnectError(f"a sign-in link lasts a positive time of at most "
                            f"{LONGEST_LINK.days} days")
    text, key = new_key(role, member, kind="link", expires=dt.datetime.now(dt.UTC) + lasts)
    live.store.add_key(key)
    return text, key


def sign_in(live: LiveCommunity, link: str, ending: str | None = None) -> str:
    """Burn the sign-in link ``link`` and start a session for its member: the session's
    token, for the cookie. A link works once: of two opening it at the same moment, the one
    whose burning comes second is refused (:class:`UnauthorisedError`). The browser's session
    before, ``ending``, is ended, so a session is never carried over from someone else; links
    and sessions that have expired are forgotten."""
    key = find_key(live, link, "link")
    try:
        live.store.revoke_key(key.id)
    except NotFoundError:
        raise UnauthorisedError("this sign-in link was used already") from None
    hours = dt.timedelta(hours=get_settings().session_hours)
    text, session = new_key(key.role, key.member, kind="session",
                            expires=dt.datetime.now(dt.UTC) + hours)
    live.store.add_key(session)
    # Tidying after the session is made: a failure here must not cost the member the link.
    if ending:
        with contextlib.suppress(UnauthorisedError, NotFoundError):  # ended meanwhile
            sign_out(live, ending)
    with contextlib.suppress(QConnectError):  # tried again at the next sign-in
        live.store.remove_expired_keys(dt.datetime.now(dt.UTC))
    return text


def session_caller(live: LiveCommunity, session: str) -> Caller:
    """Who the session ``session`` acts for, or :class:`UnauthorisedError` when it is unknown,
    ended or expired."""
    key = find_key(live, session, "session")
    return Caller(key.role, key.member)


def own_name(live: LiveCommunity, caller: Caller) -> str | None:
    """The name of the member a session acts for, to greet them by (their own record, so any
    role may read it)."""
    try:
        return live.member(caller.member).name if caller.member else None
    except NotFoundError:  # made beside this process, which has not read them in yet
        return None


def sign_out(live: LiveCommunity, session: str) -> None:
    """End the session everywhere: its record is deleted, so no process accepts it again."""
    key = find_key(live, session, "session")
    live.store.revoke_key(key.id)


def form_token(session: str) -> str:
    """The token a signed-in page's forms carry. Derived from the session's secret, which only
    the browser's HttpOnly cookie holds, so another site cannot know it (CSRF)."""
    return hmac.new(session.encode(), b"qconnect form", hashlib.sha256).hexdigest()


def valid_form_token(session: str, presented: str) -> bool:
    # As bytes: compare_digest refuses str with characters beyond ASCII, which a forged form
    # may hold.
    return hmac.compare_digest(form_token(session).encode(), presented.encode())
