"""Bundles round-trip any text the models accept: a property test over arbitrary Unicode.

Every text field (names, bios, interests, skills, group descriptions, vocabulary, connection
kinds, unknown fields) is drawn from all of Unicode but lone surrogates, with the characters
some readers take for line breaks (U+2028, U+2029, U+0085, \\x1c…) drawn often, so an export
that a later import cannot read, or reads differently, is found.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_schema.bundle import read_bundle, write_bundle
from models import Community, Connection, Group, Member, Skill, Topic

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ANY = st.characters(exclude_categories=("Cs",)) | st.sampled_from(_LINE_BREAKS)
# Labels (names, roles, organisations, kinds) refuse the C0 control characters.
_PRINTABLE = st.characters(exclude_categories=("Cs",), exclude_characters=[
    chr(c) for c in range(0x20)]) | st.sampled_from("\x85\u2028\u2029")

texts = st.text(_ANY, max_size=300)
labels = st.text(_PRINTABLE, max_size=60)
names = st.text(_ANY, min_size=1, max_size=60).filter(lambda s: s.strip())
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,12}", fullmatch=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


def _unknown_fields(known: set[str]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.text(_ANY, min_size=1, max_size=20).filter(lambda k: k not in known)
    return st.dictionaries(keys, json_values, max_size=3)


def _names(max_size: int = 4) -> st.SearchStrategy[list[str]]:
    return st.lists(names, max_size=max_size, unique_by=str.strip)


@st.composite
def members(draw: st.DrawFn, member_id: str) -> Member:
    skills = [name if draw(st.booleans()) else {"name": name, "level": draw(st.integers(1, 5))}
              for name in draw(_names())]
    fields = {
        "id": member_id, "skills": skills, "interests": draw(_names()),
        "wants_to_learn": draw(_names()), "open_to_connect": draw(st.booleans()),
        "visibility": draw(st.sampled_from(["public", "members", "hidden"])),
        "consent": draw(st.fixed_dictionaries({}, optional={
            p: st.booleans() for p in ("suggestions", "groups", "analytics")})),
        "joined": draw(st.none() | st.dates()),
        **{f: draw(st.none() | labels) for f in ("name", "role", "organisation", "region")},
        "bio": draw(st.none() | texts),
    }
    return Member.model_validate({**draw(_unknown_fields(set(Member.model_fields))), **fields})


@st.composite
def communities(draw: st.DrawFn) -> Community:
    member_ids = draw(st.lists(ids, min_size=2, max_size=6, unique=True))
    people = [draw(members(member_id)) for member_id in member_ids]
    pairs = draw(st.lists(st.tuples(st.sampled_from(member_ids), st.sampled_from(member_ids))
                          .filter(lambda p: p[0] != p[1]),
                          max_size=6, unique_by=lambda p: frozenset(p)))
    ties = [Connection(source=a, target=b, kind=draw(st.none() | labels),
                       since=draw(st.none() | st.dates())) for a, b in pairs]
    groups = []
    for group_id in draw(st.lists(ids, max_size=3, unique=True)):
        chosen = draw(st.lists(st.sampled_from(member_ids), unique=True))
        split = draw(st.integers(0, len(chosen)))
        groups.append(Group.model_validate({
            **draw(_unknown_fields(set(Group.model_fields))),
            "id": group_id, "name": draw(names), "description": draw(st.none() | texts),
            "topics": draw(_names()), "members": chosen[:split], "coordinators": chosen[split:],
        }))
    return Community(members=people, connections=ties, groups=groups,
                     topics=draw(_vocabulary(Topic)), skills=draw(_vocabulary(Skill)))


@st.composite
def _vocabulary(draw: st.DrawFn, model: type[Topic | Skill]) -> list[Topic | Skill]:
    terms: list[Topic | Skill] = []
    for n, name in enumerate(draw(st.lists(names, max_size=4, unique_by=str.strip))):
        parent = draw(st.none() | st.sampled_from([t.id for t in terms])) if terms else None
        terms.append(model(id=f"t{n}", name=name, description=draw(st.none() | texts),
                           parent=parent))
    return terms


@settings(max_examples=150, deadline=None)
@given(communities())
def test_a_written_bundle_reads_back_the_same_and_writes_the_same_files(
        community: Community) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first = write_bundle(community, Path(folder) / "first")
        back = read_bundle(first)
        assert back == community
        second = write_bundle(back, Path(folder) / "second")
        for path in sorted(first.iterdir()):
            assert path.read_bytes() == (second / path.name).read_bytes(), path.name
            # one record a line, whatever reads it
            if path.suffix == ".jsonl":
                assert len(path.read_text(encoding="utf-8").splitlines()) == len(
                    getattr(community, path.stem))
