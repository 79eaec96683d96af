"""*Form groups*: a coordinator proposes groups from a pool, moves people, proposes again
keeping the rest, and saves them; members are refused, forged proposals too."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from typing import Any

import pytest

from api.web.coordinate import Edited, _names_kept
from models import Community, Member
from models.api import Proposal, ProposedGroupIn, ProposedGroupOut
from models.privacy import placeable
from tests.browser import Site, accessibility_problems
from tests.conftest import Api


def _topic(generated: Community) -> str:
    """A topic with enough placeable members for a few groups, and not too many to read."""
    counts = Counter(t for m in generated.members if placeable(m) for t in m.interests)
    return min(sorted(counts), key=lambda t: (abs(counts[t] - 22), t))


@pytest.fixture
def coordinator(generated: Community) -> Member:
    """A visible member who coordinates a group in the generated community and is not
    interested in :func:`_topic` (so is not among those grouped)."""
    leads = {c for g in generated.groups for c in g.coordinators}
    topic = _topic(generated)
    return next(m for m in sorted(generated.members, key=lambda m: m.id)
                if m.id in leads and m.visibility != "hidden" and topic not in m.interests)


def _hidden(generated: Community) -> Member:
    return next(m for m in generated.members if m.visibility == "hidden")


def _token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def _current(page: str) -> dict[str, Any]:
    found = re.search(r'name="current" value="([^"]+)"', page)
    assert found, "the page carries no proposal"
    return json.loads(html.unescape(found.group(1)))


RULES = {"min_size": "4", "max_size": "6", "max_per_organisation": "2"}


# -- in-process: refusals and errors -----------------------------------------------------------

def test_members_are_refused_the_page(api: Api, coordinator: Member) -> None:
    client = api.sign_in(coordinator.id, "member")
    answer = client.get("/form-groups")
    assert answer.status_code == 403
    assert "You may not do this" in answer.text
    token = _token(answer.text)  # the sign-out form's
    posted = client.post("/form-groups/propose", data={"form_token": token, **RULES})
    assert posted.status_code == 403 and "Proposed groups" not in posted.text


def test_posts_without_the_form_token_are_refused(api: Api, coordinator: Member,
                                                  generated: Community) -> None:
    client = api.sign_in(coordinator.id, "coordinator")
    assert client.get("/form-groups").status_code == 200
    for path in ("/form-groups/propose", "/form-groups/save"):
        answer = client.post(path, data={**RULES, "topic": _topic(generated)})
        assert answer.status_code == 403 and "has expired" in answer.text


def test_bad_rules_show_the_error_summary_with_the_input_kept(api: Api, coordinator: Member,
                                                               generated: Community) -> None:
    client = api.sign_in(coordinator.id, "coordinator")
    token = _token(client.get("/form-groups").text)
    topic = _topic(generated)
    answer = client.post("/form-groups/propose", data={
        "form_token": token, "topic": topic, "min_size": "7", "max_size": "3"})
    assert answer.status_code == 400
    assert "There is a problem" in answer.text and "min (7)" in answer.text
    assert f'value="{html.escape(topic)}"' in answer.text and 'value="7"' in answer.text
    typo = client.post("/form-groups/propose", data={"form_token": token, "min_size": "four",
                                                     "max_size": "6"})
    assert typo.status_code == 400 and "min size" in typo.text
    assert "Proposed groups" not in typo.text
    misspelt = client.post("/form-groups/propose", data={
        "form_token": token, "topic": "Falls preventon", "min_size": "5", "max_size": "8"})
    assert misspelt.status_code == 404 and "There is a problem" in misspelt.text
    assert "no topic called &#39;Falls preventon&#39;" in misspelt.text
    assert 'value="Falls preventon"' in misspelt.text and 'value="8"' in misspelt.text


def test_a_proposal_naming_someone_hidden_is_taken_up_without_them(
        api: Api, coordinator: Member, generated: Community) -> None:
    """Someone on screen who hides their profile before Save or Propose again (or a hidden
    member forged into the page) is left out as if never there; the rest is kept."""
    client = api.sign_in(coordinator.id, "coordinator")
    token = _token(client.get("/form-groups").text)
    proposed = client.post("/form-groups/propose",
                           data={"form_token": token, "topic": _topic(generated), **RULES})
    assert proposed.status_code == 200, proposed.text
    current = _current(proposed.text)
    forged = _hidden(generated).id
    current["groups"][0]["members"].append(forged)
    hiding = current["groups"][1]["members"][0]
    hid = api.client.patch(f"/members/{hiding}", headers=api.headers("member", hiding),
                           json={"visibility": "hidden"})
    assert hid.status_code == 200, hid.text
    again = client.post("/form-groups/propose", data={
        "form_token": token, "current": json.dumps(current), "label-2": "Third circle"})
    assert again.status_code == 200, again.text[:300]
    assert forged not in again.text and hiding not in again.text
    assert "Third circle" in again.text
    saved = client.post("/form-groups/save", follow_redirects=False, data={
        "form_token": token, "current": json.dumps(current)})
    assert saved.status_code == 303, saved.text[:300]
    made = [api.live.store.get_group(g) for g in
            saved.headers["location"].split("groups=")[1].split("%2C")]
    assert [g.members for g in made] == [[m for m in g["members"] if m not in {forged, hiding}]
                                         for g in current["groups"]]
    before = len(api.live.store.groups())
    garbled = client.post("/form-groups/save", data={"form_token": token, "current": "{]"})
    assert garbled.status_code == 400
    twice = _current(proposed.text)
    twice["groups"][1]["members"].append(twice["groups"][0]["members"][0])
    for path in ("/form-groups/save", "/form-groups/propose"):
        answer = client.post(path, data={"form_token": token, "current": json.dumps(twice)})
        assert answer.status_code == 400 and "in the proposal twice" in answer.text
    assert len(api.live.store.groups()) == before


def test_leaving_someone_out_and_saving_with_the_coordinator_in_a_group(
        api: Api, coordinator: Member, generated: Community) -> None:
    client = api.sign_in(coordinator.id, "coordinator")
    token = _token(client.get("/form-groups").text)
    proposed = client.post("/form-groups/propose",
                           data={"form_token": token, "topic": _topic(generated), **RULES})
    current = _current(proposed.text)
    left = current["groups"][1]["members"][0]
    again = client.post("/form-groups/propose", data={
        "form_token": token, "current": json.dumps(current), f"move-{left}": "0"})
    assert again.status_code == 200, again.text
    current = _current(again.text)
    assert all(left not in g["members"] for g in current["groups"])
    assert re.search(rf'data-unplaced="{left}">[^<]*: left out of the groups', again.text)
    placed, moved = current["groups"][0]["members"][:2]
    for number in ("99", "²", "-1"):
        for action in ("propose", "save"):
            wrong = client.post(f"/form-groups/{action}", data={
                "form_token": token, "current": json.dumps(current), f"move-{placed}": number,
                f"move-{moved}": "2", f"keep-{moved}": "yes", "label-0": "Our first circle"})
            assert wrong.status_code == 400 and "group numbers run from 1 to" in wrong.text
            shown = _current(wrong.text)  # the proposal stays, the name typed with it
            assert [g["members"] for g in shown["groups"]] == \
                [g["members"] for g in current["groups"]]
            assert shown["groups"][0]["label"] == "Our first circle"
            # and every move as typed, the one refused to correct and the others kept
            assert f'name="move-{placed}" type="text" inputmode="numeric" pattern="[0-9]*" ' \
                f'value="{html.escape(number)}"' in wrong.text
            assert f'name="move-{moved}" type="text" inputmode="numeric" pattern="[0-9]*" ' \
                'value="2"' in wrong.text
            assert re.search(rf'name="keep-{moved}" type="checkbox" value="yes" checked',
                             wrong.text)

    current["groups"][0]["members"].append(coordinator.id)  # the coordinator may see themself
    before = len(api.live.store.groups())
    refused = client.post("/form-groups/save",
                          data={"form_token": token, "current": json.dumps(current)})
    assert refused.status_code == 409 and "There is a problem" in refused.text
    assert "group 1: the coordinator" in refused.text  # numbered as on screen
    assert "Proposed groups" in refused.text and f"{coordinator.name} (you)" in refused.text
    assert len(api.live.store.groups()) == before
    kept = _current(refused.text)  # the proposal stays on screen, as edited
    assert coordinator.id in kept["groups"][0]["members"]
    saved = client.post("/form-groups/save", follow_redirects=False, data={
        "form_token": token, "current": json.dumps(kept), f"move-{coordinator.id}": "0",
        "label-0": "   "})
    assert saved.status_code == 303, saved.text
    made = [api.live.store.get_group(g) for g in
            saved.headers["location"].split("groups=")[1].split("%2C")]
    assert len(made) == len(current["groups"])
    assert made[0].name == "Group 1"  # a name of spaces only names nothing
    assert all(g.coordinators == [coordinator.id] and coordinator.id not in g.members
               and left not in g.members for g in made)


def test_names_given_to_groups_are_kept_when_proposing_again(
        api: Api, coordinator: Member, generated: Community) -> None:
    client = api.sign_in(coordinator.id, "coordinator")
    token = _token(client.get("/form-groups").text)
    current = _current(client.post("/form-groups/propose", data={
        "form_token": token, "topic": _topic(generated), **RULES}).text)
    first, moved = current["groups"][0]["members"], current["groups"][1]["members"][0]
    for answer in range(2):  # named now, then carried without being typed again
        again = client.post("/form-groups/propose", data={
            "form_token": token, "current": json.dumps(current), f"move-{moved}": "1",
            **({} if answer else {"label-0": "Our first circle"})})
        assert again.status_code == 200, again.text
        current = _current(again.text)
        labels = [g["label"] for g in current["groups"]]
        holder = max(range(len(labels)),
                     key=lambda n: len(set(first) & set(current["groups"][n]["members"])))
        assert labels[holder] == "Our first circle" and labels.count("Our first circle") == 1
        assert current["named"] == [holder]
        first = current["groups"][holder]["members"]
    refused = client.post("/form-groups/propose", data={
        "form_token": token, "current": json.dumps(current), "label-0": "Line one\x07"})
    assert refused.status_code == 400 and "name of group 1" in refused.text
    assert [g["label"] for g in _current(refused.text)["groups"]] == labels  # as they were


def test_each_name_goes_to_the_new_group_sharing_most_with_its_old_one() -> None:
    def proposed(*groups: str) -> Proposal:
        return Proposal(groups=[ProposedGroupOut(
            members=list(g), label=f"Group {n + 1}", topics=[], coherence=0.0, organisations={},
            roles={}, regions={}, already_connected_pairs=0) for n, g in enumerate(groups)],
            unassigned=[])

    edited = Edited([ProposedGroupIn(members=list("abcdef"), label="Alpha"),
                     ProposedGroupIn(members=list("ghijkl"), label="Beta")], [], {}, {0, 1})
    new = proposed("abcghijkl", "def")
    assert _names_kept(new, edited) == {0, 1}
    assert [g.label for g in new.groups] == ["Beta", "Alpha"]


# -- in a real browser: the whole flow ----------------------------------------------------------

def _sign_in(page: Any, site: Site, member: Member) -> None:
    page.goto(site.link(member.id, "coordinator"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/form-groups")


def _groups_on_screen(page: Any) -> list[list[str]]:
    return page.locator("[data-proposed-group]").evaluate_all(
        "cards => cards.map(c => [...c.querySelectorAll('[data-member]')]"
        ".map(li => li.dataset.member))")


def test_coordinator_proposes_moves_proposes_again_and_saves(
        page: Any, site: Site, coordinator: Member, generated: Community) -> None:
    names = {m.id: m.name for m in generated.members}
    _sign_in(page, site, coordinator)
    page.get_by_label("Interested in the topic").fill(_topic(generated))
    page.get_by_label("Most people from one organisation").fill("2")
    page.get_by_role("button", name="Propose groups").click()
    page.wait_for_selector("#proposed-groups")
    first = _groups_on_screen(page)
    assert len(first) >= 3
    cards = page.locator("[data-proposed-group]")
    card = cards.first
    assert names[first[0][0]] in card.inner_text()
    assert card.locator("[data-coherence]").inner_text().strip()[0].isdigit()
    assert "Organisations" in card.inner_text() and "Roles" in card.inner_text()

    moved = first[0][0]
    page.get_by_label(f"Group for {names[moved]}").fill("2")
    kept = first[2]
    for member in kept:
        page.get_by_label(f"Keep here: {names[member]}").check()
    page.get_by_role("button", name="Propose again keeping the rest").click()
    page.wait_for_selector("#proposed-groups")
    again = _groups_on_screen(page)
    assert moved in again[1] and moved not in again[0]
    assert set(kept) <= set(again[2])
    assert page.get_by_label(f"Keep here: {names[moved]}").is_checked()

    page.get_by_label("Name of group 1").fill("Our first circle")
    page.get_by_role("button", name="Save these groups").click()
    page.wait_for_url(re.compile(r"/form-groups/saved\?"))
    assert "groups saved" in page.get_by_role("heading", level=1).inner_text()
    links = page.locator("[data-group] a")
    assert links.count() == len(again)
    assert links.first.inner_text() == "Our first circle"
    assert links.first.get_attribute("href").startswith("/interest-groups/proposal-")
    saved = [page.locator("[data-group]").nth(n).get_attribute("data-group")
             for n in range(len(again))]
    from graph_schema import open_store

    with open_store(site.location) as store:
        stored = {g.id: g for g in store.groups()}
    for key, members in zip(saved, again, strict=True):
        assert stored[key].coordinators == [coordinator.id]
        assert sorted(stored[key].members) == sorted(members)


def test_form_and_proposal_are_accessible_and_fit_a_phone(
        page: Any, site: Site, coordinator: Member, generated: Community) -> None:
    _sign_in(page, site, coordinator)
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_label("Interested in the topic").fill(_topic(generated))
    page.get_by_role("button", name="Propose groups").click()
    page.wait_for_selector("#proposed-groups")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1024, "height": 768})
    assert accessibility_problems(page) == []
