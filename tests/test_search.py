"""Semantic search on a generated community, from either store."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import rankdata
from sklearn.feature_extraction.text import CountVectorizer
from typer.testing import CliRunner

from api.cli import app
from graph_schema import open_store
from graph_schema.store import copy_store
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.profile_text import group_text, member_text
from matcher.recommend.snapshot import Snapshot, snapshot_from_store
from matcher.search import lexical, word_codes
from matcher.search.fusion import ranks
from matcher.search.groups import search_groups
from matcher.search.index import MemberEvidence, knows_text
from matcher.search.lexical import LexicalIndex, words
from matcher.search.members import MemberHit, search_members
from matcher.search.terms import search_terms
from models import Community, Connection, Consent, Group, Member
from models.privacy import findable
from tests.conftest import neo4j_uri
from tests.neo4j_server import wipe


@pytest.fixture(scope="module")
def snapshot(generated_store: str, encoder: Encoder) -> Iterator[Snapshot]:
    with open_store(generated_store) as store:
        yield snapshot_from_store(store, encoder.model_id)


@pytest.fixture(scope="module")
def search(snapshot: Snapshot, encoder: Encoder):
    def found(text: str, k: int = 10, **filters: str | None) -> list[MemberHit]:
        return search_members(snapshot, encoder, text, k, filters=filters)
    return found


def test_a_member_is_found_from_half_their_bio(search, generated: Community) -> None:
    visible = [m for m in generated.members if m.visibility != "hidden" and m.bio]
    tries = random.Random(3).sample(visible, 20)
    found = 0
    for member in tries:
        words = member.bio.split()
        half = " ".join(words[: len(words) // 2])
        found += member.id in [hit.member.id for hit in search(half, 5)]
    assert found >= 16, f"found {found} of 20"


def test_members_who_may_not_be_found_are_never_returned(snapshot: Snapshot, encoder: Encoder,
                                                         generated: Community) -> None:
    unfindable = [m for m in generated.members if not findable(m) and m.bio and
                  m.wants_to_learn and m.interests]
    assert len(unfindable) >= 5, "the generated community should hide some members"
    for member in unfindable[:5]:
        for looking_for, text in (("experts", member.bio), ("experts", member.bio.split()[0]),
                                  ("learners", ", ".join(member.wants_to_learn)),
                                  ("peers", ", ".join(member.interests))):
            found = search_members(snapshot, encoder, text, 50, looking_for=looking_for)
            assert member.id not in [h.member.id for h in found]


@pytest.mark.parametrize("looking_for", ["experts", "learners", "peers"])
def test_members_who_may_not_be_found_move_no_one_elses_score(
        snapshot: Snapshot, encoder: Encoder, looking_for: str) -> None:
    """A hidden profile must not be detectable from the scores of those who are found."""
    someone = next(m for m in snapshot.members if findable(m) and m.bio and m.skills)
    text = f"{someone.skills[0].name} {someone.bio}"
    before = search_members(snapshot, encoder, text, 10, looking_for=looking_for)
    twins = [someone.model_copy(update={"id": f"twin-{n}", "visibility": visibility,
                                        "consent": Consent(suggestions=consent)})
             for n, (visibility, consent) in enumerate([("hidden", True), ("members", False)])]
    vectors = {**snapshot.vectors, "member": {**snapshot.vectors["member"], **{
        twin.id: snapshot.vectors["member"][someone.id] for twin in twins}}}
    groups = [g.model_copy(update={"members": [*g.members, *(t.id for t in twins)]})
              if someone.id in g.members else g for g in snapshot.community.groups]
    # Tied to someone and to someone's ties, so that the members they are tied to would gain,
    # were their profile read, as members tied to someone do.
    ties = [Connection(source=twin.id, target=other, kind="peer") for twin in twins
            for other in {someone.id} | {t.target if t.source == someone.id else t.source
                                         for t in snapshot.community.connections
                                         if someone.id in (t.source, t.target)}]
    shadowed = Snapshot(snapshot.community.model_copy(update={
        "members": [*snapshot.community.members, *twins], "groups": groups,
        "connections": [*snapshot.community.connections, *ties]}), vectors)
    after = search_members(shadowed, encoder, text, 10, looking_for=looking_for)
    assert [(h.member.id, h.score, h.reasons) for h in after] == \
        [(h.member.id, h.score, h.reasons) for h in before]


@pytest.mark.parametrize("looking_for", ["experts", "learners", "peers"])
def test_the_first_few_are_the_first_of_all(snapshot: Snapshot, encoder: Encoder,
                                            looking_for: str) -> None:
    """Only the first k found are sorted; they are those that sorting everyone puts first."""
    for text in ("statistical process control", "patient safety", "co-design with carers"):
        everyone = search_members(snapshot, encoder, text, len(snapshot),
                                  looking_for=looking_for)
        assert len(everyone) > 10
        for k in (1, 3, 10):
            assert search_members(snapshot, encoder, text, k,
                                  looking_for=looking_for) == everyone[:k]


def test_filters_are_respected(search, generated: Community) -> None:
    someone = next(m for m in generated.members if m.visibility != "hidden")
    for field in ("role", "region", "organisation"):
        hits = search("quality improvement", 10, **{field: getattr(someone, field)})
        assert hits and all(getattr(h.member, field) == getattr(someone, field) for h in hits)
    own = search(someone.bio, 5, organisation=someone.organisation)
    assert own[0].member.id == someone.id
    assert search("anything", 5, region="Atlantis") == []


def test_reasons_are_true_of_the_member(search, snapshot: Snapshot) -> None:
    groups_of = {m.id: set() for m in snapshot.members}
    for group in snapshot.groups:
        for member in (*group.members, *group.coordinators):
            groups_of[member].add(group.name)
    named = {m.name: m for m in snapshot.members}
    tied = {frozenset((t.source, t.target)) for t in snapshot.community.connections}
    cited = 0
    for hit in search("statistical process control in maternity", 10):
        skills = {s.name: s.level for s in hit.member.skills}
        for reason in hit.reasons:
            if reason.startswith(("level ", "has ")):
                name = reason.split(" in ", 1)[1] if reason.startswith("level ") else reason[4:]
                assert name in skills
            elif reason.startswith("member of the "):
                assert reason.removeprefix("member of the ").removesuffix(" group") in \
                    groups_of[hit.member.id]
            elif reason.startswith("connected to "):
                other = named[reason.removeprefix("connected to ").split(", whose")[0]]
                assert frozenset((hit.member.id, other.id)) in tied and findable(other)
                cited += 1
            else:
                words = reason.removeprefix("bio mentions ").split(", ")
                assert all(w in hit.member.bio.lower() for w in words)
    assert cited, "some member found should be tied to one of the best answers"
    assert any(hit.reasons for hit in search("patient safety", 5))


def test_free_text_maps_to_the_vocabulary(snapshot: Snapshot, encoder: Encoder) -> None:
    topics = [t.name for t in search_terms(snapshot, encoder, "topic",
                                           "reducing falls among older inpatients", 3)]
    assert "Falls prevention" in topics
    skills = [t.name for t in search_terms(snapshot, encoder, "skill",
                                           "control charts for variation", 3)]
    assert "Statistical process control" in skills
    assert search_terms(snapshot, encoder, "skill", "anything", 0) == []


def test_privacy_and_missing_embeddings(snapshot: Snapshot, generated: Community,
                                        encoder: Encoder) -> None:
    someone = next(m for m in generated.members if m.visibility != "hidden")
    assert search_members(snapshot, encoder, someone.bio, 1)[0].member.id == someone.id
    withdrawn = someone.model_copy(update={"consent": Consent(suggestions=False)})
    others = [m for m in snapshot.community.members if m.id != someone.id]
    unwilling = Snapshot(snapshot.community.model_copy(update={"members": [*others, withdrawn]}),
                         snapshot.vectors)
    assert someone.id not in [h.member.id for h in
                              search_members(unwilling, encoder, someone.bio, 20)]
    vectors = {**snapshot.vectors, "member": {key: vector for key, vector
                                              in snapshot.vectors["member"].items()
                                              if key != someone.id}}
    unembedded = Snapshot(snapshot.community, vectors)  # found by the words of their bio
    assert someone.id in [h.member.id for h in search_members(unembedded, encoder, someone.bio, 5)]
    assert search_members(snapshot, encoder, someone.bio, 0) == []


@pytest.mark.neo4j
def test_both_stores_give_the_same_top_results(snapshot: Snapshot, search,
                                               generated_store: str, encoder: Encoder) -> None:
    uri = neo4j_uri()
    wipe(uri)
    with open_store(generated_store) as source, open_store(uri) as graph:
        copy_store(source, graph)
        from_neo4j = snapshot_from_store(graph, encoder.model_id)
    for query in ("patient safety culture", "data analysis for waiting lists",
                  "co-design with patients and carers", "leadership coaching"):
        for looking_for in ("experts", "learners", "peers"):
            assert ([h.member.id for h in search_members(from_neo4j, encoder, query, 10,
                                                         looking_for=looking_for)]
                    == [h.member.id for h in search_members(snapshot, encoder, query, 10,
                                                            looking_for=looking_for)])
    assert ([t.name for t in search_terms(from_neo4j, encoder, "topic", "health inequalities")]
            == [t.name for t in search_terms(snapshot, encoder, "topic", "health inequalities")])


def test_search_command_prints_json(generated_store: str) -> None:
    result = CliRunner().invoke(app, ["search", "improving access to general practice",
                                      "-k", "3", "--store", generated_store, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == "improving access to general practice"
    assert len(data["results"]) == 3
    assert {"id", "score", "name", "reasons"} <= set(data["results"][0])
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def _skill_holders(snapshot: Snapshot, skill: str) -> tuple[set[str], set[str]]:
    """Findable members holding ``skill`` at level 3 or more, and those only wanting it."""
    holders, wanters = set(), set()
    for m in snapshot.members:
        levels = {s.name: s.level or 3 for s in m.skills}
        if not findable(m):
            continue
        if levels.get(skill, 0) >= 3:
            holders.add(m.id)
        elif skill in m.wants_to_learn and skill not in levels:
            wanters.add(m.id)
    return holders, wanters


def test_experts_are_those_who_hold_the_skill_and_learners_those_who_want_it(
        snapshot: Snapshot, encoder: Encoder) -> None:
    counts = {}
    for skill in snapshot.skills.names:
        holders, wanters = _skill_holders(snapshot, skill)
        if len(holders) >= 10 and len(wanters) >= 3:
            counts[skill] = (holders, wanters)
    assert len(counts) >= 3
    for skill, (holders, wanters) in list(counts.items())[:4]:
        for text in (f"expert in {skill}", skill, f"who can teach me {skill.lower()}"):
            found = [h.member.id for h in search_members(snapshot, encoder, text, 10)]
            assert sum(m in holders for m in found) >= 7, (text, found)
            assert not wanters & set(found[:max(i for i, m in enumerate(found)
                                                if m in holders) + 1])
        learning = [h.member.id for h in search_members(snapshot, encoder, skill, 10,
                                                        looking_for="learners")]
        assert learning[: len(wanters)] and set(learning[: min(len(wanters), 10)]) <= wanters


def test_an_acronym_in_one_bio_finds_that_member_first(snapshot: Snapshot,
                                                       encoder: Encoder) -> None:
    someone = next(m for m in snapshot.members if findable(m) and m.bio)
    marked = someone.model_copy(update={"bio": someone.bio + " We run ECMO-QX7 audits."})
    others = [m for m in snapshot.community.members if m.id != someone.id]
    changed = Snapshot(snapshot.community.model_copy(update={"members": [*others, marked]}),
                       snapshot.vectors)
    found = search_members(changed, encoder, "ECMO-QX7", 3)
    assert found[0].member.id == someone.id
    assert any(r.startswith("bio mentions") and "qx7" in r for r in found[0].reasons)


def test_a_member_without_a_profile_is_known_by_their_groups(snapshot: Snapshot,
                                                            encoder: Encoder) -> None:
    newcomer = Member(id="m-roster")
    group = Group(id="g-ecmo", name="Neonatal ECMO outreach",
                  description="Extracorporeal membrane oxygenation retrieval for newborns.",
                  members=["m-roster"])
    community = snapshot.community.model_copy(update={
        "members": [*snapshot.community.members, newcomer],
        "groups": [*snapshot.community.groups, group]})
    vectors = {**snapshot.vectors, "group": {**snapshot.vectors.get("group", {}),
                                             "g-ecmo": encoder.encode([group_text(group)])[0]}}
    changed = Snapshot(community, vectors)
    found = {h.member.id: h for h in search_members(changed, encoder,
                                                    "ECMO retrieval for newborns", 3)}
    assert "member of the Neonatal ECMO outreach group" in found["m-roster"].reasons
    groups = search_groups(changed, encoder, "ECMO retrieval for newborns", 3)
    assert groups[0].group.id == "g-ecmo"


def test_a_member_is_known_by_the_members_they_are_tied_to(encoder: Encoder) -> None:
    """Of members whose profiles say the same, one tied to a member whose own profile answers
    ranks higher, and the reason names that tie; a tie to a member who may not be found, hidden
    or not consenting, counts for nothing."""
    answer = "Leads the neonatal ECMO retrieval team."
    members = [Member(id="a", name="Ana Lopez", bio=answer),
               Member(id="h", name="Hal Bury", bio=answer, visibility="hidden"),
               Member(id="n", name="Nia Shaw", bio=answer, consent=Consent(suggestions=False)),
               *(Member(id=i, name=f"Nurse {i}", bio="Works on the children's wards.")
                 for i in ("c", "d", "e"))]
    vectors = {"member": {m.id: encoder.encode([member_text(m)])[0] for m in members}}

    def found(*ties: tuple[str, str]) -> dict[str, MemberHit]:
        tied = [Connection(source=a, target=b, kind="peer") for a, b in ties]
        snapshot = Snapshot(Community(members=members, connections=tied), vectors)
        return {h.member.id: h for h in search_members(snapshot, encoder,
                                                       "neonatal ECMO retrieval", 5)}

    alone = found()
    hits = found(("c", "a"), ("d", "h"), ("e", "n"))
    assert list(hits)[:2] == ["a", "c"]
    assert hits["c"].score > alone["c"].score
    assert "connected to Ana Lopez, whose profile answers this" in hits["c"].reasons
    for unseen in ("d", "e"):
        assert (hits[unseen].score, hits[unseen].reasons) == \
            (alone[unseen].score, alone[unseen].reasons)


def test_searching_groups_favours_a_named_topic(snapshot: Snapshot, encoder: Encoder) -> None:
    topic = max(snapshot.topics.names, key=lambda name: sum(
        name in g.topics for g in snapshot.groups))
    found = search_groups(snapshot, encoder, f"groups about {topic.lower()}", 5)
    assert found and all(topic in hit.group.topics for hit in found[:3])
    assert [h.score for h in found] == sorted((h.score for h in found), reverse=True)


@pytest.mark.parametrize("looking_for", ["experts", "learners", "peers"])
def test_a_community_with_no_embeddings_groups_or_vocabulary_is_searched_by_its_words(
        encoder: Encoder, looking_for: str) -> None:
    """As a community is just after an import with ``--no-embed``: profiles and nothing else."""
    members = [Member(id="a", bio="Improves falls prevention on wards."),
               Member(id="b", bio="Runs the discharge lounge."), Member(id="c")]
    groups = [Group(id="g", name="Falls prevention network", members=["c"]),
              Group(id="h", name="Discharge planning", members=["b"])]
    bare = Snapshot(Community(members=members, groups=groups), {})
    found = search_members(bare, encoder, "falls prevention", 5, looking_for=looking_for)
    # Experts by their words and their groups; peers by their groups; nobody wants to learn it.
    expected = {"experts": ["a", "c"], "learners": [], "peers": ["c"]}[looking_for]
    assert [h.member.id for h in found] == expected
    assert search_members(bare, encoder, "tangerine kiln", 5, looking_for=looking_for) == []
    assert [g.group.id for g in search_groups(bare, encoder, "falls prevention", 5)] == ["g"]
    assert search_members(Snapshot(Community(), {}), encoder, "falls", 5) == []


NOISE = {0.50000004: 0.5, 1.0000001: 1.0}
"""Scores that differ from another only in their last bits, and that one."""


@given(st.lists(st.sampled_from([0.0, -1.0, 0.25, 0.5, 0.5001, 1.0, 2.0, *NOISE]), max_size=40))
def test_ranks_are_mean_ranks_of_the_scoring_items(scores: list[float]) -> None:
    """Few distinct values, so that runs of equal scores are common; scores equal but for
    float noise are equal, and those a little further apart are not."""
    values = np.array(scores, dtype=np.float32)
    positive = values > 0
    expected = np.zeros(len(values))
    alike = np.array([NOISE.get(s, s) for s in scores])
    expected[positive] = rankdata(-alike[positive], method="average")
    assert ranks(values).tolist() == expected.tolist()


def test_members_whose_profiles_read_alike_rank_alike(encoder: Encoder) -> None:
    """Equal embeddings give cosines that differ in their last bits (the matrix product sums
    each row in its own order); one member's must not make them first among their peers."""
    members = [Member(id=f"m{i}", role="Committer") for i in range(12)]
    groups = [Group(id="g", name="Columnar data", description="An in-memory columnar format.",
                    members=[f"m{i}" for i in range(6)]),
              Group(id="h", name="Message broker", description="Queues and topics.",
                    members=[f"m{i}" for i in range(6, 12)])]
    alike = encoder.encode([member_text(members[0])])[0]
    query = "columnar format for analytics"
    nudged = alike * np.float32(1 + 4e-7)  # a cosine larger by float noise alone
    assert nudged @ encoder.encode_query(query) > alike @ encoder.encode_query(query)
    for noisy in ("m3", "m9"):
        vectors = {"member": {m.id: nudged if m.id == noisy else alike for m in members},
                   "group": {g.id: encoder.encode([group_text(g)])[0] for g in groups}}
        snapshot = Snapshot(Community(members=members, groups=groups), vectors)
        found = search_members(snapshot, encoder, query, 12)
        assert [h.member.id for h in found[:6]] == [f"m{i}" for i in range(6)]
        assert len({h.score for h in found[:6]}) == 1 and len({h.score for h in found[6:]}) == 1


@given(st.lists(st.text(alphabet=st.sampled_from("aZ_9 .-'ßİΣσçé\u0301\u00a0٣\n")
                        | st.characters(), max_size=30), max_size=6))
def test_the_words_are_those_of_the_usual_pattern_and_the_index_counts_them(
        texts: list[str]) -> None:
    """Words are found by a pattern faster than sklearn's default and counted without its
    vectorizer: the same words, counted alike, for any text (the sampled letters change length
    or case in odd ways when lowered, or are word characters that are not letters). Texts are
    counted two at a time, as a community's are ten thousand at a time."""
    usual = CountVectorizer(stop_words="english").build_analyzer()
    assert [words(t) for t in texts] == [usual(t) for t in texts]
    with patch.object(lexical, "_CHUNK", 2):
        index = LexicalIndex.build(texts)
    if any(map(words, texts)):
        direct = CountVectorizer(analyzer=words)
        counts = direct.fit_transform(texts)
        assert index.vocabulary == direct.vocabulary_
        assert (index.counts != counts).nnz == 0
    else:
        assert index.vocabulary == {} and index.counts.shape == (len(texts), 0)


@given(st.lists(st.text(alphabet=st.sampled_from("abcdefghij_09 ,.-Aé"), max_size=60),
                max_size=8))
def test_words_read_as_bytes_are_those_the_pattern_finds(texts: list[str]) -> None:
    """Texts in ASCII are read by numpy, a word's bytes eight at a time: words of any length,
    in texts with or without other characters among them, are those the pattern finds."""
    rows, codes, names = word_codes.coded(texts)
    assert len(set(names)) == len(names)
    found = [[] for _ in texts]
    for row, code in zip(rows.tolist(), codes.tolist(), strict=True):
        found[row].append(names[code])
    assert [sorted(f) for f in found] == [sorted(word_codes.PATTERN.findall(t.lower()))
                                          for t in texts]


def test_words_that_share_a_number_are_read_again_by_the_pattern() -> None:
    """Words longer than eight bytes are folded into one number, which two could share: with a
    fold that makes them share one whenever their last eight bytes agree, each word must still
    be told apart."""
    texts = ["abcdefgh_shared_ zyxwvuts_shared_", "abcdefgh_shared_", "short words"]
    with patch.object(word_codes, "_FOLD", np.uint64(0)):
        assert word_codes._bytewise(texts) is None
        rows, codes, names = word_codes.coded(texts)
    assert [names[c] for c in codes] == ["abcdefgh_shared_", "zyxwvuts_shared_",
                                         "abcdefgh_shared_", "short", "words"]
    assert rows.tolist() == [0, 0, 1, 2, 2]


def test_documents_that_say_nothing_weigh_in_no_score() -> None:
    """Members who may not be found are indexed as saying nothing: how many of them there are
    must not change anyone's score (through how many documents there are, or their mean
    length), whether the index is built or a member is hidden afterwards."""
    texts = ["run charts for SPC", "SPC", "co-design and run charts"]
    scores = LexicalIndex.build(texts).scores("spc charts").tolist()
    assert LexicalIndex.build([*texts, "", ""]).scores("spc charts")[:3].tolist() == scores
    hidden = LexicalIndex.build([*texts, "the SPC charts"]).replaced([3], [""])
    assert hidden.scores("spc charts")[:3].tolist() == scores


def test_a_document_of_names_holding_no_text_is_refused_not_dropped() -> None:
    """A missing text (None) in a member's names is a caller's error: counted as no words it
    would make an index that says the member said less than they did."""
    for documents in ([["Run charts", None], ["SPC"]], [[None]]):
        with pytest.raises((AttributeError, TypeError)):
            LexicalIndex.of_names(documents)


def test_the_word_index_counts_the_words_search_reads(generated: Community) -> None:
    """Words are counted without the vectorizer, for speed: the index must be the one built
    from :func:`words` itself, including documents of stop words only or of no words."""
    texts = [*map(knows_text, generated.members[:300]), "the and of", "", "Über café, SPC"]
    direct = CountVectorizer(analyzer=words)
    counts = direct.fit_transform(texts)
    index = LexicalIndex.build(texts)
    assert index.vocabulary == direct.vocabulary_
    assert (index.counts != counts).nnz == 0
    assert LexicalIndex.build(["the and of", ""]).vocabulary == {}


def test_what_members_know_is_indexed_as_their_profile_text_reads(generated: Community) -> None:
    """The index of what members know counts each shared part (role, organisation, skill) once
    for all: it must be the index of each findable member's whole text, word for word."""
    members = [*generated.members[:300], Member(id="bare"),
               Member(id="odd", bio="Über café.", role="SPC lead", organisation="SPC lead",
                      skills=["SPC", "Run charts"])]
    index = MemberEvidence.build(members).knows
    whole = LexicalIndex.build([knows_text(m) if findable(m) else "" for m in members])
    assert index.vocabulary == whole.vocabulary
    assert (index.counts != whole.counts).nnz == 0
    assert np.allclose(index.weights.toarray(), whole.weights.toarray())
