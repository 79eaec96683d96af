"""Two ``qconnect serve`` processes over one store, as replicas behind a load balancer: what is
written through one is served by the other within two follow intervals, erasure included, and
writers on both lose nothing.

Each runs over the embedded store file and over the test Neo4j.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from graph_schema import open_store
from service.keys import new_key
from tests.browser import Site, serving_site
from tests.conftest import stored_copy

INTERVAL = 1.0
"""Seconds between each replica's looks at the change feed."""


@dataclass
class Replicas:
    first: Site
    second: Site
    admin: dict[str, str]

    def get(self, site: Site, path: str, **params: object) -> httpx.Response:
        return httpx.get(f"{site.url}{path}", params=params, headers=self.admin, timeout=30)


@pytest.fixture(scope="module",
                params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def replicas(request: pytest.FixtureRequest, generated_store: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    location = stored_copy(generated_store, tmp_path_factory.mktemp("replicas"), request.param)
    text, key = new_key("admin")
    with open_store(location) as store:
        store.add_key(key)
    with serving_site(location, INTERVAL) as first, serving_site(location, INTERVAL) as second:
        yield Replicas(first, second, {"Authorization": f"Bearer {text}"})


def _seen_within(condition: Callable[[], bool], seconds: float) -> float:
    """How long ``condition`` took to hold, failing the test after ``seconds``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"not seen within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - start


def _ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["data"]]


def test_a_write_through_one_replica_reaches_the_others_search_and_suggestions(
        replicas: Replicas) -> None:
    first, second = replicas.first, replicas.second
    query = "ECMO retrieval simulation for neonatal transfers"
    member = _ids(replicas.get(second, "/members", limit=5))[2]
    assert member not in _ids(replicas.get(second, "/search", q=query, k=5))
    edited = httpx.patch(f"{first.url}/members/{member}", headers=replicas.admin, timeout=30,
                         json={"bio": f"Leads {query}."})
    assert edited.status_code == 200, edited.text
    _seen_within(lambda: member in _ids(replicas.get(second, "/search", q=query, k=5)),
                 2 * INTERVAL)

    created = httpx.post(f"{first.url}/members", headers=replicas.admin, timeout=30, json={
        "id": "m-replica", "name": "Rene Replica", "role": "Nurse",
        "interests": ["patient safety"], "bio": "Falls prevention on older people's wards."})
    assert created.status_code == 201, created.text
    _seen_within(lambda: replicas.get(second, "/members/m-replica/recommendations/people",
                                      k=5).status_code == 200, 2 * INTERVAL)
    assert _ids(replicas.get(second, "/members/m-replica/recommendations/people", k=5))


def test_an_erasure_through_one_replica_leaves_every_replica(replicas: Replicas) -> None:
    first, second = replicas.first, replicas.second
    groups = replicas.get(second, "/groups", limit=50).json()["data"]
    group = next(g for g in groups if len(g["members"]) >= 3)
    erased = group["members"][1]
    person = replicas.get(second, f"/members/{erased}").json()
    query = person.get("bio") or person["name"]
    assert erased in _ids(replicas.get(second, "/search", q=query, k=10))
    suggested_to = [m for m in _ids(replicas.get(second, "/members", limit=100))
                    if erased in _ids(replicas.get(second, f"/members/{m}/recommendations/people",
                                                   k=10))][:3]
    assert suggested_to, "the member to erase is suggested to no one: choose another"

    assert httpx.delete(f"{first.url}/members/{erased}", params={"erase": "true"},
                        headers=replicas.admin, timeout=30).status_code == 204

    def gone() -> bool:
        return replicas.get(second, f"/members/{erased}").status_code == 404

    _seen_within(gone, 2 * INTERVAL)
    assert erased not in _ids(replicas.get(second, "/search", q=query, k=10))
    assert erased not in _member_ids(replicas, second, group["id"])
    for member in suggested_to:
        assert erased not in _ids(replicas.get(
            second, f"/members/{member}/recommendations/people", k=10))


def test_writers_on_both_replicas_lose_no_update(replicas: Replicas) -> None:
    first, second = replicas.first, replicas.second
    group = replicas.get(second, "/groups", limit=1).json()["data"][0]["id"]
    joining = [m for m in _ids(replicas.get(second, "/members", limit=100))
               if m not in _member_ids(replicas, second, group)][:20]

    def join(side: int) -> None:
        site = (first, second)[side]
        for member in joining[side::2]:
            answer = httpx.put(f"{site.url}/groups/{group}/members/{member}",
                               headers=replicas.admin, timeout=30)
            # 409: closed to connecting, or no consent to groups (which, is theirs to know)
            assert answer.status_code in (200, 409), answer.text

    def edit(side: int) -> None:
        site, field = (first, "bio") if side == 0 else (second, "region")
        for i in range(10):
            answer = httpx.patch(f"{site.url}/members/{joining[0]}", headers=replicas.admin,
                                 timeout=30, json={field: f"{field} {i}"})
            assert answer.status_code == 200, answer.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda work: work[0](work[1]),
                      [(join, 0), (join, 1), (edit, 0), (edit, 1)]))
    placed = {m for m in joining if _placeable(replicas, second, m)}
    assert len(placed) >= 10
    for site in (first, second):
        _seen_within(lambda site=site: placed <= _member_ids(replicas, site, group),
                     2 * INTERVAL)
        _seen_within(lambda site=site: (lambda m: (m["bio"], m["region"]))(
            replicas.get(site, f"/members/{joining[0]}").json()) == ("bio 9", "region 9"),
            2 * INTERVAL)


def test_workers_of_one_service_follow_each_other(replicas: Replicas) -> None:
    location = replicas.first.location
    with serving_site(location, INTERVAL, workers=2) as site:
        member = _ids(replicas.get(site, "/members", limit=5))[3]
        for i in range(5):  # each write lands on whichever worker takes the connection
            answer = httpx.patch(f"{site.url}/members/{member}", headers=replicas.admin,
                                 timeout=30, json={"bio": f"Edit {i}."})
            assert answer.status_code == 200, answer.text

        def everyone_agrees() -> bool:
            return all(replicas.get(site, f"/members/{member}").json()["bio"] == "Edit 4."
                       for _ in range(10))

        _seen_within(everyone_agrees, 2 * INTERVAL)


def _member_ids(replicas: Replicas, site: Site, group: str) -> set[str]:
    return set(replicas.get(site, f"/groups/{group}").json()["members"])


def _placeable(replicas: Replicas, site: Site, member: str) -> bool:
    """Whether others may place the member in a group (models.privacy.may_place)."""
    return (replicas.get(site, f"/members/{member}").json()["open_to_connect"]
            and replicas.get(site, f"/members/{member}/consent").json()["groups"])
