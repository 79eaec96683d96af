"""Recommendations on a generated community: rules, fairness, reasons, cold start, stores."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from graph_schema import open_store
from graph_schema.store import copy_store
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.profile_text import member_text
from matcher.embeddings.refresh import refresh
from matcher.recommend.candidates import query_signals
from matcher.recommend.features import FEATURES, pair_features, relative
from matcher.recommend.graph_signals import random_walk_weights
from matcher.recommend.group_ranking import (
    GROUP_FEATURES,
    GroupRanking,
    group_features,
    train_group_ranking,
)
from matcher.recommend.people_ranking import PeopleRanking, train_people_ranking
from matcher.recommend.ranker_files import load_rankings, save_rankings
from matcher.recommend.recommender import HELPER_MIN_LEVEL, Recommender
from matcher.recommend.rerank import RerankPolicy
from matcher.recommend.snapshot import Snapshot, snapshot_from_store
from matcher.search.index import knows_text
from models import Community, Connection, Consent, Group, Member
from models.errors import NotFoundError
from models.privacy import findable, shown_to_others
from service.community import open_community
from tests.conftest import neo4j_uri
from tests.neo4j_server import wipe


@pytest.fixture(scope="module")
def snapshot(generated_store: str, encoder: Encoder) -> Snapshot:
    with open_store(generated_store) as store:
        return snapshot_from_store(store, encoder.model_id)


@pytest.fixture(scope="module")
def rankers(snapshot: Snapshot) -> tuple[PeopleRanking, GroupRanking]:
    return train_people_ranking(snapshot), train_group_ranking(snapshot)


def _recommender(snapshot: Snapshot, rankers: tuple[PeopleRanking, GroupRanking],
                 policy: RerankPolicy | None = None) -> Recommender:
    return Recommender(snapshot, *rankers, policy=policy or RerankPolicy())


def test_rankers_learn_from_the_community(rankers: tuple[PeopleRanking, GroupRanking]) -> None:
    people, groups = rankers
    assert people.learned and people.metadata["positives"] >= 30
    assert groups.metadata["kind"] == "logistic regression"


def test_never_self_connections_hidden_or_closed(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    closed = {m.id for m in snapshot.members if not m.open_to_connect or m.visibility == "hidden"}
    assert closed
    for member in snapshot.members[:120]:
        row = snapshot.ids.index[member.id]
        friends = {snapshot.ids.names[r] for r in snapshot.neighbours(row)}
        for s in recommender.people(member.id, 10) + recommender.helpers(member.id, 10):
            assert s.id != member.id and s.id not in friends and s.id not in closed


def test_members_without_consent_are_never_suggested(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    shown = Counter(s.id for m in snapshot.members[1:80] for s in recommender.people(m.id, 10))
    popular = shown.most_common(1)[0][0]
    refusing = snapshot.members[snapshot.ids.index[popular]].model_copy(
        update={"consent": Consent(suggestions=False)})
    recommender = _recommender(snapshot.after_write(Community(members=[refusing])), rankers)
    for other in snapshot.members[1:80]:
        found = recommender.people(other.id, 10) + recommender.helpers(other.id, 10)
        assert popular not in {s.id for s in found}


def test_dismissed_and_accepted_are_not_suggested(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    me = next(m.id for m in snapshot.members if m.visibility != "hidden")
    first = [s.id for s in recommender.people(me, 5)]
    dismissed, accepted = first[0], first[1]
    changed = Snapshot(snapshot.community, snapshot.vectors,
                       dismissed=frozenset({(me, "member", dismissed)}),
                       accepted=frozenset({(me, "member", accepted)}))
    again = _recommender(changed, rankers)
    assert not {dismissed, accepted} & {s.id for s in again.people(me, 20)}
    # A dismissal keeps the two apart both ways.
    assert me not in {s.id for s in again.people(dismissed, 50)}


def test_exposure_is_capped(snapshot: Snapshot, rankers) -> None:
    share = 0.05
    recommender = _recommender(snapshot, rankers, RerankPolicy(max_exposure_share=share))
    counts: Counter[str] = Counter()
    for member in snapshot.members:
        counts.update(s.id for s in recommender.people(member.id, 10))
    cap = share * max(len(snapshot), math.ceil(10 / share))
    assert max(counts.values()) <= cap
    uncapped = _recommender(snapshot, rankers, RerankPolicy(max_exposure_share=1.0))
    loose: Counter[str] = Counter()
    for member in snapshot.members:
        loose.update(s.id for s in uncapped.people(member.id, 10))
    assert max(loose.values()) > cap  # the cap is doing something on this community


def test_each_list_mixes_organisations(snapshot: Snapshot, rankers) -> None:
    policy = RerankPolicy(min_other_organisations=0.7)
    recommender = _recommender(snapshot, rankers, policy)
    for member in snapshot.members[:150]:
        found = recommender.people(member.id, 10)
        if member.organisation and len(found) == 10:
            others = [s for s in found if snapshot.members[snapshot.ids.index[s.id]].organisation
                      != member.organisation]
            assert len(others) >= 7


def _lists_only(text: str, allowed: set[str]) -> bool:
    """Whether ``text`` is a listing ("a, b and c (and 2 more)") of names from ``allowed``."""
    rest = re.sub(r" \(and \d+ more\)$", "", text)
    for name in sorted(allowed, key=len, reverse=True):
        rest = rest.replace(name, "\0")
    return bool(re.fullmatch(r"\0((, | and )\0)*", rest))


def _check_reason(snapshot: Snapshot, me: Member, other: Member, reason: str) -> None:
    index = snapshot.ids.index
    if m := re.fullmatch(r"shares your interests? in (.+)", reason):
        assert _lists_only(m[1], set(me.interests) & set(other.interests)), reason
    elif m := re.fullmatch(r"interested in (.+), close to what your profile describes", reason):
        assert not me.interests
        assert _lists_only(m[1], set(snapshot.interests[index[me.id]]) & set(other.interests))
    elif m := re.fullmatch(r"(\d+) mutual connections?: (.+)", reason):
        common = set(snapshot.neighbours(index[me.id])) & set(snapshot.neighbours(index[other.id]))
        visible = [snapshot.members[r] for r in common if snapshot.visible[r]]
        assert int(m[1]) == len(visible), reason
        assert _lists_only(m[2], {v.name or v.id for v in visible}), reason
    elif m := re.fullmatch(r"level (\d) \(.+\) in (.+), which you want to learn", reason):
        assert m[2] in me.wants_to_learn
        assert {s.name: s.level for s in other.skills}[m[2]] == int(m[1]), reason
    elif m := re.fullmatch(r"has (.+), which you want to learn", reason):
        assert m[1] in me.wants_to_learn and m[1] in [s.name for s in other.skills], reason
    elif m := re.fullmatch(r"wants to learn (.+), which you have", reason):
        assert m[1] in other.wants_to_learn and m[1] in [s.name for s in me.skills], reason
    elif m := re.fullmatch(r"works in another region \((.+)\)", reason):
        assert other.region == m[1] != me.region, reason
    elif m := re.fullmatch(r"works at another organisation \((.+)\)", reason):
        assert other.organisation == m[1] != me.organisation, reason
    elif m := re.fullmatch(r"also in (.+)", reason):
        groups = {g.name for g in snapshot.groups
                  if {me.id, other.id} <= {*g.members, *g.coordinators}}
        assert _lists_only(m[1], groups), reason
    else:
        pytest.fail(f"unrecognised reason: {reason}")


def test_reasons_are_true(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    seen = 0
    for me in snapshot.members[:80]:
        for s in recommender.people(me.id, 10) + recommender.helpers(me.id, 5):
            other = snapshot.members[snapshot.ids.index[s.id]]
            for reason in s.reasons:
                _check_reason(snapshot, me, other, reason)
                seen += 1
    assert seen > 200


def test_reasons_never_name_hidden_members(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    hidden = {m.name for m in snapshot.members if m.visibility == "hidden"}
    for me in snapshot.members[:150]:
        for s in recommender.people(me.id, 10) + recommender.groups(me.id, 5):
            assert not any(name in reason for name in hidden for reason in s.reasons)


def test_a_hidden_members_ties_move_no_one_elses_suggestions(snapshot: Snapshot, rankers) -> None:
    hidden = max((m for m in snapshot.members if not shown_to_others(m)),
                 key=lambda m: snapshot.degree[snapshot.ids.index[m.id]])
    row = snapshot.ids.index[hidden.id]
    contacts = [snapshot.ids.names[r] for r in snapshot.neighbours(row)]
    assert len(contacts) >= 3
    without = snapshot.with_changes(connections=[
        t for t in snapshot.community.connections if hidden.id not in (t.source, t.target)])
    others = [m.id for m in snapshot.members[:40] if shown_to_others(m)]
    with_ties, without_ties = _recommender(snapshot, rankers), _recommender(without, rankers)
    for member in [*contacts, *others]:
        assert with_ties.people(member, 10) == without_ties.people(member, 10)
        assert with_ties.groups(member, 5) == without_ties.groups(member, 5)
    # Their own ties to visible members still serve them: the friends of those friends (by
    # visible members' ties) are whom they share neighbours with.
    shown = [r for r in snapshot.neighbours(row) if snapshot.visible[r]]
    scored = snapshot.scoring_adjacency
    friends_of_friends = {int(r) for c in shown for r in scored[c].indices} - {row}
    signals = query_signals(snapshot, row)
    for common in (signals.neighbourhood.common, signals.recent_common):  # by recency too
        assert friends_of_friends
        assert set(np.flatnonzero(common).tolist()) - {row} == friends_of_friends
    assert snapshot.activity.dated
    # and so are the groups those friends are in.
    connections = group_features(snapshot, row)[:, GROUP_FEATURES.index("connections")]
    in_groups = np.asarray(snapshot.membership[shown].sum(axis=0)).ravel()
    assert in_groups.any() and np.allclose(connections, np.log1p(in_groups))


def test_helpers_hold_the_wanted_skill(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    me = next(m for m in snapshot.members if m.wants_to_learn)
    found = recommender.helpers(me.id, 10)
    assert found
    for s in found:
        levels = {k.name: k.level or 3 for k in snapshot.members[snapshot.ids.index[s.id]].skills}
        assert any(levels.get(w, 0) >= HELPER_MIN_LEVEL for w in me.wants_to_learn)
    skill = snapshot.skills.names[0]
    named = recommender.helpers(me.id, 5, skill=skill)
    for s in named:
        assert skill in [k.name for k in snapshot.members[snapshot.ids.index[s.id]].skills]
    # A skill no member names (one just declared; the service checks names exist): no one.
    assert recommender.helpers(me.id, 5, skill="juggling") == []


def test_groups_exclude_those_joined(snapshot: Snapshot, rankers) -> None:
    recommender = _recommender(snapshot, rankers)
    for me in snapshot.members[:100]:
        mine = {g.id for g in snapshot.groups if me.id in (*g.members, *g.coordinators)}
        found = recommender.groups(me.id, 5)
        assert len(found) == 5 and not mine & {s.id for s in found}


def test_unknown_member_is_not_found(snapshot: Snapshot, rankers) -> None:
    with pytest.raises(NotFoundError):
        _recommender(snapshot, rankers).people("nobody")


def test_cold_start_community_uses_the_formula(generated: Community, snapshot: Snapshot) -> None:
    sparse = snapshot.with_changes(connections=generated.connections[:20])
    ranking = train_people_ranking(sparse)
    assert not ranking.learned and "fallback" in ranking.metadata["kind"]
    recommender = Recommender(sparse, ranking, train_group_ranking(sparse))
    found = recommender.people(sparse.members[0].id, 10)
    assert len(found) == 10


def test_new_member_with_only_a_bio_gets_good_suggestions(
    generated_store: str, generated: Community, encoder: Encoder, tmp_path
) -> None:
    with open_store(generated_store) as source, open_store(str(tmp_path / "s.db")) as store:
        copy_store(source, store)
        bio = ("I am a midwife working on safer births, maternity services and perinatal mental "
               "health, and I want to learn more about continuity of carer.")
        newcomer = Member(id="newcomer", bio=bio)
        store.write(Community(members=[newcomer]))
        refresh(store, encoder, "member", {"newcomer": member_text(newcomer)})
        recommender = Recommender(snapshot_from_store(store, encoder.model_id))
        found = recommender.people("newcomer", 10)
    assert len(found) == 10

    def about_births(member: Member) -> bool:
        return any(re.search(r"aternity|erinatal|eonatal|birth", t) for t in member.interests)

    snapshot = recommender.snapshot
    matched = sum(about_births(snapshot.members[snapshot.ids.index[s.id]]) for s in found)
    base_rate = np.mean([about_births(m) for m in snapshot.members])
    assert matched >= 5 and matched / 10 >= 3 * base_rate, (matched, base_rate)
    assert all(s.reasons for s in found)
    newcomer_row = recommender.snapshot.ids.index["newcomer"]
    for s in found:
        other = recommender.snapshot.members[recommender.snapshot.ids.index[s.id]]
        for reason in s.reasons:
            _check_reason(recommender.snapshot, recommender.snapshot.members[newcomer_row],
                          other, reason)


def test_rankers_are_saved_and_loaded(rankers, snapshot: Snapshot, tmp_path) -> None:
    save_rankings(tmp_path, *rankers)
    people, _groups = load_rankings(tmp_path)
    features = np.random.default_rng(0).random((5, len(people.metadata["features"])))
    assert np.allclose(people.scores(features), rankers[0].scores(features))
    assert load_rankings(tmp_path / "none") is None


@pytest.mark.neo4j
def test_both_stores_give_identical_recommendations(generated_store: str, snapshot: Snapshot,
                                                    rankers) -> None:
    uri = neo4j_uri()
    wipe(uri)
    with open_store(generated_store) as source, open_store(uri) as graph:
        copy_store(source, graph)
        from_neo4j = snapshot_from_store(graph, _model_of(source))
    on_embedded, on_neo4j = _recommender(snapshot, rankers), _recommender(from_neo4j, rankers)
    for member in snapshot.members[:60]:
        assert on_embedded.people(member.id, 10) == on_neo4j.people(member.id, 10)
        assert on_embedded.groups(member.id, 5) == on_neo4j.groups(member.id, 5)


def _model_of(store) -> str:
    return next(iter(store.embedding_state("member").values()))[0]


def test_the_live_community_reads_the_store_when_first_asked(generated_store: str) -> None:
    with open_community(generated_store) as live:
        assert live._recommender is None  # nothing read until it is needed
        assert len(live.snapshot) == 400
        assert live.snapshot.embeddings.any()
        assert isinstance(live.trained, bool)


def test_connections_written_to_the_snapshot_change_suggestions(snapshot: Snapshot,
                                                                rankers) -> None:
    me = snapshot.members[0].id
    first = _recommender(snapshot, rankers).people(me, 3)[0].id
    tied = snapshot.with_changes(connections=[*snapshot.community.connections,
                                              Connection(source=me, target=first)])
    assert first not in {s.id for s in _recommender(tied, rankers).people(me, 10)}


def test_a_write_applied_to_the_snapshot_matches_reading_the_store(
    generated_store: str, encoder: Encoder, rankers, tmp_path
) -> None:
    from models import Feedback

    with open_store(generated_store) as source, open_store(str(tmp_path / "s.db")) as store:
        copy_store(source, store)
        before = snapshot_from_store(store, encoder.model_id)
        a, b, c = (m.id for m in before.members[:3])
        moved = before.members[0].model_copy(update={"interests": ["Health inequalities"],
                                                     "organisation": "Elsewhere Trust"})
        write = Community(members=[moved], connections=[Connection(source=a, target=c)])
        store.write(write)
        store.delete_member(b)
        feedback = Feedback(member=c, target_kind="member", target=before.members[5].id,
                            action="dismiss")
        store.record_feedback(feedback)
        refresh(store, encoder, "member", {a: member_text(moved)})
        vectors = {"member": dict(zip(*store.embeddings("member", encoder.model_id),
                                      strict=True))}
        applied = before.after_write(write, vectors={"member": {a: vectors["member"][a]}},
                                     deleted=[b], feedback=[feedback])
        reread = snapshot_from_store(store, encoder.model_id)
    assert applied.ids == reread.ids
    assert (applied.adjacency != reread.adjacency).nnz == 0
    assert (applied.membership != reread.membership).nnz == 0
    assert np.array_equal(applied.embeddings, reread.embeddings)
    assert applied.dismissed == reread.dismissed
    for member in (a, c, *[m.id for m in reread.members[10:20]]):
        assert (_recommender(applied, rankers).people(member, 10)
                == _recommender(reread, rankers).people(member, 10))


def test_words_in_common_are_the_tf_idf_cosine_of_what_members_say_they_know() -> None:
    bios = ["Run charts and SPC for maternity safety", "SPC in maternity units",
            "Falls prevention on older people's wards", "Run charts for falls",
            "Maternity SPC, run charts", ""]
    members = [Member(id=f"m{i}", bio=bio, role="Midwife" if i % 2 else None)
               for i, bio in enumerate(bios)]
    members[4] = members[4].model_copy(update={"visibility": "hidden"})  # not to be found
    snapshot = Snapshot(Community(members=members), vectors={})
    # What sklearn's TF-IDF (smoothed idf, unit rows) gives over the same words, with the
    # member who may not be found saying nothing.
    said = [knows_text(m) if findable(m) else "" for m in snapshot.members]
    tfidf = TfidfVectorizer(stop_words="english", token_pattern=r"\w{2,}").fit_transform(said)
    expected = (tfidf @ tfidf.T).toarray()
    for row in range(len(members)):
        found = query_signals(snapshot, row).words
        assert found == pytest.approx(expected[row], abs=1e-5)
        column = FEATURES.index("words")
        rows = np.arange(len(members))
        assert pair_features(snapshot, query_signals(snapshot, row), rows)[:, column] \
            == pytest.approx(expected[row], abs=1e-5)
    assert query_signals(snapshot, 4).words.max() == 0  # the hidden member's words count nowhere
    assert query_signals(snapshot, 0).words[4] == 0
    assert query_signals(snapshot, 0).words[1] > query_signals(snapshot, 0).words[2]


def _roster(rng: np.random.Generator, members: int = 300, groups: int = 25) -> Community:
    """Members with ids only, in groups drawn from a few overlapping interests: no text."""
    names = [f"g{g:02d}" for g in range(groups)]
    joined: dict[str, list[str]] = {name: [] for name in names}
    for m in range(members):
        base = rng.integers(0, groups - 3)
        for g in rng.choice(np.arange(base, base + 4), size=rng.integers(2, 4), replace=False):
            joined[names[g]].append(f"m{m:03d}")
    return Community(members=[Member(id=f"m{m:03d}") for m in range(members)],
                     groups=[Group(id=n, name=n, members=sorted(ms)) for n, ms in joined.items()])


def test_groups_without_any_text_are_ranked_by_the_memberships() -> None:
    roster = Snapshot(_roster(np.random.default_rng(1)), vectors={})
    ranking = train_group_ranking(roster)
    assert ranking.metadata["chosen"] != "fallback formula"
    recommender = Recommender(roster, group_ranking=ranking)
    walks = roster.group_walks
    for member in roster.members[:30]:
        found = [s.id for s in recommender.groups(member.id, 3)]
        row = roster.ids.index[member.id]
        mine = roster.membership[row].toarray().ravel()
        scores = np.asarray(walks.T @ mine).ravel()
        near = {roster.group_ids.names[g] for g in np.flatnonzero(scores > 0)}
        assert found and set(found) <= near  # every suggestion reached from their groups


def test_groups_are_reached_by_walks_with_popular_groups_damped_and_not() -> None:
    roster = Snapshot(_roster(np.random.default_rng(2)), vectors={})
    for beta, feature in ((0.5, "walks_rel"), (0.0, "reach_rel")):
        walks = random_walk_weights(roster.membership, beta=beta)
        for row in range(0, 300, 37):
            mine = roster.membership[row].toarray().ravel()
            found = group_features(roster, row)[:, GROUP_FEATURES.index(feature)]
            assert found == pytest.approx(relative(np.asarray(walks.T @ mine).ravel()),
                                          abs=1e-6)


def test_groups_without_memberships_are_ranked_by_meaning(snapshot: Snapshot) -> None:
    empty = snapshot.with_changes(groups=[g.model_copy(update={"members": [],
                                                                "coordinators": []})
                                          for g in snapshot.groups])
    ranking = train_group_ranking(empty)
    assert ranking.metadata["chosen"] == "fallback formula"
    recommender = Recommender(empty, group_ranking=ranking)
    for member in empty.members[:20]:
        row = empty.ids.index[member.id]
        closeness = empty.group_embeddings @ empty.embeddings[row]
        first = empty.group_ids.index[recommender.groups(member.id, 1)[0].id]
        shares_a_topic = bool(set(empty.groups[first].topics) & set(empty.interests[row]))
        assert shares_a_topic or closeness[first] >= np.sort(closeness)[-3], member.id
