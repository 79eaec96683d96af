"""The synthetic community generator: deterministic, valid, and shaped like a real community."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import numpy as np
import pytest

from matcher.synthetic import people_and_places as people_places
from matcher.synthetic import topics_and_skills as vocab
from matcher.synthetic.generator import generate_community
from models import Community

N = 2000


def _name_pattern(pattern: str) -> re.Pattern:
    word = {"place": "[A-Z][a-z]+", "other": "[A-Z][a-z]+", "surname": "[A-Z][A-Za-z']+",
            "nation": "|".join(people_places.NATIONS)}
    parts = re.split(r"\{(\w+)\}", pattern)  # literal text and field names alternate
    regex = "".join(f"(?:{word[p]})" if i % 2 else re.escape(p) for i, p in enumerate(parts))
    return re.compile(regex + r"(?: \(.+ office \d+\))?")


_NAME_PATTERNS = [(kind, _name_pattern(pattern)) for kind in people_places.ORGANISATION_KINDS
                  for patterns in kind.names.values() for pattern in patterns]


def _kind_of(organisation: str) -> str:
    """An organisation's kind: members carry only its name, so read it back from the patterns."""
    kinds = {k.key for k, regex in _NAME_PATTERNS if regex.fullmatch(organisation)}
    assert len(kinds) == 1, (organisation, kinds)
    return kinds.pop()


@pytest.fixture(scope="module")
def community() -> Community:
    return generate_community(N, seed=7)


@pytest.fixture(scope="module")
def degrees(community: Community) -> np.ndarray:
    count = Counter()
    for c in community.connections:
        count[c.source] += 1
        count[c.target] += 1
    return np.array([count[m.id] for m in community.members])


def test_same_seed_gives_the_same_community() -> None:
    first, second = generate_community(400, seed=3), generate_community(400, seed=3)
    assert first.model_dump() == second.model_dump()


def test_different_seeds_differ() -> None:
    first, second = generate_community(400, seed=3), generate_community(400, seed=4)
    assert [m.bio for m in first.members] != [m.bio for m in second.members]
    assert {c.pair for c in first.connections} != {c.pair for c in second.connections}


@pytest.mark.parametrize("members", [2, 5, 60])
def test_tiny_communities_are_valid(members: int) -> None:
    community = generate_community(members, seed=1)
    assert len(community.members) == members
    assert len(community.groups) >= 1
    Community.model_validate(community.model_dump())


def test_everything_validates(community: Community) -> None:
    again = Community.model_validate(community.model_dump())
    assert again.model_dump() == community.model_dump()


def test_vocabulary_is_a_shallow_tree_with_unique_ids() -> None:
    for terms, low, high in ((vocab.TOPICS, 60, 120), (vocab.SKILLS, 50, 90)):
        ids = {t.id for t in terms}
        assert low <= len(terms) <= high and len(ids) == len(terms)
        assert len({t.name for t in terms}) == len(terms)
        parents = {t.parent for t in terms} - {None}
        assert parents <= ids
        assert all(t.parent is None for t in terms if t.id in parents)  # two levels only
        assert all(t.description for t in terms)


def test_members_have_complete_profiles(community: Community) -> None:
    regions = {a.name for a in people_places.AREAS}
    assert len({m.id for m in community.members}) == N
    for m in community.members:
        assert m.name and m.role and m.organisation and m.bio and m.interests
        assert m.region in regions
        assert dt.date(2015, 1, 1) <= m.joined <= dt.date(2025, 6, 30)
        assert not set(m.wants_to_learn) & {s.name for s in m.skills}
    levels = Counter(s.level for m in community.members for s in m.skills)
    assert set(levels) == {None, 1, 2, 3, 4, 5}
    assert 0.05 < levels[None] / sum(levels.values()) < 0.3


def test_every_role_appears_in_realistic_proportions(community: Community) -> None:
    roles = Counter(m.role for m in community.members)
    assert set(roles) == {r.name for r in people_places.ROLES}
    for role in people_places.ROLES:
        assert abs(roles[role.name] / N - role.share) < 0.03, role.name


def test_a_founding_cohort_then_growth(community: Community) -> None:
    years = Counter(m.joined.year for m in community.members)
    assert 0 < years[2015] < years[2019] and years[2016] < years[2024]


def test_organisations_sit_in_one_region_and_have_heavy_tailed_sizes(
    community: Community,
) -> None:
    regions: dict[str, set[str]] = {}
    for m in community.members:
        regions.setdefault(m.organisation, set()).add(m.region)
    assert all(len(r) == 1 for r in regions.values())
    assert {next(iter(r)) for r in regions.values()} == {a.name for a in people_places.AREAS}
    sizes = np.array(list(Counter(m.organisation for m in community.members).values()))
    assert len(sizes) > N / 30
    assert sizes.max() >= 10 * np.median(sizes)


def test_roles_have_titles_for_every_kind_of_employer() -> None:
    kinds = {k.key for k in people_places.ORGANISATION_KINDS}
    for role in people_places.ROLES:
        assert "*" in role.titles and set(role.titles) <= kinds | {"*"}, role.name
        assert all(role.titles.values()) and set(role.employers) <= kinds, role.name


def test_job_titles_fit_the_kind_of_employer(community: Community) -> None:
    for m in community.members:
        role = next(r for r in people_places.ROLES if r.name == m.role)
        everywhere = {t for titles in role.titles.values() for t in titles}
        named = {t for t in everywhere
                 if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", m.bio, re.IGNORECASE)}
        # "GP" is found inside "GP partner"; only the longer title was written.
        named = {t for t in named if not any(t != u and t in u for u in named)}
        kind = _kind_of(m.organisation)
        assert named and named <= set(role.titles.get(kind, role.titles["*"])), (m.bio, kind)


@pytest.mark.parametrize(("title", "kinds"), [
    (r"\bGP\b|practice nurse|practice manager", {"gp"}),
    (r"consultant physician|anaesthetist|\bmidwife\b", {"acute", "health-board"}),
    (r"senior lecturer|professor", {"university"}),
])
def test_clinicians_work_where_their_title_says(
    community: Community, title: str, kinds: set[str],
) -> None:
    holders = [m for m in community.members if re.search(title, m.bio, re.IGNORECASE)]
    assert holders
    assert {_kind_of(m.organisation) for m in holders} <= kinds


def test_privacy_choices_are_mostly_open(community: Community) -> None:
    visibility = Counter(m.visibility for m in community.members)
    assert visibility["members"] > visibility["public"] > visibility["hidden"] > 0
    assert 0.8 < sum(m.open_to_connect for m in community.members) / N < 1.0


def test_every_name_used_is_declared(community: Community) -> None:
    topics, skills = {t.name for t in community.topics}, {s.name for s in community.skills}
    for m in community.members:
        assert set(m.interests) <= topics
        assert {s.name for s in m.skills} | set(m.wants_to_learn) <= skills
    assert all(set(g.topics) <= topics for g in community.groups)


def test_interests_follow_role(community: Community) -> None:
    research = {t.name for t in vocab.TOPICS if "research-and-evaluation" in (t.id, t.parent)}

    def share(members: list) -> float:
        return np.mean([bool(research & set(m.interests)) for m in members])

    researchers = [m for m in community.members if m.role == "Researcher"]
    others = [m for m in community.members if m.role in ("Manager", "Nurse or midwife")]
    assert share(researchers) > 2 * share(others)


def test_connections_are_simple_and_refer_to_members(community: Community) -> None:
    ids = {m.id for m in community.members}
    pairs = [c.pair for c in community.connections]
    assert all(len(p) == 2 and p <= ids for p in pairs)
    assert len(set(pairs)) == len(pairs)
    kinds = Counter(c.kind for c in community.connections)
    assert {"collaborated", "peer", "mentored"} <= set(kinds)


def test_ties_start_after_both_members_joined(community: Community) -> None:
    joined = {m.id: m.joined for m in community.members}
    for c in community.connections:
        assert max(joined[c.source], joined[c.target]) <= c.since <= dt.date(2025, 6, 30)


def test_degrees_are_heavy_tailed(degrees: np.ndarray) -> None:
    assert 6 <= degrees.mean() <= 12
    assert degrees.max() >= 5 * np.median(degrees)
    # A Poisson graph of the same mean has essentially nobody at three times the mean.
    assert np.mean(degrees >= 3 * degrees.mean()) > 0.01


@pytest.mark.parametrize("members", [300, N])
def test_cross_organisation_share(members: int) -> None:
    community = generate_community(members, seed=11)
    organisation = {m.id: m.organisation for m in community.members}
    cross = np.mean([organisation[c.source] != organisation[c.target]
                     for c in community.connections])
    assert 0.2 <= cross <= 0.6


def test_connected_members_share_interests_more_than_strangers(community: Community) -> None:
    interests = {m.id: set(m.interests) for m in community.members}
    ids = list(interests)
    rng = np.random.default_rng(0)
    strangers = rng.choice(len(ids), size=(len(community.connections), 2))
    linked = np.mean([bool(interests[c.source] & interests[c.target])
                      for c in community.connections])
    random = np.mean([bool(interests[ids[a]] & interests[ids[b]]) for a, b in strangers])
    assert linked > random + 0.1


def test_groups_gather_interested_members(community: Community) -> None:
    ids = {m.id: m for m in community.members}
    groups = community.groups
    assert len(groups) == round(N / 60) and len({g.id for g in groups}) == len(groups)
    interested = total = 0
    for g in groups:
        assert 1 <= len(g.coordinators) <= 2 and set(g.coordinators) <= ids.keys()
        assert set(g.members) <= ids.keys() and not set(g.members) & set(g.coordinators)
        assert g.name and g.description and g.topics
        interested += sum(bool(set(g.topics) & set(ids[m].interests)) for m in g.members)
        total += len(g.members)
    assert interested / total > 0.7


def test_bios_are_varied(community: Community) -> None:
    bios = [m.bio for m in community.members]
    assert len({b[:40] for b in bios}) / N > 0.8
    assert 0.2 < np.mean([bool(re.search(r"\b(I|I'm|I've|I'd|My)\b", b)) for b in bios]) < 0.9
    # Blank out what comes from the member's profile; what is left is the sentence pattern.
    titles = [t for role in people_places.ROLES for ts in role.titles.values() for t in ts]
    patterns = set()
    for m in community.members:
        values = [*m.name.split(), m.name, m.organisation, m.region, *m.interests, *titles,
                  *[s.name for s in m.skills], *m.wants_to_learn]
        values = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
        pattern = re.sub(r"\d+", "_", re.sub(values, "_", m.bio, flags=re.IGNORECASE))
        patterns.add(re.sub(r"_(?:(?:, | and )_)*", "_", pattern))  # lists of any length
    assert len(patterns) > N / 4


@pytest.mark.slow
def test_a_hundred_thousand_members() -> None:
    community = generate_community(100_000, seed=0)
    assert len(community.members) == 100_000
    assert 300_000 <= len(community.connections) <= 600_000
    assert len(community.groups) == round(100_000 / 60)
