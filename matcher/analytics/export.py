"""The community as networkx graphs and pandas tables, for analysts.

- :func:`member_graph`: members and their ties, the graph for degrees, components, centrality
  and brokerage;
- :func:`community_graph`: the whole property graph as ``graph_schema/README.md`` describes it
  (members, organisations, regions, topics, skills and groups, with typed relationships);
- :func:`tables`: the same data as tidy tables (members, connections, memberships, interests,
  skills, wants, groups), one row per fact.

Every export passes its snapshot through :func:`matcher.analysts_view.analysed` first, so
members who are hidden or have not consented to analytics are absent however the snapshot was
read, and none carries a name or bio: analysis needs neither, and consent to analytics is
consent to pseudonymous use. Members are keyed by their ids, so tables join and a finding can
be followed back in the store by those allowed to.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd

from matcher.analytics.view import analysed
from matcher.recommend.snapshot import Snapshot
from models import Member

__all__ = ["MEMBER_ATTRIBUTES", "community_graph", "member_graph", "tables"]

MEMBER_ATTRIBUTES = ("role", "organisation", "region", "joined", "open_to_connect", "visibility")
"""What a member node carries (never a name or bio); a missing value is left off."""


def _attributes(member: Member) -> dict[str, Any]:
    values = {key: getattr(member, key) for key in MEMBER_ATTRIBUTES}
    return {key: value for key, value in values.items() if value is not None}


def _tie(kind: str | None, since: object) -> dict[str, Any]:
    return {key: value for key, value in (("kind", kind), ("since", since)) if value is not None}


def member_graph(snapshot: Snapshot) -> nx.Graph:
    """Members (keyed by id, with :data:`MEMBER_ATTRIBUTES`) and their ties (``kind``,
    ``since``), as an undirected graph.

    >>> from models import Community, Connection, Member
    >>> people = [Member(id="ana", name="Ana", organisation="North Trust"), Member(id="ben"),
    ...           Member(id="cy", visibility="hidden")]
    >>> ties = [Connection(source="ana", target="ben", kind="peer"),
    ...         Connection(source="ana", target="cy")]
    >>> graph = member_graph(Snapshot(Community(members=people, connections=ties), {}))
    >>> sorted(graph.nodes), graph.nodes["ana"]["organisation"], "name" in graph.nodes["ana"]
    (['ana', 'ben'], 'North Trust', False)
    >>> graph.edges["ben", "ana"]
    {'kind': 'peer'}
    """
    snapshot = analysed(snapshot)
    graph = nx.Graph()
    graph.add_nodes_from((m.id, _attributes(m)) for m in snapshot.members)
    graph.add_edges_from((t.source, t.target, _tie(t.kind, t.since))
                         for t in snapshot.community.connections)
    return graph


def _vocabulary(graph: nx.MultiDiGraph, snapshot: Snapshot) -> None:
    """Declared topics and skills with their descriptions, and BROADER from child to parent."""
    for kind, terms in (("topic", snapshot.community.topics), ("skill", snapshot.community.skills)):
        names = {term.id: term.name for term in terms}
        for term in terms:
            details = {"id": term.id, "description": term.description}
            graph.add_node((kind, term.name), kind=kind,
                           **{k: v for k, v in details.items() if v is not None})
            if term.parent in names:
                graph.add_edge((kind, term.name), (kind, names[term.parent]), key="BROADER")


def _member_edges(graph: nx.MultiDiGraph, member: Member) -> None:
    me = ("member", member.id)
    graph.add_node(me, kind="member", **_attributes(member))
    if member.organisation:
        organisation = ("organisation", member.organisation)
        graph.add_edge(me, organisation, key="WORKS_AT")
        if member.region:
            graph.add_edge(organisation, ("region", member.region), key="IN_REGION")
    for skill in member.skills:
        graph.add_edge(me, ("skill", skill.name), key="HAS_SKILL",
                       **({"level": skill.level} if skill.level is not None else {}))
    for name in member.wants_to_learn:
        graph.add_edge(me, ("skill", name), key="WANTS_TO_LEARN")
    for name in member.interests:
        graph.add_edge(me, ("topic", name), key="INTERESTED_IN")


def community_graph(snapshot: Snapshot) -> nx.MultiDiGraph:
    """The property graph: nodes keyed ``(kind, key)`` (``("member", id)``,
    ``("organisation", name)``, ``("region", name)``, ``("topic", name)``, ``("skill", name)``,
    ``("group", id)``), each with a ``kind`` attribute; relationships as edges keyed by their
    type: CONNECTED_TO (``kind``, ``since``; once, as stored), WORKS_AT, IN_REGION, HAS_SKILL
    (``level``), WANTS_TO_LEARN, INTERESTED_IN, MEMBER_OF (``role``), FOCUSES_ON, BROADER.

    >>> from models import Community, Group, Member
    >>> people = [Member(id="ana", organisation="North Trust", region="North",
    ...                  skills=[{"name": "coaching", "level": 4}])]
    >>> graph = community_graph(Snapshot(Community(members=people, groups=[
    ...     Group(id="g1", name="Coaches", members=["ana"], topics=["coaching"])]), {}))
    >>> sorted(graph.edges(keys=True))  # doctest: +NORMALIZE_WHITESPACE
    [(('group', 'g1'), ('topic', 'coaching'), 'FOCUSES_ON'),
     (('member', 'ana'), ('group', 'g1'), 'MEMBER_OF'),
     (('member', 'ana'), ('organisation', 'North Trust'), 'WORKS_AT'),
     (('member', 'ana'), ('skill', 'coaching'), 'HAS_SKILL'),
     (('organisation', 'North Trust'), ('region', 'North'), 'IN_REGION')]
    >>> graph.nodes["organisation", "North Trust"]["kind"], graph.nodes["region", "North"]["kind"]
    ('organisation', 'region')
    """
    snapshot = analysed(snapshot)
    graph = nx.MultiDiGraph()
    _vocabulary(graph, snapshot)
    for member in snapshot.members:
        _member_edges(graph, member)
    for tie in snapshot.community.connections:
        graph.add_edge(("member", tie.source), ("member", tie.target), key="CONNECTED_TO",
                       **_tie(tie.kind, tie.since))
    for group in snapshot.groups:
        me = ("group", group.id)
        graph.add_node(me, kind="group", name=group.name,
                       **({"description": group.description} if group.description else {}))
        for role, people in (("member", group.members), ("coordinator", group.coordinators)):
            for person in people:
                graph.add_edge(("member", person), me, key="MEMBER_OF", role=role)
        for topic in group.topics:
            graph.add_edge(me, ("topic", topic), key="FOCUSES_ON")
    for node, data in graph.nodes(data=True):
        data.setdefault("kind", node[0])  # terms, organisations and regions met only as targets
    return graph


def tables(snapshot: Snapshot) -> dict[str, pd.DataFrame]:
    """The community as tidy tables: ``members`` (one row each, :data:`MEMBER_ATTRIBUTES`,
    missing values empty), ``connections`` (source, target, kind, since), ``memberships``
    (member, group, role), ``interests`` (member, topic), ``skills`` (member, skill, level),
    ``wants`` (member, skill) and ``groups`` (id, name, description, size). Dates are pandas
    datetimes.

    >>> from models import Community, Member
    >>> ana = Member(id="ana", interests=["patient safety", "measurement"], joined="2015-03-01")
    >>> found = tables(Snapshot(Community(members=[ana]), {}))
    >>> found["interests"].values.tolist()
    [['ana', 'patient safety'], ['ana', 'measurement']]
    >>> str(found["members"].loc[0, "joined"].date())
    '2015-03-01'
    """
    snapshot = analysed(snapshot)
    people = snapshot.members
    members = pd.DataFrame([{"id": m.id, **{k: getattr(m, k) for k in MEMBER_ATTRIBUTES}}
                            for m in people], columns=["id", *MEMBER_ATTRIBUTES])
    connections = pd.DataFrame([(t.source, t.target, t.kind, t.since)
                                for t in snapshot.community.connections],
                               columns=["source", "target", "kind", "since"])
    for table, column in ((members, "joined"), (connections, "since")):
        table[column] = pd.to_datetime(table[column])
    memberships = [(m, g.id, role) for g in snapshot.groups
                   for role, ids in (("member", g.members), ("coordinator", g.coordinators))
                   for m in ids]
    return {
        "members": members,
        "connections": connections,
        "memberships": pd.DataFrame(memberships, columns=["member", "group", "role"]),
        "interests": pd.DataFrame([(m.id, t) for m in people for t in m.interests],
                                  columns=["member", "topic"]),
        "skills": pd.DataFrame([(m.id, s.name, s.level) for m in people for s in m.skills],
                               columns=["member", "skill", "level"]).astype({"level": "Int64"}),
        "wants": pd.DataFrame([(m.id, s) for m in people for s in m.wants_to_learn],
                              columns=["member", "skill"]),
        "groups": pd.DataFrame([(g.id, g.name, g.description, len(g.members) + len(g.coordinators))
                                for g in snapshot.groups],
                               columns=["id", "name", "description", "size"]),
    }
