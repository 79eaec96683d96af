"""Embeddings: the real model, the profile texts, and re-embedding only what changed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from graph_schema import Store, open_store
from matcher.embeddings.encoder import Encoder, default_model_path, model_id, text_hash
from matcher.embeddings.onnx_runtime import exported
from matcher.embeddings.profile_text import group_text, member_text
from matcher.embeddings.refresh import embed_current, embed_store, refresh
from models import Community, Group, Member
from service.community import LiveCommunity


def test_real_model_gives_unit_float32_vectors_that_carry_meaning(encoder: Encoder) -> None:
    vectors = encoder.encode(["reducing harm to patients in hospital",
                              "patient safety incidents on wards", "premier league football"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert encoder.encode([]).shape == (0, 384)


BASE = Member(id="m", bio="Midwife leading a project on safer births.", role="Midwife",
              organisation="Northby NHS Trust", region="North West",
              skills=[{"name": "run charts", "level": 2}], interests=["maternity"],
              wants_to_learn=["driver diagrams"])


@pytest.mark.parametrize("change", [
    {"bio": "Midwife leading a project on continuity of carer."},
    {"role": "Consultant midwife"},
    {"organisation": "Southby NHS Trust"},
    {"region": "London"},
    {"interests": ["maternity", "health inequalities"]},
    {"skills": [{"name": "run charts", "level": 3}]},
    {"skills": [{"name": "statistical process control", "level": 2}]},
    {"wants_to_learn": ["process mapping"]},
])
def test_any_change_to_a_profile_changes_its_text(change: dict) -> None:
    changed = Member.model_validate({**BASE.model_dump(), **change})
    assert member_text(changed) != member_text(BASE)


def test_privacy_settings_are_not_part_of_the_text() -> None:
    changed = BASE.model_copy(update={"visibility": "public", "open_to_connect": False})
    assert member_text(changed) == member_text(BASE)


def test_profile_text_reads_as_sentences() -> None:
    assert member_text(BASE) == (
        "Midwife leading a project on safer births. Midwife at Northby NHS Trust (an NHS "
        "trust), North West. Interested in maternity. Skills: run charts (some experience). "
        "Wants to learn: driver diagrams.")
    assert member_text(Member(id="x", name="Only A Name")) == ""  # no profile, no embedding
    assert group_text(Group(id="g", name="Safer births", topics=["maternity"])) == (
        "Safer births. Topics: maternity.")


def test_only_what_changed_is_re_embedded(store: Store, tiny: Community,
                                          encoder: Encoder) -> None:
    store.write(tiny)
    first = embed_store(store, encoder)
    # Eve's profile is a name only: no text, so no embedding.
    assert first.embedded == {"member": 4, "group": 1, "topic": 3, "skill": 2}
    assert "eve" not in store.embedding_state("member")
    again = embed_store(store, encoder)
    assert again.embedded == {"member": 0, "group": 0, "topic": 0, "skill": 0}
    assert again.current == first.embedded
    before = dict(zip(*store.embeddings("member", encoder.model_id), strict=True))

    store.write(Community(members=[tiny.members[1].model_copy(update={"bio": "New bio."})]))
    third = embed_store(store, encoder)
    assert third.embedded["member"] == 1 and third.current["member"] == 3
    after = dict(zip(*store.embeddings("member", encoder.model_id), strict=True))
    assert not np.allclose(after["ben"], before["ben"])
    assert np.array_equal(after["ana"], before["ana"])

    emptied = tiny.members[1].model_copy(update={"bio": None, "role": None, "organisation": None,
                                                 "region": None, "interests": [],
                                                 "wants_to_learn": []})
    store.write(Community(members=[emptied]))
    assert embed_store(store, encoder).removed["member"] == 1
    assert "ben" not in store.embedding_state("member")  # nothing left to embed: forgotten


class _WrittenMeanwhile:
    """The encoder, with another process's write run once while it encodes (the first time
    ``when`` holds for the texts): the write lands after the texts were read, and before their
    embeddings are stored."""

    def __init__(self, encoder: Encoder, write: Callable[[], object],
                 when: Callable[[list[str]], bool] = lambda texts: True) -> None:
        self.encoder, self.write, self.when = encoder, write, when
        self.model_id = encoder.model_id

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.encoder.encode(texts)
        if self.write is not None and self.when(texts):
            write, self.write = self.write, None
            write()
        return vectors


def test_a_profile_edited_while_the_store_is_embedded_keeps_the_embedding_of_its_new_text(
        store: Store, tiny: Community, encoder: Encoder) -> None:
    store.write(tiny)
    edited = tiny.members[1].model_copy(update={"bio": "Leads the maternity safety work."})

    def edit_beside() -> None:  # as a replica of the service edits and embeds a profile
        store.write(Community(members=[edited]))
        embed_current(store, encoder, "member", {edited.id: member_text(edited)})

    # While the batch encodes the profiles it read, Ben's is edited and embedded beside it.
    embed_store(store, _WrittenMeanwhile(encoder, edit_beside, when=lambda texts: len(texts) > 1))
    # The batch wrote Ben's old vector over the new one; it read him again and put it right.
    assert store.embedding_state("member")["ben"] == (encoder.model_id,
                                                      text_hash(member_text(edited)))
    stored = dict(zip(*store.embeddings("member", encoder.model_id), strict=True))
    assert np.allclose(stored["ben"], encoder.encode([member_text(edited)])[0], atol=1e-6)
    assert embed_store(store, encoder).embedded["member"] == 0


def test_an_edit_through_a_community_not_read_yet_is_embedded(store: Store, tiny: Community,
                                                             encoder: Encoder) -> None:
    store.write(tiny)
    embed_store(store, encoder)
    LiveCommunity(store, encoder).update_member(
        "ben", lambda member: member.model_copy(update={"bio": "Leads the falls audit."}))
    assert store.embedding_state("member")["ben"] == (
        encoder.model_id, text_hash(member_text(store.get_member("ben"))))


def test_two_replicas_editing_one_profile_at_once_leave_the_embedding_of_the_last_edit(
        store_location: str, tiny: Community, encoder: Encoder) -> None:
    with open_store(store_location) as first_store, open_store(store_location) as second_store:
        first_store.write(tiny)
        embed_store(first_store, encoder)
        second = LiveCommunity(second_store, encoder)

        def bio(text: str) -> Callable[[Member], Member]:
            return lambda member: member.model_copy(update={"bio": text})

        # The second replica's edit of Ben lands after the first's, and its embedding is stored
        # before the first's embedding of the text the first wrote.
        first = LiveCommunity(first_store, _WrittenMeanwhile(
            encoder, lambda: second.update_member("ben", bio("Edited second.")),
            when=lambda texts: any("Edited first." in text for text in texts)))
        first.update_member("ben", bio("Edited first."))
        ben = first_store.get_member("ben")
        assert ben.bio == "Edited second."
        assert first_store.embedding_state("member")["ben"] == (encoder.model_id,
                                                                text_hash(member_text(ben)))


def test_a_change_of_model_re_embeds_everything(store: Store, tiny: Community,
                                                encoder: Encoder, tmp_path: Path) -> None:
    store.write(tiny)
    embed_store(store, encoder)
    # The same weights under another folder name are, to qconnect, another model setting.
    other_path = shutil.copytree(default_model_path(), tmp_path / "other-minilm",
                                 copy_function=lambda src, dst: Path(dst).symlink_to(src))
    other = Encoder(str(other_path))
    assert other.model_id != encoder.model_id
    report = embed_store(store, other)
    assert report.embedded == {"member": 4, "group": 1, "topic": 3, "skill": 2}
    assert store.embeddings("member", encoder.model_id)[0] == []


def test_embeddings_of_things_gone_are_forgotten(store: Store, tiny: Community,
                                                 encoder: Encoder) -> None:
    store.write(tiny)
    embed_store(store, encoder)
    store.delete_group("g1")
    store.write(Community(members=[tiny.members[3].model_copy(update={"interests": []})]))
    embed_store(store, encoder)
    assert set(store.embedding_state("topic")) == {"measurement", "patient safety"}
    assert store.embedding_state("group") == {}


def test_refresh_embeds_just_the_given_records(store: Store, tiny: Community,
                                               encoder: Encoder) -> None:
    store.write(tiny)
    assert refresh(store, encoder, "member", {"ana": member_text(tiny.members[0])}) == (1, 0)
    assert set(store.embedding_state("member")) == {"ana"}


def test_a_query_is_encoded_once_while_it_is_kept(encoder: Encoder,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.embeddings import encoder as encoding

    monkeypatch.setattr(encoding, "QUERIES_KEPT", 2)
    first = encoder.encode_query("statistical process control in maternity")
    assert np.array_equal(first, encoder.encode(["statistical process control in maternity"])[0])
    assert encoder.encode_query("statistical process control in maternity") is first  # kept
    with pytest.raises(ValueError):
        first[0] = 0.0  # shared by every search that asks: nobody may change it
    encoder.encode_query("co-design with patient leaders")
    encoder.encode_query("ward-level falls data")  # the third text pushes out the oldest
    assert encoder.encode_query("statistical process control in maternity") is not first


def test_onnx_runtime_gives_the_vectors_pytorch_gives(encoder: Encoder,
                                                      generated: Community) -> None:
    assert encoder.backend == "onnx"  # the default
    pytorch = Encoder(default_model_path())
    assert pytorch.backend == "torch"
    # Profiles of every length, from a word to past the model's limit, so batches pad.
    texts = ["SPC", *(member_text(m) for m in generated.members[:150]),
             " ".join(member_text(m) for m in generated.members[:20])]
    ours, theirs = encoder.encode(texts), pytorch.encode(texts)
    assert (ours * theirs).sum(axis=1).min() > 0.9999
    alone = np.vstack([encoder.encode([text]) for text in texts[:5]])  # one text, no padding
    assert (alone * theirs[:5]).sum(axis=1).min() > 0.9999
    nearest = lambda vectors: np.argsort(-(vectors @ vectors.T), axis=1)[:, :10]  # noqa: E731
    assert (nearest(ours) == nearest(theirs)).mean() > 0.99


def test_the_onnx_export_is_made_once_and_reused(tmp_path: Path) -> None:
    first = Encoder(default_model_path(), onnx_folder=tmp_path)
    [exported] = tmp_path.iterdir()  # one finished file, nothing half-written left beside it
    made = exported.stat().st_mtime_ns
    second = Encoder(default_model_path(), onnx_folder=tmp_path)
    assert first.backend == second.backend == "onnx"
    assert list(tmp_path.iterdir()) == [exported] and exported.stat().st_mtime_ns == made
    text = ["statistical process control in maternity"]
    assert np.allclose(first.encode(text), second.encode(text), atol=1e-6)


def test_where_onnx_cannot_be_set_up_the_model_runs_with_pytorch(
        encoder: Encoder, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder would be")
    fallback = Encoder(default_model_path(), onnx_folder=not_a_folder)
    assert fallback.backend == "torch"
    assert "runs with PyTorch" in caplog.text
    text = ["patient safety incidents on wards"]
    assert np.allclose(fallback.encode(text), encoder.encode(text), atol=1e-5)


def test_an_export_kept_from_other_weights_or_unreadable_is_made_again(
        encoder: Encoder, tmp_path: Path) -> None:
    """A model id names a folder, its configuration and the weights' sizes: fine-tuned
    weights in a folder of the same name have the same id, and must not run the old export."""
    other = SentenceTransformer(default_model_path(), device="cpu")
    with torch.no_grad():
        for weights in other[0].parameters():
            weights.mul_(0.9)
    stale = exported(other, model_id(default_model_path()), tmp_path)
    made = stale.stat().st_mtime_ns
    again = Encoder(default_model_path(), onnx_folder=tmp_path)
    assert again.backend == "onnx" and stale.stat().st_mtime_ns != made
    text = ["statistical process control in maternity"]
    assert np.allclose(again.encode(text), encoder.encode(text), atol=1e-5)
    stale.write_bytes(b"not an ONNX model")  # cut short, or by an incompatible version
    assert Encoder(default_model_path(), onnx_folder=tmp_path).backend == "onnx"
