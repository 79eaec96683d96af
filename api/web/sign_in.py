"""Signing in by one-time link, and signing out.

Opening a link shows a page with a button rather than signing in at once: link checkers in
mail systems open links too, and would otherwise use them up. The button's post burns the link
(:func:`service.sessions.sign_in`) and sets the session cookie.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi import Form as Field
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import CommunityDep
from api.web.pages import COOKIE, Form, PageRoute, SignedIn, redirect, render
from models.errors import ForbiddenError, UnauthorisedError
from models.settings import get_settings
from service import keys, sessions

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/welcome", response_class=HTMLResponse)
def welcome(request: Request, signed_out: bool = False, erased: bool = False) -> HTMLResponse:
    """Where anyone without a session lands: how to sign in."""
    return render(request, "welcome.html", signed_out=signed_out, erased=erased)


@router.get("/sign-in/{token}", response_class=HTMLResponse, name="sign_in_page")
def sign_in_page(request: Request, token: str, live: CommunityDep) -> HTMLResponse:
    try:
        keys.find_key(live, token, "link")  # a used or expired link says so before the button
    except UnauthorisedError as exc:
        return _refused(request, exc)
    return render(request, "sign_in.html", token=token, hours=f"{get_settings().session_hours:g}")


@router.post("/sign-in", response_model=None)
def sign_in(request: Request, live: CommunityDep, link: str = Field(max_length=200)
            ) -> HTMLResponse | RedirectResponse:
    # The link's token is the form's proof, but another site could still post its own link
    # and sign the browser in as someone else: only this site's own page may post here.
    if not _from_this_site(request):
        raise ForbiddenError("sign in from qconnect's own sign-in page")
    try:
        session = sessions.sign_in(live, link, ending=request.cookies.get(COOKIE))
    except UnauthorisedError as exc:
        return _refused(request, exc)
    settings = get_settings()
    response = redirect("/")
    response.set_cookie(COOKIE, session, max_age=int(settings.session_hours * 3600),
                        httponly=True, samesite="lax",
                        secure=request.url.scheme == "https"
                        or (settings.public_url or "").startswith("https:"))
    return response


def _from_this_site(request: Request) -> bool:
    """Whether the browser says the post comes from this site. Sec-Fetch-Site is the browser's
    own word and holds behind a proxy; older browsers send only Origin, which must be this
    site's address as it sees it or as members reach it (``QCONNECT_PUBLIC_URL``)."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from in ("same-origin", "none")
    origin = request.headers.get("origin")
    public = urlsplit(get_settings().public_url or "")
    return origin is None or origin in (f"{request.url.scheme}://{request.url.netloc}",
                                        f"{public.scheme}://{public.netloc}")


@router.post("/sign-out")
def sign_out(signed: SignedIn, form: Form, live: CommunityDep) -> RedirectResponse:
    sessions.sign_out(live, signed.session)
    response = redirect("/welcome?signed_out=true")
    response.delete_cookie(COOKIE)
    return response


def _refused(request: Request, exc: UnauthorisedError) -> HTMLResponse:
    message = str(exc)
    return render(request, "welcome.html", status_code=401,
                  errors=[message[:1].upper() + message[1:]])
