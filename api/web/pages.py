"""What every page shares: who is signed in, the token each form carries, rendering, and
errors shown as pages.

A page is a thin adapter like an API route: it reads the request, calls use cases of
``service/`` as the signed-in caller, and renders a template. Errors the use cases raise become
pages here, in one place: not signed in → the sign-in explanation, anything else → a page
saying what went wrong with the API's status code (:func:`api.errors.status_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from api.deps import CommunityDep
from api.errors import STORE_UNAVAILABLE, status_of
from models.domain import TermKind
from models.errors import QConnectError, UnauthorisedError
from models.privacy import Caller
from service import (
    analytics,
    connections,
    groups,
    members,
    proposals,
    search,
    sessions,
    suggestions,
    vocabulary,
)
from service.access import rule_of
from service.community import LiveCommunity

__all__ = ["ANSWERED", "BESIDE_THE_FORM", "COOKIE", "STATIC", "VENDOR", "AnswerNotice", "Form",
           "PageRoute", "Signed", "SignedIn", "admitted", "after_answer", "as_bad_input",
           "error_page", "field_errors", "form_refusal", "redirect", "render", "term_names"]

COOKIE = "qconnect_session"
STATIC = Path(__file__).parent / "static"
"""The pages' own script and styles."""
VENDOR = Path(__file__).parent / "vendor"
"""The NHS.UK frontend and Swagger UI files ``scripts/install`` copies from npm."""

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["styled"] = (VENDOR / "nhsuk").is_dir()


@dataclass(frozen=True)
class Signed:
    """The signed-in caller of a page, their session, and the token their forms carry."""

    caller: Caller
    session: str
    name: str | None = None

    @property
    def member(self) -> str:
        assert self.caller.member is not None  # every sign-in link names its member
        return self.caller.member

    @property
    def form_token(self) -> str:
        return sessions.form_token(self.session)

    def may(self, use_case: Callable[..., Any]) -> bool:
        """Whether the use case's own rule admits this caller acting for themself: pages
        offer what the caller may do, and never decide it (the use case checks again)."""
        return self.caller.role in rule_of(use_case).roles

    @property
    def menu(self) -> list[tuple[str, str]]:
        """The pages this caller may use, as (address, label), in the header's order."""
        return [(href, label) for href, label, use_case in MENU if self.may(use_case)]


MENU: tuple[tuple[str, str, Callable[..., Any]], ...] = (
    ("/", "For you", suggestions.suggest),
    ("/find", "Find people", search.find_members),
    ("/interest-groups", "Groups", groups.list_groups),
    ("/my-network", "My network", connections.my_network),
    ("/profile", "My profile", members.update_member),
    ("/my-data", "My data", members.read_consent),
    ("/form-groups", "Form groups", proposals.propose),
    ("/community", "Community", analytics.community_summary),
)
"""Each page of the header with the use case it is for, whose rule says who sees it."""


def _signed_in(request: Request, live: CommunityDep) -> Signed:
    """The session the cookie names, or :class:`UnauthorisedError` (a redirect to sign-in).
    Reads the store, so it runs in the thread pool like API keys' check."""
    session = request.cookies.get(COOKIE)
    if not session:
        raise UnauthorisedError("not signed in")
    caller = sessions.session_caller(live, session)
    signed = Signed(caller, session, sessions.own_name(live, caller))
    request.state.signed = signed
    return signed


SignedIn = Annotated[Signed, Depends(_signed_in)]


async def _form(request: Request, signed: SignedIn) -> dict[str, str]:
    """A posted form whose token matches the session's; otherwise 403, nothing done. No
    page's form repeats a field, so a repeated one is refused rather than one of its values
    silently taken (as the API refuses a repeated query parameter)."""
    form = await request.form()
    fields = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    values = dict(fields)
    if not sessions.valid_form_token(signed.session, values.get("form_token", "")):
        raise _FormRefusedError
    if len(values) < len(fields):
        raise QConnectError("the form sent a field twice; reload the page and try again")
    return values


class _FormRefusedError(Exception):
    """A posted form without the session's token."""


Form = Annotated[dict[str, str], Depends(_form)]
"""The fields of a posted form, checked for the session's token."""


def admitted(use_case: Callable[..., Any]) -> Any:
    """``Depends`` on the signed-in caller whom ``use_case``'s rule admits (acting for
    themself), refusing others with the 403 page before a form is shown that they could not
    send: ``signed: Annotated[Signed, admitted(proposals.propose)]``."""
    rule = rule_of(use_case)

    def checked(signed: SignedIn) -> Signed:
        rule.check(signed.caller, signed.member)
        return signed

    return Depends(checked)


BESIDE_THE_FORM = (400, 404, 409, 429)
"""Refusals a form shows beside its fields (bad input, a name or id it gives that is not known,
a clash with what is stored, heavy work under way): the user can correct the form or send it
again. Others are pages of their own."""


def form_refusal(exc: ValidationError | QConnectError) -> tuple[list[str], int]:
    """What a refused form shows beside its fields, and its status; anything that is not the
    form's fault (not signed in, not allowed, a store outage) is raised again, for
    :class:`PageRoute` to show as a page of its own (an outage without its details)."""
    if isinstance(exc, ValidationError):
        return field_errors(exc), 400
    if (status := status_of(exc)) in BESIDE_THE_FORM:
        return [str(exc)], status
    raise exc


@contextmanager
def as_bad_input() -> Iterator[None]:
    """What a page was sent that the API's schemas refuse is bad input (the 400 page), each
    refused field named."""
    try:
        yield
    except ValidationError as exc:
        raise QConnectError("; ".join(field_errors(exc))) from None


def term_names(live: LiveCommunity, signed: Signed, kind: TermKind) -> list[str]:
    """The community's topic or skill names, offered as a field is typed."""
    return [t.name for t in vocabulary.list_terms(live, signed.caller, kind).data]


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"signed": getattr(request.state, "signed", None), **context},
        status_code=status_code)


ANSWERED = {
    ("member", "accept"): "Noted: you would like to connect, and you will find them under My "
                          "network.",
    ("member", "dismiss"): "Noted: they will not be suggested to you again, nor you to them.",
    ("group", "accept"): "Noted: you are interested in that group, and you will find it under "
                         "My network. To take part, open it and choose Join.",
    ("group", "dismiss"): "Noted: that group will not be suggested to you again."}
"""What an answer to a suggestion did, by what it answered (a person or a group) and how."""


def _answered(done: Literal["accept", "dismiss"] | None = None,
              kind: Literal["member", "group"] = "member") -> str | None:
    return ANSWERED[kind, done] if done else None


AnswerNotice = Annotated[str | None, Depends(_answered)]
"""What the answer just given did, on the page it was given on (see :func:`after_answer`)."""


MAX_BACK = 2000
"""The longest address an answer returns to (a search's fits many times over)."""


def after_answer(back: str | None, done: str, kind: str) -> str:
    """Where a member goes once they have answered a suggestion: back to the page they
    answered on (``back``, an address on this site; anything else is the start page), told
    what the answer did.

    >>> after_answer("/find?q=spc&done=accept&kind=group", "dismiss", "member")
    '/find?q=spc&done=dismiss&kind=member'
    >>> after_answer("https://elsewhere.example/", "accept", "member")
    '/?done=accept&kind=member'
    """
    back = back or "/"
    page = urlsplit(back)
    # A path starting "//" is another site's address once joined again, and browsers read a
    # backslash as a slash.
    if (page.scheme or page.netloc or not page.path.startswith("/")
            or page.path.startswith("//") or "\\" in back or len(back) > MAX_BACK):
        page = urlsplit("/")
    kept = [(k, v) for k, v in parse_qsl(page.query, keep_blank_values=True)
            if k not in ("done", "kind")]
    return urlunsplit(("", "", page.path, urlencode([*kept, ("done", done), ("kind", kind)]),
                       ""))


def redirect(to: str) -> RedirectResponse:
    """After a form: see the result with a GET (the browser's back and reload stay safe)."""
    return RedirectResponse(to, status_code=303)


_PLAIN = {
    "string_too_long": "is longer than {max_length} characters",
    "string_too_short": "is shorter than {min_length} characters",
    "too_long": "has more than {max_length} entries",
    "too_short": "has fewer than {min_length} entries",
    "greater_than_equal": "must be {ge} or more",
    "less_than_equal": "must be {le} or less",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "missing": "is needed",
    "literal_error": "must be {expected}",
}
"""What the usual refusals say on a page, in words for people rather than for programmers
(pydantic's own words for the rest, and the model's own sentences for its rules)."""


def field_errors(exc: ValidationError | RequestValidationError) -> list[str]:
    """One sentence per refused field, for a form's error summary: "interests, entry 5 is
    longer than 200 characters"."""
    found = []
    for error in exc.errors():
        field = " ".join(str(part).replace("_", " ") if isinstance(part, str)
                         else f"entry {part + 1}"
                         for part in error["loc"] if part not in ("body", "query"))
        field = field.replace(" entry", ", entry")
        plain = _PLAIN.get(error["type"])
        if plain and field:
            found.append(f"{field} {plain.format(**error.get('ctx', {}))}")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(f"{field}: {message}" if field else message)
    return found


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status, status=status, message=message)


_HEADERS = {
    # Scripts, styles and images from this service only: nothing is fetched from another site
    # (the NHS.UK stylesheet is built without its web fonts for this), and markup that slipped
    # into a page could not run script even if escaping failed.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'",
    # A sign-in link's token is in its URL: never send it on to another site.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # A signed-in page (a profile, an export) must not be shown again from the browser's cache
    # after signing out on a shared computer.
    "Cache-Control": "no-store",
}


class PageRoute(APIRoute):
    """A route whose errors are pages: the sign-in explanation when no session is valid, 403
    for a form without its token, and otherwise the use case's error with its status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            response = await _shown(request)
            response.headers.update(_HEADERS)
            return response

        async def _shown(request: Request) -> Response:
            try:
                return await handle(request)
            except UnauthorisedError:
                response: Response = redirect("/welcome")
                response.delete_cookie(COOKIE)
                return response
            except _FormRefusedError:
                return error_page(request, 403, "This form has expired or did not come from "
                                   "qconnect. Go back, reload the page and try again.")
            except (RequestValidationError, ValidationError) as exc:
                # A model a page builds from what it was sent refused it: still bad input.
                return error_page(request, 400, "; ".join(field_errors(exc)))
            except QConnectError as exc:
                status = status_of(exc)
                return error_page(request, status,
                                   STORE_UNAVAILABLE if status == 503 else str(exc))

        return page
