"""Group formation: the hard rules hold on generated pools, infeasible requests are refused
clearly, pins and pairs are kept, a warm start is stable, labels come from the members' topics,
and proposals are saved as real groups in each store and through the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from api.cli import app
from graph_schema import Store, open_store
from graph_schema.store import copy_store
from matcher.groups.baselines import partition_scores, random_groups
from matcher.groups.coherence import coherence_ceiling
from matcher.groups.formation import GroupRules, InfeasibleError, Partition, form_groups
from matcher.groups.pool import select_pool
from matcher.groups.report import describe
from matcher.recommend.snapshot import Snapshot
from models import Community, Consent
from models.api import GroupPublic, ProposalSave
from models.errors import ConflictError, NotFoundError, QConnectError
from models.privacy import NOT_PLACEABLE, OPERATOR, placeable
from service import proposals
from service.community import LiveCommunity, read_snapshot

runner = CliRunner()


@pytest.fixture(scope="module")
def snapshot(generated_store: str) -> Snapshot:
    with open_store(generated_store) as store:
        return read_snapshot(store)


@pytest.fixture(scope="module")
def pool(snapshot: Snapshot) -> np.ndarray:
    return np.flatnonzero(snapshot.suggestable)


def _distinct_orgs(snapshot: Snapshot, rows: np.ndarray, count: int) -> list[str]:
    """``count`` members of ``rows`` from as many organisations, none of them the first's."""
    seen: set[str | None] = set()
    chosen = []
    for row in rows:
        member = snapshot.members[row]
        if member.organisation not in seen:
            seen.add(member.organisation)
            chosen.append(member.id)
        if len(chosen) == count:
            break
    return chosen


def _assert_rules_hold(snapshot: Snapshot, rows: np.ndarray, rules: GroupRules,
                       partition: Partition) -> None:
    by_id = {m.id: m for m in snapshot.members}
    placed = [m for group in partition.groups for m in group]
    left = [m for m, _ in partition.unassigned]
    assert sorted(placed + left) == sorted(snapshot.ids.names[r] for r in rows)
    assert all(reason for _, reason in partition.unassigned)
    where = {m: g for g, group in enumerate(partition.groups) for m in group}
    for group in partition.groups:
        assert rules.min_size <= len(group) <= rules.max_size
        orgs = Counter(by_id[m].organisation for m in group if by_id[m].organisation)
        assert max(orgs.values(), default=0) <= (rules.max_per_organisation or len(group))
        assert len({by_id[m].role for m in group if by_id[m].role}) >= rules.min_roles
    for pair in rules.together:
        assert len({where.get(m, -1) for m in pair}) == 1
    for a, b in rules.apart:
        assert a not in where or where.get(a) != where.get(b)
    for member, group in rules.pins.items():
        assert member in partition.groups[group]


CASES = [(3, 5, 1, 2), (4, 6, 2, 3), (6, 10, 2, 3), (8, 12, 3, 4), (5, 5, 2, 2), (2, 4, 1, 0),
         (6, 8, None, 3), (10, 15, 2, 5)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("low", "high", "cap", "roles"), CASES)
def test_every_hard_rule_holds(snapshot: Snapshot, pool: np.ndarray, seed: int, low: int,
                               high: int, cap: int | None, roles: int) -> None:
    rng = np.random.default_rng(seed * 100 + low)
    rows = np.sort(rng.choice(pool, size=int(rng.integers(40, len(pool))), replace=False))
    shuffled = rng.permutation(rows)
    t1, t2, a1, a2, p1, p2 = _distinct_orgs(snapshot, shuffled, 6)
    rules = GroupRules(min_size=low, max_size=high, max_per_organisation=cap, min_roles=roles,
                       together=((t1, t2),), apart=((a1, a2), (t1, a1)), pins={p1: 0, p2: 1})
    partition = form_groups(snapshot, rows, rules, seed=seed)
    _assert_rules_hold(snapshot, rows, rules, partition)
    assert len(partition.unassigned) <= 0.1 * len(rows)


@pytest.mark.parametrize(("low", "high"), [(2, 4), (3, 5), (6, 10)])
def test_no_partition_within_the_sizes_beats_the_coherence_ceiling(snapshot: Snapshot,
                                                                   pool: np.ndarray, low: int,
                                                                   high: int) -> None:
    rows = pool[:300]
    rules = GroupRules(min_size=low, max_size=high)
    ceiling = coherence_ceiling(snapshot.embeddings[rows], low, high, placed=0.9)
    rng = np.random.default_rng(low)
    partitions = [form_groups(snapshot, rows, rules, seed=seed).rows(snapshot) for seed in range(3)]
    for seed in range(3):
        sizes = rng.integers(low, high + 1, size=len(rows) // low)
        sizes = sizes[np.cumsum(sizes) <= len(rows)]
        partitions.append(random_groups(rows, sizes.tolist(), seed))
    scores = [partition_scores(snapshot, rows, groups, rules) for groups in partitions]
    assert all(score["placed"] >= 0.9 and score["broken_size"] == 0 for score in scores)
    assert max(score["coherence"] for score in scores) <= ceiling < 1.0
    assert scores[0]["coherence"] > scores[-1]["coherence"]


def test_the_coherence_ceiling_is_reached_by_groups_of_identical_members() -> None:
    rows = np.repeat(np.eye(4), 3, axis=0)  # four sets of three identical unit rows
    assert coherence_ceiling(rows, 3, 3, placed=1.0) == pytest.approx(1.0)
    assert coherence_ceiling(rows, 3, 6, placed=1.0) == pytest.approx(1.0)
    assert coherence_ceiling(rows, 6, 6, placed=1.0) == pytest.approx(0.4)
    with pytest.raises(InfeasibleError, match="no groups of 13 to 14 can be made from 12 rows"):
        coherence_ceiling(rows, 13, 14)
    with pytest.raises(ValueError, match="share placed"):
        coherence_ceiling(rows, 3, 3, placed=1.5)


def test_a_tight_organisation_cap_leaves_members_out_with_the_reason(snapshot: Snapshot,
                                                                     pool: np.ndarray) -> None:
    org = Counter(snapshot.members[r].organisation for r in pool).most_common(1)[0][0]
    mostly = [r for r in pool if snapshot.members[r].organisation == org][:30]
    rows = np.sort(np.concatenate([mostly, [r for r in pool if r not in set(mostly)][:20]]))
    rules = GroupRules(min_size=4, max_size=6, max_per_organisation=1)
    partition = form_groups(snapshot, rows, rules)
    _assert_rules_hold(snapshot, rows, rules, partition)
    assert partition.unassigned
    assert all(org in reason for _, reason in partition.unassigned)


@pytest.mark.parametrize(("rules", "message"), [
    (GroupRules(min_size=500, max_size=600), "fewer than the minimum group size 500"),
    (GroupRules(min_size=6, max_size=4), "min (6) ≤ max (4)"),
    (GroupRules(min_size=3, max_size=5, min_roles=40), "cannot have 40 distinct roles"),
    (GroupRules(min_size=3, max_size=5, groups=400), "cannot fill 400 groups"),
    (GroupRules(min_size=3, max_size=5, pins={"m00002": 999}), "pinned to group 999"),
    (GroupRules(min_size=3, max_size=5, pins={"nobody": 0}), "nobody (pinned) is not in"),
    (GroupRules(min_size=3, max_size=5, together=(("m00002", "m00003"),),
                apart=(("m00003", "m00002"),)), "both together and apart"),
    (GroupRules(min_size=3, max_size=5, together=(("m00002", "m00003"),),
                pins={"m00002": 0, "m00003": 1}), "must be together"),
    (GroupRules(min_size=2, max_size=2, together=(("m00002", "m00003", "m00004"),)),
     "more than the maximum group size"),
])
def test_infeasible_requests_raise_a_clear_error(snapshot: Snapshot, rules: GroupRules,
                                                 message: str) -> None:
    rows = np.array([snapshot.ids.index[f"m{i:05d}"] for i in range(2, 302)])
    rows = rows[snapshot.suggestable[rows]]
    with pytest.raises(InfeasibleError, match=re.escape(message)) as raised:
        form_groups(snapshot, rows, rules)
    assert isinstance(raised.value, QConnectError)


def test_pins_beyond_the_rules_and_unknown_names_are_refused(snapshot: Snapshot,
                                                             pool: np.ndarray) -> None:
    same = Counter(snapshot.members[r].organisation for r in pool).most_common(1)[0][0]
    two = [snapshot.members[r].id for r in pool if snapshot.members[r].organisation == same][:2]
    rules = GroupRules(min_size=3, max_size=5, max_per_organisation=1, pins=dict.fromkeys(two, 0))
    with pytest.raises(InfeasibleError, match="pinned to group 0 break"):
        form_groups(snapshot, pool, rules)
    with pytest.raises(NotFoundError):
        select_pool(snapshot, ["m00001", "nobody"])
    with pytest.raises(NotFoundError):
        select_pool(snapshot, group="no such group")
    # A topic or skill no member names yet (one just declared; the service checks names)
    # is followed by no one: the focus draws no one in, the filter keeps no one.
    unfollowed = form_groups(snapshot, pool, GroupRules(min_size=3, max_size=5,
                                                        focus=("no one's topic",)))
    assert unfollowed.focus[0] == "no one's topic" and len(unfollowed.groups) > 1
    assert len(select_pool(snapshot, topic="no one's topic")[0]) == 0


def test_same_seed_same_groups(snapshot: Snapshot, pool: np.ndarray) -> None:
    rules = GroupRules(min_size=5, max_size=8, max_per_organisation=2, min_roles=2)
    first = form_groups(snapshot, pool, rules, seed=7)
    assert form_groups(snapshot, pool, rules, seed=7) == first
    assert form_groups(snapshot, pool, rules, seed=8) != first


def test_warm_start_keeps_most_members_and_honours_a_new_pin(snapshot: Snapshot,
                                                             pool: np.ndarray) -> None:
    rules = GroupRules(min_size=5, max_size=9, max_per_organisation=2, min_roles=3)
    before = form_groups(snapshot, pool, rules, seed=3)
    moved = before.groups[0][0]
    again = GroupRules(min_size=5, max_size=9, max_per_organisation=2, min_roles=3,
                       pins={moved: 1})
    after = form_groups(snapshot, pool, again, seed=4, previous=before.groups)
    _assert_rules_hold(snapshot, pool, again, after)
    was = {m: g for g, group in enumerate(before.groups) for m in group}
    now = {m: g for g, group in enumerate(after.groups) for m in group}
    stayed = sum(now.get(m) == g for m, g in was.items())
    assert stayed >= 0.9 * len(was)
    assert now[moved] == 1


def test_a_set_number_of_groups_fills_them_and_reports_who_is_left(snapshot: Snapshot,
                                                                   pool: np.ndarray) -> None:
    rows = pool[:100]
    rules = GroupRules(min_size=4, max_size=8, groups=10)
    partition = form_groups(snapshot, rows, rules)
    _assert_rules_hold(snapshot, rows, rules, partition)
    assert len(partition.groups) == 10
    assert partition.unassigned and all(reason == "every group is full (at most 8 members)"
                                        for _, reason in partition.unassigned)


def test_known_weight_keeps_acquaintances_together_or_apart(snapshot: Snapshot,
                                                            pool: np.ndarray) -> None:
    def known_pairs(weight: float) -> int:
        rules = GroupRules(min_size=5, max_size=8, known_weight=weight)
        report = describe(snapshot, form_groups(snapshot, pool, rules, seed=1))
        return sum(g["already_connected_pairs"] for g in report["groups"])

    assert known_pairs(-0.3) < known_pairs(0.0) < known_pairs(0.3)


def test_focus_topics_lead_their_groups(snapshot: Snapshot, pool: np.ndarray) -> None:
    topic = snapshot.topics.names[int(np.argmax(snapshot.topic_popularity))]
    rules = GroupRules(min_size=5, max_size=8, focus=(topic,))
    partition = form_groups(snapshot, pool, rules)
    assert partition.focus[0] == topic
    interested = [topic in snapshot.interests[snapshot.ids.index[m]]
                  for m in partition.groups[0]]
    assert sum(interested) >= 0.8 * len(interested)
    assert describe(snapshot, partition)["groups"][0]["label"].startswith(topic)


def test_labels_and_report_come_from_the_members(snapshot: Snapshot, pool: np.ndarray) -> None:
    partition = form_groups(snapshot, pool, GroupRules(min_size=5, max_size=8))
    report = describe(snapshot, partition)
    assert len(report["groups"]) == len(partition.groups)
    for group in report["groups"]:
        rows = [snapshot.ids.index[m] for m in group["members"]]
        theirs = Counter(t for r in rows for t in snapshot.interests[r])
        assert group["topics"] and all(theirs[t] >= 1 for t in group["topics"])
        assert theirs[group["topics"][0]] >= 2  # the leading topic is shared
        assert group["label"] == " & ".join(group["topics"][:2])
        assert sum(group["roles"].values()) <= len(rows) == sum(group["regions"].values())
        assert 0 < group["coherence"] <= 1
        ties = snapshot.adjacency[rows][:, rows]
        assert group["already_connected_pairs"] == ties.nnz // 2


def test_pool_filters_and_reported_exclusions(snapshot: Snapshot) -> None:
    region = snapshot.members[0].region
    rows, _ = select_pool(snapshot, region=region)
    assert len(rows) and all(snapshot.members[r].region == region for r in rows)
    assert all(snapshot.suggestable[rows])
    closed = [m.id for m in snapshot.members if not m.open_to_connect][:2]
    rows, excluded = select_pool(snapshot, [*closed, "m00001"])
    assert [snapshot.ids.names[r] for r in rows] == ["m00001"] * int(snapshot.suggestable[0])
    assert {m for m, _ in excluded} == set(closed)
    assert all(reason in (NOT_PLACEABLE, "hidden profile") for _, reason in excluded)


def test_pool_leaves_out_members_without_group_consent(snapshot: Snapshot) -> None:
    open_ = [m for m in snapshot.members if m.open_to_connect and m.visibility != "hidden"]
    refusing = open_[0].model_copy(update={"consent": Consent(groups=False)})
    changed = snapshot.after_write(Community(members=[refusing]))
    rows, excluded = select_pool(changed, [refusing.id, open_[1].id])
    assert [changed.ids.names[r] for r in rows] == [open_[1].id]
    assert refusing.id not in {changed.ids.names[r] for r in rows}
    assert excluded == [(refusing.id, NOT_PLACEABLE)]
    assert changed.ids.index[refusing.id] not in select_pool(changed)[0]


def _save(store: Store, proposal: object, coordinator: str,
          today: dt.date | None = None) -> list[GroupPublic]:
    """Save a proposal through the application's one use case, as every way in does."""
    request = ProposalSave.model_validate({**proposal, "coordinator": coordinator}  # type: ignore[dict-item]
                                          if isinstance(proposal, dict) else proposal)
    return proposals.save(LiveCommunity(store), OPERATOR, request, today=today)


def test_saving_creates_the_groups_in_each_store(store: Store, generated: Community,
                                                 snapshot: Snapshot, pool: np.ndarray) -> None:
    store.write(generated)
    before = {g.id for g in store.groups()}
    rows = pool[:60]
    report = describe(snapshot, form_groups(snapshot, rows, GroupRules(min_size=5, max_size=8)))
    coordinator = snapshot.ids.names[pool[-1]]
    today = dt.date(2025, 6, 30)
    saved = _save(store, report, coordinator, today=today)
    stored = {g.id: g for g in store.groups()}
    assert [g.id for g in saved] == [f"proposal-2025-06-30-{n}" for n in
                                     range(1, len(report["groups"]) + 1)]
    for group, proposed in zip(saved, report["groups"], strict=True):
        assert sorted(stored[group.id].members) == proposed["members"]
        assert stored[group.id].coordinators == [coordinator]
        assert stored[group.id].name == proposed["label"]
    again = _save(store, report, coordinator, today=today)
    assert not {g.id for g in again} & {g.id for g in saved}  # never an existing id
    assert {g.id for g in store.groups()} == before | {g.id for g in saved + again}


def test_saving_refuses_bad_proposals_and_writes_nothing(store: Store,
                                                         tiny: Community) -> None:
    store.write(tiny)
    before = store.groups()
    good = {"members": ["ana", "ben"], "label": "Safety", "topics": ["patient safety"]}
    bad = [({"groups": [good, {"members": ["dev"]}]}, "cat", ConflictError),  # no consent
           ({"groups": [good, {"members": ["ben", "nobody"]}]}, "ben", NotFoundError),
           ({"groups": [good]}, "nobody", NotFoundError),
           ({"groups": [good, {"members": ["ben", "cat"]}]}, "cat", ConflictError),
           ({"groups": [good, {"members": ["ben", "ben"]}]}, "cat", ValidationError),
           ({"groups": [good, {"members": []}]}, "cat", ValidationError),
           ({"groups": "ana"}, "cat", ValidationError),
           ({"groups": [{"members": "ana"}]}, "cat", ValidationError)]
    for proposal, coordinator, error in bad:
        with pytest.raises(error):
            _save(store, proposal, coordinator)
    assert store.groups() == before


def _cli(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_cli_propose_adjust_and_save(generated_store: str, snapshot: Snapshot, pool: np.ndarray,
                                     tmp_path: Path) -> None:
    location = str(tmp_path / "copy.db")
    with open_store(generated_store) as source, open_store(location) as target:
        copy_store(source, target)
    ids = tmp_path / "pool.txt"
    ids.write_text("\n".join(snapshot.ids.names[r] for r in pool[:80]) + "\n", encoding="utf-8")
    rules = ["--min-size", 5, "--max-size", 8, "--max-per-organisation", 2, "--min-roles", 2]
    first = json.loads(_cli("groups", "propose", "--pool", ids, *rules, "--seed", 2,
                            "--store", location, "--json"))
    assert sum(len(g["members"]) for g in first["groups"]) + len(first["unassigned"]) == 80
    proposal = tmp_path / "proposal.json"
    proposal.write_text(json.dumps(first), encoding="utf-8")
    moved, other = first["groups"][0]["members"][0], first["groups"][1]["members"][0]
    second = json.loads(_cli("groups", "propose", "--previous", proposal, *rules,
                             "--pin", f"{moved}=1", "--apart", f"{moved},{other}",
                             "--store", location, "--json"))
    assert moved in second["groups"][1]["members"]
    assert other not in second["groups"][1]["members"]
    proposal.write_text(json.dumps(second), encoding="utf-8")
    coordinator = snapshot.ids.names[pool[-1]]
    saved = json.loads(_cli("groups", "save", proposal, "--coordinator", coordinator,
                            "--prefix", "spring", "--store", location, "--json"))
    assert [g["id"] for g in saved["saved"]] == [f"spring-{n}" for n in
                                                 range(1, len(second["groups"]) + 1)]
    with open_store(location) as store:
        assert store.get_group("spring-1").members == second["groups"][0]["members"]


def test_cli_refusals_exit_1_with_a_message(generated_store: str, tmp_path: Path) -> None:
    few = tmp_path / "pool.txt"
    few.write_text("m00001\nm00002\nm00003\n", encoding="utf-8")
    too_big = runner.invoke(app, ["groups", "propose", "--pool", str(few), "--min-size", "5",
                                  "--max-size", "6", "--store", generated_store])
    assert too_big.exit_code == 1 and "fewer than the minimum group size" in too_big.stderr
    odd = runner.invoke(app, ["groups", "propose", "--min-size", "5", "--max-size", "6",
                              "--pin", "m00001=first", "--store", generated_store])
    assert odd.exit_code == 1 and "pins" in odd.stderr
    with open_store(generated_store) as store:
        member, coordinator = [m.id for m in store.members() if placeable(m)][:2]
    proposal = tmp_path / "proposal.json"
    proposal.write_text(json.dumps({"groups": [{"members": [member, "nobody"]}]}),
                        encoding="utf-8")
    unknown = runner.invoke(app, ["groups", "save", str(proposal), "--coordinator", coordinator,
                                  "--store", generated_store])
    assert unknown.exit_code == 1 and "nobody" in unknown.stderr
