"""Input the service refuses cleanly and as its schema says: JSON that Python's reader accepts
but JSON cannot carry back (NaN, Infinity, lone surrogates), booleans that are not JSON's,
null where null means nothing, methods a path does not have, rules no schema can state."""

from __future__ import annotations

import json

import pytest

from models import Member
from tests.conftest import Api


def _member(api: Api) -> Member:
    return next(m for m in api.live.snapshot.members if m.visibility != "hidden")

ODD_JSON = [
    ("PATCH", "/members/{me}", b'{"bio": NaN}', ["body", "bio"]),
    ("PATCH", "/members/{me}", b'{"bio": -Infinity}', ["body", "bio"]),
    ("POST", "/members", b'{"id": "m-odd", "name": "\\ud800"}', ["body", "name"]),
    ("POST", "/members", b'{"id": "m-odd", "\\udfff": 1}', ["body"]),
    ("POST", "/groups/proposals", b'{"min_size": 2, "max_size": 4, "known_weight": NaN}',
     ["body", "known_weight"]),
    ("POST", "/groups/proposals", b'{"min_size": 2, "max_size": 4, "pins": {"\\ud800": 1}}',
     ["body", "pins"]),
]


@pytest.mark.parametrize(("method", "path", "body", "loc"), ODD_JSON)
def test_json_that_cannot_be_echoed_is_a_422_and_the_next_request_is_served(
        api: Api, method: str, path: str, body: bytes, loc: list[str]) -> None:
    me = api.live.snapshot.members[0].id
    admin = {**api.headers("admin"), "Content-Type": "application/json"}
    response = api.client.request(method, path.format(me=me), content=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["detail"]
    assert error["loc"][:len(loc)] == loc and error["msg"] and "input" not in error
    assert "m-odd" not in api.live.snapshot.ids.index
    following = api.client.get(f"/members/{me}", headers=admin)
    assert following.status_code == 200 and following.json()["id"] == me


def test_a_refused_number_says_it_must_be_finite(api: Api) -> None:
    response = api.client.post("/groups/proposals", headers={
        **api.headers("coordinator"), "Content-Type": "application/json"},
        content=b'{"min_size": 2, "max_size": 4, "known_weight": Infinity}')
    assert "finite" in json.dumps(response.json()["detail"])


def test_booleans_are_json_booleans(api: Api) -> None:
    me = _member(api)
    mine = api.headers("member", me.id)
    for path, body in ((f"/members/{me.id}/consent", {"suggestions": "yes", "groups": 1,
                                                      "analytics": "false"}),
                       (f"/members/{me.id}", {"open_to_connect": "off"}),
                       (f"/members/{me.id}", {"consent": {"analytics": "no"}})):
        method = "PUT" if path.endswith("consent") else "PATCH"
        response = api.client.request(method, path, json=body, headers=mine)
        assert response.status_code == 422, (body, response.text)
        assert {e["type"] for e in response.json()["detail"]} == {"bool_type"}
    created = api.client.post("/members", headers=api.headers("admin"),
                              json={"id": "m-odd", "consent": {"analytics": 0}})
    assert created.status_code == 422
    assert api.live.store.get_member(me.id) == me  # nothing changed


def test_null_is_refused_where_the_schema_does_not_allow_it(api: Api) -> None:
    me = _member(api)
    mine = api.headers("member", me.id)
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["MemberUpdate"]
    for field in ("visibility", "open_to_connect", "consent", "skills", "interests"):
        assert "null" not in json.dumps(schema["properties"][field]), field
        response = api.client.patch(f"/members/{me.id}", json={field: None}, headers=mine)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
            "body", field]
    assert {"type": "null"} in schema["properties"]["bio"]["anyOf"]
    cleared = api.client.patch(f"/members/{me.id}", json={"bio": None}, headers=mine)
    assert cleared.status_code == 200 and cleared.json()["bio"] is None  # null clears it
    kept = api.client.patch(f"/members/{me.id}", json={"consent": {"groups": None}},
                            headers=mine)
    assert kept.json()["consent"] == me.consent.model_dump()  # null keeps it


def test_a_method_a_path_lacks_is_405_with_the_methods_it_has(api: Api) -> None:
    me = _member(api).id
    for method, path, allowed in (("OPTIONS", "/members", "GET, POST"),
                                  ("OPTIONS", f"/members/{me}", "DELETE, GET, PATCH"),
                                  ("PUT", f"/members/{me}", "DELETE, GET, PATCH"),
                                  ("OPTIONS", "/health", "GET")):
        response = api.client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allowed and response.json()["detail"]


def test_a_query_parameter_given_twice_is_refused(api: Api) -> None:
    response = api.client.get("/members?limit=5&limit=50", headers=api.headers("admin"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_a_rule_no_schema_can_state_is_a_400_naming_it(api: Api) -> None:
    me = _member(api).id
    admin = api.headers("admin")
    for method, path, body, said in (
            ("POST", "/connections", {"source": me, "target": me}, "themself"),
            ("PATCH", f"/members/{me}", {"interests": ["falls", "falls"]},
             "interests: name 'falls' is listed twice"),
            ("POST", f"/members/{me}/feedback", {"target_kind": "member", "target": me,
                                                 "action": "dismiss"}, "themself")):
        response = api.client.request(method, path, json=body, headers=admin)
        assert response.status_code == 400, response.text
        assert said in response.json()["detail"]
