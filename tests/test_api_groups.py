"""Group writes keep the privacy rules: consent to group placement covers every role in a
group, an edit never drops the members its author could not see, and naming a hidden member
gets the same answer whether or not they are in the group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli import app
from models.privacy import NOT_PLACEABLE, placeable
from tests.conftest import Api


def _someone(api: Api, **wanted: object) -> str:
    return next(m.id for m in api.live.snapshot.members
                if all(getattr(m, k) == v for k, v in wanted.items()))


def _withdraw_groups_consent(api: Api, member: str) -> None:
    response = api.client.put(f"/members/{member}/consent", headers=api.headers("member", member),
                              json={"suggestions": True, "groups": False, "analytics": True})
    assert response.status_code == 200


def test_a_coordinator_cannot_tell_which_setting_keeps_a_member_out_of_groups(
        api: Api) -> None:
    """Closed to connecting, or withholding consent to groups: both keep a member out of
    groups others form, and both are refused alike, so a coordinator learns neither setting."""
    group = api.live.snapshot.groups[0].id
    closed, withholding = [m.id for m in api.live.snapshot.members
                           if m.visibility == "members" and m.open_to_connect
                           and m.consent.groups and m.id not in api.live.group(group).members][:2]
    api.client.patch(f"/members/{closed}", headers=api.headers("member", closed),
                     json={"open_to_connect": False}).raise_for_status()
    _withdraw_groups_consent(api, withholding)
    coordinator = api.headers("coordinator")
    answers = [api.client.put(f"/groups/{group}/members/{m}", headers=coordinator)
               for m in (closed, withholding)]
    assert [a.status_code for a in answers] == [409, 409]
    assert [a.json()["detail"] for a in answers] == [f"{m} {NOT_PLACEABLE}"
                                                     for m in (closed, withholding)]
    joined = api.client.put(f"/groups/{group}/members/{closed}",
                            headers=api.headers("member", closed))
    assert joined.status_code == 200  # joining by themself needs neither


def test_coordinator_slots_need_consent_on_every_route(api_on_each_store: Api,
                                                       tmp_path: Path) -> None:
    api = api_on_each_store
    refusing = _someone(api, visibility="members")
    _withdraw_groups_consent(api, refusing)
    coordinator = api.headers("coordinator")
    made = api.client.post("/groups", headers=coordinator, json={
        "id": "g-new", "name": "New", "members": [], "coordinators": [refusing]})
    assert made.status_code == 409 and NOT_PLACEABLE in made.json()["detail"]
    group = api.client.get(f"/groups/{api.live.snapshot.groups[0].id}", headers=coordinator).json()
    replaced = api.client.put(f"/groups/{group['id']}", headers=coordinator,
                              json={**group, "coordinators": [refusing]})
    assert replaced.status_code == 409
    saved = api.client.post("/groups/proposals/save", headers=coordinator, json={
        "groups": [{"members": [_someone(api, open_to_connect=True)]}],
        "coordinator": refusing})
    assert saved.status_code == 409
    assert "g-new" not in {g.id for g in api.live.store.groups()}
    proposal = tmp_path / "proposal.json"
    proposal.write_text(json.dumps({"groups": [{"members": [group["members"][0]]}]}))
    refused = CliRunner().invoke(app, ["groups", "save", str(proposal), "--coordinator",
                                       refusing, "--store", api.location])
    assert refused.exit_code == 1 and NOT_PLACEABLE in refused.stderr


def test_an_edit_keeps_the_members_its_author_cannot_see(api_on_each_store: Api) -> None:
    api = api_on_each_store
    coordinator = api.headers("coordinator")
    group = api.live.snapshot.groups[0]
    hidden = _someone(api, visibility="hidden")
    admin = api.headers("admin")
    assert api.client.put(f"/groups/{group.id}/members/{hidden}",
                          headers=api.headers("member", hidden)).status_code == 200
    shown = api.client.get(f"/groups/{group.id}", headers=coordinator).json()
    assert hidden not in shown["members"]
    edited = api.client.put(f"/groups/{group.id}", headers=coordinator,
                            json={**shown, "description": "Now meeting monthly."})
    assert edited.status_code == 200
    stored = api.live.store.get_group(group.id)
    assert hidden in stored.members and stored.description == "Now meeting monthly."
    assert hidden in api.client.get(f"/groups/{group.id}", headers=admin).json()["members"]


def test_naming_a_hidden_member_says_nothing_of_their_membership(api_on_each_store: Api) -> None:
    api = api_on_each_store
    coordinator = api.headers("coordinator")
    first, second = api.live.snapshot.groups[:2]
    hidden = _someone(api, visibility="hidden")
    assert api.client.put(f"/groups/{first.id}/members/{hidden}",
                          headers=api.headers("member", hidden)).status_code == 200
    answers = []
    for group in (first, second):  # in the first group already, not in the second
        shown = api.client.get(f"/groups/{group.id}", headers=coordinator).json()
        response = api.client.put(f"/groups/{group.id}", headers=coordinator,
                                  json={**shown, "members": [*shown["members"], hidden]})
        answers.append((response.status_code, response.json()["detail"].replace(group.id, "")))
    assert answers[0] == answers[1] and answers[0][0] == 404


def test_a_proposal_prefix_leaves_room_for_the_group_numbers(api: Api) -> None:
    coordinator, *members = [m.id for m in api.live.snapshot.members if placeable(m)][:3]

    def save(prefix: str) -> Any:
        return api.client.post("/groups/proposals/save", headers=api.headers("admin"), json={
            "groups": [{"members": members}], "coordinator": coordinator, "prefix": prefix})

    long = save("p" * 124)
    assert long.status_code == 422 and long.json()["detail"][0]["loc"] == ["body", "prefix"]
    made = save("p" * 123)
    assert made.status_code == 201, made.text
    assert made.json()[0]["id"] == "p" * 123 + "-1"


def test_keeping_together_takes_two_or_more(api: Api) -> None:
    one = next(m.id for m in api.live.snapshot.members if placeable(m))
    answer = api.client.post("/groups/proposals", headers=api.headers("coordinator"), json={
        "min_size": 4, "max_size": 6, "together": [[one]]})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == [
        "body", "together", 0]
    refused = CliRunner().invoke(app, ["groups", "propose", "--min-size", "4", "--max-size", "6",
                                       "--together", one, "--store", api.location])
    assert refused.exit_code == 1 and "together" in refused.stderr


def test_a_coordinator_is_never_proposed_into_the_groups_they_will_coordinate(api: Api) -> None:
    """A coordinator saves groups for themself, so they are left out of their own pool (and
    told why when they name themself in it), not placed in a group that Save then refuses."""
    placed = [m.id for m in api.live.snapshot.members if placeable(m)]
    me, pool = placed[0], placed[:12]
    for request in ({}, {"pool": pool}):
        answer = api.client.post("/groups/proposals", headers=api.headers("coordinator", me),
                                 json={"min_size": 3, "max_size": 4, **request})
        assert answer.status_code == 200, answer.text
        proposal = answer.json()
        assert all(me not in g["members"] for g in proposal["groups"])
        left_out = {u["id"]: u["reason"] for u in proposal["unassigned"]}
        assert left_out.get(me) == ("coordinates these groups" if request else None)
        saved = api.client.post("/groups/proposals/save", headers=api.headers("coordinator", me),
                                json={"groups": [{"members": g["members"]}
                                                 for g in proposal["groups"]][:1],
                                      "prefix": f"mine-{len(request)}"})
        assert saved.status_code == 201, saved.text
    admin = api.client.post("/groups/proposals", headers=api.headers("admin", me),
                            json={"min_size": 3, "max_size": 4, "pool": pool})
    assert any(me in g["members"] for g in admin.json()["groups"])  # an admin names one later
