"""Records a store reads back are rebuilt without validating them again (graph_schema.store):
they must be exactly the records validation gives, fields set and unknown fields included."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import BaseModel

from graph_schema import Store
from graph_schema.store import (
    connection_from_row,
    group_from_row,
    member_from_row,
    shared_names,
    shared_skill,
)
from models import Community, Connection, Consent, Group, Member, SkillLevel


def _same(read: BaseModel, validated: BaseModel, fields_set: bool = True) -> None:
    """``read`` is ``validated`` in every respect pydantic keeps: values (nested records of
    the same types), unknown fields, how it dumps, and (with ``fields_set``) the fields
    counted as set."""
    assert type(read) is type(validated)
    assert read == validated
    assert read.__dict__ == validated.__dict__
    assert list(read.__dict__) == list(validated.__dict__)
    assert read.model_extra == validated.model_extra
    if fields_set:
        assert read.model_fields_set == validated.model_fields_set
    assert read.model_dump() == validated.model_dump()
    assert repr(read) == repr(validated)
    for name, value in read.__dict__.items():
        other = validated.__dict__[name]
        assert type(value) is type(other), name
        if isinstance(value, list):
            assert [type(v) for v in value] == [type(v) for v in other], name
            for mine, theirs in zip(value, other, strict=True):
                if isinstance(mine, BaseModel):
                    _same(mine, theirs, fields_set)
        if isinstance(value, BaseModel):
            _same(value, other, fields_set)


def _revalidated(record: BaseModel) -> BaseModel:
    """``record`` validated afresh from everything it holds (its unknown fields too), every
    field counted as set."""
    return type(record).model_validate(record.model_dump())


EXTRA = {"pronouns": "she/her", "links": [{"site": None, "tags": []}], "blank": None, "n": 3}


@pytest.mark.parametrize(("props", "organisation", "skills", "interests", "wants"), [
    ({"id": "ana", "name": "Ana", "role": "nurse", "region": "North", "bio": "Runs charts.",
      "open_to_connect": 0, "visibility": "hidden", "joined": "2015-03-01",
      "consent_suggestions": 1, "consent_groups": 0, "consent_analytics": 1,
      "extra": json.dumps(EXTRA)},
     "North Trust", [("coaching", None), ("statistical process control", 4)],
     ["patient safety", "measurement"], ["co-design"]),
    # As Neo4j gives them: native values, properties never set missing.
    ({"id": "ben", "open_to_connect": True, "visibility": "members",
      "joined": dt.date(2020, 2, 29), "consent_groups": False},
     None, [], [], []),
    ({"id": "cy", "name": None, "role": None, "region": None, "bio": None,
      "open_to_connect": 1, "visibility": "public", "joined": None, "consent_suggestions": None,
      "consent_groups": None, "consent_analytics": None, "extra": None},
     None, [("PDSA", 1)], [], ["run charts", "SPC"]),
])
def test_a_member_read_back_is_the_member_validation_gives(
    props: dict[str, Any], organisation: str | None, skills: list[tuple[str, int | None]],
    interests: list[str], wants: list[str],
) -> None:
    # What reads did before they trusted the store: validate the row.
    data = {k: v for k, v in props.items() if v is not None and k != "extra"}
    consent = {k.removeprefix("consent_"): bool(data.pop(k)) for k in list(data)
               if k.startswith("consent_")}
    data["open_to_connect"] = bool(data["open_to_connect"])  # the embedded store keeps 0 or 1
    validated = Member.model_validate({
        **json.loads(props.get("extra") or "{}"), **data, "consent": consent,
        "organisation": organisation, "skills": [{"name": n, "level": lv} for n, lv in skills],
        "interests": interests, "wants_to_learn": wants,
    })
    read = member_from_row(props, organisation, [shared_skill(*s) for s in skills],
                           shared_names(interests), shared_names(wants))
    _same(read, validated)


@pytest.mark.parametrize("since", ["2016-05-01", dt.date(2016, 5, 1), None])
@pytest.mark.parametrize("kind", ["peer", None])
def test_a_tie_read_back_is_the_tie_validation_gives(since: Any, kind: str | None) -> None:
    validated = Connection(source="ana", target="ben", kind=kind, since=since)
    _same(connection_from_row("ana", "ben", kind, since), validated)


@pytest.mark.parametrize(("props", "topics", "people"), [
    ({"id": "g1", "name": "Safety", "description": "Monthly.", "extra": json.dumps(EXTRA)},
     ["patient safety"], [("ana", "member"), ("cat", "coordinator"), ("ben", "member")]),
    ({"id": "g2", "name": "Quiet", "description": None, "extra": None}, [], []),
    ({"id": "g3", "name": "Neo4j's way"}, ["measurement", "co-design"], [("dev", "coordinator")]),
])
def test_a_group_read_back_is_the_group_validation_gives(
    props: dict[str, Any], topics: list[str], people: list[tuple[str, str]],
) -> None:
    data = {k: v for k, v in props.items() if v is not None and k != "extra"}
    validated = Group.model_validate({
        **json.loads(props.get("extra") or "{}"), **data, "topics": topics,
        "members": [m for m, role in people if role == "member"],
        "coordinators": [m for m, role in people if role == "coordinator"],
    })
    _same(group_from_row(props, topics, people), validated)


def test_shared_skills_and_consents_are_frozen() -> None:
    # Members share these (few distinct ones exist): sharing is safe only while they are.
    assert SkillLevel.model_config.get("frozen") and Consent.model_config.get("frozen")
    assert Connection.model_config.get("frozen")


@pytest.fixture
def varied(tiny: Community) -> Community:
    """``tiny`` and records at the edges: bare ones, nested unknown fields, a tie undated."""
    return Community(
        members=[*tiny.members, Member(id="fay"),
                 Member(id="gus", skills=["PDSA", {"name": "SPC", "level": 5}],
                        consent={"suggestions": False}, joined="2024-02-29", **EXTRA)],
        connections=[*tiny.connections, Connection(source="gus", target="fay")],
        groups=[*tiny.groups, Group(id="g2", name="Bare"),
                Group(id="g3", name="Rich", description="Nested extras.", topics=["PDSA"],
                      members=["fay"], coordinators=["gus", "ana"], **EXTRA)],
        topics=tiny.topics, skills=tiny.skills,
    )


def test_every_read_gives_records_equal_to_validated_ones(store: Store,
                                                          varied: Community) -> None:
    store.write(varied)
    back = store.export()
    members = {m.id: m for m in varied.members}
    reads = [*back.members, *store.members(), *store.list_members(limit=3),
             *store.get_members(["gus", "fay", "nobody"]), store.get_member("ana")]
    for member in reads:
        _same(member, _revalidated(member), fields_set=False)
        assert member == members[member.id]
    ties = {t.pair: t for t in varied.connections}
    for tie in [*back.connections, *store.connections("gus")]:
        _same(tie, _revalidated(tie), fields_set=False)
        assert (tie.kind, tie.since) == (ties[tie.pair].kind, ties[tie.pair].since)
    groups = {g.id: g for g in varied.groups}
    for group in [*back.groups, *store.groups(), store.get_group("g3")]:
        _same(group, _revalidated(group), fields_set=False)
        assert group == groups[group.id]
    assert store.get_member("gus").model_extra == EXTRA
    assert store.get_group("g3").model_extra == EXTRA
