"""Ties between the members of a synthetic community, and the special interest groups they form.

Ties follow a Chung-Lu model (heavy-tailed degrees) biased towards the same organisation,
latent community and region, so that about 40% of them cross organisations. Groups gather
around topics, mostly from the members interested in them.
"""

from __future__ import annotations

import numpy as np

from matcher.synthetic.names_and_bios import group_text
from matcher.synthetic.people_and_places import AREAS, ROLES
from matcher.synthetic.topics_and_skills import TOPICS
from models import Connection, Group

__all__ = ["connections", "groups"]

_MEAN_DEGREE = 9.0
# Edge modes: where the second end of a tie is drawn from. Same-organisation ties dominate; the
# rest are mostly cross-organisation, which puts the cross-organisation share near 40%.
_MODES = ("organisation", "community", "region", "anywhere")
_MODE_SHARES = (0.68, 0.16, 0.07, 0.09)
_KINDS = ("collaborated", "peer", "mentored", "learning set")
_KIND_SHARES = {True: (0.5, 0.3, 0.2, 0.0), False: (0.2, 0.5, 0.1, 0.2)}  # by same organisation


def connections(ids: list[str], *, role: np.ndarray, org: np.ndarray, community: np.ndarray,
                area: np.ndarray, joined: np.ndarray, end: np.datetime64,
                rng: np.random.Generator) -> list[Connection]:
    """Ties among members given, per member, role, organisation, community and area indices
    and the day they joined; no tie is dated after ``end``."""
    a, b = _edges(role, org, community, area, joined, end, rng)
    same = org[a] == org[b]
    kind = np.where(same, rng.choice(4, size=len(a), p=_KIND_SHARES[True]),
                    rng.choice(4, size=len(a), p=_KIND_SHARES[False]))
    start = np.maximum(joined[a], joined[b])
    since = np.minimum(start + rng.exponential(500.0, size=len(a)).astype(int), end)
    # A mentoring tie reads mentor -> mentee: the longer-standing member is the source.
    later_first = joined[a] > joined[b]
    flip = np.where(kind == _KINDS.index("mentored"), later_first, rng.random(len(a)) < 0.5)
    source, target = np.where(flip, b, a).tolist(), np.where(flip, a, b).tolist()
    return [Connection(source=ids[s], target=ids[t], kind=_KINDS[k], since=d)
            for s, t, k, d in zip(source, target, kind.tolist(), since.tolist(), strict=True)]


def _edges(role, org, community, area, joined, end, rng) -> tuple[np.ndarray, np.ndarray]:
    """Distinct undirected pairs (Chung-Lu with a preference for shared groupings).

    One end is drawn in proportion to a heavy-tailed activity weight, the other in proportion
    to the same weight within the first end's organisation, community, region or anywhere.
    Loops and repeats are discarded and more pairs drawn until the target count is reached.
    """
    n = len(role)
    reach = np.array([r.reach for r in ROLES])[role]
    years = (end - joined).astype(int) / 365.0
    weight = rng.lognormal(0.0, 1.0, size=n) * reach * (1.0 + 0.08 * years)
    groupings = (org, community, area, np.zeros(n, dtype=int))
    samplers = [_sampler_within(g, weight) for g in groupings]
    cumulative = np.cumsum(weight)
    target = min(round(n * _MEAN_DEGREE / 2), n * (n - 1) // 4)
    keys = np.empty(0, dtype=np.int64)
    for _ in range(8):
        batch = int(1.3 * (target - len(keys))) + 16
        u = np.searchsorted(cumulative, rng.random(batch) * cumulative[-1], side="right")
        mode = rng.choice(len(_MODES), size=batch, p=_MODE_SHARES)
        v = np.empty_like(u)
        for m, sample in enumerate(samplers):
            v[mode == m] = sample(u[mode == m], rng)
        keep = u != v
        lo, hi = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
        keys = np.concatenate([keys, lo.astype(np.int64) * n + hi])
        keys = keys[np.sort(np.unique(keys, return_index=True)[1])]  # first draw of each pair
        if len(keys) >= target:
            break
    keys = keys[:target]
    return keys // n, keys % n


def _sampler_within(group: np.ndarray, weight: np.ndarray):
    """A function drawing, for each source, a member of the source's group by weight."""
    order = np.argsort(group, kind="stable")
    sorted_group, cumulative = group[order], np.cumsum(weight[order])

    def sample(sources: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        g = group[sources]
        first = np.searchsorted(sorted_group, g, side="left")
        end = np.searchsorted(sorted_group, g, side="right")
        low = np.where(first > 0, cumulative[first - 1], 0.0)
        x = low + rng.random(len(sources)) * (cumulative[end - 1] - low)
        return order[np.minimum(np.searchsorted(cumulative, x, side="right"), end - 1)]

    return sample


# Improvement specialists and educators coordinate most groups.
_COORDINATING = {"Improvement adviser": 4.0, "Educator": 3.0, "Patient leader": 2.0,
                 "Manager": 1.5}


def groups(ids: list[str], *, interests: tuple[np.ndarray, np.ndarray], role: np.ndarray,
           area: np.ndarray, rng: np.random.Generator) -> list[Group]:
    """Special interest groups around topics, drawn mostly from the members interested.

    ``interests`` are parallel arrays of member and topic indices; ``role`` and ``area`` hold
    each member's indices.
    """
    n = len(ids)
    owner, topic = interests
    order = np.argsort(topic, kind="stable")
    fans, bounds = owner[order], np.searchsorted(topic[order], np.arange(len(TOPICS) + 1))
    interested = np.diff(bounds).astype(float)
    count = max(4, round(n / 60))
    popular = interested**0.7 / (interested**0.7).sum()
    primary = rng.choice(len(TOPICS), size=count, replace=count > np.count_nonzero(popular),
                         p=popular)
    coordinating = np.array([_COORDINATING.get(r.name, 1.0) for r in ROLES])[role]
    result, taken = [], set()
    for g, t in enumerate(primary.tolist()):
        pool = fans[bounds[t]:bounds[t + 1]]
        region = rng.choice(len(AREAS), p=[a.share for a in AREAS])
        regional = pool[area[pool] == region]
        local = rng.random() < 0.3 and len(regional) >= 8
        chosen = _group_members(regional if local else pool, n, rng)
        k = min(len(chosen) - 1, 1 + int(rng.random() < 0.4))
        lead = rng.choice(chosen, size=k, replace=False, p=coordinating[chosen] /
                          coordinating[chosen].sum())
        names = [TOPICS[t].name, *_related_topics(t, rng)]
        name, blurb = group_text(names, AREAS[region].name if local else None, rng)
        name = name if name not in taken else f"{name} {g + 1}"
        taken.add(name)
        result.append(Group(
            id=f"g{g + 1:04d}", name=name, description=blurb, topics=names,
            members=[ids[m] for m in chosen.tolist() if m not in lead],
            coordinators=[ids[m] for m in lead.tolist()]))
    return result


def _group_members(pool: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Mostly people interested in the topic, plus a few drawn from the whole community."""
    size = int(np.clip(rng.lognormal(np.log(18.0), 0.8), 6, 400))
    core = rng.choice(pool, size=min(len(pool), round(size * 0.85)), replace=False)
    extra = rng.choice(n, size=min(n, max(1, size - len(core))), replace=False)
    members = np.concatenate([core, extra])
    return members[np.sort(np.unique(members, return_index=True)[1])]


def _related_topics(t: int, rng: np.random.Generator) -> list[str]:
    family = TOPICS[t].parent or TOPICS[t].id
    kin = [x.name for i, x in enumerate(TOPICS) if i != t and (x.parent or x.id) == family]
    return rng.choice(kin, size=min(len(kin), rng.integers(3)), replace=False).tolist()

