"""A community served from memory follows writes made beside it through the store's change
feed, and ends where reading the whole store would."""

from __future__ import annotations

import datetime as dt
import gc
import random
import weakref
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from graph_schema.changes import LISTED
from matcher.recommend import activity, snapshot
from matcher.recommend.snapshot import Snapshot, Vocabulary
from matcher.search.lexical import LexicalIndex
from models import Community, Connection, Consent, Feedback, Group, Member, SkillLevel, Topic
from models.api import ProposalSave, ProposedGroupIn
from models.errors import ConflictError, NotFoundError
from models.privacy import NOT_PLACEABLE, OPERATOR, Caller, placeable, shown_to_others
from service import community, config, connections, groups, proposals
from service.community import LiveCommunity, open_community, read_snapshot
from tests.conftest import stored_copy


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def two(request: pytest.FixtureRequest, generated_store: str, tmp_path: Path,
        encoder) -> Iterator[tuple[LiveCommunity, LiveCommunity]]:
    """Two processes' views of one store (a private copy of the generated community)."""
    location = stored_copy(generated_store, tmp_path, request.param)
    with open_community(location, encoder) as follower, \
            open_community(location, encoder) as writer:
        follower.snapshot, writer.snapshot  # noqa: B018 - both read before the writes
        yield follower, writer


@pytest.fixture
def reloads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole reads of the store from here on."""
    counted: list[int] = []
    whole = community._recommender

    def counting(*args, **kwargs):
        counted.append(1)
        return whole(*args, **kwargs)

    monkeypatch.setattr(community, "_recommender", counting)
    return counted


def _state(snapshot: Snapshot) -> dict[str, object]:
    """What a snapshot holds, in an order that does not depend on how it was made."""
    c = snapshot.community
    return {
        "members": sorted(c.members, key=lambda m: m.id),
        "ties": {t.pair: (t.kind, t.since) for t in c.connections},
        "groups": sorted(c.groups, key=lambda g: g.id),
        "topics": sorted(c.topics, key=lambda t: t.id),
        "skills": sorted(c.skills, key=lambda s: s.id),
        "vectors": {kind: {key: np.round(v, 6).tobytes() for key, v in known.items()}
                    for kind, known in snapshot.vectors.items() if known},
        "dismissed": snapshot.dismissed,
        "accepted": snapshot.accepted,
    }


def _plain(value: object) -> object:
    """``value`` in a form that compares equal whenever two snapshots hold the same thing,
    whatever order their records came in."""
    if sp.issparse(value):
        coo = sp.coo_matrix(value)
        coo.sum_duplicates()
        return (coo.shape, sorted(zip(coo.row.tolist(), coo.col.tolist(),
                                      np.round(coo.data, 5).tolist(), strict=True)))
    if isinstance(value, np.ndarray):
        return np.round(value, 5).tolist() if value.dtype.kind == "f" else value.tolist()
    if isinstance(value, Vocabulary):
        return value.names
    if isinstance(value, LexicalIndex):  # by word: columns may come in another order
        weights = value.weights.tocsc()
        return {word: _plain(weights[:, column]) for word, column in value.vocabulary.items()
                if weights[:, column].nnz}
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def _derived(snapshot: Snapshot) -> dict[str, object]:
    """Every matrix a snapshot derives from its records."""
    found = {name: _plain(getattr(snapshot, name)) for name, attribute in vars(Snapshot).items()
             if isinstance(attribute, cached_property)}
    for ties in ("tie_rows", "scored_ties"):  # following lists new ties after the others
        a, b, day = getattr(snapshot, ties)
        found[ties] = sorted(zip(a.tolist(), b.tolist(), day.tolist(), strict=True))
    # The words' columns are numbered as first met, so following numbers new words after the
    # others: what is read of them, the members' cosines, is what must agree.
    words = snapshot.word_profile
    found["word_profile"] = np.round((words @ words.T).toarray(), 4).tolist()
    found["by_column"].pop("word_profile")
    found["tie_table"] = {t.pair: (t.kind, t.since) for t in snapshot.tie_table}  # codes vary
    return found


def test_following_the_feed_ends_where_a_whole_read_would(
        two: tuple[LiveCommunity, LiveCommunity], reloads: list[int]) -> None:
    follower, writer = two
    members = follower.snapshot.members
    first, second, third = members[0].id, members[1].id, members[2].id
    erased = next(m.id for m in members if follower.snapshot.degree[
        follower.snapshot.ids.index[m.id]] > 1 and any(m.id in g.members
                                                       for g in follower.snapshot.groups))
    group = follower.snapshot.groups[0]
    writer.update_member(first, lambda m: m.model_copy(update={
        "bio": "Runs statistical process control clinics on the maternity ward."}))
    writer.add_member(Member(id="m-new", name="New Member", interests=["flow"],
                             bio="Patient flow and discharge planning."))
    writer.put_connections([Connection(source="m-new", target=second, kind="peer")])
    tie = follower.snapshot.community.connections[0]
    writer.delete_connection(tie.source, tie.target)
    writer.update_group(group.id, lambda g: g.model_copy(update={
        "members": [*g.members, "m-new"], "description": "Now about discharge, too."}))
    writer.put_groups([Group(id="g-new", name="Discharge", members=[third, "m-new"])])
    writer.delete_group(follower.snapshot.groups[-1].id)
    writer.record_feedback(Feedback(member=second, target_kind="member", target=third,
                                    action="dismiss", at=dt.datetime.now(dt.UTC)))
    writer.put_terms([Topic(id="t-flow", name="flow", description="Patients moving on.")])
    writer.erase_member(erased)

    assert follower.follow()
    assert reloads == []  # read from the feed, not whole
    whole = read_snapshot(follower.store)
    assert _state(follower.snapshot) == _state(whole)
    assert _derived(follower.snapshot) == _derived(whole)
    assert erased not in follower.snapshot.ids.index
    assert not follower.follow()  # nothing new
    assert not writer.follow()  # its own writes are not news to it


def test_an_id_erased_and_used_again_does_not_bring_the_old_ties_back(
        two: tuple[LiveCommunity, LiveCommunity], reloads: list[int]) -> None:
    follower, writer = two
    snapshot = follower.snapshot
    member = next(m for m in snapshot.members if snapshot.degree[snapshot.ids.index[m.id]] > 0
                  and any(m.id in g.members for g in snapshot.groups))
    writer.erase_member(member.id)
    writer.add_member(Member(id=member.id, name="Someone else"))
    assert follower.follow()
    assert reloads == []
    row = follower.snapshot.ids.index[member.id]
    assert follower.snapshot.degree[row] == 0
    assert not any(member.id in g.members for g in follower.snapshot.groups)
    assert _state(follower.snapshot) == _state(read_snapshot(follower.store))


def test_a_snapshot_replaced_is_freed_without_the_cycle_collector(
        two: tuple[LiveCommunity, LiveCommunity]) -> None:
    """The snapshot served is left out of the cycle collector's passes
    (``community._exempt_from_full_collections``), so one replaced must be freed by reference
    counting alone: it may hold no reference cycle."""
    follower, writer = two
    read = weakref.ref(follower.snapshot)
    served = weakref.ref(follower.recommender)
    ids = follower.snapshot.ids.names
    gc.disable()
    try:
        writer.put_connections([Connection(source=ids[0], target=ids[-1])])
        writer.update_member(ids[1], lambda m: m.model_copy(update={"bio": "Sepsis audits."}))
        assert follower.follow()
        followed = weakref.ref(follower.snapshot)
        assert read() is None
        follower.reload()
        assert followed() is None
        assert served() is None
    finally:
        gc.enable()


FAILURES = {
    # what is written beside, a record it makes, and the read that fails at the first look
    "following the feed": (lambda w: w.add_member(Member(id="m-new", name="New Member")),
                           "m-new", lambda follower: (follower.store, "get_members")),
    "a whole read, after an import too large to list": (
        lambda w: w.store.write(Community(members=[Member(id=f"bulk-{i}")
                                                   for i in range(LISTED + 1)])),
        "bulk-0", lambda follower: (community, "_recommender")),
}


@pytest.mark.parametrize("failing", FAILURES)
def test_a_follow_that_failed_is_tried_again(two: tuple[LiveCommunity, LiveCommunity],
                                             monkeypatch: pytest.MonkeyPatch,
                                             failing: str) -> None:
    follower, writer = two
    write, made, read = FAILURES[failing]
    write(writer)

    def store_down(*_: object) -> None:
        raise community.StoreUnavailableError("the store is down")

    monkeypatch.setattr(*read(follower), store_down)
    with pytest.raises(community.StoreUnavailableError):
        follower.follow()
    monkeypatch.undo()
    assert made not in follower.snapshot.ids.index
    assert follower.follow()
    assert made in follower.snapshot.ids.index
    assert not follower.follow()


def _declaring(w: LiveCommunity) -> str:
    """A member who names interests (none is inferred from their embedding)."""
    return next(m.id for m in w.snapshot.members if m.interests)


WRITES = {
    # what is written beside, and the matrices the follower must take over rather than rebuild
    "a profile edit": (lambda w, ids: w.update_member(ids[0], lambda m: m.model_copy(
        update={"bio": "Flow coaching and ECMO.", "region": "Far North",
                "interests": ["ward rounds"]})), "adjacency"),
    "a bio edit": (lambda w, ids: w.update_member(_declaring(w), lambda m: m.model_copy(
        update={"bio": "Flow coaching and ECMO."})),
        "adjacency", "skill_profile", "topic_profile", "group_topics"),
    "a change of wants alone": (lambda w, ids: w.update_member(ids[0], lambda m: m.model_copy(
        update={"wants_to_learn": list(w.snapshot.skills.names[1:3])})),
        "word_profile", "skill_profile", "adjacency"),
    "a profile edit in words already known": (lambda w, ids: w.update_member(
        ids[0], lambda m: m.model_copy(update={
            "interests": list(w.snapshot.topics.names[:2]), "role": w.snapshot.members[1].role,
            "skills": [SkillLevel(name=w.snapshot.skills.names[0], level=5)],
            "wants_to_learn": list(w.snapshot.skills.names[1:3])})), "adjacency"),
    "a member hiding, with less said": (lambda w, ids: w.update_member(
        ids[0], lambda m: m.model_copy(update={"visibility": "hidden", "bio": None,
                                               "skills": []})), "adjacency"),
    "a new tie": (lambda w, ids: w.put_connections([Connection(source=ids[0], target=ids[-1])]),
                  "search_index"),
    "a tie made again, dated anew": (lambda w, ids: w.put_connections([next(iter(
        w.snapshot.community.connections)).model_copy(update={"since": dt.date(2030, 1, 2)})]),
        "search_index"),
    "a tie removed": (lambda w, ids: w.delete_connection(
        *next(iter(w.snapshot.community.connections)).pair), "embeddings"),
    "feedback": (lambda w, ids: w.record_feedback(Feedback(
        member=ids[0], target_kind="member", target=ids[1], action="accept",
        at=dt.datetime.now(dt.UTC))), "adjacency"),
    "a group join": (lambda w, ids: w.update_group(w.snapshot.groups[0].id, lambda g: g.model_copy(
        update={"members": [*g.members, ids[-1]]})), "group_words", "topics", "group_topics"),
    "an embedding": (lambda w, ids: w.store.write_embeddings(
        "member", config.snapshot_model_id(), [ids[0]], ["h"],
        w.snapshot.embeddings[1][None]), "adjacency"),
}


@pytest.mark.parametrize("write", WRITES)
def test_what_a_write_left_alone_is_taken_over_and_what_it_changed_is_rebuilt(
        two: tuple[LiveCommunity, LiveCommunity], write: str) -> None:
    follower, writer = two
    make, *untouched = WRITES[write]
    before = follower.snapshot
    make(writer, writer.snapshot.ids.names)
    assert follower.follow()
    for name in untouched:
        assert getattr(follower.snapshot, name) is getattr(before, name), name
    assert _derived(follower.snapshot) == _derived(read_snapshot(follower.store))
    assert _derived(follower.snapshot) != _derived(before)


def test_a_profile_edit_reads_no_members_embeddings_but_the_edited_ones(
        two: tuple[LiveCommunity, LiveCommunity], monkeypatch: pytest.MonkeyPatch) -> None:
    """Patches run after what is taken over: one that reads another matrix (interests read
    the embeddings) finds it there instead of making it whole."""
    follower, writer = two
    made: list[int] = []
    whole = snapshot.vector_matrix
    monkeypatch.setattr(snapshot, "vector_matrix",
                        lambda ids, *rest: made.append(len(ids)) or whole(ids, *rest))
    member = next(m for m in follower.snapshot.members if m.interests)
    writer.update_member(member.id, lambda m: m.model_copy(update={
        "interests": [], "bio": "Leads a sepsis improvement collaborative."}))
    assert follower.follow()
    assert follower.snapshot.interests[follower.snapshot.ids.index[member.id]]  # inferred
    assert max(made, default=0) < len(follower.snapshot)
    # Every member is embedded, so the embedding matrix is the vectors' own, not a copy.
    assert follower.snapshot.embeddings is follower.snapshot.vectors["member"].matrix


def test_new_ties_and_a_group_join_make_again_only_the_rows_they_touch(
        two: tuple[LiveCommunity, LiveCommunity], monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection matrices (the weighted one of recent ties too) are patched in the rows of
    the ends of the ties written, and the membership in the columns of the group joined,
    instead of being made whole."""
    follower, writer = two
    shown = [m.id for m in follower.snapshot.members if shown_to_others(m)]
    last = dt.date.fromordinal(int(follower.snapshot.activity.end))  # dates move no span
    writer.put_connections([Connection(source=shown[0], target=shown[-1], since=last),
                            Connection(source=shown[1], target=shown[-2])])
    group = follower.snapshot.groups[0]
    joining = next(m for m in shown[2:] if m not in (*group.members, *group.coordinators))
    writer.update_group(group.id, lambda g: g.model_copy(update={"members": [*g.members, joining]}))
    whole: list[str] = []
    made: list[int] = []
    symmetric, incidence = snapshot.symmetric, snapshot.incidence
    for module in (snapshot, activity):
        monkeypatch.setattr(module, "symmetric",
                            lambda *args: whole.append("symmetric") or symmetric(*args))
    monkeypatch.setattr(snapshot, "incidence",
                        lambda rows, *rest, **named: made.append(len(rows))
                        or incidence(rows, *rest, **named))
    assert follower.follow()
    assert whole == []
    assert made == [1]  # the group joined, nothing else
    followed = follower.snapshot
    assert followed.adjacency[followed.ids.index[shown[0]], followed.ids.index[shown[-1]]] == 1
    assert _derived(followed) == _derived(read_snapshot(follower.store))


NAMING_EDITS = {
    # an edit of one member, the names it may change, and whether they change
    "names a skill no one had": (
        "c", {"skills": [SkillLevel(name="ECMO", level=2)]}, "skills", True),
    "drops a skill someone else wants": ("a", {"skills": []}, "skills", False),
    "stops wanting a skill someone holds": ("b", {"wants_to_learn": []}, "skills", False),
    "drops the only mention of a skill": ("c", {"wants_to_learn": []}, "skills", True),
    "swaps the only mention of a skill for another": (
        "c", {"wants_to_learn": ["SPC"]}, "skills", True),
    "names a topic no one had": ("c", {"interests": ["Sepsis"]}, "topics", True),
    "drops a topic a group works on": ("a", {"interests": []}, "topics", False),
    "drops the only mention of a topic": ("b", {"interests": []}, "topics", True),
}


@pytest.mark.parametrize("edit", NAMING_EDITS)
def test_a_profile_edit_changes_the_names_in_use_as_reading_them_whole_would(edit: str) -> None:
    """The vocabularies of skills and topics are taken over from the snapshot before unless
    the edit named something new or took away the last mention of something."""
    who, change, names, moves = NAMING_EDITS[edit]
    members = [Member(id="a", skills=[SkillLevel(name="Run charts", level=4)],
                      interests=["Flow"]),
               Member(id="b", skills=[SkillLevel(name="SPC")], wants_to_learn=["Run charts"],
                      interests=["Frailty"]),
               Member(id="c", wants_to_learn=["PDSA"])]
    groups = [Group(id="g", name="Flow group", topics=["Flow"], members=["a"])]
    before = Snapshot(Community(members=members, groups=groups), {})
    before.warmed()
    edited = next(m for m in members if m.id == who).model_copy(update=change)
    after = before.after_write(Community(members=[edited]))
    whole = Snapshot(Community(members=[edited if m.id == who else m for m in members],
                               groups=groups), {})
    assert getattr(after, names) == getattr(whole, names)
    assert (getattr(after, names) is getattr(before, names)) is not moves
    assert _derived(after) == _derived(whole)


def test_a_placement_reads_consent_as_stored_not_as_last_followed(
        two: tuple[LiveCommunity, LiveCommunity]) -> None:
    """A member who withdraws consent to groups, or hides, through one process cannot be
    placed through another in the moments before it follows."""
    placing, changed = two
    group = placing.snapshot.groups[0]
    free = [m.id for m in placing.snapshot.members if placeable(m)
            and m.id not in (*group.members, *group.coordinators)][:3]
    withdrawn, hidden, still = free
    changed.update_member(withdrawn, lambda m: m.model_copy(update={
        "consent": m.consent.model_copy(update={"groups": False})}))
    changed.update_member(hidden, lambda m: m.model_copy(update={"visibility": "hidden"}))
    coordinator = Caller("coordinator", group.coordinators[0] if group.coordinators else None)
    with pytest.raises(ConflictError, match=NOT_PLACEABLE):
        groups.join_group(placing, coordinator, group.id, withdrawn)
    with pytest.raises(NotFoundError):
        groups.join_group(placing, coordinator, group.id, hidden)
    with pytest.raises(ConflictError, match=NOT_PLACEABLE):
        proposals.save(placing, OPERATOR, ProposalSave(
            groups=[ProposedGroupIn(members=[still, withdrawn])], coordinator=still))
    assert withdrawn not in placing.store.get_group(group.id).members
    groups.join_group(placing, coordinator, group.id, still)  # consent as stored still counts
    assert still in placing.store.get_group(group.id).members


def test_a_tie_to_someone_erased_or_hidden_elsewhere_is_to_no_one(
        two: tuple[LiveCommunity, LiveCommunity]) -> None:
    """Someone erased, or hidden, through one process is unknown to a tie made through another
    in the moments before it follows (a 404, not the store's refusal of a dangling tie)."""
    tying, changed = two
    me, erased, hidden = [m.id for m in tying.snapshot.members
                          if m.visibility != "hidden"][:3]
    changed.erase_member(erased)
    changed.update_member(hidden, lambda m: m.model_copy(update={"visibility": "hidden"}))
    ties = tying.store.connections(me)
    for other in (erased, hidden):
        with pytest.raises(NotFoundError):
            connections.add_connection(tying, Caller("member", me),
                                       Connection(source=me, target=other))
    assert tying.store.connections(me) == ties  # nothing written


def _random_community(rng: random.Random) -> Community:
    """A small community with dated and undated ties, hidden members and groups."""
    ids = [f"m{i:02d}" for i in range(24)]
    members = [Member(id=i, bio=rng.choice(["Run charts", "SPC on wards", None]),
                      interests=rng.sample(["Flow", "Sepsis", "Frailty"], rng.randint(0, 2)),
                      visibility=rng.choice(["members", "members", "members", "hidden"]))
               for i in ids]
    pairs = {tuple(sorted(rng.sample(ids, 2))) for _ in range(40)}
    ties = [Connection(source=a, target=b, since=rng.choice(
        [None, dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(300))])) for a, b in pairs]
    groups = [Group(id=f"g{k}", name=f"Group {k}", topics=rng.sample(["Flow", "Sepsis"], 1),
                    members=rng.sample(ids, rng.randint(1, 8))) for k in range(4)]
    return Community(members=members, connections=ties, groups=groups)


def _random_write(rng: random.Random, before: Snapshot) -> Snapshot:
    """``before`` after a write of a few ties (new, dated anew, undated, dated outside the span
    of dates), cuts, profile edits (visibility, consent, bio, interests) and group joins, at
    random."""
    ids = before.ids.names
    ties = list(before.community.connections)
    written = [Connection(source=a, target=b, since=rng.choice(
        [None, dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(-30, 330))]))
        for a, b in (rng.sample(ids, 2) for _ in range(rng.randint(0, 3)))]
    written += [t.model_copy(update={"since": dt.date(2024, 6, 1)})
                for t in rng.sample(ties, rng.randint(0, 1))]
    cut = [frozenset(t.pair) for t in rng.sample(ties, rng.randint(0, 2))]
    edited = [m.model_copy(update=rng.choice([
        {"visibility": rng.choice(["members", "hidden"])},
        {"consent": Consent(suggestions=rng.choice([True, False]))},
        {"bio": rng.choice(["Run charts", "ECMO audits", None])},
        {"interests": rng.sample(["Flow", "Sepsis", "Discharge"], rng.randint(0, 2))}]))
        for m in rng.sample(before.members, rng.randint(0, 2))]
    joined = [g.model_copy(update={"members": sorted({*g.members, rng.choice(ids)})})
              for g in rng.sample(before.groups, rng.randint(0, 1))]
    return before.after_write(Community(members=edited, connections=written, groups=joined),
                              unlinked=cut)


@pytest.mark.parametrize("seed", range(25))
def test_writes_of_every_kind_followed_one_after_another_end_where_a_whole_build_would(
        seed: int) -> None:
    """The patches of ties, profiles and groups, in any mix: after each write the snapshot
    holds what one built whole from the same community holds."""
    rng = random.Random(seed)
    followed = Snapshot(_random_community(rng), {}).warmed()
    for _ in range(6):
        followed = _random_write(rng, followed).warmed()
        whole = Snapshot(followed.community, followed.vectors).warmed()
        assert _derived(followed) == _derived(whole)
