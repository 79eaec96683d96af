"""The words in a synthetic community: names of people, organisations and groups, and bios.

Each function draws from the generator it is given, in a fixed order, so the community stays
the same for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.synthetic.people_and_places import (
    AREAS,
    FIRST_NAMES,
    NATIONS,
    ORGANISATION_KINDS,
    PLACE_STEMS,
    ROLES,
    SURNAMES,
)

__all__ = ["Profile", "bio", "group_text", "organisation_names", "person_names"]


def organisation_names(kind: np.ndarray, area: np.ndarray, rng: np.random.Generator) -> list:
    """Distinct names in the style of each organisation's kind and nation (indices given)."""
    taken: set[str] = set()
    names = []
    for k, a in zip(kind.tolist(), area.tolist(), strict=True):
        org_kind, region = ORGANISATION_KINDS[k], AREAS[a]
        patterns = org_kind.names.get(region.nation) or org_kind.names["*"]
        for _ in range(8):
            place, other = _place(region.nation, rng), _place(region.nation, rng)
            name = patterns[rng.integers(len(patterns))].format(
                place=place, other=other, nation=region.nation,
                surname=SURNAMES[rng.integers(len(SURNAMES))])
            if name not in taken and place != other:
                break
        office, base = 1, name
        while name in taken:  # a crowded pattern space: national bodies have regional offices
            office += 1
            name = f"{base} ({region.name} office {office})"
        taken.add(name)
        names.append(name)
    return names


def _place(nation: str, rng: np.random.Generator) -> str:
    heads, tails = (part.split() for part in PLACE_STEMS[nation])
    return heads[rng.integers(len(heads))] + tails[rng.integers(len(tails))]


def person_names(role: np.ndarray, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Full names (some doctors and researchers as "Dr") and first names, one per role index."""
    n = len(role)
    first = np.array(FIRST_NAMES)[rng.integers(len(FIRST_NAMES), size=n)]
    surname = np.array(SURNAMES)[rng.integers(len(SURNAMES), size=n)]
    second = np.array(SURNAMES)[rng.integers(len(SURNAMES), size=n)]
    hyphenated = (rng.random(n) < 0.04) & (second != surname)
    surname = np.where(hyphenated, np.char.add(np.char.add(surname, "-"), second), surname)
    doctor_roles = [i for i, r in enumerate(ROLES) if r.name in ("Doctor", "Researcher")]
    dr = np.isin(role, doctor_roles) & (rng.random(n) < 0.3)
    full = np.char.add(np.char.add(np.where(dr, "Dr ", ""), np.char.add(first, " ")), surname)
    return full.tolist(), first.tolist()


@dataclass(frozen=True)
class Profile:
    """What a bio may mention about its member."""

    name: str
    first: str
    org: str
    area: str
    title: str
    interests: list[str]
    skills: list[str]
    levels: list[int | None]
    wants: list[str]
    year: int
    founder: bool
    is_open: bool


# Bio sentences by clause, as (first person, third person) alternatives. Bios pick a voice, then
# one sentence per clause, drop optional clauses and shuffle the middle ones.
_SENTENCES = {
    "intro": (("I'm {a_title} at {org}.", "I work as {a_title} at {org}, {in_region}.",
               "I'm {a_title} based {in_region}, working at {org}.",
               "I've been {a_title} for {years} years and now work at {org}.",
               "Currently {a_title} at {org}.", "My day job: {title} at {org}."),
              ("{name} is {a_title} at {org}.", "{first} works {in_region} as {a_title} at {org}.",
               "{Title} at {org}, {in_region}.", "{name}, {title} at {org}.",
               "{name} has been {a_title} for {years} years, currently with {org}.")),
    "focus": (("My main interests are {topics}.", "I'm particularly interested in {topics}.",
               "Most of my work is about {topics}.", "I care a lot about {topics}.",
               "At the moment I'm focused on {topic}, and I'm also drawn to {rest}.",
               "What gets me up in the morning is {topics}."),
              ("{first}'s work focuses on {topics}.", "Interested in {topics}.",
               "{first} is passionate about {topics}.", "Current interests include {topics}.",
               "Works mainly on {topic}, with a growing interest in {rest}.")),
    "skills": (("I can help with {skills}.", "I bring experience in {skills}.",
                "Happy to share what I know about {skills}.", "Skills I can offer: {skills}.",
                "I've used {skills} in my own projects."),
               ("{first} brings experience in {skills}.", "Experienced in {skills}.",
                "Can help others with {skills}.", "Has led work using {skills}.")),
    "expert": (("I've taught {skill} to teams across my organisation.",
                "I'm an experienced practitioner of {skill}, and happy to coach others."),
               ("{first} is an experienced practitioner of {skill}.",
                "Regularly teaches {skill}.")),
    "learn": (("I'd like to learn more about {learn}.", "Keen to build my skills in {learn}.",
               "Looking for someone who could help me get started with {learn}.",
               "Next on my list to learn: {learn}.", "I want to get better at {learn}."),
              ("{first} would like to learn {learn}.", "Hoping to develop skills in {learn}.",
               "Looking to connect with people who know {learn}.",
               "Wants to get better at {learn}.")),
    "founder": (("I was one of the founding members of the community in 2015.",
                 "Founding member, 2015."),
                ("{first} was one of the community's founding members.",
                 "A founding member of the community.")),
    "tenure": (("I joined the community in {year}.", "Member since {year}."),
               ("{first} joined the community in {year}.", "Member since {year}.")),
    "contact": (("Always happy to chat over a virtual coffee.",
                 "Get in touch if you're working on something similar.",
                 "Do reach out if {topic} is your thing too."),
                ("Happy to be contacted about {topic}.", "Open to new connections.")),
}
_PROPER_NAMES = ("Model for Improvement", "Six Sigma")


def bio(p: Profile, uniforms: list[float]) -> str:
    """A bio for ``p``; ``uniforms`` are numbers drawn in [0, 1), more than a bio uses."""
    draws = iter(uniforms)

    def pick(options: tuple[str, ...]) -> str:
        return options[int(next(draws) * len(options))]

    fields = _bio_fields(p, years=2 + int(next(draws) * 20))
    if next(draws) < 0.1:  # some write a terse, profile-style line instead of sentences
        return _terse_bio(p, fields, pick(("  |  ", " · ", " / ")))
    voice = int(next(draws) < 0.4)
    middle = []
    if p.skills and next(draws) < 0.85:
        top = max(p.levels, key=lambda level: level or 0)
        middle.append("expert" if (top or 0) >= 4 and next(draws) < 0.4 else "skills")
    if p.wants and next(draws) < 0.7:
        middle.append("learn")
    if next(draws) < 0.35:
        middle.append("founder" if p.founder else "tenure")
    middle.sort(key=lambda _: next(draws))
    opening = ["intro", "focus"] if next(draws) < 0.8 else ["focus", "intro"]
    closing = ["contact"] if p.is_open and next(draws) < 0.3 else []
    clauses = opening + middle + closing
    return " ".join(pick(_SENTENCES[c][voice]).format(**fields) for c in clauses)


def _bio_fields(p: Profile, years: int) -> dict[str, object]:
    topics = [_lower(t) for t in p.interests[:3]]
    ranked = sorted(zip(p.levels, p.skills, strict=True), key=lambda pair: -(pair[0] or 0))
    in_region = p.area if p.area in NATIONS or p.area == "London" else f"the {p.area}"
    return {
        "name": p.name, "first": p.first, "org": p.org, "title": p.title, "years": years,
        "Title": p.title[0].upper() + p.title[1:], "in_region": f"in {in_region}",
        "a_title": ("an " if p.title[0] in "aeiou" else "a ") + p.title,
        "topics": _listing(topics), "topic": topics[0], "rest": _listing(topics[1:]),
        "skills": _listing([_lower(s) for s in p.skills[:3]]),
        "skill": _lower(ranked[0][1]) if ranked else "", "year": p.year,
        "learn": _listing([_lower(s) for s in p.wants[:2]]),
    }


def _terse_bio(p: Profile, fields: dict[str, object], separator: str) -> str:
    parts = [f"{fields['Title']} at {p.org}", "Interests: " + ", ".join(p.interests[:4])]
    if p.skills:
        parts.append("Skills: " + ", ".join(p.skills[:4]))
    if p.wants:
        parts.append("Learning: " + ", ".join(p.wants[:2]))
    return separator.join(parts)


def _listing(words: list[str]) -> str:
    return "".join(words) if len(words) < 2 else ", ".join(words[:-1]) + " and " + words[-1]


def _lower(name: str) -> str:
    """A vocabulary name as it reads mid-sentence; acronyms and proper names keep capitals."""
    first_word = name.split()[0]
    if name in _PROPER_NAMES or first_word[1:] != first_word[1:].lower():
        return name
    return name[0].lower() + name[1:]


_GROUP_NAMES = ("{Topic} special interest group", "{Topic} network", "{Topic} learning set",
                "{Topic} community of practice", "Improving {topic} together")
_GROUP_BLURBS = ("For members working on {topics} who want to share ideas, data and lessons.",
                 "A space to swap methods, problems and results on {topics}.",
                 "A learning set on {topics}, meeting every six weeks on members' own projects.",
                 "Members comparing notes on {topics}: what has worked, what hasn't, and why.")


def group_text(names: list[str], region: str | None, rng) -> tuple[str, str]:
    """A group's name and description from its topics (main topic first) and local region."""
    topic = _lower(names[0])
    name = _GROUP_NAMES[rng.integers(len(_GROUP_NAMES))].format(
        Topic=names[0], topic=topic)
    if region is not None:
        name = f"{region}: {name}"
    blurb = _GROUP_BLURBS[rng.integers(len(_GROUP_BLURBS))].format(
        topics=_listing([_lower(x) for x in names]))
    return name, blurb
