"""Semantic search on a generated community, on both stores."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph_schema import Store, open_store
from tests.neo4j_server import wipe
from matcher.embeddings.refresh import embed_store
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.search import Searcher, search_snapshot
from matcher.recommend.snapshot import Snapshot, snapshot_from_store
from models import Community, Consent

from tests.conftest import neo4j_uri


def _embedded_store(location: str, community: Community, encoder: Encoder) -> Store:
    store = open_store(location)
    store.write(community)
    embed_store(store, encoder)
    return store


@pytest.fixture(scope="module")
def searcher(generated_store: str, encoder: Encoder) -> Iterator[Searcher]:
    with open_store(generated_store) as store:
        yield Searcher(store, encoder)


def test_a_member_is_found_from_half_their_bio(searcher: Searcher,
                                               generated: Community) -> None:
    visible = [m for m in generated.members if m.visibility != "hidden" and m.bio]
    tries = random.Random(3).sample(visible, 20)
    found = 0
    for member in tries:
        words = member.bio.split()
        half = " ".join(words[: len(words) // 2])
        found += member.id in [hit.member.id for hit in searcher.members(half, 5)]
    assert found >= 16, f"found {found} of 20"


def test_hidden_members_are_never_returned(searcher: Searcher, generated: Community) -> None:
    hidden = [m for m in generated.members if m.visibility == "hidden"]
    assert hidden, "the generated community should have hidden members"
    for member in hidden[:5]:
        assert member.id not in [h.member.id for h in searcher.members(member.bio, 20)]


def test_filters_are_respected(searcher: Searcher, generated: Community) -> None:
    someone = next(m for m in generated.members if m.visibility != "hidden")
    for field in ("role", "region", "organisation"):
        hits = searcher.members("quality improvement", 10, **{field: getattr(someone, field)})
        assert hits and all(getattr(h.member, field) == getattr(someone, field) for h in hits)
    own = searcher.members(someone.bio, 5, organisation=someone.organisation)
    assert own[0].member.id == someone.id
    assert searcher.members("anything", 5, region="Atlantis") == []


def test_reasons_are_true_of_the_member(searcher: Searcher) -> None:
    for hit in searcher.members("statistical process control in maternity", 10):
        for reason in hit.reasons:
            if reason.startswith("interested in "):
                assert reason.removeprefix("interested in ") in hit.member.interests
            elif reason.startswith("skilled in "):
                name = reason.removeprefix("skilled in ").split(" (")[0]
                assert name in [s.name for s in hit.member.skills]
            elif reason.startswith("wants to learn "):
                assert reason.removeprefix("wants to learn ") in hit.member.wants_to_learn
            else:
                words = reason.removeprefix("bio mentions ").split(", ")
                assert all(w in hit.member.bio.lower() for w in words)
    assert any(hit.reasons for hit in searcher.members("patient safety", 5))


def test_free_text_maps_to_the_vocabulary(searcher: Searcher) -> None:
    topics = [t.name for t in searcher.terms("topic", "reducing falls among older inpatients", 3)]
    assert "Falls prevention" in topics
    skills = [t.name for t in searcher.terms("skill", "control charts for variation", 3)]
    assert "Statistical process control" in skills


@pytest.mark.neo4j
def test_both_stores_give_the_same_top_results(searcher: Searcher, generated: Community,
                                               encoder: Encoder) -> None:
    uri = neo4j_uri()
    wipe(uri)
    with _embedded_store(uri, generated, encoder) as graph:
        on_neo4j = Searcher(graph, encoder)
        for query in ("patient safety culture", "data analysis for waiting lists",
                      "co-design with patients and carers", "leadership coaching"):
            assert ([h.member.id for h in on_neo4j.members(query, 5)]
                    == [h.member.id for h in searcher.members(query, 5)])
        assert ([t.name for t in on_neo4j.terms("topic", "health inequalities", 5)]
                == [t.name for t in searcher.terms("topic", "health inequalities", 5)])


def test_the_snapshot_search_answers_as_the_store_does(searcher: Searcher,
                                                      generated: Community,
                                                      encoder: Encoder) -> None:
    snapshot = snapshot_from_store(searcher.store, encoder.model_id)
    someone = next(m for m in generated.members if m.visibility != "hidden")
    asked = [("patient safety culture", {}), ("data analysis for waiting lists", {}),
             ("statistical process control in maternity", {"role": someone.role}),
             ("co-design with patients", {"region": someone.region}),
             (someone.bio, {"organisation": someone.organisation}),
             ("anything", {"region": "Atlantis"})]
    for text, filters in asked:
        in_memory = search_snapshot(snapshot, encoder, text, 8, **filters)
        stored = searcher.members(text, 8, **filters)
        assert [h.member.id for h in in_memory] == [h.member.id for h in stored]
        assert [h.reasons for h in in_memory] == [h.reasons for h in stored]
        assert [h.score for h in in_memory] == pytest.approx([h.score for h in stored], abs=1e-4)
    assert search_snapshot(snapshot, encoder, someone.bio, 1)[0].member.id == someone.id
    for member in [m for m in generated.members if m.visibility == "hidden"][:5]:
        assert member.id not in [h.member.id for h in
                                 search_snapshot(snapshot, encoder, member.bio, 20)]
    withdrawn = someone.model_copy(update={"consent": Consent(suggestions=False)})
    others = [m for m in snapshot.community.members if m.id != someone.id]
    unwilling = Snapshot(snapshot.community.model_copy(update={"members": [*others, withdrawn]}),
                         snapshot.vectors)
    assert someone.id not in [h.member.id for h in
                              search_snapshot(unwilling, encoder, someone.bio, 20)]
    vectors = {**snapshot.vectors, "member": {key: vector for key, vector
                                              in snapshot.vectors["member"].items()
                                              if key != someone.id}}
    unembedded = Snapshot(snapshot.community, vectors)
    assert someone.id not in [h.member.id for h in
                              search_snapshot(unembedded, encoder, someone.bio, 20)]
    assert search_snapshot(Snapshot(snapshot.community, {}), encoder, someone.bio, 5) == []
    assert search_snapshot(snapshot, encoder, someone.bio, 0) == []


def test_search_command_prints_json(searcher: Searcher) -> None:
    result = CliRunner().invoke(app, ["search", "improving access to general practice",
                                      "-k", "3", "--store", searcher.store.location, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == "improving access to general practice"
    assert len(data["results"]) == 3
    assert {"id", "score", "name", "reasons"} <= set(data["results"][0])
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
