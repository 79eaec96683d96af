"""Who may call what: every route refuses a missing or bad key (401) and every role its rule
does not admit (403); a member key acts for its own member only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.app import ROUTERS
from api.deps import Door
from models import ROLES
from service.access import Rule
from tests.conftest import Api

OPEN_ROUTES = {"/health", "/ready"}


def _rules(dependant: Dependant) -> Iterator[Rule]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, Door):
            yield sub.call.rule
        yield from _rules(sub)


def _routes(api: Api) -> list[tuple[str, str, Rule | None]]:
    found = []
    for route in (r for router in ROUTERS for r in router.routes):
        if isinstance(route, APIRoute):
            rules = list(_rules(route.dependant))
            assert len(rules) <= 1, f"{route.path} states more than one access rule"
            for method in route.methods:
                found.append((method, route.path, rules[0] if rules else None))
    return found


def _path(template: str, api: Api, member: str) -> str:
    group = api.live.snapshot.groups[0].id
    values = {"member_id": member, "group_id": group, "kind": "people", "source": member,
              "target": api.live.snapshot.members[1].id}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def test_every_route_but_the_probes_states_who_may_call_it(api: Api) -> None:
    routes = _routes(api)
    assert len(routes) >= 25
    for method, path, rule in routes:
        assert (rule is None) == (path in OPEN_ROUTES), f"{method} {path}"


def test_every_route_refuses_missing_and_bad_keys(api: Api) -> None:
    member = api.live.snapshot.members[0].id
    admin = api.headers("admin")
    revoked = api.headers("admin")
    api.live.store.revoke_key(_key_id(revoked))
    bad = [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"},
           {"Authorization": admin["Authorization"][:-2] + "xx"}, revoked]
    for method, path, rule in _routes(api):
        if rule is None:
            continue
        for headers in bad:
            response = api.client.request(method, _path(path, api, member), headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"


def _key_id(headers: dict[str, str]) -> str:
    return headers["Authorization"].split("_")[1]


def test_every_route_refuses_the_roles_its_rule_does_not_admit(api: Api) -> None:
    member = api.live.snapshot.members[0].id
    other = api.live.snapshot.members[1].id
    keys = {role: api.headers(role, member if role == "member" else None) for role in ROLES}
    not_me = api.headers("member", other)
    checked = 0
    for method, path, rule in _routes(api):
        if rule is None:
            continue
        for role in ROLES:
            if role in rule.roles:
                continue
            response = api.client.request(method, _path(path, api, member), headers=keys[role])
            assert response.status_code == 403, (method, path, role, response.text)
            checked += 1
        if rule.own and "member" in rule.roles:
            response = api.client.request(method, _path(path, api, member), headers=not_me)
            assert response.status_code == 403, (method, path, response.text)
            assert "themself" in response.json()["detail"]
            checked += 1
    assert checked >= 40


def test_admitted_roles_get_past_the_door(api: Api) -> None:
    member = api.live.snapshot.members[0].id
    for role, headers in (("member", api.headers("member", member)),
                          ("coordinator", api.headers("coordinator")),
                          ("analyst", api.headers("analyst"))):
        for method, path, rule in _routes(api):
            if method == "GET" and rule is not None and role in rule.roles:
                response = api.client.get(_path(path, api, member), headers=headers,
                                          params={"q": "safety"} if path.startswith("/search")
                                          else None)
                assert response.status_code in (200, 202, 404), (path, role, response.text)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_need_no_key(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] in ("ok", "ready")
