"""Group formation, the search: an assignment of the blocks to groups (:class:`State`) and how
:func:`search` builds it.

A partition is scored by the k-means objective on the members' feature vectors,
``Σ_g |S_g|² / n_g`` (``S_g`` the sum of group g's vectors: the members' count plus twice each
group's within-group similarity over its size), plus bonuses for members interested in their
group's focus topic, for staying where a previous proposal put them, and (positive or negative)
for ties already inside a group. It is built in three steps:

1. **seed**: k-means (scikit-learn) gives k centroids, and members are dealt to them best fit
   first, each group up to an even share;
2. **repair**: a group below the minimum size or short of roles takes members from the unplaced
   and from groups that can spare them, or else is dissolved;
3. **local search**: moves and swaps that raise the score, until none does.

Every change is checked against the hard rules (sizes, organisation cap, roles, together,
apart, pins) before it is made, so no step can break one. Each group keeps the sum of its
vectors, so a member's fit to a group is one dot product: no n × n similarity matrix is built.
Members who must be together move as one block; pinned blocks never move. Everything random is
drawn from the seed, so a seed gives one partition.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from matcher.groups.problem import InfeasibleError, Problem

__all__ = ["State", "search"]

_EPS = 1e-9  # smallest gain worth a change: float noise must not make the search cycle
_SWAP_GROUPS = 4  # groups a member tries swapping into: its best fits
_MAX_PASSES = 12  # a bound for odd cases: passes shrink fast (dozens of moves by the tenth)


class State:
    """An assignment of blocks to groups, with the sums, counts and tallies that the rules and
    the score read, kept up to date on every change."""

    def __init__(self, problem: Problem) -> None:
        k, dims = problem.k, problem.vec.shape[1]
        self.p = problem
        self.where = np.full(len(problem.size), -1)
        self.sums = np.zeros((k, dims))
        self.sq = np.zeros(k)
        self.count = np.zeros(k, dtype=np.int64)
        self.members: list[set[int]] = [set() for _ in range(k)]
        self.orgs: list[Counter] = [Counter() for _ in range(k)]
        self.roles: list[Counter] = [Counter() for _ in range(k)]
        self.closed = np.zeros(k, dtype=bool)  # dissolved groups take no one

    def put(self, block: int, group: int) -> None:
        """Move ``block`` to ``group`` (-1: unassign); the caller has checked the rules."""
        for g, sign in ((self.where[block], -1), (group, 1)):
            if g < 0:
                continue
            self.sums[g] += sign * self.p.vec[block]
            self.sq[g] = self.sums[g] @ self.sums[g]
            self.count[g] += sign * self.p.size[block]
            (self.members[g].add if sign > 0 else self.members[g].discard)(block)
            for tally, items in ((self.orgs[g], self.p.orgs[block]),
                                 (self.roles[g], self.p.roles[block])):
                for key, value in items.items():
                    tally[key] += sign * value
                    if not tally[key]:
                        del tally[key]
        self.where[block] = group

    def allows(self, g: int, add: int = -1, remove: int = -1) -> bool:
        """Whether group ``g`` keeps every hard rule once block ``add`` joins and ``remove``
        leaves. A group may grow towards the minimum size or the roles; it may not shrink
        below them."""
        if g < 0:
            return True
        p, rules = self.p, self.p.rules
        before = self.count[g]
        after = before + (p.size[add] if add >= 0 else 0) - (p.size[remove] if remove >= 0 else 0)
        if after > rules.max_size or (after < before and after < rules.min_size):
            return False
        if add >= 0:
            if any(other != remove for other in p.apart[add] & self.members[g]):
                return False
            cap = rules.max_per_organisation
            leaving = p.orgs[remove] if remove >= 0 else Counter()
            if cap is not None and any(self.orgs[g][o] - leaving[o] + c > cap
                                       for o, c in p.orgs[add].items()):
                return False
        if rules.min_roles and remove >= 0:
            roles = self.roles[g] - p.roles[remove] + (p.roles[add] if add >= 0 else Counter())
            if len(roles) < min(rules.min_roles, len(self.roles[g])):
                return False
        return True

    def complete(self, g: int) -> bool:
        return (self.count[g] >= self.p.rules.min_size
                and len(self.roles[g]) >= self.p.rules.min_roles)

    def settled(self, blocks: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """The stay and focus bonuses of ``blocks[i]`` in ``groups[i]``."""
        p, rules = self.p, self.p.rules
        out = np.where(groups == p.home[blocks], rules.stay_weight, 0.0)
        focused = groups < p.focus_hits.shape[1]
        out[focused] += rules.focus_weight * p.focus_hits[blocks[focused], groups[focused]]
        return out

    def ties(self, block: int) -> np.ndarray:
        """How many ties ``block`` has into each group."""
        p = self.p
        span = slice(p.ties.indptr[block], p.ties.indptr[block + 1])
        into = self.where[p.ties.indices[span]]
        placed = into >= 0
        return np.bincount(into[placed], p.ties.data[span][placed], minlength=p.k)

    def bonus(self, block: int, groups: np.ndarray) -> np.ndarray:
        """The steering part of the score for ``block`` in each of ``groups``."""
        out = self.settled(np.full(len(groups), block), groups)
        if self.p.rules.known_weight:
            out += self.p.rules.known_weight * self.ties(block)[groups]
        return out

    def leave_gain(self, block: int) -> float:
        """How the score changes when ``block`` leaves its group (before it joins another)."""
        g = self.where[block]
        if g < 0:
            return 0.0
        p, n = self.p, self.count[g]
        left = n - p.size[block]
        rest = (self.sq[g] - 2 * self.sums[g] @ p.vec[block] + p.norm2[block]) / left if left else 0
        return float(rest - self.sq[g] / n - self.bonus(block, np.array([g]))[0])

    def move_gains(self, block: int) -> np.ndarray:
        """How the score changes if ``block`` moves to each group (-inf where it cannot)."""
        p, n = self.p, self.count
        s = p.size[block]
        joined = (self.sq + 2 * (self.sums @ p.vec[block]) + p.norm2[block]) / (n + s)
        current = np.divide(self.sq, n, out=np.zeros_like(self.sq), where=n > 0)
        gains = joined - current + self.bonus(block, np.arange(self.p.k)) + self.leave_gain(block)
        gains[self.closed] = -np.inf
        if self.where[block] >= 0:
            gains[self.where[block]] = -np.inf
        return gains

    def swap_gains(self, i: int, js: np.ndarray) -> np.ndarray:
        """How the score changes if single member ``i`` swaps groups with each of ``js``
        (single members of one other group)."""
        p, a, b = self.p, self.where[i], self.where[js[0]]
        vi, vj = p.vec[i], p.vec[js]
        exchange = p.norm2[i] + p.norm2[js] - 2 * (vj @ vi)
        sq_a = self.sq[a] + 2 * (vj @ self.sums[a] - vi @ self.sums[a]) + exchange
        sq_b = self.sq[b] + 2 * (vi @ self.sums[b] - vj @ self.sums[b]) + exchange
        gains = (sq_a - self.sq[a]) / self.count[a] + (sq_b - self.sq[b]) / self.count[b]
        mine = self.bonus(i, np.array([a, b]))
        gains += mine[1] - mine[0] + self.settled(js, np.full(len(js), a)) \
            - self.settled(js, np.full(len(js), b))
        if weight := p.rules.known_weight:
            for n, j in enumerate(js):
                ties = self.ties(j)
                gains[n] += weight * (ties[a] - ties[b])
            # A tie between i and j is inside neither group after the swap.
            gains -= 2 * weight * p.ties[i, js].toarray().ravel()
        return gains


def _centroids(features: np.ndarray, problem: Problem, seed: int) -> np.ndarray:
    """k-means centroids; a focused group's starts at the mean of those interested in its
    topic, so members with that interest are dealt to it first."""
    # Random initial centres: k-means++ seeding takes most of a minute at k ≈ 1,000 on two
    # cores, and the local search afterwards makes up the difference.
    model = KMeans(problem.k, init="random", n_init=1, max_iter=50, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # duplicate profiles are fine
        centroids = model.fit(features).cluster_centers_
    for g in range(problem.focus_hits.shape[1]):
        hits = problem.focus_hits[:, g] > 0
        if hits.any():
            centroids[g] = problem.vec[hits].sum(axis=0) / problem.size[hits].sum()
    return centroids


def _pin(state: State) -> None:
    for block in np.flatnonzero(state.p.pin >= 0):
        group = state.p.pin[block]
        if not state.allows(group, add=block):
            raise InfeasibleError(f"the members pinned to group {group} break the size, "
                                  "organisation or apart rules")
        state.put(block, group)


def _shares(state: State) -> np.ndarray:
    """Even group sizes adding up to the pool (within the size limits)."""
    k, n, rules = state.p.k, state.p.size.sum(), state.p.rules
    shares = n // k + (np.arange(k) < n % k)
    return np.clip(shares, rules.min_size, rules.max_size)


def _deal(state: State, centroids: np.ndarray, chunk: int = 2048) -> None:
    """Deal blocks to groups by fit to the centroids, the strongest preferences first, each
    group up to an even share; then the rest wherever they fit best."""
    p, shares = state.p, _shares(state)
    top = min(p.k, 16)
    best, scores = [], []
    for start in range(0, len(p.size), chunk):  # bounded memory however large the pool
        fit = (p.vec[start:start + chunk] / p.size[start:start + chunk, None]) @ centroids.T
        pick = np.argpartition(-fit, top - 1, axis=1)[:, :top]
        best.append(pick)
        scores.append(np.take_along_axis(fit, pick, axis=1))
    best_all, scores_all = np.vstack(best), np.vstack(scores)
    for flat in np.argsort(-scores_all, axis=None, kind="stable"):
        block, group = divmod(int(flat), top)
        group = best_all[block, group]
        if (state.where[block] < 0 and state.count[group] + p.size[block] <= shares[group]
                and state.allows(group, add=block)):
            state.put(block, group)
    _place(state, shares)


def _resume(state: State) -> None:
    """Start from the previous proposal, member by member, as far as the rules allow."""
    for block in np.flatnonzero((state.p.home >= 0) & (state.where < 0)):
        if state.allows(state.p.home[block], add=block):
            state.put(block, state.p.home[block])


def _place(state: State, limit: np.ndarray | None = None) -> None:
    """Put each unplaced block into the group it fits best that has room under ``limit``
    (default: the maximum size) and keeps the rules."""
    limit = np.full(state.p.k, state.p.rules.max_size) if limit is None else limit
    for block in np.flatnonzero(state.where < 0):
        gains = state.move_gains(block)
        for group in np.argsort(-gains, kind="stable"):
            if gains[group] == -np.inf:
                break
            if (state.count[group] + state.p.size[block] <= limit[group]
                    and state.allows(group, add=block)):
                state.put(block, group)
                break


def _recruit(state: State, g: int) -> int | None:
    """The block that best completes group ``g``: unplaced first, then the best fitting that
    its own group can spare; when ``g`` lacks roles, one that brings a new role."""
    p = state.p
    lacks_role = len(state.roles[g]) < p.rules.min_roles
    fit = p.vec @ state.sums[g] / p.size + 1e3 * (state.where < 0)
    for block in np.argsort(-fit, kind="stable"):
        if state.where[block] == g or p.pin[block] >= 0:
            continue
        if lacks_role and not p.roles[block].keys() - state.roles[g].keys():
            continue
        if state.allows(g, add=block) and state.allows(state.where[block], remove=block):
            return int(block)
    return None


def _make_room(state: State, g: int) -> bool:
    """Move a member whose role ``g`` has twice out of a full group ``g`` that lacks roles."""
    p = state.p
    for block in sorted(state.members[g]):
        duplicated = all(state.roles[g][r] > c for r, c in p.roles[block].items())
        if p.pin[block] < 0 and duplicated:
            gains = state.move_gains(block)
            for h in np.argsort(-gains, kind="stable"):
                if gains[h] > -np.inf and state.allows(h, add=block):
                    state.put(block, int(h))
                    return True
    return False


def _repair(state: State) -> None:
    """Complete every group short of members or roles, or else dissolve it."""
    p = state.p
    for g in range(p.k):
        while not state.complete(g) and not state.closed[g]:
            recruit = _recruit(state, g)
            if recruit is None and state.count[g] >= p.rules.max_size and _make_room(state, g):
                recruit = _recruit(state, g)
            if recruit is not None:
                state.put(recruit, g)
                continue
            if any(p.pin[b] >= 0 for b in state.members[g]):
                raise InfeasibleError(
                    f"group {g} holds pinned members but cannot reach {p.rules.min_size} "
                    f"members with {p.rules.min_roles} roles within the rules")
            for block in sorted(state.members[g]):
                state.put(block, -1)
            state.closed[g] = True
            _place(state)


def _move(state: State, block: int, better: np.ndarray) -> bool:
    """Move ``block`` to the best of the ``better`` groups (best first) the rules allow."""
    if not state.allows(state.where[block], remove=block):
        return False
    for group in better:
        if state.allows(group, add=block):
            state.put(block, int(group))
            return True
    return False


def _swap(state: State, i: int, better: np.ndarray) -> bool:
    """Swap single member ``i`` with a single member of one of the ``better`` groups (those it
    would gain by joining; swaps into others rarely pay and would take most of the time)."""
    p, a = state.p, state.where[i]
    if p.size[i] != 1:
        return False
    for b in better[:_SWAP_GROUPS]:
        js = np.array(sorted(j for j in state.members[b] if p.size[j] == 1 and p.pin[j] < 0))
        if not len(js):
            continue
        swap = state.swap_gains(i, js)
        for n in np.argsort(-swap, kind="stable"):
            if swap[n] <= _EPS:
                break
            j = int(js[n])
            if state.allows(a, add=j, remove=i) and state.allows(b, add=i, remove=j):
                state.put(i, int(b))
                state.put(j, a)
                return True
    return False


def _improve(state: State, rng: np.random.Generator) -> None:
    """Moves and swaps that raise the score and keep the rules, until a pass makes none."""
    movable = np.flatnonzero(state.p.pin < 0)
    for _ in range(_MAX_PASSES):
        changed = False
        for block in rng.permutation(movable):
            if state.where[block] < 0:
                continue
            gains = state.move_gains(block)
            better = np.flatnonzero(gains > _EPS)
            better = better[np.argsort(-gains[better], kind="stable")]
            changed |= _move(state, block, better) or _swap(state, block, better)
        if not changed:
            return


def search(state: State, features: np.ndarray, seed: int, warm: bool) -> None:
    """Pin, then seed (from the previous proposal when ``warm``, else k-means on ``features``),
    repair and improve ``state`` in place."""
    _pin(state)
    if warm:
        _resume(state)
    else:
        _deal(state, _centroids(features, state.p, seed))
    _place(state)
    _repair(state)
    _improve(state, np.random.default_rng(seed))
    _place(state)
