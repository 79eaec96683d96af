"""Semantic search on a generated community, from either store."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph_schema import open_store
from graph_schema.store import copy_store
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.search import MemberHit, search_snapshot, search_terms
from matcher.recommend.snapshot import Snapshot, snapshot_from_store
from models import Community, Consent
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
        return search_snapshot(snapshot, encoder, text, k, **filters)
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


def test_hidden_members_are_never_returned(search, generated: Community) -> None:
    hidden = [m for m in generated.members if m.visibility == "hidden"]
    assert hidden, "the generated community should have hidden members"
    for member in hidden[:5]:
        assert member.id not in [h.member.id for h in search(member.bio, 20)]


def test_filters_are_respected(search, generated: Community) -> None:
    someone = next(m for m in generated.members if m.visibility != "hidden")
    for field in ("role", "region", "organisation"):
        hits = search("quality improvement", 10, **{field: getattr(someone, field)})
        assert hits and all(getattr(h.member, field) == getattr(someone, field) for h in hits)
    own = search(someone.bio, 5, organisation=someone.organisation)
    assert own[0].member.id == someone.id
    assert search("anything", 5, region="Atlantis") == []


def test_reasons_are_true_of_the_member(search) -> None:
    for hit in search("statistical process control in maternity", 10):
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
    assert any(hit.reasons for hit in search("patient safety", 5))


def test_free_text_maps_to_the_vocabulary(snapshot: Snapshot, encoder: Encoder) -> None:
    topics = [t.name for t in search_terms(snapshot, encoder, "topic",
                                           "reducing falls among older inpatients", 3)]
    assert "Falls prevention" in topics
    skills = [t.name for t in search_terms(snapshot, encoder, "skill",
                                           "control charts for variation", 3)]
    assert "Statistical process control" in skills
    assert search_terms(snapshot, encoder, "skill", "anything", 0) == []


def test_search_ranks_as_the_stores_nearest_neighbours_do(snapshot: Snapshot, search,
                                                         generated_store: str,
                                                         encoder: Encoder) -> None:
    with open_store(generated_store) as store:
        for text in ("patient safety culture", "data analysis for waiting lists"):
            nearest = store.nearest("member", encoder.encode([text])[0], 40, encoder.model_id)
            index = snapshot.ids.index
            expected = [key for key, _ in nearest
                        if findable(snapshot.members[index[key]])][:8]
            assert [h.member.id for h in search(text, 8)] == expected


def test_privacy_and_missing_embeddings(snapshot: Snapshot, generated: Community,
                                        encoder: Encoder) -> None:
    someone = next(m for m in generated.members if m.visibility != "hidden")
    assert search_snapshot(snapshot, encoder, someone.bio, 1)[0].member.id == someone.id
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
        assert ([h.member.id for h in search_snapshot(from_neo4j, encoder, query, 5)]
                == [h.member.id for h in search(query, 5)])
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
