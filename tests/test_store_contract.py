"""The store contract: every test here runs unchanged against the embedded store and Neo4j."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from pydantic import ValidationError

from graph_schema import Store, open_store
from graph_schema.changes import LISTED, Changes
from graph_schema.schema import latest_version
from graph_schema.store import EXPORT_ATTEMPTS
from graph_schema.ties import Ties
from models import ApiKey, Community, Connection, Consent, Feedback, Group, Member, Topic
from models.errors import BusyError, ConflictError, NotFoundError
from tests.conftest import neo4j_uri
from tests.neo4j_server import wipe


def _pairs(community: Community) -> dict[frozenset[str], tuple[str | None, dt.date | None]]:
    return {tie.pair: (tie.kind, tie.since) for tie in community.connections}


class TestStoreContract:
    def test_new_store_is_empty_and_migrated(self, store: Store) -> None:
        assert store.schema_version() == latest_version()
        assert store.migrate() == []
        assert store.stats() == dict.fromkeys(
            ("members", "connections", "groups", "memberships", "organisations", "regions",
             "topics", "skills", "feedback"), 0)

    def test_write_then_export_gives_the_community_back(self, store: Store,
                                                         tiny: Community) -> None:
        store.write(tiny)
        back = store.export()
        assert back.members == sorted(tiny.members, key=lambda m: m.id)
        assert _pairs(back) == _pairs(tiny)
        assert back.groups == tiny.groups
        assert back.topics == sorted(tiny.topics, key=lambda t: t.id)
        assert back.skills == tiny.skills

    def test_a_read_as_columns_gives_the_same_community(self, store: Store,
                                                        tiny: Community) -> None:
        store.write(tiny)
        store.write(Community(connections=[Connection(source="ana", target="eve")]))
        columns = store.export(columns=True)
        assert isinstance(columns.connections, Ties)
        assert columns == store.export()
        assert list(columns.connections) == store.connections()

    def test_unknown_fields_are_kept(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        assert store.get_member("cat").model_extra == {"pronouns": "she/her"}
        assert store.get_group("g1").model_extra == {"cadence": "monthly"}

    def test_an_export_is_of_one_moment_though_another_connection_writes_while_it_reads(
            self, store: Store, store_location: str, tiny: Community,
            monkeypatch: pytest.MonkeyPatch) -> None:
        store.write(tiny)
        read_members = store.members
        newcomer = Community(members=[Member(id="zoe", name="Zoe", bio="Runs the SPC clinic.")],
                             connections=[Connection(source="zoe", target="ana")])
        with open_store(store_location) as beside:
            writes = [newcomer]

            def members_then_a_write_beside() -> list[Member]:
                found = read_members()
                if writes:  # another process joins Zoe and her tie once the members are read
                    beside.write(writes.pop())
                return found

            monkeypatch.setattr(store, "members", members_then_a_write_beside)
            exported = store.export()
        # Read again: Zoe and her tie both, not a tie to someone the members read missed.
        assert "zoe" in {m.id for m in exported.members}
        assert frozenset(("zoe", "ana")) in _pairs(exported)
        assert exported == store.export()

    def test_an_export_gives_up_on_a_community_that_keeps_changing_but_not_on_feedback(
            self, store: Store, store_location: str, tiny: Community,
            monkeypatch: pytest.MonkeyPatch) -> None:
        store.write(tiny)
        read_members = store.members
        reads = 0
        with open_store(store_location) as beside:
            def members_then(write: Callable[[int], None]) -> None:
                def read() -> list[Member]:
                    nonlocal reads
                    reads += 1
                    found = read_members()
                    write(reads)
                    return found
                monkeypatch.setattr(store, "members", read)

            members_then(lambda n: beside.write(Community(members=[
                tiny.members[0].model_copy(update={"bio": f"Edit number {n}."})])))
            with pytest.raises(BusyError, match="changed while it was read"):
                store.export()
            assert reads == EXPORT_ATTEMPTS
            # Feedback is not part of an export: written meanwhile, it asks for no read again.
            reads = 0
            members_then(lambda n: beside.record_feedback(_feedback("ben", "cat")))
            assert {m.id for m in store.export().members} == {m.id for m in tiny.members}
            assert reads == 1

    def test_stats_count_the_graph(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        assert store.stats() == {
            "members": 5, "connections": 4, "groups": 1, "memberships": 3,
            "organisations": 2, "regions": 2,
            "topics": 3,  # patient safety, measurement, co-design
            "skills": 2,  # coaching, statistical process control
            "feedback": 0,
        }

    def test_writing_twice_changes_nothing(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        first, counts = store.export(), store.stats()
        store.write(tiny)
        assert store.export() == first
        assert store.stats() == counts

    def test_rewriting_a_member_replaces_their_lists(self, store: Store,
                                                      tiny: Community) -> None:
        store.write(tiny)
        changed = tiny.members[0].model_copy(update={
            "skills": [], "interests": ["co-design"], "organisation": "South University",
            "region": "South",
        })
        store.write(Community(members=[changed]))
        assert store.get_member("ana") == changed
        stats = store.stats()
        assert stats["skills"] == 2  # coaching is still wanted by ben; SPC is declared
        assert stats["topics"] == 3  # measurement is declared, so it stays
        assert store.connections("ana")  # ties survive a profile update

    def test_connections_are_undirected(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        flipped = Connection(source="ben", target="ana", kind="collaborated")
        store.write(Community(connections=[flipped]))
        assert store.stats()["connections"] == 4
        ties = {t.pair: t for t in store.connections("ana")}
        assert ties[flipped.pair].kind == "collaborated"
        assert {m for t in store.connections("dev") for m in t.pair} == {"cat", "dev"}

    def test_reference_to_unknown_member_is_refused(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        before = store.export()
        bad = Community(
            members=[Member(id="fay")],
            connections=[Connection(source="fay", target="zed")],
        )
        with pytest.raises(ConflictError, match="zed"):
            store.write(bad)
        with pytest.raises(ConflictError, match="nobody"):
            store.write(Community(groups=[Group(id="g2", name="x", members=["nobody"])]))
        assert store.export() == before

    def test_a_failing_write_changes_nothing(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        before = store.export()
        clash = tiny.topics[1].model_copy(update={"name": "another name"})  # same id
        with pytest.raises(ConflictError):
            store.write(Community(members=[Member(id="new")], topics=[clash]))
        assert store.export() == before

    def test_get_and_list_members(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        assert store.get_member("ana").skills[1].level == 4
        with pytest.raises(NotFoundError):
            store.get_member("nobody")
        ids = [m.id for m in store.list_members()]
        assert ids == ["ana", "ben", "cat", "dev", "eve"]
        assert [m.id for m in store.list_members(offset=1, limit=2)] == ["ben", "cat"]
        assert [m.id for m in store.list_members(organisation="South University")] == [
            "cat", "dev"]
        assert [m.id for m in store.list_members(role="manager", region="North")] == ["ben"]
        assert store.members() == store.list_members() == tiny.members

    def test_delete_member_removes_their_ties(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.delete_member("cat")
        with pytest.raises(NotFoundError):
            store.get_member("cat")
        assert store.connections("dev") == []
        assert store.get_group("g1").coordinators == []
        assert store.stats()["connections"] == 1
        with pytest.raises(NotFoundError):
            store.delete_member("cat")

    def test_delete_last_member_of_an_organisation_removes_it(self, store: Store,
                                                              tiny: Community) -> None:
        store.write(tiny)
        store.delete_member("cat")
        store.delete_member("dev")
        assert store.stats()["organisations"] == 1
        assert store.stats()["regions"] == 1

    def test_delete_connection_and_group(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.delete_connection("ben", "ana")
        assert frozenset(("ana", "ben")) not in _pairs(store.export())
        with pytest.raises(NotFoundError):
            store.delete_connection("ana", "ben")
        store.delete_group("g1")
        with pytest.raises(NotFoundError):
            store.get_group("g1")
        assert store.stats()["memberships"] == 0

    def test_progress_reaches_the_total(self, store: Store, tiny: Community) -> None:
        seen: list[tuple[int, int]] = []
        store.write(tiny, lambda done, total: seen.append((done, total)))
        assert seen[-1][0] == seen[-1][1] > 0
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    def test_writes_survive_reopening(self, store_location: str, tiny: Community) -> None:
        with open_store(store_location) as first:
            first.write(tiny)
        with open_store(store_location) as again:
            assert again.get_member("dev").open_to_connect is False
            assert again.stats()["members"] == 5


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


class TestEmbeddingContract:
    def test_embeddings_are_stored_with_model_and_hash(self, store: Store,
                                                       tiny: Community) -> None:
        store.write(tiny)
        vectors = np.stack([_unit(1, 0), _unit(0, 1)])
        store.write_embeddings("member", "model-a", ["ana", "ben"], ["h1", "h2"], vectors)
        assert store.embedding_state("member") == {"ana": ("model-a", "h1"),
                                                   "ben": ("model-a", "h2")}
        keys, matrix = store.embeddings("member", "model-a")
        assert keys == ["ana", "ben"]
        assert matrix.dtype == np.float32 and np.allclose(matrix, vectors, atol=1e-6)
        assert store.embeddings("member", "model-b")[0] == []

    def test_rewriting_an_embedding_replaces_it(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.write_embeddings("member", "a", ["ana"], ["h1"], _unit(1, 0)[None])
        store.write_embeddings("member", "b", ["ana"], ["h2"], _unit(0, 1)[None])
        assert store.embedding_state("member") == {"ana": ("b", "h2")}
        assert store.embeddings("member", "a")[0] == []

    def test_an_embedding_made_before_an_erasure_is_not_written_after_it(
            self, store: Store, tiny: Community) -> None:
        """Embedding reads texts, encodes, then writes: an erasure in between is final."""
        store.write(tiny)
        store.delete_member("ana")
        store.write_embeddings("member", "a", ["ana", "ben"], ["h1", "h2"],
                               np.stack([_unit(1, 0), _unit(0, 1)]))
        assert store.embedding_state("member") == {"ben": ("a", "h2")}

    def test_nearest_ranks_by_cosine(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        ids = ["ana", "ben", "cat", "dev"]
        vectors = np.stack([_unit(1, 0), _unit(1, 1), _unit(0, 1), _unit(-1, 0)])
        store.write_embeddings("member", "m", ids, ["h"] * 4, vectors)
        found = store.nearest("member", _unit(1, 0.2), 3, "m")
        assert [key for key, _ in found] == ["ana", "ben", "cat"]
        expected = float(_unit(1, 0) @ _unit(1, 0.2))
        assert found[0][1] == pytest.approx(expected, abs=1e-4)
        assert store.nearest("member", _unit(1, 0), 3, "other-model") == []

    def test_deleting_a_member_deletes_their_embedding(self, store: Store,
                                                       tiny: Community) -> None:
        store.write(tiny)
        store.write_embeddings("member", "m", ["ana", "ben"], ["h", "h"],
                               np.stack([_unit(1, 0), _unit(0, 1)]))
        store.embeddings("member", "m")  # warm any cache first
        store.delete_member("ana")
        assert "ana" not in store.embedding_state("member")
        assert store.embeddings("member", "m")[0] == ["ben"]
        assert [key for key, _ in store.nearest("member", _unit(1, 0), 5, "m")] == ["ben"]

    def test_embeddings_written_through_another_connection_are_seen(
            self, store: Store, store_location: str, tiny: Community) -> None:
        store.write(tiny)
        store.write_embeddings("member", "m", ["ana"], ["h"], _unit(1, 0)[None])
        assert store.embeddings("member", "m")[0] == ["ana"]  # warm any cache first
        with open_store(store_location) as beside:  # as another process would
            beside.write_embeddings("member", "m", ["ben"], ["h"], _unit(0, 1)[None])
        assert store.embeddings("member", "m")[0] == ["ana", "ben"]
        assert [key for key, _ in store.nearest("member", _unit(0, 1), 1, "m")] == ["ben"]

    def test_vectors_are_read_for_the_keys_asked(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.write_embeddings("member", "m", ["ana", "ben"], ["h", "h"],
                               np.stack([_unit(1, 0), _unit(0, 1)]))
        found = store.vectors("member", "m", ["ben", "cat"])
        assert list(found) == ["ben"]
        assert np.allclose(found["ben"], _unit(0, 1))
        assert store.vectors("member", "other model", ["ana"]) == {}

    @pytest.mark.neo4j
    def test_neo4j_reads_vectors_kept_without_their_bytes(self, tiny: Community) -> None:
        """A vector written without its bytes beside it (before they were kept for whole
        reads, or by an older version's process during an upgrade, over bytes kept for the
        vector before) is read as itself, not as bytes it no longer matches."""
        from neo4j import GraphDatabase

        uri = neo4j_uri()
        wipe(uri)
        vectors = np.stack([_unit(1, 0), _unit(0.3, 1), _unit(0, 1)])
        with open_store(uri) as store:
            store.write(tiny)
            store.write_embeddings("member", "m", ["ana", "ben", "cat"], ["h"] * 3, vectors)
            rewritten = _unit(1, 1)
            with GraphDatabase.driver(uri) as driver:
                driver.execute_query("MATCH (n:Member {id: 'ben'}) "
                                     "REMOVE n.embedding_bytes, n.embedding_bytes_of")
                driver.execute_query(  # as a version that knew nothing of the bytes writes
                    "MATCH (n:Member {id: 'ana'}) "
                    "CALL db.create.setNodeVectorProperty(n, 'embedding', $vector) "
                    "SET n.embedding_model = 'm', n.embedding_hash = 'h2'",
                    vector=rewritten.tolist())
            expected = np.stack([rewritten, vectors[1], vectors[2]])
            keys, matrix = store.embeddings("member", "m")
            assert keys == ["ana", "ben", "cat"] and matrix.dtype == np.float32
            assert np.array_equal(matrix, expected)
            found = store.vectors("member", "m", ["ana", "ben", "cat"])
            assert all(np.array_equal(found[key], expected[i]) and found[key].flags.writeable
                       for i, key in enumerate(keys))

    @pytest.mark.neo4j
    def test_neo4j_migration_keeps_the_bytes_of_vectors_stored_without_them(
            self, tiny: Community, monkeypatch: pytest.MonkeyPatch) -> None:
        """Migration 9 writes the bytes of vectors stored before they were kept (or beside
        bytes of another vector), page by page, without moving the revision."""
        from neo4j import GraphDatabase

        import graph_schema.neo4j_store as neo4j_store

        monkeypatch.setattr(neo4j_store, "_BYTES_PAGE", 1)
        uri = neo4j_uri()
        wipe(uri)
        vectors = np.stack([_unit(1, 0), _unit(0.3, 1), _unit(0, 1)])
        keys = ["ana", "ben", "cat"]
        with open_store(uri) as store, GraphDatabase.driver(uri) as driver:
            store.write(tiny)
            store.write_embeddings("member", "m", keys, ["h"] * 3, vectors)
            store.write_embeddings("topic", "m", ["measurement"], ["t"], vectors[:1])
            driver.execute_query("MATCH (n) WHERE n.id IN ['ana', 'cat'] OR n:Topic "
                                 "REMOVE n.embedding_bytes, n.embedding_bytes_of")
            driver.execute_query("MATCH (n:Member {id: 'ben'}) SET n.embedding_bytes = $stale, "
                                 "n.embedding_bytes_of = ['m', 'old']",
                                 stale=vectors[0].astype("<f4").tobytes())
            driver.execute_query("MATCH (v:SchemaMigration {version: 9}) DELETE v")
            revision = store.revision()
            assert store.migrate() == [9]
            kept, _, _ = driver.execute_query(
                "MATCH (n) WHERE n.embedding IS NOT NULL "
                "RETURN CASE WHEN n:Topic THEN n.name ELSE n.id END AS key, "
                "n.embedding_bytes AS bytes, "
                "n.embedding_bytes_of AS of ORDER BY key")
            expected = {**dict(zip(keys, vectors, strict=True)), "measurement": vectors[0]}
            assert {r["key"]: (np.frombuffer(r["bytes"], dtype="<f4").tolist(), r["of"])
                    for r in kept} == {
                key: (vector.tolist(), ["m", "t" if key == "measurement" else "h"])
                for key, vector in expected.items()}
            assert store.revision() == revision
            assert store.migrate() == []

    def test_term_embeddings_and_vocabulary(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        assert store.vocabulary("topic") == [
            ("co-design", None), ("measurement", None), ("patient safety", "Avoiding harm.")]
        assert store.terms("topic") == sorted(tiny.topics, key=lambda t: t.id)  # declared only
        assert store.terms("skill") == tiny.skills
        assert [name for name, _ in store.vocabulary("skill")] == [
            "coaching", "statistical process control"]
        store.write_embeddings("topic", "m", ["co-design", "measurement"], ["a", "b"],
                               np.stack([_unit(1, 0), _unit(0, 1)]))
        store.remove_embeddings("topic", ["co-design"])
        assert store.embedding_state("topic") == {"measurement": ("m", "b")}

    def test_get_members_returns_those_that_exist(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        assert [m.id for m in store.get_members(["dev", "nobody", "ana"])] == ["ana", "dev"]


_AT = dt.datetime(2024, 5, 1, 9, 30, 15, 250_000, tzinfo=dt.UTC)


class TestUpdateContract:
    def test_an_update_changes_the_record_as_stored(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        updated = store.update_member("ana", lambda m: m.model_copy(update={"bio": "SPC."}))
        assert store.get_member("ana") == updated == tiny.members[0].model_copy(
            update={"bio": "SPC."})
        group = store.update_group("g1", lambda g: g.model_copy(update={
            "members": [*g.members, "dev"]}))
        assert store.get_group("g1") == group
        assert group.members == ["ana", "ben", "dev"]

    def test_a_refused_update_changes_nothing(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        start, before = store.revision(), store.export()

        def refuse(record: object) -> object:
            raise ConflictError("no")

        for update in (lambda: store.update_member("nobody", lambda m: m),
                       lambda: store.update_group("nothing", lambda g: g)):
            with pytest.raises(NotFoundError):
                update()
        for update in (
                lambda: store.update_member("ana", refuse),
                lambda: store.update_member("ana", lambda m: m.model_copy(update={"id": "zz"})),
                lambda: store.update_group("g1", lambda g: g.model_copy(update={
                    "members": [*g.members, "nobody"]}))):
            with pytest.raises(ConflictError):
                update()
        assert store.export() == before
        assert store.revision() == start

    def test_concurrent_updates_through_two_connections_lose_nothing(
            self, store: Store, store_location: str, tiny: Community) -> None:
        store.write(tiny)
        store.write(Community(members=[Member(id=f"p{i}") for i in range(20)]))
        with open_store(store_location) as beside:
            def updates(writer: Store, side: int) -> None:
                for i in range(side, 20, 2):
                    writer.update_member("ana", lambda m, i=i: m.model_copy(update={
                        "interests": [*m.interests, f"topic {i}"]}))
                    writer.update_group("g1", lambda g, i=i: g.model_copy(update={
                        "members": [*g.members, f"p{i}"]}))

            with ThreadPoolExecutor(2) as pool:
                list(pool.map(updates, (store, beside), (0, 1)))
        assert set(store.get_member("ana").interests) == {
            "patient safety", "measurement", *(f"topic {i}" for i in range(20))}
        assert set(store.get_group("g1").members) == {"ana", "ben", *(f"p{i}" for i in range(20))}


class TestChangeFeedContract:
    def test_writes_beside_are_named_and_this_connections_own_are_not(
            self, store: Store, store_location: str, tiny: Community) -> None:
        start = store.revision()
        store.write(tiny)
        store.write_embeddings("member", "m", ["ana"], ["h"], _unit(1, 0)[None])
        assert store.changes_since(start) == (start + 2, Changes())
        with open_store(store_location) as beside:  # as another process would
            beside.write(Community(members=[Member(id="zed", name="Zed")],
                                   connections=[Connection(source="zed", target="ana")],
                                   topics=[Topic(id="t9", name="flow")]))
            beside.record_feedback(_feedback("ben", "cat"))
            beside.write_embeddings("member", "m", ["ben"], ["h"], _unit(0, 1)[None])
            beside.delete_connection("ben", "ana")
            beside.delete_group("g1")
            beside.delete_member("dev")
        revision, changes = store.changes_since(start)
        assert revision == store.revision() == start + 8
        assert changes == Changes(members=frozenset({"zed", "dev"}), erased=frozenset({"dev"}),
                                  ties=frozenset({("ana", "zed"), ("ana", "ben")}),
                                  groups=frozenset({"g1"}),
                                  feedback=frozenset({("ben", "cat")}),
                                  vectors=frozenset({("member", "ben")}), terms=True)
        assert store.changes_since(revision) == (revision, Changes())
        assert store.changes_since(start + 4)[1] == Changes(vectors=frozenset({("member", "ben")}),
                                                           ties=frozenset({("ana", "ben")}),
                                                           groups=frozenset({"g1"}),
                                                           members=frozenset({"dev"}),
                                                           erased=frozenset({"dev"}))

    def test_keys_links_sessions_and_refused_writes_are_not_changes(
            self, store: Store, store_location: str, tiny: Community) -> None:
        store.write(tiny)
        start = store.revision()
        with open_store(store_location) as beside:  # an admin's `keys link`, a sign-in
            beside.add_key(_key("k1"))
            beside.add_key(_key("k2").model_copy(update={
                "kind": "session", "expires": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}))
            beside.revoke_key("k1")
            beside.remove_expired_keys(dt.datetime.now(dt.UTC))
            with pytest.raises(NotFoundError):
                beside.delete_member("nobody")
            beside.stats(), beside.export()  # reading only, as `qconnect stats` does
        assert store.revision() == start
        assert store.changes_since(start) == (start, Changes())

    def test_a_revision_the_feed_no_longer_reaches_asks_for_a_whole_read(
            self, store: Store, store_location: str, tiny: Community,
            monkeypatch: pytest.MonkeyPatch) -> None:
        store.write(tiny)
        start = store.revision()
        assert store.changes_since(start + 5) is None  # ahead of the store: another store
        for module in ("graph_schema.embedded", "graph_schema.neo4j_store"):
            monkeypatch.setattr(f"{module}.CHANGE_WINDOW", dt.timedelta(0))
        with open_store(store_location) as beside:
            beside.record_feedback(_feedback("ana", "ben"))
            beside.record_feedback(_feedback("ana", "cat"))  # the first leaves the feed
        assert store.changes_since(start) is None
        assert store.changes_since(start + 1) == (start + 2, Changes(
            feedback=frozenset({("ana", "cat")})))

    def test_a_write_too_large_to_list_says_everything(self, store: Store,
                                                      store_location: str) -> None:
        start = store.revision()
        with open_store(store_location) as beside:  # an import beside the service
            beside.write(Community(members=[Member(id=f"m{i}") for i in range(LISTED + 1)]))
        assert store.changes_since(start) == (start + 1, Changes(everything=True))

    def test_concurrent_writes_from_two_connections_are_each_named_to_the_other(
            self, store: Store, store_location: str, tiny: Community) -> None:
        store.write(tiny)
        start = store.revision()
        with open_store(store_location) as beside:
            def feedback(writer: Store, member: str) -> None:
                for target in ("ben", "cat", "dev") * 5:
                    if target != member:
                        writer.record_feedback(_feedback(member, target))

            with ThreadPoolExecutor(2) as pool:
                list(pool.map(feedback, (store, beside), ("ana", "ben")))
            assert store.changes_since(start)[1].feedback == {("ben", "cat"), ("ben", "dev")}
            assert beside.changes_since(start)[1].feedback == {("ana", "ben"), ("ana", "cat"),
                                                              ("ana", "dev")}
            assert store.revision() == start + 25


def _feedback(member: str, target: str, action: str = "dismiss", kind: str = "member",
              at: dt.datetime = _AT) -> Feedback:
    return Feedback(member=member, target_kind=kind, target=target, action=action, at=at)


def _about(store: Store) -> set[tuple[str, str]]:
    return {(f.member, f.target) for f in store.feedback()}


class TestFeedbackContract:
    def test_feedback_is_recorded_and_read_back(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        given = [
            _feedback("ben", "ana", "accept"),
            _feedback("ana", "g1", "accept", kind="group"),
            _feedback("ana", "dev"),
            _feedback("ana", "ben", at=dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(
                dt.timedelta(hours=2)))),
        ]
        for feedback in given:
            store.record_feedback(feedback)
        by_ana = [given[1], given[3], given[2]]  # by kind ("group" < "member"), then target
        assert store.feedback("ana") == by_ana
        assert store.feedback("ana")[1].at.isoformat() == "2024-05-01T10:00:00+00:00"
        assert store.feedback() == [*by_ana, given[0]]
        assert store.feedback("eve") == []
        assert store.stats()["feedback"] == 4

    def test_later_feedback_replaces_earlier(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.record_feedback(_feedback("ana", "cat", "accept"))
        later = _feedback("ana", "cat", "dismiss", at=_AT + dt.timedelta(days=1))
        store.record_feedback(later)
        assert store.feedback() == [later]
        assert store.stats()["feedback"] == 1

    def test_unknown_member_or_target_is_refused(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        for bad, missing in ((_feedback("nobody", "ana"), "nobody"),
                             (_feedback("ana", "nobody"), "nobody"),
                             (_feedback("ana", "ben", kind="group"), "ben"),
                             (_feedback("ana", "g1"), "g1")):
            with pytest.raises(NotFoundError, match=missing):
                store.record_feedback(bad)
        assert store.feedback() == []
        assert store.stats()["feedback"] == 0

    def test_feedback_on_self_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="themself"):
            _feedback("ana", "ana")

    def test_rewriting_members_and_groups_keeps_feedback(self, store: Store,
                                                         tiny: Community) -> None:
        store.write(tiny)
        store.record_feedback(_feedback("ana", "ben"))
        store.record_feedback(_feedback("dev", "g1", kind="group"))
        store.write(tiny)
        assert _about(store) == {("ana", "ben"), ("dev", "g1")}

    def test_deleting_a_member_removes_feedback_by_and_about_them(self, store: Store,
                                                                   tiny: Community) -> None:
        store.write(tiny)
        for member, target in (("ana", "ben"), ("ben", "ana"), ("ben", "cat"), ("cat", "dev")):
            store.record_feedback(_feedback(member, target))
        store.record_feedback(_feedback("ben", "g1", kind="group"))
        store.delete_member("ben")
        assert _about(store) == {("cat", "dev")}
        # Someone new under the same id inherits nothing.
        store.write(Community(members=[Member(id="ben")]))
        assert _about(store) == {("cat", "dev")}

    def test_deleting_a_group_removes_feedback_about_it(self, store: Store,
                                                        tiny: Community) -> None:
        store.write(tiny)
        store.record_feedback(_feedback("dev", "g1", "accept", kind="group"))
        store.record_feedback(_feedback("dev", "cat"))
        store.delete_group("g1")
        assert _about(store) == {("dev", "cat")}
        store.write(Community(groups=[Group(id="g1", name="Safety measurement")]))
        assert _about(store) == {("dev", "cat")}

    def test_feedback_survives_reopening(self, store_location: str, tiny: Community) -> None:
        given = _feedback("ana", "g1", "accept", kind="group")
        with open_store(store_location) as first:
            first.write(tiny)
            first.record_feedback(given)
        with open_store(store_location) as again:
            assert again.feedback() == [given]


def _key(key_id: str, role: str = "member", member: str | None = "ana") -> ApiKey:
    return ApiKey(id=key_id, role=role, member=member, digest="0" * 64)


class TestKeyContract:
    def test_keys_are_added_read_and_revoked(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.add_key(_key("k1"))
        store.add_key(_key("k2", "admin", None))
        assert store.get_key("k1") == _key("k1").model_copy(update={
            "created": store.get_key("k1").created})
        assert [(k.id, k.role, k.member) for k in store.api_keys()] == [
            ("k1", "member", "ana"), ("k2", "admin", None)]
        store.revoke_key("k1")
        with pytest.raises(NotFoundError):
            store.get_key("k1")
        with pytest.raises(NotFoundError):
            store.revoke_key("k1")

    def test_links_and_sessions_keep_their_kind_and_expiry(self, store: Store,
                                                         tiny: Community) -> None:
        store.write(tiny)
        at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
        link = _key("k1").model_copy(update={"kind": "link", "expires": at})
        store.add_key(link)
        store.add_key(_key("k2"))
        assert store.get_key("k1") == link.model_copy(update={
            "created": store.get_key("k1").created})
        assert [(k.kind, k.expires) for k in store.api_keys()] == [("link", at), ("api", None)]

    def test_expired_links_and_sessions_are_removed(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        now = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
        for key_id, kind, expires in (("k1", "link", now - dt.timedelta(minutes=1)),
                                      ("k2", "session", now),
                                      ("k3", "session", now + dt.timedelta(seconds=1)),
                                      ("k4", "api", None)):
            store.add_key(_key(key_id).model_copy(update={"kind": kind, "expires": expires}))
        assert store.remove_expired_keys(now) == 2
        assert [k.id for k in store.api_keys()] == ["k3", "k4"]
        assert store.remove_expired_keys(now) == 0

    def test_a_key_for_an_unknown_member_or_a_used_id_is_refused(self, store: Store,
                                                               tiny: Community) -> None:
        store.write(tiny)
        with pytest.raises(NotFoundError):
            store.add_key(_key("k1", member="nobody"))
        store.add_key(_key("k1"))
        with pytest.raises(ConflictError):
            store.add_key(_key("k1", member="ben"))
        assert [k.member for k in store.api_keys()] == ["ana"]

    def test_deleting_a_member_deletes_their_keys(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        store.add_key(_key("k1"))
        store.add_key(_key("k2", "coordinator", "ben"))
        store.delete_member("ana")
        assert [k.id for k in store.api_keys()] == ["k2"]

    def test_consent_round_trips(self, store: Store, tiny: Community) -> None:
        store.write(tiny)
        dev = store.get_member("dev")
        assert (dev.consent.suggestions, dev.consent.groups, dev.consent.analytics) == (
            True, False, False)
        assert store.get_member("ana").consent == Consent()
