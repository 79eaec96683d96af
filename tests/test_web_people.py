"""*Find people*, a person's page and a group's page: in a real browser for the flows members
follow, and in-process for privacy, escaping and refusals."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from api.web import people
from models import Community, Member
from tests.browser import Site, accessibility_problems
from tests.conftest import Api

SKILL = "Statistical process control"


def _shown(html: str) -> list[str]:
    """The people a page shows as cards, in order."""
    return re.findall(r'data-member="([^"]+)"', html)


def _signed_in_member(api: Api, skip: str | None = None) -> tuple[Any, str]:
    """A client signed in as a visible member other than ``skip``, and that member's id."""
    me = next(m.id for m in api.live.snapshot.members
              if m.visibility == "members" and m.id != skip)
    return api.sign_in(me), me


def _fits_a_phone(page: Any) -> bool:
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    return page.evaluate("document.documentElement.scrollWidth") <= 320


# In-process: privacy, escaping, refusals.

def test_find_needs_a_session(api: Api) -> None:
    answer = api.client.get("/find", params={"q": SKILL}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/welcome"


def test_find_shows_the_form_refuses_a_blank_search_and_finds_groups(api: Api) -> None:
    client, _ = _signed_in_member(api)
    empty = client.get("/find")
    assert empty.status_code == 200
    assert 'id="q"' in empty.text and "There is a problem" not in empty.text
    blank = client.get("/find", params={"q": "   "})
    assert blank.status_code == 400
    assert "There is a problem" in blank.text and "nhsuk-input--error" in blank.text
    assert _shown(blank.text) == []
    group = api.live.snapshot.groups[0]
    found = client.get("/find", params={"q": group.name}).text
    assert f'data-group="{group.id}"' in found  # groups working on it, beside the people


def test_a_search_no_profile_bears_out_says_so(api: Api) -> None:
    client, _ = _signed_in_member(api)
    found = client.get("/find", params={"q": SKILL}).text
    assert "found</h2>" in found and "data-unmatched" not in found
    nonsense = client.get("/find", params={"q": "xqzv blorf"}).text
    assert "No one's profile matches these words" in nonsense
    assert "found</h2>" not in nonsense and "data-unmatched" in nonsense


def test_a_hidden_member_is_never_found_nor_shown(api: Api) -> None:
    hidden = next(m for m in api.live.snapshot.members if m.visibility == "hidden" and m.bio)
    client, _ = _signed_in_member(api)
    for looking_for in ("experts", "peers"):
        found = client.get("/find", params={"q": hidden.bio, "looking_for": looking_for})
        assert found.status_code == 200 and _shown(found.text)
        assert hidden.id not in found.text
    assert client.get(f"/people/{hidden.id}").status_code == 404
    for group in api.live.snapshot.groups:
        if hidden.id in group.members:
            assert hidden.id not in client.get(f"/interest-groups/{group.id}").text
    # They still see their own page.
    assert api.sign_in(hidden.id).get(f"/people/{hidden.id}").status_code == 200


def test_a_member_without_consent_to_suggestions_is_not_found(api: Api) -> None:
    someone = next(m for m in api.live.snapshot.members
                   if m.visibility == "members" and m.consent.suggestions and m.bio)
    client, me = _signed_in_member(api, skip=someone.id)
    asked = {"q": someone.bio}
    assert someone.id in _shown(client.get("/find", params=asked).text)
    withdrawn = api.client.put(f"/members/{someone.id}/consent",
                               headers=api.headers("member", someone.id),
                               json={"suggestions": False, "groups": True, "analytics": True})
    assert withdrawn.status_code == 200, withdrawn.text
    client = api.sign_in(me)
    assert someone.id not in _shown(client.get("/find", params=asked).text)
    # Their profile can still be read by whoever has its address: consent is about search.
    assert client.get(f"/people/{someone.id}").status_code == 200


def test_a_bio_is_shown_as_text_and_privacy_settings_are_not(api: Api) -> None:
    someone = next(m for m in api.live.snapshot.members if m.visibility == "members")
    changed = api.client.patch(f"/members/{someone.id}", headers=api.headers("admin"),
                               json={"bio": "<script>alert(1)</script> Safety lead."})
    assert changed.status_code == 200, changed.text
    client, _ = _signed_in_member(api, skip=someone.id)
    page = client.get(f"/people/{someone.id}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "consent" not in page.text.lower() and "open to connect" not in page.text.lower()


def test_the_api_and_the_page_filter_search_alike(api: Api) -> None:
    region = "London"
    params = {"q": SKILL, "region": region}
    client, me = _signed_in_member(api)
    on_page = _shown(client.get("/find", params=params).text)
    answer = api.client.get("/search", params=params, headers=api.headers("member", me))
    assert answer.status_code == 200, answer.text
    hits = answer.json()["data"]
    assert hits and all(h["region"] == region for h in hits)
    assert [h["id"] for h in hits] == on_page
    unfiltered = api.client.get("/search", params={"q": SKILL, "k": 50},
                                headers=api.headers("member", me)).json()["data"]
    assert {h["region"] for h in unfiltered} != {region}  # the filter did narrow


def test_a_members_groups_are_listed_by_the_api_and_on_their_page(api: Api) -> None:
    someone = next(m for m in api.live.snapshot.members
                   if m.visibility == "members"
                   and any(m.id in g.members for g in api.live.snapshot.groups))
    theirs = sorted(g.id for g in api.live.snapshot.groups
                    if someone.id in (*g.members, *g.coordinators))
    listed = api.client.get("/groups", params={"member": someone.id, "limit": 100},
                            headers=api.headers("coordinator"))
    assert [g["id"] for g in listed.json()["data"]] == theirs
    hidden = next(m.id for m in api.live.snapshot.members if m.visibility == "hidden")
    assert api.client.get("/groups", params={"member": hidden},
                          headers=api.headers("coordinator")).status_code == 404
    client, _ = _signed_in_member(api, skip=someone.id)
    page = client.get(f"/people/{someone.id}").text
    assert re.findall(r'data-group="([^"]+)"', page) == theirs


def test_joining_needs_the_forms_token_and_flags_are_not_echoed(api: Api) -> None:
    client, me = _signed_in_member(api)
    group = next(g for g in api.live.snapshot.groups if me not in g.members)
    path = f"/interest-groups/{quote(group.id)}"
    refused = client.post(f"{path}/join", data={"form_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert me not in api.live.group(group.id).members
    assert client.get(path, params={"done": "<b>pwned</b>"}).status_code == 400


def test_an_answer_returns_to_its_page_on_this_site_only(api: Api) -> None:
    client, me = _signed_in_member(api)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/find").text)
    others = iter(m.id for m in api.live.snapshot.members if m.visibility == "members"
                  and m.open_to_connect and m.consent.suggestions and m.id != me)
    for back, returned in (("/find?q=falls&done=dismiss", "/find?q=falls&done=accept"),
                           ("https://elsewhere.example/find", "/?done=accept"),
                           ("//elsewhere.example/find", "/?done=accept"),
                           ("////elsewhere.example/find", "/?done=accept"),
                           ("/find?q=" + "x" * 3000, "/?done=accept"),
                           ("/\\elsewhere.example", "/?done=accept")):
        answered = client.post("/feedback", follow_redirects=False, data={
            "form_token": token.group(1), "target_kind": "member", "target": next(others),
            "action": "accept", "back": back})
        assert answered.status_code == 303, answered.text
        assert answered.headers["location"] == f"{returned}&kind=member"


# In a real browser: the flows members follow.

@pytest.fixture
def member(generated: Community) -> Member:
    """A visible member who is in some groups but not all."""
    return next(m for m in sorted(generated.members, key=lambda m: m.id)
                if m.visibility == "members"
                and sum(m.id in g.members for g in generated.groups) == 1)


def _sign_in(page: Any, site: Site, member: Member) -> None:
    page.goto(site.link(member.id))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")


def _cards(page: Any) -> list[str]:
    return page.locator("[data-member]").evaluate_all("cards => cards.map(c => c.dataset.member)")


def test_searching_a_skill_finds_its_holders_and_a_region_narrows_them(
        page: Any, site: Site, member: Member, generated: Community) -> None:
    people = {m.id: m for m in generated.members}
    _sign_in(page, site, member)
    page.get_by_role("link", name="Find people").click()
    page.get_by_label("What are you looking for?").fill(SKILL)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/find\?q="))
    found = _cards(page)
    assert len(found) == 10
    assert SKILL in {s.name for s in people[found[0]].skills}
    assert page.locator("[data-member]").first.locator(".qc-reasons li").count() >= 1
    page.get_by_text("Narrow by role, region or organisation").click()
    page.get_by_label("Region").select_option("London")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"region=London"))
    narrowed = _cards(page)
    assert narrowed and all(people[m].region == "London" for m in narrowed)
    assert page.get_by_label("What are you looking for?").input_value() == SKILL
    searched = page.url
    chosen = next(m for m in narrowed if m != member.id)
    page.get_by_role("button", name=f"Connect with {people[chosen].name}").click()
    page.wait_for_url(re.compile(r"done=accept"))  # back on the search, told what it did
    assert page.url.startswith(searched) and _cards(page) == narrowed
    assert "you would like to connect" in page.get_by_role("status").inner_text()
    assert accessibility_problems(page) == []
    assert _fits_a_phone(page)


def test_a_persons_page_shows_their_skills(page: Any, site: Site, member: Member,
                                           generated: Community) -> None:
    someone = next(m for m in generated.members if m.visibility != "hidden"
                   and m.id != member.id and len(m.skills) >= 3 and m.bio)
    _sign_in(page, site, member)
    page.goto(f"{site.url}/find?q={quote(someone.bio)}")
    page.locator(f'[data-member="{someone.id}"] a').click()
    assert page.get_by_role("heading", level=1).inner_text() == someone.name
    skills = page.locator("#skills + dl .nhsuk-summary-list__key").all_inner_texts()
    assert [s.strip() for s in skills] == [s.name for s in someone.skills]
    assert page.get_by_role("button", name=re.compile("Connect")).is_visible()
    assert accessibility_problems(page) == []
    assert _fits_a_phone(page)


def test_joining_a_group_lists_you_and_leaving_takes_you_off(
        page: Any, site: Site, member: Member, generated: Community) -> None:
    group = next(g for g in generated.groups if member.id not in (*g.members, *g.coordinators))
    _sign_in(page, site, member)
    page.goto(f"{site.url}/interest-groups/{quote(group.id)}")
    assert page.get_by_role("heading", level=1).inner_text() == group.name
    mine = page.locator(f'#members + ul [data-member="{member.id}"]')
    assert mine.count() == 0
    page.get_by_role("button", name="Join this group").click()
    page.wait_for_url(re.compile(r"done=joined"))
    assert "You have joined this group." in page.inner_text("main")
    assert mine.count() == 1
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Leave this group").click()
    page.wait_for_url(re.compile(r"done=left"))
    assert "You have left this group." in page.inner_text("main")
    assert mine.count() == 0
    assert _fits_a_phone(page)


def test_your_own_page_says_whether_others_can_see_it(api: Api) -> None:
    hidden = next(m.id for m in api.live.snapshot.members if m.visibility == "hidden")
    own = api.sign_in(hidden).get(f"/people/{hidden}")
    assert own.status_code == 200 and "Your profile is hidden" in own.text
    assert "how others see you" not in own.text
    client, me = _signed_in_member(api)
    assert "This is how others see you." in client.get(f"/people/{me}").text


def test_a_coordinator_stays_coordinator_when_joining_and_steps_down_when_leaving(
        api: Api) -> None:
    group = next(g for g in api.live.snapshot.groups if g.coordinators)
    lead = group.coordinators[0]
    client = api.sign_in(lead, role="coordinator")
    page = client.get(f"/interest-groups/{quote(group.id)}")
    assert "You coordinate this group." in page.text and "Join this group" not in page.text
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)[1]
    api.client.put(f"/groups/{group.id}/members/{lead}", headers=api.headers("member", lead))
    assert api.live.group(group.id).coordinators == group.coordinators  # joining changed nothing
    for _ in range(2):  # sent twice, from two tabs say: the second finds it done
        left = client.post(f"/interest-groups/{quote(group.id)}/leave",
                           data={"form_token": token}, follow_redirects=False)
        assert left.status_code == 303, left.text
    after = api.live.group(group.id)
    assert lead not in (*after.members, *after.coordinators)
    assert "Join this group" in client.get(f"/interest-groups/{quote(group.id)}").text


def test_every_group_can_be_browsed_a_page_at_a_time(api: Api, generated: Community,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(people, "GROUPS_A_PAGE", 5)
    client, _ = _signed_in_member(api)
    hidden = {m.id for m in generated.members if m.visibility == "hidden"}
    seen: list[str] = []
    page = 1
    while True:
        answer = client.get(f"/interest-groups?page={page}")
        assert answer.status_code == 200
        found = re.findall(r'data-group="([^"]+)"', answer.text)
        if not found:
            break
        seen += found
        page += 1
    by_id = {g.id: g for g in generated.groups}
    assert sorted(seen) == sorted(by_id) and page - 1 == -(-len(by_id) // 5)  # each once
    first = client.get("/interest-groups").text
    shown_count = int(re.search(r'data-group="[^"]+">.*?(\d+) members?', first, re.S)[1])
    assert shown_count == len([m for m in by_id[seen[0]].members if m not in hidden])
    assert client.get("/interest-groups?page=0").status_code == 400


def test_browsing_groups_leads_to_one(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member)
    page.get_by_role("link", name="Groups", exact=True).click()
    page.wait_for_url(re.compile(r"/interest-groups$"))
    assert accessibility_problems(page) == []
    first = page.locator("[data-group] a").first
    name = first.inner_text()
    first.click()
    assert page.get_by_role("heading", level=1).inner_text() == name
    page.goto(f"{site.url}/interest-groups")
    assert _fits_a_phone(page)
