"""A synthetic Q-like improvement community, deterministic for a seed.

``generate_community(members, seed)`` builds organisations across the UK's nations and regions,
members with roles, skills, interests and bios, a connection graph and special interest groups.
It has the structure a recommender should be tested against: interests cluster by role and by a
latent community (a topic family), organisation sizes are heavy-tailed, and ties favour the
same organisation, community and region (``matcher.synthetic.ties_and_groups``).

This module draws the organisations and people; the words they are described with come from
``matcher.synthetic.names_and_bios``. Everything is drawn from one
``numpy.random.default_rng(seed)`` in a fixed order and nothing reads the clock, so a seed
always yields the same community.

>>> community = generate_community(300, seed=1)
>>> len(community.members), community.members[0].id
(300, 'm00001')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.synthetic.names_and_bios import Profile, bio, organisation_names, person_names
from matcher.synthetic.people_and_places import AREAS, NATIONS, ORGANISATION_KINDS, ROLES
from matcher.synthetic.ties_and_groups import connections, groups
from matcher.synthetic.topics_and_skills import SKILLS, TOPICS
from models import Community, Member

__all__ = ["generate_community"]

_FOUNDED = np.datetime64("2015-03-01")
_END = np.datetime64("2025-06-30")  # a fixed horizon: output must not depend on today's date

_FAMILIES = tuple(t.id for t in TOPICS if t.parent is None)
_SKILL_FAMILIES = tuple(s.id for s in SKILLS if s.parent is None)


def _popularity(terms: tuple, families: tuple[str, ...], family_entry: float):
    """Each term's family index, and its share of its family's popularity (listed order).

    ``family_entry`` weighs a family's own, broad entry: a fine interest, a rare skill.
    """
    family = np.array([families.index(t.parent or t.id) for t in terms])  # families are contiguous
    rank = np.arange(len(terms)) - np.searchsorted(family, family)
    pop = np.where(rank == 0, family_entry, 1.0 / (rank + 1.0) ** 0.8)
    return family, pop / np.bincount(family, weights=pop)[family]


def _preferences(names: tuple[str, ...], families: tuple[str, ...]) -> np.ndarray:
    """A role's leanings as weights over families: the first listed counts most."""
    pref = np.zeros(len(families))
    for rank, name in enumerate(names):
        pref[families.index(name)] = 1.0 / (rank + 1)
    return pref / pref.sum()


_TOPIC_FAMILY, _TOPIC_POPULARITY = _popularity(TOPICS, _FAMILIES, 0.6)
_SKILL_FAMILY, _SKILL_POPULARITY = _popularity(SKILLS, _SKILL_FAMILIES, 0.05)
_ROLE_TOPICS = np.array([_preferences(r.topic_families, _FAMILIES) for r in ROLES])
_ROLE_SKILLS = np.array([_preferences(r.skill_families, _SKILL_FAMILIES) for r in ROLES])


@dataclass(frozen=True)
class _Organisations:
    names: list[str]
    area: np.ndarray  # index into AREAS
    weight: np.ndarray  # how many members it attracts, before role affinity
    kind: np.ndarray  # index into ORGANISATION_KINDS
    focus: np.ndarray  # index into _FAMILIES


@dataclass(frozen=True)
class _People:
    role: np.ndarray
    org: np.ndarray
    community: np.ndarray  # latent topic family each member gravitates to
    joined: np.ndarray  # datetime64[D]
    interests: list[list[int]]  # indices into TOPICS
    skills: list[list[int]]  # indices into SKILLS
    levels: list[list[int | None]]
    wants: list[list[int]]


def generate_community(members: int, seed: int = 0) -> Community:
    """A validated synthetic community of ``members`` people, the same for the same ``seed``.

    Organisations number about one per seven members; groups about one per sixty members (at
    least four); mean degree is about nine. 100,000 members take well under a minute.
    """
    if members < 2:
        raise ValueError("a community needs at least two members")
    rng = np.random.default_rng(seed)
    orgs = _organisations(members, rng)
    people = _people(members, orgs, rng)
    ids = [f"m{i + 1:0{max(5, len(str(members)))}d}" for i in range(members)]
    member_models = _members(ids, people, orgs, rng)
    area = orgs.area[people.org]
    return Community(
        members=member_models,
        connections=connections(ids, role=people.role, org=people.org, community=people.community,
                                area=area, joined=people.joined, end=_END, rng=rng),
        groups=groups(ids, interests=_flatten(people.interests), role=people.role, area=area,
                      rng=rng),
        topics=list(TOPICS),
        skills=list(SKILLS),
    )


def _organisations(members: int, rng: np.random.Generator) -> _Organisations:
    count = max(12, members // 7)
    area = rng.choice(len(AREAS), size=count, p=[a.share for a in AREAS])
    kinds = ORGANISATION_KINDS
    kind = np.empty(count, dtype=np.int64)
    for nation in NATIONS:
        here = np.flatnonzero([AREAS[a].nation == nation for a in area])
        share = np.array([k.share * ("*" in k.names or nation in k.names) for k in kinds])
        kind[here] = rng.choice(len(kinds), size=len(here), p=share / share.sum())
    size = np.array([k.size for k in kinds])[kind]
    weight = size * rng.lognormal(0.0, 0.9, size=count)  # heavy-tailed organisation sizes
    weight = np.minimum(weight, 0.05 * weight.sum())  # one lucky draw must not employ half
    focus = rng.integers(len(_FAMILIES), size=count)
    typical = rng.random(count) < 0.6
    for i in np.flatnonzero(typical):
        focus[i] = _FAMILIES.index(kinds[kind[i]].focus[rng.integers(len(kinds[kind[i]].focus))])
    names = organisation_names(kind, area, rng)
    return _Organisations(names=names, area=area, weight=weight, kind=kind, focus=focus)


def _people(n: int, orgs: _Organisations, rng: np.random.Generator) -> _People:
    roles = ROLES
    role = rng.choice(len(roles), size=n, p=[r.share for r in roles])
    org = np.empty(n, dtype=np.int64)
    kind_keys = [k.key for k in ORGANISATION_KINDS]
    for r, spec in enumerate(roles):
        mine = np.flatnonzero(role == r)
        affinity = np.array([spec.employers.get(key, 0.05) for key in kind_keys])[orgs.kind]
        p = orgs.weight * affinity
        org[mine] = rng.choice(len(p), size=len(mine), p=p / p.sum())
    community = _draw_rows(_community_weights(role, orgs.focus[org]), rng)
    joined = _joined(n, rng)
    interests = _top_k(_topic_weights(role, community), _counts(n, 2, 2.5, 10, rng), rng)
    skill_w = _skill_weights(role)
    skills = _top_k(skill_w, _counts(n, 1, 3.0, 10, rng), rng)
    owned = np.zeros_like(skill_w, dtype=bool)
    owned[_flatten(skills)] = True
    learn_w = np.where(owned, 0.0, skill_w + _learning_favourites())
    wants = _top_k(learn_w, _counts(n, 0, 1.6, 5, rng), rng)
    levels = _levels(role, joined, skills, rng)
    return _People(role, org, community, joined, interests, skills, levels, wants)


def _community_weights(role: np.ndarray, org_focus: np.ndarray) -> np.ndarray:
    """A member's community leans to their role and to their organisation's focus."""
    focus = np.eye(len(_FAMILIES))[org_focus]
    return 0.45 * _ROLE_TOPICS[role] + 0.35 * focus + 0.2 / len(_FAMILIES)


def _draw_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row, drawn with probability proportional to that row's weights."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return np.minimum((cumulative < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _topic_weights(role: np.ndarray, community: np.ndarray) -> np.ndarray:
    """Interests lean mostly to the member's community, then to their role's families."""
    lean = 0.6 * np.eye(len(_FAMILIES))[community] + 0.28 * _ROLE_TOPICS[role]
    return (lean + 0.12 / len(_FAMILIES))[:, _TOPIC_FAMILY] * _TOPIC_POPULARITY


def _skill_weights(role: np.ndarray) -> np.ndarray:
    lean = 0.8 * _ROLE_SKILLS[role] + 0.2 / len(_SKILL_FAMILIES)
    return lean[:, _SKILL_FAMILY] * _SKILL_POPULARITY


def _learning_favourites() -> np.ndarray:
    """Improvement methods and measurement are what most members come to learn."""
    favourites = [_SKILL_FAMILIES.index("quality-improvement-methods"),
                  _SKILL_FAMILIES.index("measurement-and-data-analysis")]
    return 0.5 * np.isin(_SKILL_FAMILY, favourites) * _SKILL_POPULARITY


def _counts(n: int, low: int, mean_extra: float, high: int, rng: np.random.Generator):
    return np.minimum(low + rng.poisson(mean_extra, size=n), high)


def _top_k(weights: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> list:
    """Per row, ``counts[i]`` distinct columns drawn without replacement in proportion to the
    weights (Gumbel top-k), most likely first; zero-weight columns are never drawn."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.shape)
    width = max(1, int(counts.max()))
    top = np.argpartition(-keys, width - 1, axis=1)[:, :width]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, 1), 1), 1)
    valid = np.isfinite(np.take_along_axis(keys, top, 1))
    return [row[: min(c, ok)] for row, c, ok in
            zip(top.tolist(), counts.tolist(), valid.sum(axis=1).tolist(), strict=True)]


def _joined(n: int, rng: np.random.Generator) -> np.ndarray:
    """A founding cohort in spring 2015, then yearly intakes that grow and level off."""
    years = np.arange(2015, 2026)
    intake = np.array([0.0, 1.0, 1.6, 2.0, 2.2, 1.8, 2.0, 2.2, 2.3, 2.4, 1.2])
    founders = rng.random(n) < max(0.03, min(1.0, 40 / n))
    year = rng.choice(years, size=n, p=intake / intake.sum())
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    span = np.minimum(365, (_END - start).astype(int) + 1)  # the last year is cut short
    days = (rng.random(n) * span).astype(int)
    spring = _FOUNDED + rng.integers(0, 90, size=n)
    return np.where(founders, spring, start + days)


def _levels(role: np.ndarray, joined: np.ndarray, skills: list, rng: np.random.Generator):
    """Self-assessed levels: higher in a role's own skill families and for longer members."""
    owner, skill = _flatten(skills)
    years = (_END - joined[owner]).astype(int) / 365.0
    mean = 2.3 + 2.0 * _ROLE_SKILLS[role[owner], _SKILL_FAMILY[skill]] + 0.08 * years
    level = np.clip(np.rint(rng.normal(mean, 0.9)), 1, 5).astype(int)
    unstated = rng.random(len(level)) < 0.15
    flat = [None if u else int(v) for v, u in zip(level.tolist(), unstated.tolist(), strict=True)]
    ends = np.cumsum([len(row) for row in skills]).tolist()
    return [flat[end - len(row):end] for row, end in zip(skills, ends, strict=True)]


def _flatten(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged rows as parallel (row index, value) arrays."""
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((v for r in rows for v in r), dtype=np.int64, count=int(lengths.sum()))
    return np.repeat(np.arange(len(rows)), lengths), values


def _members(ids: list[str], people: _People, orgs: _Organisations, rng) -> list[Member]:
    n = len(ids)
    names, firsts = person_names(people.role, rng)
    title_pick = rng.random(n)
    visibility = np.array(["public", "members", "hidden"])[
        rng.choice(3, size=n, p=[0.16, 0.8, 0.04])].tolist()
    is_open = (rng.random(n) < 0.9).tolist()
    uniforms = rng.random((n, 24)).tolist()  # pre-drawn: per-member rng calls would be slow
    founded = _FOUNDED + np.timedelta64(90, "D")
    founder = (people.joined < founded).tolist()
    joined, role_of, org_of = people.joined.tolist(), people.role.tolist(), people.org.tolist()
    kind_of = [ORGANISATION_KINDS[k].key for k in orgs.kind.tolist()]
    result = []
    for i in range(n):
        role, org = ROLES[role_of[i]], org_of[i]
        area = AREAS[orgs.area[org]]
        titles = role.titles.get(kind_of[org], role.titles["*"])
        interests = [TOPICS[t].name for t in people.interests[i]]
        skills = [SKILLS[s].name for s in people.skills[i]]
        wants = [SKILLS[s].name for s in people.wants[i]]
        levels = people.levels[i]
        profile = Profile(
            name=names[i], first=firsts[i], org=orgs.names[org], area=area.name,
            title=titles[int(title_pick[i] * len(titles))], interests=interests,
            skills=skills, levels=levels, wants=wants, year=joined[i].year,
            founder=founder[i], is_open=is_open[i])
        result.append(Member(
            id=ids[i], name=names[i], role=role.name, organisation=profile.org,
            region=area.name, bio=bio(profile, uniforms[i]),
            skills=[s if lv is None else {"name": s, "level": lv}
                    for s, lv in zip(skills, levels, strict=True)],
            interests=interests, wants_to_learn=wants, open_to_connect=is_open[i],
            visibility=visibility[i], joined=joined[i]))
    return result
