"""Keeping a store's embeddings up to date, re-embedding only what changed.

An embedding is current when it was made by the encoder's model from exactly the text the
record has now (same hash). :func:`embed_store` brings every kind up to date and forgets the
embeddings of things that are gone; :func:`refresh` does the same for some records, and
:func:`embed_current` embeds what a single write changed.

Another process may rewrite a record while this one embeds it. Both store the embedding of the
text they read, and the one stored last stays: if that is the older text's, the record's
embedding no longer says what it does. So what was embedded is read again afterwards, and
embedded anew where its text moved on (:func:`embed_current`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field

import numpy as np

from graph_schema.store import EMBEDDED_KINDS, Kind, Store
from matcher.embeddings.encoder import Encoder, text_hash
from matcher.embeddings.profile_text import group_text, member_text, term_text
from models.errors import NotFoundError

__all__ = ["EmbedReport", "KindProgress", "current_texts", "embed_current", "embed_store",
           "embed_texts", "refresh"]

CHUNK = 2048  # texts embedded and written per store transaction

KindProgress = Callable[[Kind, int, int], None]
"""Called as ``progress(kind, done, total)`` while a kind is embedded."""


@dataclass
class EmbedReport:
    """How many records of each kind were embedded, already current, or forgotten."""

    embedded: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)


def current_texts(store: Store, kind: Kind) -> dict[str, str]:
    """The text each record of ``kind`` in the store should be embedded from, by key."""
    if kind == "member":
        texts = {m.id: member_text(m) for m in store.members()}
        return {key: text for key, text in texts.items() if text}  # no text, no embedding
    if kind == "group":
        return {g.id: group_text(g) for g in store.groups()}
    return {name: term_text(name, description) for name, description in store.vocabulary(kind)}


def embed_texts(store: Store, encoder: Encoder, kind: Kind,
                texts: Mapping[str, str]) -> dict[str, np.ndarray | None]:
    """Embed ``texts`` (key → text) and store them in one transaction; the vectors by key. A
    record whose text is empty has no embedding: any it had is forgotten, and its vector is
    None."""
    empty = [key for key, text in texts.items() if not text]
    if empty:
        store.remove_embeddings(kind, empty)
    keys = [key for key, text in texts.items() if text]
    vectors = encoder.encode([texts[key] for key in keys])
    if keys:
        store.write_embeddings(kind, encoder.model_id, keys,
                               [text_hash(texts[k]) for k in keys], vectors)
    return {**dict(zip(keys, vectors, strict=True)), **dict.fromkeys(empty)}


def embed_current(store: Store, encoder: Encoder, kind: Kind,
                  texts: Mapping[str, str]) -> dict[str, np.ndarray | None]:
    """:func:`embed_texts`, then the records read again: one that another process rewrote
    meanwhile may have had the embedding of its new text, stored by that process, written over
    with the one of the text it had before. Such records are embedded from their text now,
    until the texts read are the texts embedded. The vectors of ``texts``, by key."""
    vectors = embed_texts(store, encoder, kind, texts)
    embedded = dict(texts)
    while moved := {key: text for key, text in _texts_now(store, kind, embedded).items()
                    if text != embedded[key]}:
        embed_texts(store, encoder, kind, moved)
        embedded.update(moved)
    return vectors


def _texts_now(store: Store, kind: Kind, keys: Iterable[str]) -> dict[str, str]:
    """The text each of the records ``keys`` of ``kind`` has now ("" for a member whose
    profile says nothing); records gone are left out."""
    if kind == "member":
        return {m.id: member_text(m) for m in store.get_members(keys)}
    if kind == "group":
        found = {}
        for key in keys:
            with suppress(NotFoundError):
                found[key] = group_text(store.get_group(key))
        return found
    wanted = set(keys)
    return {name: term_text(name, description) for name, description in store.vocabulary(kind)
            if name in wanted}


def refresh(
    store: Store,
    encoder: Encoder,
    kind: Kind,
    texts: Mapping[str, str],
    *,
    force: bool = False,
    progress: KindProgress | None = None,
    state: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[int, int]:
    """Embed those of ``texts`` (key → text) whose stored embedding is not current.

    Returns ``(embedded, already current)``. Work is written chunk by chunk, so an interrupted
    run keeps what it finished. ``state`` is the store's embedding state, when the caller has
    just read it.
    """
    state = store.embedding_state(kind) if state is None else state
    hashes = {key: text_hash(text) for key, text in texts.items()}
    todo = [key for key in texts
            if force or state.get(key) != (encoder.model_id, hashes[key])]
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        embed_current(store, encoder, kind, {key: texts[key] for key in chunk})
        if progress:
            progress(kind, start + len(chunk), len(todo))
    return len(todo), len(texts) - len(todo)


def embed_store(
    store: Store,
    encoder: Encoder,
    *,
    kinds: tuple[Kind, ...] = EMBEDDED_KINDS,
    force: bool = False,
    progress: KindProgress | None = None,
) -> EmbedReport:
    """Bring the embeddings of ``kinds`` up to date with the store's records and the model."""
    report = EmbedReport()
    for kind in kinds:
        texts = current_texts(store, kind)
        state = store.embedding_state(kind)
        gone = [key for key in state if key not in texts]
        if gone:
            store.remove_embeddings(kind, gone)
        embedded, current = refresh(store, encoder, kind, texts, force=force, progress=progress,
                                    state=state)
        report.embedded[kind], report.current[kind], report.removed[kind] = (
            embedded, current, len(gone))
    return report
