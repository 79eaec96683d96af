"""Validation a user would expect of the domain models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models import Connection, Group, Member, SkillLevel, Topic


def test_skill_accepts_a_bare_name_or_a_level() -> None:
    member = Member(id="a", skills=["coaching", {"name": "Lean", "level": 5}])
    assert member.skills == [SkillLevel(name="coaching"), SkillLevel(name="Lean", level=5)]
    assert member.to_bundle()["skills"] == ["coaching", {"name": "Lean", "level": 5}]


@pytest.mark.parametrize("level", [0, 6, -1])
def test_skill_level_must_be_one_to_five(level: int) -> None:
    with pytest.raises(ValidationError, match=r"skills\.0\.level"):
        Member(id="a", skills=[{"name": "Lean", "level": level}])


@pytest.mark.parametrize("bad", ["", "   ", "a\nb", "x" * 129])
def test_ids_are_short_single_line_and_not_blank(bad: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        Member(id=bad)


def test_ids_are_trimmed() -> None:
    assert Member(id="  m1 ").id == "m1"


@pytest.mark.parametrize("bad", ["a/b", "a?b", "a#b", "a%2Fb", "a b", ".", "..", "-x", "_x",
                                 "x\\y", "é", "m\u2028n"])
def test_ids_keep_to_an_alphabet_safe_in_urls_csv_and_command_lines(bad: str) -> None:
    for make in (lambda: Member(id=bad), lambda: Group(id=bad, name="G"),
                 lambda: Group(id="g", name="G", members=[bad]),
                 lambda: Connection(source=bad, target="a"), lambda: Topic(id=bad, name="t")):
        with pytest.raises(ValidationError, match="ids use ASCII letters, digits and"):
            make()


def test_ids_may_use_letters_digits_and_a_few_marks() -> None:
    assert Member(id="Ana.O_Neill-2@north:trust").id == "Ana.O_Neill-2@north:trust"
    assert Group(id="proposal-2024-01-01-3", name="G").id == "proposal-2024-01-01-3"


def test_lists_refuse_duplicates() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        Member(id="a", skills=["Lean", {"name": "Lean", "level": 2}])
    with pytest.raises(ValidationError, match="listed twice"):
        Member(id="a", interests=["safety", "safety"])
    with pytest.raises(ValidationError, match="listed twice"):
        Group(id="g", name="G", members=["a", "a"])


def test_text_lengths_are_bounded() -> None:
    with pytest.raises(ValidationError, match="bio"):
        Member(id="a", bio="x" * 5001)
    with pytest.raises(ValidationError, match="name"):
        Member(id="a", name="x" * 201)


def test_visibility_and_dates_are_checked() -> None:
    with pytest.raises(ValidationError, match="visibility"):
        Member(id="a", visibility="secret")
    with pytest.raises(ValidationError, match="joined"):
        Member(id="a", joined="last spring")


def test_defaults_are_left_out_of_the_bundle_form() -> None:
    assert Member(id="a", open_to_connect=True, visibility="members").to_bundle() == {"id": "a"}
    assert Member(id="a", open_to_connect=False).to_bundle()["open_to_connect"] is False


def test_unknown_member_fields_are_kept() -> None:
    member = Member.model_validate({"id": "a", "orcid": "0000-0001"})
    assert member.to_bundle() == {"id": "a", "orcid": "0000-0001"}
    kept = {"id": "a", "name": "A", "notes": None, "tags": [], "more": {"x": None}}
    assert Member.model_validate(kept).to_bundle() == kept
    assert Group.model_validate({**kept, "members": []}).to_bundle() == {**kept, "members": []}


@pytest.mark.parametrize("model", [Member, Group])
def test_unknown_fields_are_bounded_in_size_and_depth(model: type[Member | Group]) -> None:
    base = {"id": "a", "name": "A"}
    model.model_validate({**base, "notes": "x" * 19_000, "tags": ["y"] * 100})
    with pytest.raises(ValidationError, match=r"unknown fields \(notes\) take 50,000,013 "
                       "characters as JSON, more than the 20,000 allowed"):
        model.model_validate({**base, "notes": "x" * 50_000_000})
    with pytest.raises(ValidationError, match="more than the 20,000 allowed"):
        model.model_validate({**base, **{f"f{n}": "x" * 1000 for n in range(25)}})
    nested: object = []  # a list 20 deep
    for _ in range(19):
        nested = [nested]
    model.model_validate({**base, "deep": nested})
    with pytest.raises(ValidationError, match=r"unknown fields \(deep\) nest deeper than 20"):
        model.model_validate({**base, "deep": [nested]})


@pytest.mark.parametrize("model", [Member, Group])
@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_unknown_fields_hold_only_numbers_json_can_carry(model: type[Member | Group],
                                                         number: float) -> None:
    """However a record is made (a bundle, the API, code), NaN and Infinity are refused: an
    export would write them as null, or as JSON no reader takes."""
    with pytest.raises(ValidationError, match=r"unknown fields \(notes\) hold a number that is "
                       r"not finite \(NaN or Infinity\)"):
        model.model_validate({"id": "a", "name": "A", "notes": {"readings": [1.5, number]}})


@pytest.mark.parametrize("kind", ["", " ", "   "])
def test_a_connection_with_an_empty_kind_has_no_kind(kind: str) -> None:
    # connections.csv cannot tell an empty kind from none, and one of spaces says nothing more
    assert Connection(source="a", target="b", kind=kind).kind is None


def test_connection_is_not_a_loop() -> None:
    with pytest.raises(ValidationError, match="themself"):
        Connection(source="a", target="a")
    assert Connection(source="a", target="b").pair == Connection(source="b", target="a").pair


def test_group_roles_are_disjoint() -> None:
    with pytest.raises(ValidationError, match="both member and coordinator: a"):
        Group(id="g", name="G", members=["a"], coordinators=["a"])


def test_topic_needs_id_and_name() -> None:
    with pytest.raises(ValidationError):
        Topic(id="t", name="")
    with pytest.raises(ValidationError, match="extra"):
        Topic.model_validate({"id": "t", "name": "x", "colour": "red"})
