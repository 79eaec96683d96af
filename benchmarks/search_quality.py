"""Search quality: qconnect's search against exact-word and meaning-only search, in one run.

    .venv/bin/python -m benchmarks.search_quality [--members 500] [--k 10]

1. A generated community (the demo's: 500 members, seed 42): for every skill at least 10
   findable members hold at level 3 or more, three phrasings — "expert in ⟨skill⟩", the bare
   skill name, "who can teach me ⟨skill⟩" — with those holders as the relevant members.
   Prints holders and members who only want the skill in the top 10 (means), how many lists
   put such a member above a holder, and nDCG@10; then the bare name in learners mode, where
   the members who want the skill are the relevant ones. Targets: at least 7 holders in the
   top 10 and no wanter above a holder (experts), the reverse for learners.
2. ``../shared/data/bundles/asf-projects.search.json`` (skipped with a message where absent):
   173 queries, each a project's own description without its name; the relevant members are
   the project's. Members have no text of their own: each is known by the groups they are in.
   BM25 and TF-IDF over each member's text plus the name, description and topics of their
   groups, meaning-only search over the profiles, and qconnect: nDCG@10, recall@10 and MRR.
   Target: qconnect ≥ 1.2 × the better of TF-IDF and BM25. Then how often the project
   itself is the first group found, by words, by meaning and by qconnect's group evidence, and
   qconnect's nDCG@10 where its group evidence finds the project first and where it does not.
3. ``../shared/data/bundles/lastfm-2k`` with the tags each member applied taken out of their
   profile (skipped where absent): members are known by the artists their bio names and by
   their friendships. For each tag 15 to 300 members applied, the tag and "who knows about
   ⟨tag⟩" (the relevant members: those who applied it; their words rarely say it, their
   meaning and their friends more often do); for every third artist 10 to 100 members name,
   the artist's name (relevant: those who name it; their own words decide). nDCG@10 of each
   method, and of qconnect on the same community without its ties.
Methods other than qconnect are computed here, in the same run, over the same snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from benchmarks.prepared import CACHE, prepared_bundle
from graph_schema import open_store
from graph_schema.bundle import read_bundle
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.profile_text import group_text, member_text
from matcher.evaluation.metrics import ndcg, recall, reciprocal_rank
from matcher.recommend.snapshot import Snapshot
from matcher.search.groups import group_evidence
from matcher.search.lexical import LexicalIndex
from matcher.search.members import search_members
from models import Community
from models.privacy import findable
from service import config
from service.community import read_snapshot
from service.prepared import generated_store, prepared

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "bundles"
PHRASINGS = ("expert in {}", "{}", "who can teach me {}")

Search = Callable[[str, int], list[str]]


def _documents(snapshot: Snapshot) -> list[str]:
    """Each member's text plus the name, description and topics of the groups they are in."""
    texts = [member_text(m) for m in snapshot.members]
    for group in snapshot.groups:
        for member in (*group.members, *group.coordinators):
            row = snapshot.ids.index.get(member)
            if row is not None:
                texts[row] += " " + group_text(group)
    return texts


def _methods(snapshot: Snapshot, encoder: Encoder) -> dict[str, Search]:
    documents = _documents(snapshot)
    bm25 = LexicalIndex.build(documents)
    tfidf_model = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    tfidf = normalize(tfidf_model.fit_transform(documents))
    allowed = np.array([findable(m) for m in snapshot.members])
    ids = snapshot.ids.names

    def top(scores: np.ndarray, k: int) -> list[str]:
        rows = np.flatnonzero(allowed & (scores > 0))
        return [ids[r] for r in rows[np.lexsort((rows, -scores[rows]))][:k]]

    return {
        "BM25 (member + group text)": lambda q, k: top(bm25.scores(q), k),
        "TF-IDF (member + group text)": lambda q, k: top(
            (tfidf @ normalize(tfidf_model.transform([q])).T).toarray().ravel(), k),
        "meaning only (profile embeddings)": lambda q, k: top(
            snapshot.embeddings @ encoder.encode([q])[0] + 1.0 * snapshot.embedded, k),
        "qconnect": lambda q, k: [h.member.id for h in search_members(snapshot, encoder, q, k)],
    }


def _holders(snapshot: Snapshot, skill: str) -> tuple[set[str], set[str]]:
    holders, wanters = set(), set()
    for member in snapshot.members:
        if not findable(member):
            continue
        levels = {s.name: s.level or 3 for s in member.skills}
        if levels.get(skill, 0) >= 3:
            holders.add(member.id)
        elif skill in member.wants_to_learn and skill not in levels:
            wanters.add(member.id)
    return holders, wanters


def _above(found: list[str], first: set[str], then: set[str]) -> bool:
    """Whether a member of ``then`` ranks above some member of ``first`` in ``found``."""
    last = max((i for i, m in enumerate(found) if m in first), default=0)
    return any(m in then for m in found[:last])


def skill_queries(snapshot: Snapshot, encoder: Encoder, k: int) -> None:
    methods = _methods(snapshot, encoder)
    skills = {s: _holders(snapshot, s) for s in snapshot.skills.names}
    skills = {s: found for s, found in skills.items() if len(found[0]) >= 10}
    print(f"\n== generated community: {len(skills)} skills with ≥ 10 findable holders at level "
          "≥ 3")
    print(f"{'method':<36} {'phrasing':<22} {'holders':>8} {'wanters':>8} "
          f"{'wanter above holder':>20} {'nDCG@10':>8}")
    for name, search in methods.items():
        for phrasing in PHRASINGS:
            rows = []
            for skill, (holders, wanters) in skills.items():
                found = search(phrasing.format(skill), k)
                rows.append((sum(m in holders for m in found), sum(m in wanters for m in found),
                             _above(found, holders, wanters), ndcg(found, holders, k)))
            mean = np.mean(rows, axis=0)
            print(f"{name:<36} {phrasing.format('⟨skill⟩'):<22} {mean[0]:>8.2f} {mean[1]:>8.2f} "
                  f"{int(sum(r[2] for r in rows)):>20} {mean[3]:>8.3f}")
    rows = []
    for skill, (holders, wanters) in skills.items():
        found = [h.member.id for h in search_members(snapshot, encoder, skill, k,
                                                     looking_for="learners")]
        rows.append((sum(m in wanters for m in found), sum(m in holders for m in found),
                     _above(found, wanters, holders), ndcg(found, wanters, k)))
    mean = np.mean(rows, axis=0)
    print(f"{'qconnect, learners':<36} {'⟨skill⟩':<22} {mean[1]:>8.2f} {mean[0]:>8.2f} "
          f"{int(sum(r[2] for r in rows)):>20} {mean[3]:>8.3f}  (relevant: the wanters)")


def project_queries(snapshot: Snapshot, encoder: Encoder, k: int, path: Path) -> None:
    queries = json.loads(path.read_text("utf-8"))["queries"]
    print(f"\n== asf-projects: {len(queries)} project descriptions → the project's members")
    print(f"{'method':<36} {'nDCG@10':>8} {'recall@10':>10} {'MRR':>6} {'ms/query':>9}")
    results, per_query = {}, {}
    for name, search in _methods(snapshot, encoder).items():
        started = time.perf_counter()
        found = [(search(q["q"], k), set(q["relevant"])) for q in queries]
        ms = (time.perf_counter() - started) * 1000 / len(queries)
        per_query[name] = np.array([ndcg(f, r, k) for f, r in found])
        results[name] = per_query[name].mean()
        print(f"{name:<36} {results[name]:>8.3f} "
              f"{np.mean([recall(f, r) for f, r in found]):>10.3f} "
              f"{np.mean([reciprocal_rank(f, r) for f, r in found]):>6.3f} {ms:>9.1f}")
    better = max(results["BM25 (member + group text)"], results["TF-IDF (member + group text)"])
    print(f"qconnect nDCG@10 / the better of BM25 and TF-IDF: {results['qconnect'] / better:.3f}")
    _project_found_first(snapshot, encoder, queries, per_query["qconnect"])


def _project_found_first(snapshot: Snapshot, encoder: Encoder, queries: list[dict],
                         found: np.ndarray) -> None:
    """How often the project a description is of (the group whose members overlap the relevant
    ones most) is the first group found, and qconnect's nDCG (``found``, per query) when it is
    and when it is not: what limits finding its members."""
    members = [set(g.members) | set(g.coordinators) for g in snapshot.groups]
    first = {"BM25 over group text": 0, "meaning of group text": 0, "qconnect's group evidence": 0}
    qconnect_first = np.zeros(len(queries), dtype=bool)
    for i, q in enumerate(queries):
        relevant = set(q["relevant"])
        project = max(range(len(members)),
                      key=lambda g: len(members[g] & relevant) / len(members[g] | relevant))
        query = encoder.encode([q["q"]])[0]
        evidence = group_evidence(snapshot, q["q"], query)
        for name, scores in (
                ("BM25 over group text", snapshot.search_index.groups.scores(q["q"])),
                ("meaning of group text", snapshot.group_embeddings @ query),
                ("qconnect's group evidence", evidence)):
            first[name] += int(np.argmax(scores)) == project
        qconnect_first[i] = int(np.argmax(evidence)) == project
    print("the project found first among the groups: " + ", ".join(
        f"{name} {count / len(queries):.0%}" for name, count in first.items()))
    print(f"qconnect nDCG@10 where its group evidence finds the project first "
          f"{found[qconnect_first].mean():.3f}, where it does not "
          f"{found[~qconnect_first].mean():.3f}")


def _untagged(bundle: Path) -> Community:
    community = read_bundle(bundle)
    return community.model_copy(update={"members": [
        m.model_copy(update={"interests": []}) for m in community.members]})


def friend_queries(snapshot: Snapshot, encoder: Encoder, k: int, tags: dict[str, set[str]]
                   ) -> None:
    artists: dict[str, set[str]] = {}
    for member in snapshot.members:
        for artist in (member.bio or "").removeprefix("Listens to ").rstrip(".").split(", "):
            if artist:
                artists.setdefault(artist, set()).add(member.id)
    applied = [(t, found) for t, found in sorted(tags.items()) if 15 <= len(found) <= 300]
    queries = {"⟨tag⟩": applied,
               "who knows about ⟨tag⟩": [(f"who knows about {t}", f) for t, f in applied],
               "⟨artist⟩": [(a, found) for a, found in sorted(artists.items())
                            if 10 <= len(found) <= 100][::3]}
    print(f"\n== lastfm-2k without members' tags: {len(queries['⟨tag⟩'])} tags → the members "
          f"who applied them, {len(queries['⟨artist⟩'])} artists → the members who name them")
    print(f"{'method':<36} " + " ".join(f"{q:>22}" for q in queries))
    untied = Snapshot(snapshot.community.model_copy(update={"connections": []}),
                      snapshot.vectors)
    methods = {**_methods(snapshot, encoder), "qconnect without ties": lambda q, k: [
        h.member.id for h in search_members(untied, encoder, q, k)]}
    for name, search in methods.items():
        print(f"{name:<36} " + " ".join(
            f"{np.mean([ndcg(search(q, k), found, k) for q, found in asked]):>22.3f}"
            for asked in queries.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    encoder = config.encoder()
    with open_store(str(generated_store(CACHE, args.members, seed=42))) as store:
        skill_queries(read_snapshot(store), encoder, args.k)
    bundle, queries = SHARED / "asf-projects", SHARED / "asf-projects.search.json"
    if not bundle.is_dir() or not queries.is_file():
        print(f"skipping asf-projects: {bundle} or {queries.name} is not on this machine",
              file=sys.stderr)
        return
    with open_store(str(prepared_bundle(bundle))) as store:
        project_queries(read_snapshot(store), encoder, args.k, queries)
    lastfm = SHARED / "lastfm-2k"
    if not lastfm.is_dir():
        print(f"skipping lastfm-2k: {lastfm} is not on this machine", file=sys.stderr)
        return
    tags: dict[str, set[str]] = {}
    for member in read_bundle(lastfm).members:
        for tag in member.interests:
            tags.setdefault(tag, set()).add(member.id)
    untagged = prepared(CACHE / "lastfm-2k-untagged.db", lambda: _untagged(lastfm))
    with open_store(str(untagged)) as store:
        friend_queries(read_snapshot(store), encoder, args.k, tags)


if __name__ == "__main__":
    main()
