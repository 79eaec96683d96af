"""Analytics: the exports on both stores and what they leave out, the ways a notebook opens a
community, and the measures read off it."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph_schema import Store, open_store
from matcher.analytics.anonymity import K_ANONYMITY
from matcher.analytics.export import MEMBER_ATTRIBUTES, community_graph, member_graph, tables
from matcher.analytics.measures import brokerage, topic_supply
from matcher.analytics.view import pseudonym, pseudonymised_export, summary
from matcher.embeddings.encoder import Encoder
from matcher.recommend.snapshot import Snapshot
from matcher.synthetic.generator import generate_community
from models import Community, Connection, Consent, Member
from service import notebooks as analytics

# What no export may show: anyone's name, bio or extra field, and anything of eve (hidden) or
# dev (no analytics consent): their ids and dev's only interest.
PRIVATE = ("Ana", "Ben", "Cat", "Dev", "Eve", "Evaluates improvement programmes.", "Private bio.",
           "she/her", "they/them", "dev", "eve", "co-design")
SEEN = ["ana", "ben", "cat"]


@pytest.fixture
def community(tiny: Community) -> Community:
    """``tiny`` with more to hide: eve (hidden) has a bio, an extra field, an interest and a tie,
    and dev (no analytics consent) is in the group."""
    eve = Member(id="eve", name="Eve", visibility="hidden", bio="Private bio.",
                 interests=["measurement"], pronouns="they/them")
    group = tiny.groups[0].model_copy(update={"members": ["ana", "ben", "dev"]})
    return tiny.model_copy(update={
        "members": [*tiny.members[:4], eve],
        "connections": [*tiny.connections, Connection(source="ana", target="eve")],
        "groups": [group]})


def _shown(snapshot: Snapshot) -> list[str]:
    """Everything the exports hold, as text."""
    shown = [str(list(graph.nodes(data=True))) + str(list(graph.edges(data=True)))
             for graph in (member_graph(snapshot), community_graph(snapshot))]
    return shown + [table.to_csv() for table in tables(snapshot).values()]


def test_exports_leave_out_hidden_and_non_consenting_members_however_read(
    community: Community,
) -> None:
    snapshot = Snapshot(community, {})  # not read through matcher.analytics.sources
    assert sorted(member_graph(snapshot).nodes) == SEEN
    for text in _shown(snapshot):
        for private in PRIVATE:
            assert not re.search(rf"\b{re.escape(private)}\b", text), private


class TestExports:
    """The exports of a community read back from each store."""

    @pytest.fixture
    def snapshot(self, store: Store, community: Community) -> Snapshot:
        store.write(community)
        return analytics.from_store(store)

    def test_the_community_read_for_analytics_has_only_who_may_be_analysed(
        self, snapshot: Snapshot,
    ) -> None:
        assert [m.id for m in snapshot.members] == SEEN
        assert {frozenset((t.source, t.target)) for t in snapshot.community.connections} == {
            frozenset(p) for p in (("ana", "ben"), ("ben", "cat"), ("cat", "ana"))}
        assert snapshot.groups[0].members == ["ana", "ben"]

    def test_member_graph_has_the_members_and_their_ties(self, snapshot: Snapshot) -> None:
        graph = member_graph(snapshot)
        assert sorted(graph.nodes) == SEEN
        assert graph.number_of_edges() == 3
        assert graph.edges["ana", "ben"] == {"kind": "peer", "since": dt.date(2016, 5, 1)}
        assert graph.nodes["ana"] == {"role": "nurse", "organisation": "North Trust",
                                      "region": "North", "joined": dt.date(2015, 3, 1),
                                      "open_to_connect": True, "visibility": "members"}

    def test_community_graph_follows_the_graph_schema(self, snapshot: Snapshot) -> None:
        graph = community_graph(snapshot)
        kinds = nx.get_node_attributes(graph, "kind")
        assert kinds["organisation", "North Trust"] == "organisation"
        assert sorted(key for kind, key in graph if kind == "member") == SEEN
        assert ("topic", "co-design") not in graph
        assert graph.edges[("member", "ana"), ("skill", "statistical process control"),
                           "HAS_SKILL"] == {"level": 4}
        assert graph.edges[("member", "cat"), ("group", "g1"), "MEMBER_OF"] == {
            "role": "coordinator"}
        assert graph.has_edge(("topic", "measurement"), ("topic", "patient safety"), "BROADER")
        assert graph.has_edge(("organisation", "South University"), ("region", "South"),
                              "IN_REGION")
        ties = [(u, v) for u, v, key in graph.edges(keys=True) if key == "CONNECTED_TO"]
        assert len(ties) == 3

    def test_tables_hold_one_row_per_fact(self, snapshot: Snapshot) -> None:
        found = tables(snapshot)
        members = found["members"].set_index("id")
        assert members.index.tolist() == SEEN
        assert members.columns.tolist() == list(MEMBER_ATTRIBUTES)
        assert members.loc["ana", "joined"] == pd.Timestamp("2015-03-01")
        assert len(found["connections"]) == 3
        assert found["memberships"].values.tolist() == [
            ["ana", "g1", "member"], ["ben", "g1", "member"], ["cat", "g1", "coordinator"]]
        assert found["skills"].set_index("skill").loc["statistical process control",
                                                      "level"] == 4
        assert found["wants"].values.tolist() == [["ben", "coaching"]]
        assert found["groups"].values.tolist() == [["g1", "Safety measurement", None, 3]]


def test_load_reads_the_store_at_a_location(store_location: str, community: Community) -> None:
    with open_store(store_location) as store:
        store.write(community)
    assert [m.id for m in analytics.load(store_location).members] == SEEN


def test_from_environment_reads_the_named_store(tmp_path: Path, community: Community) -> None:
    location = str(tmp_path / "named.db")
    with open_store(location) as store:
        store.write(community)
    found = analytics.from_environment({analytics.STORE_VARIABLE: location,
                                        analytics.MEMBERS_VARIABLE: "12"})
    assert len(found) == 3


def test_a_generated_community_is_stored_and_embedded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder: Encoder,
) -> None:
    monkeypatch.setattr(analytics, "cache_folder", lambda: tmp_path)
    environ = {analytics.MEMBERS_VARIABLE: "30", analytics.SEED_VARIABLE: "3"}
    first = analytics.from_environment(environ)
    analysable = [m.id for m in generate_community(30, seed=3).members
                  if m.visibility != "hidden" and m.consent.analytics]
    assert list(first.ids.names) == analysable and (tmp_path / "30-seed3.ready").exists()
    assert np.abs(np.linalg.norm(first.embeddings, axis=1) - 1).max() < 1e-4
    assert first.vectors["skill"] and first.vectors["topic"]
    again = analytics.generated(30, seed=3, folder=tmp_path)
    assert again.ids == first.ids
    assert np.array_equal(again.embeddings, first.embeddings)


# -- the analysts' pseudonymised export -------------------------------------------------------

QUASI_IDENTIFIERS = ("organisation", "role", "region", "joined", "interests", "skills",
                     "wants_to_learn")


def _combination(record: dict) -> tuple:
    return tuple(tuple(v) if isinstance(v, list) else v
                 for v in (record[q] for q in QUASI_IDENTIFIERS))


def test_the_pseudonymised_export_is_k_anonymous_and_still_useful() -> None:
    community = generate_community(1500, seed=5)
    analysed = [m for m in community.members if m.visibility != "hidden" and m.consent.analytics]
    profiles = Counter((m.organisation, m.role, m.region, m.joined.strftime("%Y-%m"))
                       for m in analysed)
    assert sum(n == 1 for n in profiles.values()) > 0.5 * len(analysed)  # unique, as profiles
    exported = pseudonymised_export(Snapshot(community, {}), b"key")
    records = exported["members"]
    assert len(records) == len(analysed)  # values are withheld, never whole records
    shown = Counter(_combination(r) for r in records)
    assert min(shown.values()) >= K_ANONYMITY == exported["anonymity"]["k"] >= 5
    assert sum(r["role"] is not None for r in records) > 0.9 * len(records)
    assert sum(r["region"] is not None for r in records) > 0.9 * len(records)
    assert sum(r["organisation"] is not None for r in records) > 0.4 * len(records)
    withheld = exported["anonymity"]["withheld"]
    assert withheld["organisation"] == sum(r["organisation"] is None for r in records)
    pseudonyms = [r["pseudonym"] for r in records]
    assert pseudonyms == sorted(pseudonyms)  # not in the order of the ids
    by_pseudonym = dict(zip(pseudonyms, records, strict=True))
    for member in analysed:  # what is shown is the member's own, or withheld
        record = by_pseudonym[pseudonym(member.id, b"key")]
        true = {"organisation": member.organisation, "role": member.role,
                "region": member.region, "joined": member.joined.year,
                "interests": member.interests, "wants_to_learn": member.wants_to_learn,
                "skills": [s.name for s in member.skills]}
        for field, value in true.items():
            shown_value = record[field]
            assert shown_value is None or shown_value == value or set(shown_value) <= set(value)
    assert len(exported["connections"]) > len(records)


def test_the_export_of_fewer_members_than_k_shows_no_quasi_identifier(
    community: Community,
) -> None:
    exported = pseudonymised_export(Snapshot(community, {}), b"key")
    assert len(exported["members"]) == len(SEEN) < K_ANONYMITY
    assert {_combination(r) for r in exported["members"]} == {
        (None, None, None, None, (), (), ())}


# -- measures ----------------------------------------------------------------------------------


def test_the_summary_counts_no_role_region_or_organisation_that_fewer_than_k_members_give(
        ) -> None:
    regions = ["London"] * 7 + ["North East"] * 3 + ["Wales"] * 2 + ["Scotland"]
    members = [Member(id=f"m{i:02d}", region=region, role="Nurse" if i < 6 else "Analyst",
                      organisation=f"Trust {region}") for i, region in enumerate(regions)]
    figures = summary(Snapshot(Community(members=members), vectors={}))
    assert figures["regions"] == {"London": 7, "others": 6}
    assert figures["roles"] == {"Analyst": 7, "Nurse": 6}
    assert (figures["organisations"], figures["k"]) == (1, 5)  # Trust London alone has 5
    # The one member in Scotland withholds consent to analytics: no count shown says where
    # they were, as none showed Scotland alone.
    members[-1] = members[-1].model_copy(update={"consent": Consent(analytics=False)})
    after = summary(Snapshot(Community(members=members), vectors={}))
    assert after["regions"] == {"London": 7, "others": 5}
    assert "Scotland" not in figures["regions"] | after["regions"]
    assert after["organisations"] == figures["organisations"]


def test_the_summary_counts_no_hidden_member_and_no_share_of_no_ties() -> None:
    members = [Member(id=f"m{i}", organisation="Trust A" if i % 2 else None) for i in range(6)]
    ties = [Connection(source="m0", target="m1"), Connection(source="m2", target="m3")]
    figures = summary(Snapshot(Community(members=members, connections=ties), vectors={}))
    assert (figures["left_out"], figures["cross_organisation_share"]) == (0, None)
    members[0] = members[0].model_copy(update={"consent": Consent(analytics=False)})
    members[1] = members[1].model_copy(update={"visibility": "hidden"})
    members.append(Member(id="m6", organisation="Trust B"))
    ties.append(Connection(source="m3", target="m6"))
    figures = summary(Snapshot(Community(members=members, connections=ties), vectors={}))
    assert (figures["members"], figures["left_out"]) == (5, 1)  # m1 is in no count
    assert figures["cross_organisation_share"] == 1.0


def test_brokerage_leaves_out_neighbours_of_unknown_organisation() -> None:
    # b knows a (N), c (W) and x (no organisation): only a–c counts.
    graph = nx.Graph([("a", "b"), ("b", "c"), ("b", "x")])
    nx.set_node_attributes(graph, {"a": "N", "b": "S", "c": "W"}, "organisation")
    assert brokerage(graph)["b"] == 1
    assert brokerage(graph, attribute="region") == dict.fromkeys("abcx", 0)


def test_topic_supply_by_hand() -> None:
    # Skilled: a skill at level 4 or more (none given counts as 3). m1 (4) and m3 (5) are;
    # m2 (3) and m4 (no level) are not. A: m1, m2, m3 interested, m1 and m3 skilled: 1.5 each.
    # B: m3, m4 interested, m3 skilled: 2. C: only m4, not skilled: first, whatever its size.
    members = [Member(id="m1", interests=["A"], skills=[{"name": "x", "level": 4}]),
               Member(id="m2", interests=["A"], skills=[{"name": "x", "level": 3}]),
               Member(id="m3", interests=["A", "B"], skills=[{"name": "y", "level": 5}]),
               Member(id="m4", interests=["B", "C"], skills=["z"])]
    supply = topic_supply(Snapshot(Community(members=members), {}))
    assert supply.values.tolist() == [["C", 1, 0, np.inf], ["B", 2, 1, 2.0], ["A", 3, 2, 1.5]]
    lenient = topic_supply(Snapshot(Community(members=members), {}), min_level=3)
    assert lenient.set_index("topic")["skilled"].to_dict() == {"A": 3, "B": 2, "C": 1}
