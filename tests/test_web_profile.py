"""*My profile* and *My data*: editing a profile, consent, downloading and erasing one's data.

Real-browser tests follow what a member sees (an edit changing the reasons on *For you*, an
erasure ending every way back in); in-process tests cover refusals and bad input.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from graph_schema import open_store
from models import Community, Member
from service import sessions
from tests.browser import Site, accessibility_problems
from tests.conftest import Api

POSTS = ("/profile", "/my-data/consent", "/my-data/erase")


def _members(generated: Community) -> list[Member]:
    """Members who get suggestions, latest ids first (the For you tests take the first)."""
    return [m for m in sorted(generated.members, key=lambda m: m.id, reverse=True)
            if m.visibility == "members" and m.open_to_connect and m.consent.suggestions]


@pytest.fixture
def member(generated: Community, request: pytest.FixtureRequest) -> Member:
    """A different member for each test of the module, so their changes do not meet."""
    tests = [name for name in dir(request.module) if name.startswith("test_")]
    return _members(generated)[tests.index(request.node.originalname)]


def _sign_in(page: Any, site: Site, member: str) -> None:
    page.goto(site.link(member))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")


def _session(page: Any) -> dict[str, Any]:
    return next(c for c in page.context.cookies() if c["name"] == "qconnect_session")


def _helped_skill(generated: Community, member: Member) -> str:
    """A skill someone suggestable holds at level 4 or 5 that ``member`` neither has nor
    wants: adding it to what they want to learn should bring its holders to *Who can help
    me*."""
    own = {s.name for s in member.skills} | set(member.wants_to_learn)
    held = Counter(s.name for m in generated.members for s in m.skills
                   if m.id != member.id and (s.level or 0) >= 4 and m.visibility != "hidden"
                   and m.open_to_connect and m.consent.suggestions and s.name not in own)
    return held.most_common(1)[0][0]


def _helper_reasons(page: Any) -> list[str]:
    return page.locator("#who-can-help ~ [data-member] .qc-reasons li").all_inner_texts()


def test_a_skill_added_to_learn_brings_its_holders_to_who_can_help_me(
        page: Any, site: Site, generated: Community, member: Member) -> None:
    skill = _helped_skill(generated, member)
    learnt = re.compile(rf"level [45] \((advanced|expert)\) in {re.escape(skill)}, which you "
                        "want to learn")
    _sign_in(page, site, member.id)
    page.goto(f"{site.url}/?skill={skill}")
    assert not any(learnt.search(r) for r in _helper_reasons(page))
    page.get_by_role("link", name="My profile").click()
    wanted = page.get_by_label("Skills you want to learn")
    wanted.fill(wanted.input_value() + f"\n{skill}\n")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_url(re.compile(r"/profile\?done=saved"))
    assert "Your profile is saved" in page.inner_text("main")
    assert skill in page.get_by_label("Skills you want to learn").input_value()
    page.get_by_role("link", name="For you").click()
    page.get_by_label("Help with").select_option(skill)
    page.get_by_role("button", name="Show").click()
    assert any(learnt.search(r) for r in _helper_reasons(page))


def test_a_consent_choice_is_kept(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member.id)
    page.get_by_role("link", name="My data").click()
    groups = page.get_by_label("Place me in interest groups")
    assert groups.is_checked()
    groups.uncheck()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url(re.compile(r"/my-data\?done=consent"))
    page.reload()
    assert not page.get_by_label("Place me in interest groups").is_checked()
    assert page.get_by_label("Suggest me to other members").is_checked()
    with open_store(site.location) as store:
        consent = store.get_member(member.id).consent
    assert (consent.suggestions, consent.groups, consent.analytics) == (True, False, True)


def test_erasing_ends_the_session_and_every_unused_link(page: Any, site: Site,
                                                        member: Member) -> None:
    first, second = site.link(member.id), site.link(member.id)
    page.goto(first)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")
    session = _session(page)
    page.get_by_role("link", name="My data").click()
    page.get_by_role("link", name="Erase my account").click()
    listed = page.locator("main li").all_inner_texts()
    assert any(re.fullmatch(r"your 2 sign-in links and sessions, this one included.*", t)
               for t in listed)  # this session and the unused second link
    page.get_by_role("button", name="Erase my account").click()
    page.wait_for_url(re.compile(r"/welcome\?erased=true"))
    assert "Your account has been erased" in page.inner_text("main")
    page.context.add_cookies([session])
    page.goto(f"{site.url}/profile")
    assert page.url.startswith(f"{site.url}/welcome")
    assert page.goto(second).status == 401
    with open_store(site.location) as store:
        assert store.get_members([member.id]) == []


def test_my_pages_are_accessible_and_fit_a_phone(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member.id)
    for path in ("/profile", "/my-data", "/my-data/erase"):
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{site.url}{path}")
        assert accessibility_problems(page) == [], path
        page.set_viewport_size({"width": 320, "height": 640})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


# In-process: refusals, bad input and the download.

def _a_member(api: Api, n: int = 0) -> Member:
    return [m for m in api.live.snapshot.members if m.visibility == "members"][n]


def _token(client: Any) -> str:
    return sessions.form_token(client.cookies["qconnect_session"])


def _stored(api: Api, member: str) -> str:
    """Everything stored about ``member`` but their keys (which signing in adds to)."""
    exported = api.client.get(f"/members/{member}/export",
                              headers=api.headers("admin")).json()
    return json.dumps({k: v for k, v in exported.items() if k != "keys"}, sort_keys=True)


@pytest.mark.parametrize("path", POSTS)
def test_a_form_without_the_sessions_token_is_refused(api: Api, path: str) -> None:
    other = _a_member(api, 1).id
    client = api.sign_in(other)
    stolen = _token(client)  # a real token, of another member's session
    me = _a_member(api).id
    client = api.sign_in(me)
    before = _stored(api, me)
    form = {"bio": "Changed", "visibility": "hidden", "skill_name_0": ""}
    for token in ({}, {"form_token": stolen}, {"form_token": ""}):
        answer = client.post(path, data={**form, **token}, follow_redirects=False)
        assert answer.status_code == 403
        assert "did not come from qconnect" in answer.text
    assert _stored(api, me) == before


@pytest.mark.parametrize("role", ["coordinator", "analyst"])
def test_other_roles_are_refused_a_members_own_pages(api: Api, role: str) -> None:
    me = _a_member(api).id
    client = api.sign_in(me, role)
    for path in ("/profile", "/my-data", "/my-data/erase", "/my-data/export"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "You may not do this" in answer.text
        assert "this is for members or admins" in answer.text
    answer = client.post("/profile", data={"form_token": _token(client), "bio": "Changed"})
    assert answer.status_code == 403
    assert api.live.store.get_member(me).bio != "Changed"


def test_a_profile_is_saved_as_a_whole(api: Api) -> None:
    me = _a_member(api).id
    client = api.sign_in(me)
    form = {"form_token": _token(client), "bio": "  Leading a falls collaborative. ",
            "skill_name_0": "Coaching", "skill_level_0": "4", "skill_name_1": "Run charts",
            "skill_level_1": "", "skill_name_2": " ", "skill_level_2": "5",
            "interests": "Falls prevention\n\n Patient safety \n",
            "wants_to_learn": "Statistical process control", "visibility": "public"}
    answer = client.post("/profile", data=form, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/profile?done=saved")
    stored = api.live.store.get_member(me)
    assert stored.bio == "Leading a falls collaborative."
    assert [(s.name, s.level) for s in stored.skills] == [("Coaching", 4), ("Run charts", None)]
    assert stored.interests == ["Falls prevention", "Patient safety"]
    assert stored.wants_to_learn == ["Statistical process control"]
    assert (stored.visibility, stored.open_to_connect) == ("public", False)  # box unticked
    shown = client.get("/profile?done=saved").text
    assert "Your profile is saved" in shown
    assert shown.count('name="skill_name_') == 2 + 3  # the two skills and three empty rows
    assert re.search(r'<option value="4" selected>4 \(advanced\)</option>', shown)


@pytest.mark.parametrize(("change", "said"), [
    ({"skill_level_0": "7"}, "Skill 1 (Coaching): level must be 5 or less"),
    ({"interests": "Patient safety\n" + "x" * 201},
     "interests, entry 2 is longer than 200 characters"),
    ({"skill_name_1": "Coaching", "skill_level_1": "2"}, "skill 'Coaching' is listed twice"),
    ({"interests": "Patient safety\nPatient safety"}, "'Patient safety' is listed twice"),
    ({"visibility": "everyone"}, "visibility must be 'public', 'members' or 'hidden'"),
])
def test_bad_input_is_shown_with_what_was_typed_and_changes_nothing(
        api: Api, change: dict[str, str], said: str) -> None:
    me = _a_member(api).id
    client = api.sign_in(me)
    before = _stored(api, me)
    form = {"form_token": _token(client), "bio": "A bio <b>typed</b> here",
            "skill_name_0": "Coaching", "skill_level_0": "3", "skill_name_1": "",
            "skill_level_1": "", "interests": "Patient safety", "visibility": "members",
            "open_to_connect": "yes", **change}
    answer = client.post("/profile", data=form, follow_redirects=False)
    assert answer.status_code == 400
    assert "There is a problem" in answer.text
    assert said.replace("'", "&#39;") in answer.text
    assert "A bio &lt;b&gt;typed&lt;/b&gt; here</textarea>" in answer.text  # kept, escaped
    assert 'value="Coaching"' in answer.text
    assert _stored(api, me) == before


def test_my_data_download_is_my_export(api: Api) -> None:
    me = _a_member(api).id
    answer = api.sign_in(me).get("/my-data/export")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == \
        'attachment; filename="qconnect-my-data.json"'
    exported = answer.json()
    assert exported["profile"]["id"] == me
    assert {k["kind"] for k in exported["keys"]} == {"session"}  # the link was used up


def test_the_erase_page_counts_what_goes_and_erasing_signs_out(api: Api) -> None:
    me = max(api.live.snapshot.members, key=lambda m: len(api.live.store.connections(m.id))).id
    client = api.sign_in(me)
    exported = client.get("/my-data/export").json()
    ties, groups = len(exported["connections"]), len(exported["groups"])
    assert ties > 1
    page = client.get("/my-data/erase").text
    assert f"your {ties} connections" in page
    assert (f"your {groups} group membership" if groups else "group memberships (you have "
            "none)") in page
    answer = client.post("/my-data/erase", data={"form_token": _token(client)},
                         follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/welcome?erased=true")
    assert 'qconnect_session=""' in answer.headers["set-cookie"]
    assert me not in {m.id for m in api.live.snapshot.members}
    assert api.live.store.connections(me) == []
