"""Who a synthetic community's members are and where they work: roles, organisation kinds,
the UK's nations and regions, and word lists for people's and places' names.

The synthetic generator reads these; the topics and skills members talk about are in
``matcher.synthetic.topics_and_skills``. Roles and organisation kinds refer to topic and skill
families by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "AREAS",
    "FIRST_NAMES",
    "NATIONS",
    "ORGANISATION_KINDS",
    "PLACE_STEMS",
    "ROLES",
    "SURNAMES",
    "Area",
    "OrganisationKind",
    "Role",
]


@dataclass(frozen=True)
class Role:
    """A member role: how common it is, how its people describe themselves, where they lean.

    ``titles`` maps an organisation kind's key to the job titles people in the role hold there,
    ``"*"`` to those for any other kind: a GP works in a GP practice, a midwife in a hospital.
    ``topic_families`` and ``skill_families`` are family ids, strongest first; ``employers``
    weighs organisation kinds (kinds not listed get a small weight); ``reach`` scales how many
    connections people in the role tend to have.
    """

    name: str
    share: float
    titles: Mapping[str, tuple[str, ...]]
    topic_families: tuple[str, ...]
    skill_families: tuple[str, ...]
    employers: Mapping[str, float]
    reach: float = 1.0


_HOSPITAL_DOCTORS = ("consultant physician", "consultant surgeon", "anaesthetist",
                     "paediatrician", "emergency medicine consultant", "specialty registrar")
_HOSPITAL_NURSES = ("ward manager", "matron", "nurse consultant", "clinical nurse specialist",
                    "midwife")
_HOSPITAL_THERAPISTS = ("physiotherapist", "occupational therapist",
                        "speech and language therapist", "dietitian", "radiographer")
_HOSPITAL_PHARMACISTS = ("clinical pharmacist", "chief pharmacist", "antimicrobial pharmacist")
_NHS_EXECUTIVES = dict.fromkeys(("acute", "community", "ambulance", "icb", "health-board"), (
    "chief executive", "medical director", "director of nursing", "director of strategy",
    "non-executive director"))

# Shares lean towards managers, clinicians and improvement specialists, as in Q's membership.
ROLES: tuple[Role, ...] = (
    Role("Manager", 0.20,
         {"gp": ("practice manager", "practice business manager", "operations manager"),
          "*": ("service manager", "operational manager", "head of quality", "general manager",
                "programme manager")},
         ("integrated-care", "quality-improvement", "workforce-and-culture"),
         ("leadership-and-change", "quality-improvement-methods"),
         {"acute": 4, "community": 2, "health-board": 3, "icb": 2, "gp": 1, "council": 1}),
    Role("Doctor", 0.12,
         {"gp": ("GP", "GP partner", "salaried GP", "GP registrar"),
          "acute": _HOSPITAL_DOCTORS,
          "health-board": _HOSPITAL_DOCTORS + ("psychiatrist",),
          "community": ("psychiatrist", "community paediatrician", "specialty registrar"),
          "hospice": ("palliative medicine consultant", "hospice doctor"),
          "university": ("clinical lecturer", "academic clinical fellow",
                         "clinical senior lecturer"),
          "council": ("public health consultant",),
          "*": ("clinical adviser", "clinical director")},
         ("patient-safety", "quality-improvement", "primary-and-community-care"),
         ("quality-improvement-methods", "measurement-and-data-analysis"),
         {"acute": 5, "gp": 3, "community": 2, "health-board": 3, "university": 0.5}),
    Role("Nurse or midwife", 0.12,
         {"gp": ("practice nurse", "lead practice nurse", "advanced nurse practitioner"),
          "acute": _HOSPITAL_NURSES,
          "health-board": _HOSPITAL_NURSES + ("district nurse",),
          "community": ("district nurse", "community matron", "mental health nurse",
                        "health visitor", "clinical nurse specialist"),
          "hospice": ("hospice nurse", "palliative care nurse specialist"),
          "university": ("nurse researcher", "lecturer in midwifery"),
          "*": ("lead nurse", "nurse adviser")},
         ("patient-safety", "person-centred-care", "maternity-and-childrens-health"),
         ("quality-improvement-methods", "facilitation-and-coaching"),
         {"acute": 5, "community": 3, "health-board": 3, "gp": 1, "hospice": 1}),
    Role("Allied health professional", 0.08,
         {"gp": ("first contact physiotherapist", "practice paramedic"),
          "ambulance": ("paramedic", "advanced paramedic", "specialist paramedic"),
          "acute": _HOSPITAL_THERAPISTS,
          "health-board": _HOSPITAL_THERAPISTS + ("podiatrist",),
          "community": ("physiotherapist", "occupational therapist",
                        "speech and language therapist", "dietitian", "podiatrist"),
          "hospice": ("physiotherapist", "occupational therapist"),
          "council": ("occupational therapist",),
          "*": ("allied health professions lead", "allied health professions adviser")},
         ("integrated-care", "primary-and-community-care", "person-centred-care"),
         ("quality-improvement-methods", "co-design-and-engagement"),
         {"acute": 4, "community": 3, "health-board": 2, "ambulance": 1.5, "council": 0.5}),
    Role("Pharmacist", 0.02,
         {"gp": ("clinical pharmacist", "practice pharmacist"),
          "acute": _HOSPITAL_PHARMACISTS,
          "health-board": _HOSPITAL_PHARMACISTS,
          "icb": ("medicines optimisation lead", "prescribing adviser"),
          "*": ("pharmacist adviser", "medicines optimisation lead")},
         ("patient-safety", "primary-and-community-care", "integrated-care"),
         ("quality-improvement-methods", "measurement-and-data-analysis"),
         {"acute": 3, "gp": 2, "icb": 1, "health-board": 1.5}),
    Role("Improvement adviser", 0.12,
         {"*": ("improvement adviser", "quality improvement lead", "improvement coach",
                "head of improvement", "transformation lead")},
         ("quality-improvement", "patient-safety", "integrated-care"),
         ("quality-improvement-methods", "facilitation-and-coaching",
          "measurement-and-data-analysis"),
         {"acute": 4, "community": 2, "health-board": 3, "alb": 1.5, "icb": 1.5,
          "consultancy": 1},
         reach=1.6),
    Role("Researcher", 0.10,
         {"university": ("research fellow", "senior lecturer",
                         "professor of health services research", "PhD researcher"),
          "*": ("research fellow", "applied research lead", "evaluation lead",
                "research manager")},
         ("research-and-evaluation", "quality-improvement", "health-inequalities"),
         ("research-and-evaluation-methods", "measurement-and-data-analysis"),
         {"university": 8, "acute": 1, "charity": 0.5, "alb": 0.5}),
    Role("Analyst", 0.06,
         {"*": ("data analyst", "information analyst", "health economist",
                "population health analyst", "modelling lead")},
         ("digital-health-and-data", "health-inequalities", "integrated-care"),
         ("measurement-and-data-analysis", "research-and-evaluation-methods"),
         {"acute": 3, "icb": 3, "health-board": 2, "alb": 1, "council": 1, "university": 1}),
    Role("Patient leader", 0.06,
         {"*": ("patient leader", "carer representative", "lived-experience partner",
                "patient safety partner", "public contributor")},
         ("person-centred-care", "health-inequalities", "mental-health"),
         ("co-design-and-engagement", "communication-and-digital-skills"),
         {"charity": 6, "consultancy": 1, "acute": 0.5},
         reach=1.2),
    Role("Educator", 0.05,
         {"university": ("lecturer in nursing", "senior teaching fellow", "programme leader"),
          "*": ("clinical educator", "practice educator", "training lead",
                "leadership development lead")},
         ("workforce-and-culture", "quality-improvement", "person-centred-care"),
         ("facilitation-and-coaching", "leadership-and-change"),
         {"university": 3, "acute": 3, "health-board": 1.5, "alb": 0.5}),
    Role("Policy maker", 0.04,
         {"*": ("policy adviser", "policy lead", "head of policy", "public health strategist")},
         ("health-policy-and-systems", "health-inequalities", "integrated-care"),
         ("leadership-and-change", "communication-and-digital-skills"),
         {"alb": 6, "council": 2, "charity": 1, "icb": 1},
         reach=1.3),
    Role("Executive leader", 0.03,
         {**_NHS_EXECUTIVES,
          "gp": ("managing partner",),
          "hospice": ("chief executive", "medical director", "director of care"),
          "university": ("dean of health sciences", "pro-vice-chancellor"),
          "council": ("chief executive", "director of public health",
                      "director of adult social care"),
          "consultancy": ("managing director", "founding director"),
          "*": ("chief executive", "director of strategy", "non-executive director")},
         ("health-policy-and-systems", "workforce-and-culture", "quality-improvement"),
         ("leadership-and-change", "facilitation-and-coaching"),
         {"acute": 4, "community": 2, "health-board": 2, "icb": 2, "charity": 1, "alb": 1},
         reach=1.5),
)


class Area(NamedTuple):
    """A region members come from, with its nation and its share of the membership."""

    name: str
    nation: str
    share: float


NATIONS: tuple[str, ...] = ("England", "Scotland", "Wales", "Northern Ireland")

# NHS England's seven regions plus the devolved nations, weighted roughly by population.
AREAS: tuple[Area, ...] = (
    Area("London", "England", 0.14),
    Area("South East", "England", 0.12),
    Area("South West", "England", 0.08),
    Area("East of England", "England", 0.09),
    Area("Midlands", "England", 0.15),
    Area("North West", "England", 0.11),
    Area("North East and Yorkshire", "England", 0.12),
    Area("Scotland", "Scotland", 0.09),
    Area("Wales", "Wales", 0.06),
    Area("Northern Ireland", "Northern Ireland", 0.04),
)


@dataclass(frozen=True)
class OrganisationKind:
    """A kind of organisation and how synthetic ones of that kind are named.

    ``share`` is its share of organisations in a nation where it exists, ``size`` the relative
    number of members it brings, ``focus`` the topic families it works on most. ``names`` maps
    a nation (or ``"*"`` for any) to patterns over ``{place}``, ``{other}`` (a second place),
    ``{surname}`` and ``{nation}``.
    """

    key: str
    share: float
    size: float
    focus: tuple[str, ...]
    names: Mapping[str, tuple[str, ...]]


ORGANISATION_KINDS: tuple[OrganisationKind, ...] = (
    OrganisationKind("gp", 0.3, 0.3, ("primary-and-community-care",), {"*": (
        "{place} Medical Practice", "{place} Surgery", "{place} Road Surgery",
        "{place} Health Centre", "The {place} Practice", "{place} and {other} Group Practice")}),
    OrganisationKind("acute", 0.1, 5.0, ("patient-safety", "integrated-care"), {"England": (
        "{place} Hospitals NHS Foundation Trust", "{place} and {other} NHS Trust",
        "{place} Teaching Hospitals NHS Trust", "University Hospitals {place} NHS Trust")}),
    OrganisationKind("community", 0.05, 3.0, ("mental-health", "primary-and-community-care"), {
        "England": ("{place} Partnership NHS Foundation Trust",
                    "{place} Community Health NHS Trust",
                    "{place} and {other} Mental Health NHS Foundation Trust")}),
    OrganisationKind("ambulance", 0.005, 3.0, ("integrated-care",), {"England": (
        "{place} Ambulance Service NHS Trust",)}),
    OrganisationKind("icb", 0.01, 3.0, ("integrated-care", "health-inequalities"), {"England": (
        "NHS {place} and {other} Integrated Care Board",)}),
    OrganisationKind("health-board", 0.15, 5.0, ("integrated-care", "patient-safety"), {
        "Scotland": ("NHS {place}",), "Wales": ("{place} University Health Board",),
        "Northern Ireland": ("{place} Health and Social Care Trust",)}),
    OrganisationKind("university", 0.05, 3.0, ("research-and-evaluation",), {"*": (
        "University of {place}", "{place} University", "{place} Institute of Health Sciences")}),
    OrganisationKind("charity", 0.14, 0.8, ("person-centred-care", "health-inequalities"), {"*": (
        "{place} Carers Centre", "The {surname} Foundation", "{place} Community Trust",
        "{place} Patient Voice", "Friends of {place} Hospital", "{place} Wellbeing Network")}),
    OrganisationKind("alb", 0.005, 8.0, ("health-policy-and-systems", "quality-improvement"), {
        "*": ("{nation} Improvement Agency", "Care Standards {nation}",
              "Health Intelligence {nation}", "{nation} Clinical Excellence Office")}),
    OrganisationKind("council", 0.05, 1.5, ("health-inequalities", "integrated-care"), {
        "England": ("{place} City Council", "{place} County Council", "{place} Borough Council"),
        "Scotland": ("{place} Council",), "Wales": ("{place} County Borough Council",),
        "Northern Ireland": ("{place} District Council",)}),
    OrganisationKind("consultancy", 0.06, 0.6, ("quality-improvement", "digital-health-and-data"), {
        "*": ("{place} Health Partners CIC", "{surname} Improvement Consulting",
              "{surname} and {place} Associates", "{place} Care Collaborative")}),
    OrganisationKind("hospice", 0.03, 0.7, ("primary-and-community-care",), {"*": (
        "{place} Hospice", "{place} and {other} Community Hospice")}),
)

# Synthetic place names: a nation's stems glued together ("Ash" + "combe"). They read as plausible
# towns without naming the real organisations there.
PLACE_STEMS: Mapping[str, tuple[str, str]] = {
    "England": ("Ash Brack Cal Elm Fair Hart Lang Mar North Oak Red Stan Thorn West Whit "
                "Wood Bram Kes Hol Sel", "bridge bury by combe field ford ham ley mouth "
                "stead wick worth dale hurst"),
    "Scotland": ("Ard Auch Bal Drum Glen Inver Kil Kin Strath Craig", "allan brae carron more "
                 "lochy ross tay lin field muir"),
    "Wales": ("Bryn Caer Cwm Llan Pen Pont Tre Ystrad Nant Aber", "afon dafydd ddu fawr "
              "gwyn teg wen elli garth hafod"),
    "Northern Ireland": ("Bally Carrick Dun Kil Lis Mona Rath Tully Knock Clough", "more "
                         "beg glass hill carne fin nagh mena barry keel"),
}

FIRST_NAMES = (
    "Aisha Alex Amara Amir Anna Ben Bethan Callum Catriona Chen Chidi Chloe Ciara Daniel Deepa "
    "Dylan Eilidh Emeka Emily Ewan Fatima Fiona Gareth George Grace Hannah Harpreet Hassan "
    "Imran Isla James Jasmine Jo Kamala Karen Kofi Lena Liam Lowri Lucy Mairead Marta Mei "
    "Michael Mohammed Nadia Naomi Niall Nia Oliver Olu Patrick Priya Rachel Rhys Rosa Ruth "
    "Sam Sanjay Sarah Seren Siobhan Sofia Sunita Tom Tomasz Una Yusuf Zainab Zoe Aled Beata "
    "Chiara Darren Efua Farah Gwen Helen Ian Joanne Kavita Lee Martin Nkechi Owen Paul Rory"
).split()
SURNAMES = (
    "Adams Ahmed Ali Anderson Baker Begum Bell Brown Campbell Chan Chowdhury Clarke Davies "
    "Doherty Edwards Evans Fraser Gallagher Green Hall Hughes Hussain Jackson Jones Kaur Kelly "
    "Khan Kowalski Lewis Lloyd MacDonald McLaughlin Mensah Morgan Murray Nguyen Nowak Obi "
    "O'Neill Okafor Owusu Patel Price Quinn Reid Roberts Robertson Ross Shah Sharma Singh "
    "Smith Stewart Taylor Thomas Thompson Walker Watson White Williams Wilson Wong Wright "
    "Young Zhang Ahmadi Boateng Byrne Das Fernandes Gill Hamilton Iqbal Jenkins Kerr Malik "
    "Mistry Novak Parry Rahman Sinclair Yilmaz"
).split()
