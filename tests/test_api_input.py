"""Input the service refuses cleanly, with a 422 naming the field: JSON that Python's reader
accepts but JSON cannot carry back (NaN, Infinity, lone surrogates)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Api

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
