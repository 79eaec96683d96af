"""Organisations members come from."""

from __future__ import annotations

from collections import Counter, defaultdict

from fastapi import APIRouter

from api.deps import CommunityDep, Profiles
from models.api import OrganisationPublic, Page

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationPublic])
def list_organisations(live: CommunityDep, caller: Profiles) -> Page[OrganisationPublic]:
    """Organisations with the regions their members are in and how many members they have,
    counting only the members the caller may see."""
    counts: Counter[str] = Counter()
    regions: defaultdict[str, set[str]] = defaultdict(set)
    for member in live.snapshot.members:
        if member.organisation and caller.may_see(member):
            counts[member.organisation] += 1
            if member.region:
                regions[member.organisation].add(member.region)
    data = [OrganisationPublic(name=name, regions=sorted(regions[name]), members=n)
            for name, n in sorted(counts.items())]
    return Page(data=data, count=len(data))
