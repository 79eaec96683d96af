"""The HTTP API's resources: members, groups, proposals, suggestions, search and bad input."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph_schema import open_store
from graph_schema.embedded import EmbeddedStore
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.refresh import embed_store
from models import Community, Member
from models.errors import StoreUnavailableError
from models.privacy import NOT_PLACEABLE, placeable
from models.settings import get_settings
from service.logs import JsonFormatter
from tests.conftest import Api, serving, stored_copy

NEW = {"id": "m-new", "name": "Ayesha Khan", "role": "Improvement adviser",
       "organisation": "Selham NHS Trust", "region": "London",
       "bio": "I help ward teams reduce falls with small tests of change.",
       "interests": ["Falls prevention"], "skills": [{"name": "Coaching", "level": 4}]}


def _open(api: Api, hidden: bool = False) -> Member:
    return next(m for m in api.live.snapshot.members if m.open_to_connect
                and (m.visibility == "hidden") == hidden and m.consent.suggestions)


def test_create_read_update_and_list_members(api_on_each_store: Api) -> None:
    api = api_on_each_store
    admin = api.headers("admin")
    created = api.client.post("/members", json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    assert api.client.post("/members", json=NEW, headers=admin).status_code == 409
    mine = api.headers("member", "m-new")
    changed = api.client.patch("/members/m-new", json={"bio": "Now leading falls work."},
                               headers=mine)
    assert changed.status_code == 200
    assert changed.json()["bio"] == "Now leading falls work."
    assert changed.json()["interests"] == ["Falls prevention"]  # fields left out are kept
    stored = api.live.store.get_member("m-new")
    assert stored.bio == "Now leading falls work." and stored.skills[0].level == 4
    seen_by_other = api.client.get("/members/m-new", headers=api.headers("coordinator")).json()
    assert seen_by_other["visibility"] is None and seen_by_other["consent"] is None
    assert api.client.get("/members/m-new", headers=mine).json()["consent"]["analytics"]
    page = api.client.get("/members", params={"limit": 5, "offset": 5, "region": "London"},
                          headers=admin).json()
    london = sorted(m.id for m in api.live.snapshot.members if m.region == "London")
    assert page["count"] == len(london)
    assert [m["id"] for m in page["data"]] == london[5:10]


def test_bad_input_names_the_field_and_changes_nothing(api: Api) -> None:
    admin = api.headers("admin")
    before = api.live.store.stats()
    for body, field in (({**NEW, "visibility": "everyone"}, "visibility"),
                        ({**NEW, "skills": [{"name": "Coaching", "level": 9}]}, "level"),
                        ({**NEW, "favourite": "tea"}, "favourite"),
                        ({**NEW, "id": ""}, "id")):
        response = api.client.post("/members", json=body, headers=admin)
        assert response.status_code == 422
        assert field in json.dumps(response.json()["detail"])
    response = api.client.get("/members", params={"limit": 1000}, headers=admin)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "query", "limit"]
    member = _open(api).id
    response = api.client.patch(f"/members/{member}", json={"skills": None}, headers=admin)
    assert response.status_code == 422 and "skills" in response.text
    assert api.client.get("/members/nobody", headers=admin).status_code == 404
    response = api.client.delete(f"/members/{member}", headers=admin)
    assert response.status_code == 400 and "erase=true" in response.json()["detail"]
    for loose in ("1", "yes", "on", "True"):  # an erasure is confirmed in so many words
        answer = api.client.delete(f"/members/{member}?erase={loose}", headers=admin)
        assert answer.status_code == 422, (loose, answer.text)
    assert api.client.get(f"/members/{member}", headers=admin).status_code == 200
    big = {**NEW, "bio": "x" * 6000}
    assert api.client.post("/members", json=big, headers=admin).status_code == 422
    huge = {**NEW, "interests": ["x" * 100] * 30_000}  # 3 MB
    assert api.client.post("/members", json=huge, headers=admin).status_code == 413
    assert api.live.store.stats() == before


def test_hidden_members_are_seen_by_themselves_and_admins_only(api: Api) -> None:
    hidden = _open(api, hidden=True).id
    other = api.headers("member", _open(api).id)
    assert api.client.get(f"/members/{hidden}", headers=other).status_code == 404
    assert api.client.get(f"/members/{hidden}/connections", headers=other).status_code == 404
    listed = api.client.get("/members", params={"limit": 100}, headers=other).json()
    assert listed["count"] == sum(m.visibility != "hidden" for m in api.live.snapshot.members)
    assert api.client.get(f"/members/{hidden}",
                          headers=api.headers("member", hidden)).status_code == 200
    assert api.client.get(f"/members/{hidden}", headers=api.headers("admin")).status_code == 200
    for group in api.client.get("/groups", params={"limit": 100}, headers=other).json()["data"]:
        assert hidden not in group["members"] + group["coordinators"]


def test_a_name_only_hidden_members_use_is_listed_to_them_and_admins_only(api: Api) -> None:
    hidden, visible = _open(api, hidden=True).id, _open(api).id
    admin, other = api.headers("admin"), api.headers("member", visible)
    theirs = {"skill": {"Quillfeather huddles", "Ward 7Q charts"}, "topic": {"Ward 7Q escalation"}}
    made = api.client.patch(f"/members/{hidden}", headers=admin, json={
        "skills": [{"name": "Quillfeather huddles", "level": 3}],
        "wants_to_learn": ["Ward 7Q charts"], "interests": ["Ward 7Q escalation"]})
    assert made.status_code == 200, made.text

    def listed(kind: str, headers: dict[str, str]) -> list[str]:
        return [t["name"] for t in api.client.get(f"/{kind}s", headers=headers).json()["data"]]

    for kind, names in theirs.items():
        assert names.isdisjoint(listed(kind, other))
        assert names <= set(listed(kind, api.headers("member", hidden)))
        assert names <= set(listed(kind, admin))
        everything = [n for n, _ in api.live.store.vocabulary(kind)]  # type: ignore[arg-type]
        assert listed(kind, other) == [n for n in everything if n not in names]
    helpers = api.client.get(f"/members/{visible}/recommendations/helpers", headers=other,
                             params={"skill": "ward 7q CHARTS"})
    pooled = api.client.post("/groups/proposals", headers=api.headers("coordinator", visible),
                             json={"topic": "ward 7q escalation", "min_size": 4, "max_size": 6})
    assert helpers.status_code == pooled.status_code == 404  # as good as unknown, in any case
    typed = api.client.patch(f"/members/{visible}", headers=other,
                             json={"skills": [{"name": "quillfeather HUDDLES"}]})
    assert typed.json()["skills"][0]["name"] == "quillfeather HUDDLES"  # not theirs: unseen
    api.client.patch(f"/members/{visible}", headers=admin,
                     json={"interests": ["Ward 7Q escalation"]})
    assert "Ward 7Q escalation" in listed("topic", other)  # named by someone seen


def test_hidden_members_cannot_be_detected_by_writes(api: Api) -> None:
    """Naming a hidden member in a write gets the same 404 as naming no one."""
    hidden = _open(api, hidden=True)
    me = _open(api).id
    mine = api.headers("member", me)
    coordinator = api.headers("coordinator")
    group = api.live.snapshot.groups[0].id
    for name in (hidden.id, "nobody"):
        attempts = [
            api.client.post(f"/members/{me}/feedback", headers=mine, json={
                "target_kind": "member", "target": name, "action": "dismiss"}),
            api.client.post("/connections", headers=mine, json={"source": me, "target": name}),
            api.client.put(f"/groups/{group}/members/{name}", headers=coordinator),
            api.client.delete(f"/groups/{group}/members/{name}", headers=coordinator),
            api.client.post("/groups", headers=coordinator, json={
                "id": "sig-x", "name": "X", "members": [name]}),
            api.client.post("/groups/proposals/save", headers=coordinator, json={
                "groups": [{"members": [name]}], "coordinator": me}),
        ]
        assert [r.status_code for r in attempts] == [404] * len(attempts), name
        assert all(r.json()["detail"] == f"no member with id {name!r}" for r in attempts)
    organisation = hidden.organisation
    counted = {o["name"]: o["members"] for o in api.client.get(
        "/organisations", headers=mine).json()["data"]}
    visible = sum(m.organisation == organisation and m.visibility != "hidden"
                  for m in api.live.snapshot.members)
    assert counted.get(organisation, 0) == visible
    assert api.client.get("/groups", headers=api.headers("analyst")).status_code == 403


def test_consent_changes_only_what_is_named(api: Api) -> None:
    me = _open(api).id
    mine = api.headers("member", me)
    url = f"/members/{me}/consent"
    assert api.client.put(url, headers=mine, json={"suggestions": True}).status_code == 422
    api.client.put(url, headers=mine, json={"suggestions": True, "groups": False,
                                            "analytics": False})
    changed = api.client.patch(f"/members/{me}", headers=mine,
                               json={"consent": {"suggestions": False}})
    assert changed.json()["consent"] == {"suggestions": False, "groups": False,
                                         "analytics": False}
    assert api.live.store.get_member(me).consent.analytics is False


def test_withdrawn_consent_keeps_a_member_out_of_suggestions_and_search(
        api_on_each_store: Api) -> None:
    api = api_on_each_store
    admin = api.headers("admin")
    shown: dict[str, int] = {}
    askers = [m.id for m in api.live.snapshot.members[:40]]
    for asker in askers:
        for s in api.client.get(f"/members/{asker}/recommendations/people",
                                headers=admin).json()["data"]:
            shown[s["id"]] = shown.get(s["id"], 0) + 1
    popular = max(shown, key=shown.__getitem__)
    member = api.live.member(popular)
    query = {"q": member.bio[:200], "k": 5}
    assert popular in [h["id"] for h in api.client.get("/search", params=query,
                                                       headers=admin).json()["data"]]
    consent = {"suggestions": False, "groups": True, "analytics": True}
    mine = api.headers("member", popular)
    assert api.client.put(f"/members/{popular}/consent", json=consent,
                          headers=mine).json() == consent
    for asker in askers:
        for kind in ("people", "helpers"):
            found = api.client.get(f"/members/{asker}/recommendations/{kind}",
                                   headers=admin).json()["data"]
            assert popular not in [s["id"] for s in found]
    assert popular not in [h["id"] for h in api.client.get("/search", params=query,
                                                           headers=admin).json()["data"]]
    assert api.live.store.get_member(popular).consent.suggestions is False


def test_feedback_dismisses_both_ways(api: Api) -> None:
    me = _open(api).id
    headers = api.headers("member", me)
    first = api.client.get(f"/members/{me}/recommendations/people", headers=headers).json()
    dismissed = first["data"][0]["id"]
    response = api.client.post(f"/members/{me}/feedback", headers=headers, json={
        "target_kind": "member", "target": dismissed, "action": "dismiss"})
    assert response.status_code == 201
    again = api.client.get(f"/members/{me}/recommendations/people?k=50", headers=headers)
    assert dismissed not in [s["id"] for s in again.json()["data"]]
    theirs = api.client.get(f"/members/{dismissed}/recommendations/people?k=50",
                            headers=api.headers("member", dismissed))
    assert me not in [s["id"] for s in theirs.json()["data"]]
    assert [f.target for f in api.live.store.feedback(me)] == [dismissed]


def test_my_network_is_my_circle_naming_no_one_hidden(api: Api) -> None:
    snapshot = api.live.snapshot
    me = _open(api).id
    mine, admin = api.headers("member", me), api.headers("admin")
    tied = {m for t in snapshot.tie_table.touching(me) for m in t.pair} - {me}
    chosen = [m.id for m in snapshot.members if m.visibility != "hidden" and m.id != me
              and m.id not in tied][:2]
    group = next(g for g in snapshot.groups if me not in g.members + g.coordinators)
    for kind, target in [*(("member", m) for m in chosen), ("group", group.id)]:
        said = api.client.post(f"/members/{me}/feedback", headers=mine, json={
            "target_kind": kind, "target": target, "action": "accept"})
        assert said.status_code == 201, said.text

    def network(headers: dict[str, str] = mine) -> dict[str, list[str]]:
        found = api.client.get(f"/members/{me}/network", headers=headers)
        assert found.status_code == 200, found.text
        return {part: [x["id"] for x in items] for part, items in found.json().items()}

    shown = network()
    names = {m.id: m.name or "" for m in snapshot.members}
    assert shown["would_connect"] == sorted(chosen, key=lambda m: (names[m], m))
    seen = {m.id for m in snapshot.members if m.visibility != "hidden"}
    assert set(shown["connections"]) == tied & seen
    assert shown["interested"] == [group.id]
    assert set(shown["groups"]) == {g.id for g in snapshot.groups
                                    if me in g.members + g.coordinators}
    assert set(network(admin)["connections"]) == tied  # admins see the hidden too
    assert api.client.get(f"/members/{me}/network",
                          headers=api.headers("member", chosen[0])).status_code == 403
    hidden = api.client.patch(f"/members/{chosen[1]}", headers=admin,
                              json={"visibility": "hidden"})
    joined = api.client.put(f"/groups/{group.id}/members/{me}", headers=mine)
    assert (hidden.status_code, joined.status_code) == (200, 200), joined.text
    after = network()
    assert after["would_connect"] == [chosen[0]]  # who has since hidden is not named
    assert group.id in after["groups"] and after["interested"] == []


def test_an_answer_about_a_group_is_not_about_a_member_of_the_same_id(api: Api) -> None:
    """Members and groups are numbered apart (imported communities often number both from 1),
    so an answer names what kind of thing it is about, and only that is affected."""
    me = _open(api).id
    mine = api.headers("member", me)
    first = api.client.get(f"/members/{me}/recommendations/people?k=5", headers=mine)
    namesake = first.json()["data"][0]["id"]  # a person suggested to me
    made = api.client.post("/groups", headers=api.headers("coordinator"), json={
        "id": namesake, "name": "Namesake group", "members": [], "coordinators": []})
    assert made.status_code == 201, made.text
    answered = api.client.post(f"/members/{me}/feedback", headers=mine, json={
        "target_kind": "group", "target": namesake, "action": "dismiss"})
    assert answered.status_code == 201, answered.text
    again = api.client.get(f"/members/{me}/recommendations/people?k=5", headers=mine)
    assert namesake in [s["id"] for s in again.json()["data"]]  # the person is still suggested
    groups = api.client.get(f"/members/{me}/recommendations/groups?k=50", headers=mine)
    assert namesake not in [s["id"] for s in groups.json()["data"]]  # the group is not
    api.client.post(f"/members/{me}/feedback", headers=mine, json={
        "target_kind": "group", "target": namesake, "action": "accept"})
    shown = api.client.get(f"/members/{me}/network", headers=mine).json()
    assert [g["id"] for g in shown["interested"]] == [namesake]
    assert namesake not in [m["id"] for m in shown["would_connect"]]


def test_export_gives_a_member_their_own_data(api: Api) -> None:
    me = _open(api).id
    headers = api.headers("member", me)
    exported = api.client.get(f"/members/{me}/export", headers=headers).json()
    assert exported["profile"]["id"] == me
    hidden = {m.id for m in api.live.snapshot.members if m.visibility == "hidden"}
    assert {(c["source"], c["target"]) for c in exported["connections"]} == {
        (c.source, c.target) for c in api.live.store.connections(me) if not c.pair & hidden}
    assert any(k["role"] == "member" for k in exported["keys"])
    assert "digest" not in json.dumps(exported["keys"])


def test_groups_membership_and_consent(api: Api) -> None:
    coordinator = api.headers("coordinator")
    refusing = _open(api).id
    api.client.put(f"/members/{refusing}/consent", headers=api.headers("admin"),
                   json={"suggestions": True, "groups": False, "analytics": True})
    group = {"id": "sig-new", "name": "Falls", "topics": ["Falls prevention"],
             "members": [refusing]}
    response = api.client.post("/groups", json=group, headers=coordinator)
    assert response.status_code == 409 and NOT_PLACEABLE in response.json()["detail"]
    group["members"] = []
    assert api.client.post("/groups", json=group, headers=coordinator).status_code == 201
    placed = api.client.put(f"/groups/sig-new/members/{refusing}", headers=coordinator)
    assert placed.status_code == 409
    joined = api.client.put(f"/groups/sig-new/members/{refusing}",
                            headers=api.headers("member", refusing))
    assert joined.status_code == 200 and joined.json()["members"] == [refusing]
    assert api.live.store.get_group("sig-new").members == [refusing]
    left = api.client.delete(f"/groups/sig-new/members/{refusing}", headers=coordinator)
    assert left.json()["members"] == []
    assert api.client.delete("/groups/sig-new", headers=coordinator).status_code == 204
    assert api.client.get("/groups/sig-new", headers=coordinator).status_code == 404


def test_coordinator_proposes_and_saves_groups(api_on_each_store: Api) -> None:
    api = api_on_each_store
    coordinator_id = _open(api).id
    headers = api.headers("coordinator", coordinator_id)
    rules = {"min_size": 5, "max_size": 7, "max_per_organisation": 2, "seed": 3}
    proposal = api.client.post("/groups/proposals", json=rules, headers=headers).json()
    assert proposal["groups"]
    for group in proposal["groups"]:
        assert 5 <= len(group["members"]) <= 7 and max(group["organisations"].values()) <= 2
    hidden = _open(api, hidden=True).id
    response = api.client.post("/groups/proposals", json={**rules, "pool": [hidden]},
                               headers=headers)
    assert response.status_code == 404  # a hidden member is as good as unknown
    infeasible = api.client.post("/groups/proposals", json={**rules, "min_size": 150,
                                                             "max_size": 160, "groups": 5},
                                 headers=headers)
    assert infeasible.status_code == 400 and infeasible.json()["detail"]
    edited = {"groups": [g for g in proposal["groups"] if coordinator_id not in g["members"]][:2]}
    saved = api.client.post("/groups/proposals/save", json=edited, headers=headers)
    assert saved.status_code == 201, saved.text
    for group, proposed in zip(saved.json(), edited["groups"], strict=True):
        stored = api.live.store.get_group(group["id"])
        assert stored.coordinators == [coordinator_id]
        assert sorted(stored.members) == sorted(proposed["members"])


def test_a_name_typed_in_another_case_is_the_communitys_own(api: Api) -> None:
    """Skills and topics typed in another case or spacing are the ones the community has: kept
    in its spelling, and found by every way of asking for one."""
    snapshot = api.live.snapshot
    held = snapshot.member_skills.getnnz(axis=0)
    skill = snapshot.skills.names[int(held.argmax())]
    wanted = snapshot.skills.names[int(held.argsort()[-2])]
    topic = snapshot.topics.names[int(snapshot.member_topics.getnnz(axis=0).argmax())]
    member = _open(api)
    mine = api.headers("member", member.id)
    shouting = "  ".join(skill.upper().split())
    changed = api.client.patch(f"/members/{member.id}", headers=mine, json={
        "skills": [{"name": shouting, "level": 4}], "interests": [topic.lower()],
        "wants_to_learn": [wanted.swapcase()]})
    assert changed.status_code == 200, changed.text
    stored = api.live.store.get_member(member.id)
    assert [s.name for s in stored.skills] == [skill]
    assert stored.interests == [topic] and stored.wants_to_learn == [wanted]
    twice = api.client.patch(f"/members/{member.id}", headers=mine,
                             json={"interests": [topic, topic.upper()]})
    assert twice.status_code == 400
    assert twice.json()["detail"] == f"interests: name {topic!r} is listed twice"
    new = api.client.patch(f"/members/{member.id}", headers=mine,  # new to the community
                           json={"skills": [{"name": "ECMO"}, {"name": "ecmo"}]})
    assert new.status_code == 400
    assert new.json()["detail"] == "skills: skill 'ECMO' is listed twice"
    assert api.live.store.get_member(member.id) == stored

    def helpers(name: str) -> list[str]:
        found = api.client.get(f"/members/{member.id}/recommendations/helpers",
                               params={"skill": name}, headers=mine)
        assert found.status_code == 200, found.text
        return [s["id"] for s in found.json()["data"]]

    assert helpers(wanted.upper()) == helpers(wanted) != []
    coordinator = api.headers("coordinator", _open(api).id)
    rules = {"min_size": 4, "max_size": 6, "seed": 1}

    def proposal(topic_typed: str) -> dict:
        made = api.client.post("/groups/proposals", headers=coordinator, json={
            **rules, "topic": topic_typed, "focus": [topic_typed]})
        assert made.status_code == 200, made.text
        return made.json()

    exact, typed = proposal(topic), proposal(topic.lower())
    assert typed == exact and exact["groups"][0]["focus"] == topic
    saved = api.client.post("/groups/proposals/save", headers=coordinator, json={"groups": [
        {"members": exact["groups"][0]["members"][:3], "topics": [topic.swapcase()]}]})
    assert saved.status_code == 201, saved.text
    assert saved.json()[0]["topics"] == [topic]


def test_the_vocabulary_stays_a_tree_that_exports_and_imports_again(api: Api,
                                                                     tmp_path: Path) -> None:
    admin = api.headers("admin")

    def declare(**term: str) -> int:
        answer = api.client.post("/topics", headers=admin, json=term)
        return answer.status_code

    assert declare(id="t-root", name="Root topic") == 201
    assert declare(id="t-child", name="Child topic", parent="t-root") == 201
    assert declare(id="t-orphan", name="Orphan", parent="no-such-id") == 404
    assert declare(id="t-self", name="Self", parent="t-self") == 400
    assert declare(id="t-root", name="Root topic", parent="t-child") == 400  # a loop
    assert declare(id="t-root", name="Another name") == 409
    assert declare(id="t-other", name="Root topic") == 409
    assert declare(id="t-root", name="Root topic", description="Redescribed") == 201
    bundle = tmp_path / "bundle"
    assert CliRunner().invoke(app, ["export", str(bundle), "--store", api.location]).exit_code == 0
    again = CliRunner().invoke(app, ["import", str(bundle), "--store",
                                     str(tmp_path / "again.db"), "--no-embed"])
    assert again.exit_code == 0, again.output


def test_a_name_declared_but_not_yet_used_is_offered_and_answers_with_no_one(api: Api) -> None:
    """A skill or topic the community declared is listed, so picking it from the list must
    work: no one holds the skill yet, no one is interested in the topic."""
    admin, member = api.headers("admin"), _open(api).id
    for kind, name in (("skills", "Hospital at home triage"), ("topics", "Tea trolley rounds")):
        declared = api.client.post(f"/{kind}", headers=admin,
                                   json={"id": name.lower().replace(" ", "-"), "name": name})
        assert declared.status_code == 201, declared.text
        assert name in [t["name"] for t in api.client.get(f"/{kind}", headers=admin).json()["data"]]
    helpers = api.client.get(f"/members/{member}/recommendations/helpers",
                             params={"skill": "hospital at home TRIAGE"},
                             headers=api.headers("member", member))
    assert (helpers.status_code, helpers.json()["data"]) == (200, [])
    coordinator = api.headers("coordinator")
    focused = api.client.post("/groups/proposals", headers=coordinator, json={
        "min_size": 4, "max_size": 6, "seed": 1, "focus": ["Tea trolley rounds"]})
    assert focused.status_code == 200, focused.text
    assert focused.json()["groups"][0]["focus"] == "Tea trolley rounds"
    for pool in ({"topic": "Tea trolley rounds"}, {"skill": "Hospital at home triage"}):
        empty = api.client.post("/groups/proposals", headers=coordinator,
                                json={"min_size": 4, "max_size": 6, **pool})
        assert empty.status_code == 400, empty.text
        assert "the pool has 0 members" in empty.json()["detail"]
    assert api.client.post("/groups/proposals", headers=coordinator, json={
        "min_size": 4, "max_size": 6, "topic": "Never declared"}).status_code == 404


def test_concurrent_writes_to_one_member_lose_nothing(api_on_each_store: Api) -> None:
    api = api_on_each_store
    me = _open(api).id
    headers = api.headers("member", me)
    group = api.live.snapshot.groups[0].id
    joiners = [m.id for m in api.live.snapshot.members
               if m.id not in api.live.group(group).members and placeable(m)][:12]
    coordinator = api.headers("coordinator")

    def write(n: int) -> int:
        if n % 2:
            body = {"skills": [{"name": f"Skill {n}", "level": 3}, {"name": "Coaching"}]}
            return api.client.patch(f"/members/{me}", json=body, headers=headers).status_code
        return api.client.put(f"/groups/{group}/members/{joiners[n // 2]}",
                              headers=coordinator).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(write, range(24))) == {200}
    stored = api.live.store.get_member(me)
    assert [s.name for s in stored.skills][1:] == ["Coaching"] and len(stored.skills) == 2
    assert stored == api.live.member(me)
    assert set(joiners) <= set(api.live.store.get_group(group).members)  # no lost update


def test_acknowledged_writes_survive_a_restart(api_on_each_store: Api) -> None:
    api = api_on_each_store
    me = _open(api).id
    assert api.client.post("/members", json=NEW, headers=api.headers("admin")).status_code == 201
    tie = {"source": me, "target": "m-new", "kind": "peer"}
    assert api.client.post("/connections", json=tie,
                           headers=api.headers("member", me)).status_code == 201
    api.client.__exit__(None, None, None)  # the service stops
    with serving(api.location) as restarted:
        headers = restarted.headers("admin")
        assert restarted.client.get("/members/m-new", headers=headers).json()["name"] == \
            NEW["name"]
        ties = restarted.client.get("/members/m-new/connections", headers=headers).json()
        assert [(t["source"], t["target"]) for t in ties] == [(me, "m-new")]
        assert "m-new" in restarted.live.snapshot.ids.index


def test_reload_takes_in_what_was_changed_beside_the_service(api_on_each_store: Api,
                                                             encoder: Encoder) -> None:
    api = api_on_each_store
    admin = api.headers("admin")
    served = api.client.get("/ready").json()["members"]
    with open_store(api.location) as beside:  # as `qconnect import` would, in another process
        beside.write(Community(members=[Member.model_validate(NEW)]))
        embed_store(beside, encoder)
    assert api.client.get("/members/m-new", headers=admin).status_code == 404
    assert api.client.post("/reload", headers=api.headers("member", _open(api).id)
                           ).status_code == 403
    reloaded = api.client.post("/reload", headers=admin)
    assert reloaded.status_code == 200
    assert reloaded.json()["members"] == served + 1
    assert api.client.get("/members/m-new", headers=admin).json()["name"] == NEW["name"]
    found = api.client.get("/search", params={"q": NEW["bio"], "k": 5}, headers=admin).json()
    assert "m-new" in [hit["id"] for hit in found["data"]]
    suggested = api.client.get("/members/m-new/recommendations/people", params={"k": 5},
                               headers=api.headers("member", "m-new")).json()
    assert suggested["data"]


@pytest.mark.parametrize("kind", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_the_service_reads_in_writes_made_beside_it(kind: str, generated_store: str,
                                                    tmp_path: Path, encoder: Encoder,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QCONNECT_FOLLOW_INTERVAL", "0.2")
    get_settings.cache_clear()
    try:
        with serving(stored_copy(generated_store, tmp_path, kind)) as api:
            admin = api.headers("admin")
            with open_store(api.location) as beside:  # another service or `qconnect import`
                beside.write(Community(members=[Member.model_validate(NEW)]))
                embed_store(beside, encoder)

            def read_in() -> bool:  # the profile, then (a commit later) its embedding
                found = api.client.get("/search", params={"q": NEW["bio"], "k": 5},
                                       headers=admin).json()["data"]
                return (api.client.get("/members/m-new", headers=admin).status_code == 200
                        and "m-new" in [hit["id"] for hit in found])

            deadline = time.monotonic() + 30
            while not read_in():
                assert time.monotonic() < deadline, "the writes beside it were never read in"
                time.sleep(0.1)
    finally:
        get_settings.cache_clear()


def test_request_ids_and_logs_without_personal_data(api: Api) -> None:
    member = _open(api)
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(JsonFormatter().format(record))  # type: ignore[method-assign]
    logging.getLogger("qconnect").addHandler(handler)
    try:
        response = api.client.get(f"/members/{member.id}", headers={
            **api.headers("admin"), "X-Request-ID": "trace-123"})
        api.client.get("/search", params={"q": member.name}, headers=api.headers("admin"))
    finally:
        logging.getLogger("qconnect").removeHandler(handler)
    assert response.headers["x-request-id"] == "trace-123"
    logged = [json.loads(line) for line in lines]
    assert logged[0]["request_id"] == "trace-123"
    assert logged[0]["route"] == "/members/{member_id}" and logged[0]["status"] == 200
    assert logged[1]["route"] == "/search" and logged[1]["request_id"] != "trace-123"
    assert member.id not in "".join(lines) and member.name not in "".join(lines)
    assert "Bearer" not in "".join(lines) and "qck_" not in "".join(lines)


def test_analysts_see_consenting_members_under_pseudonyms(api: Api) -> None:
    analyst = api.headers("analyst")
    members = api.live.snapshot.members
    counted = [m for m in members if m.visibility != "hidden" and m.consent.analytics]
    exported = api.client.get("/analytics/export", headers=analyst).json()
    assert len(exported["members"]) == len(counted) < len(members)
    text = json.dumps(exported)
    assert not any(f'"{m.id}"' in text or (m.name and m.name in text) for m in members)
    assert api.client.get("/analytics/export", headers=analyst).json() == exported  # stable
    leaving = counted[0].id
    api.client.put(f"/members/{leaving}/consent", headers=api.headers("member", leaving),
                   json={"suggestions": True, "groups": True, "analytics": False})
    summary = api.client.get("/analytics/summary", headers=analyst).json()
    assert summary["members"] == len(counted) - 1
    assert len(api.client.get("/analytics/export", headers=analyst).json()["members"]) == \
        len(counted) - 1


class _EmbeddingsRefused(EmbeddedStore):
    """An embedded store that stores records but refuses embeddings, as a store that went
    away between the two writes would."""

    def write_embeddings(self, *args: object, **kwargs: object) -> None:
        raise StoreUnavailableError("refused for the test")


def test_a_write_whose_embedding_fails_is_still_done(api: Api) -> None:
    live = api.live
    with _EmbeddingsRefused(api.location) as store:
        live.store = store
        response = api.client.post("/members", json=NEW, headers=api.headers("admin"))
    assert response.status_code == 201  # stored, so acknowledged
    with EmbeddedStore(api.location) as reopened:
        assert reopened.get_member("m-new").name == NEW["name"]
        assert "m-new" not in reopened.embedding_state("member")  # left for 'qconnect embed'
    assert live.member("m-new").name == NEW["name"]  # and the service serves it
