"""A member's own pages: *My profile* and *My data* (consent, download, erasure).

Every page acts for the signed-in member: no URL names a member, so there is no one else's
profile or data to open. Whether the caller's role may do it at all is the use cases' rule
(``@allow`` in :mod:`service.members`): a coordinator or analyst gets its 403 page.

The skills editor is a fixed set of rows (the member's skills and three empty ones), each a
name and a level, so it works without JavaScript; saving gives three empty rows again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import CommunityDep
from api.web.pages import (
    COOKIE,
    Form,
    PageRoute,
    Signed,
    SignedIn,
    admitted,
    field_errors,
    form_refusal,
    redirect,
    render,
    term_names,
)
from models import SkillLevel
from models.api import ConsentChoices, MemberExport, MemberPublic, MemberUpdate
from models.errors import QConnectError
from service import members

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SPARE_ROWS = 3
SAVED = "Your profile is saved. Suggestions and searches use it from now on."
CONSENT_SAVED = ("Your choices are saved. They apply from the next suggestion, search or group "
                 "proposal.")
EXPORT_NAME = "qconnect-my-data.json"

VISIBILITY = {
    "members": ("Community members",
                "People signed in to qconnect can see your profile. This is the usual choice."),
    "public": ("Public",
               "You are happy for anyone to see your profile. qconnect shows profiles only to "
               "people who are signed in, so today this works like 'Community members'."),
    "hidden": ("Hidden",
               "Only you and the service's administrators can see your profile. You are not "
               "suggested to anyone, found in searches, placed in groups, counted in analytics "
               "or named to other members."),
}
PURPOSES = {
    "suggestions": ("Suggest me to other members",
                    "You can appear in other members' suggestions ('People like you', 'Who can "
                    "help me') and in search results."),
    "groups": ("Place me in interest groups",
               "Coordinators, and the group proposals qconnect makes for them, may put you in "
               "an interest group or learning set. You can still join a group yourself."),
    "analytics": ("Count me in community analytics",
                  "You are counted in the summaries analysts see. Analysts never see your name "
                  "or profile, only figures about the whole community."),
}


@dataclass
class _Entered:
    """The profile form's fields as text, from the stored profile or as the member typed them,
    so a refused form comes back as it was sent."""

    bio: str = ""
    interests: str = ""
    wants_to_learn: str = ""
    skills: list[tuple[str, str]] = field(default_factory=list)
    open_to_connect: bool = True
    visibility: str = "members"

    @classmethod
    def of(cls, me: MemberPublic) -> _Entered:
        return cls(bio=me.bio or "", interests="\n".join(me.interests),
                   wants_to_learn="\n".join(me.wants_to_learn),
                   skills=[(s.name, str(s.level or "")) for s in me.skills]
                   + [("", "")] * SPARE_ROWS,
                   open_to_connect=bool(me.open_to_connect),
                   visibility=me.visibility or "members")

    @classmethod
    def posted(cls, form: dict[str, str]) -> _Entered:
        rows, row = [], 0
        while f"skill_name_{row}" in form:
            rows.append((form[f"skill_name_{row}"], form.get(f"skill_level_{row}", "")))
            row += 1
        return cls(bio=form.get("bio", ""), interests=form.get("interests", ""),
                   wants_to_learn=form.get("wants_to_learn", ""), skills=rows,
                   open_to_connect="open_to_connect" in form,
                   visibility=form.get("visibility", ""))

    def change(self) -> MemberUpdate:
        """The update these fields ask for; :class:`ValidationError` for what cannot be."""
        skills, errors = [], []
        for number, (name, level) in enumerate(self.skills, 1):
            if not name.strip():  # an empty row, or a skill whose name was cleared to remove it
                continue
            try:
                skills.append(SkillLevel(name=name, level=level or None))
            except ValidationError as exc:
                errors += [f"Skill {number} ({name.strip()}): {e}" for e in field_errors(exc)]
        if errors:
            raise QConnectError("; ".join(errors))
        return MemberUpdate(bio=self.bio.strip() or None, skills=skills,
                            interests=_lines(self.interests),
                            wants_to_learn=_lines(self.wants_to_learn),
                            open_to_connect=self.open_to_connect,
                            visibility=self.visibility)  # type: ignore[arg-type]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# Coordinators may read profiles, so reading alone would not refuse them the form.
Editing = Annotated[Signed, admitted(members.update_member)]


def _profile_page(request: Request, live: CommunityDep, signed: Signed, me: MemberPublic,
                  entered: _Entered, status_code: int = 200, **context: object) -> HTMLResponse:
    return render(request, "profile.html", status_code=status_code, me=me, entered=entered,
                  levels=members.SKILL_LEVELS, visibility=VISIBILITY,
                  skill_names=term_names(live, signed, "skill"),
                  topic_names=term_names(live, signed, "topic"),
                  **context)


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, signed: Editing, live: CommunityDep,
            done: Literal["saved"] | None = None) -> HTMLResponse:
    """The member's profile as a form, filled in with what is stored."""
    me = members.read_member(live, signed.caller, signed.member)
    return _profile_page(request, live, signed, me, _Entered.of(me),
                         notice=SAVED if done else None)


@router.post("/profile", response_model=None)
def save_profile(request: Request, signed: Editing, form: Form, live: CommunityDep
                 ) -> HTMLResponse | RedirectResponse:
    """Save the whole form at once; a refused form is shown again as sent, nothing saved."""
    entered = _Entered.posted(form)
    try:
        members.update_member(live, signed.caller, signed.member, entered.change())
    except (ValidationError, QConnectError) as exc:
        errors, status = form_refusal(exc)
    else:
        return redirect("/profile?done=saved")
    me = members.read_member(live, signed.caller, signed.member)
    return _profile_page(request, live, signed, me, entered, status_code=status, errors=errors)


@router.get("/my-data", response_class=HTMLResponse)
def my_data(request: Request, signed: SignedIn, live: CommunityDep,
            done: Literal["consent"] | None = None) -> HTMLResponse:
    """Consent per purpose, and the ways to download or erase everything."""
    consent = members.read_consent(live, signed.caller, signed.member)
    return render(request, "my_data.html", consent=consent, purposes=PURPOSES,
                  notice=CONSENT_SAVED if done else None)


@router.post("/my-data/consent")
def save_consent(signed: SignedIn, form: Form, live: CommunityDep) -> RedirectResponse:
    """Every purpose is stated: a box left unticked withdraws consent for it."""
    choices = ConsentChoices(**{purpose: purpose in form for purpose in PURPOSES})
    members.update_consent(live, signed.caller, signed.member, choices)
    return redirect("/my-data?done=consent")


@router.get("/my-data/export")
def export(signed: SignedIn, live: CommunityDep) -> Response:
    """The member's export, as a file to keep."""
    data = members.export_member(live, signed.caller, signed.member)
    return Response(data.model_dump_json(indent=2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{EXPORT_NAME}"'})


@router.get("/my-data/erase", response_class=HTMLResponse)
def confirm_erase(request: Request, signed: SignedIn, live: CommunityDep) -> HTMLResponse:
    """What erasure deletes, counted from the member's own export."""
    data = members.export_member(live, signed.caller, signed.member)
    return render(request, "erase.html", erased=_what_is_erased(data))


@router.post("/my-data/erase")
def erase(signed: SignedIn, form: Form, live: CommunityDep) -> RedirectResponse:
    """Erase the member; their session goes with their keys, so the cookie is dropped too."""
    members.erase_member(live, signed.caller, signed.member)
    response = redirect("/welcome?erased=true")
    response.delete_cookie(COOKIE)
    return response


def _counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` things in words: "no skills", "1 skill", "12 skills"."""
    return f"{n or 'no'} {one if n == 1 else many or one + 's'}"


def _yours(n: int, one: str, many: str | None = None) -> str:
    """The member's ``n`` things: "your 12 connections", or "connections (you have none)"."""
    return f"your {_counted(n, one, many)}" if n else f"{many or one + 's'} (you have none)"


def _what_is_erased(data: MemberExport) -> list[str]:
    profile = data.profile
    kinds = [key["kind"] for key in data.keys]
    sign_ins = sum(kind != "api" for kind in kinds)
    return [
        f"your profile: your bio, {_counted(len(profile.get('skills', [])), 'skill')}, "
        f"{_counted(len(profile.get('interests', [])), 'interest')} and "
        f"{_counted(len(profile.get('wants_to_learn', [])), 'skill')} you want to learn",
        _yours(len(data.connections), "connection"),
        _yours(len(data.groups), "group membership"),
        _yours(len(data.feedback), "answer to suggestions", "answers to suggestions")
        + " (Connect, Interested, Not for me)",
        "other members' answers to suggestions of you",
        _yours(sign_ins, "sign-in link or session", "sign-in links and sessions")
        + ", this one included: you will be signed out",
        _yours(len(kinds) - sign_ins, "API key"),
    ]
