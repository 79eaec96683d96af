"""*Community*: the analysts' page of aggregates and plots.

Everything shown comes from :func:`service.analytics.community_summary`, the same figures as
the API's ``/analytics/summary``: counts over the members who may be analysed, never anyone's
record. The page only arranges them for reading: the largest categories of a count as bars,
the rest summed as one.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import CommunityDep
from api.web.pages import PageRoute, SignedIn, render
from models.errors import ForbiddenError
from service import analytics

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BARS = 10
"""The most bars a chart of a count shows; smaller categories are summed as one bar."""

REFUSED = ("The Community page shows figures about the whole community and is for analysts. "
           "Your sign-in does not include it. If you need it, ask your community's "
           "administrator for an analyst's sign-in link.")


def largest(counts: Mapping[str, int], plural: str, bars: int = BARS) -> list[tuple[str, int]]:
    """The ``bars - 1`` largest of ``counts`` and the rest summed, or all when they fit.

    >>> largest({"a": 5, "b": 3, "c": 2, "d": 1}, "letters", bars=3)
    [('a', 5), ('b', 3), ('Others (2 letters)', 3)]
    """
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    if len(ordered) <= bars:
        return ordered
    rest = ordered[bars - 1:]
    return [*ordered[:bars - 1], (f"Others ({len(rest)} {plural})", sum(n for _, n in rest))]


@router.get("/community", response_class=HTMLResponse)
def community(request: Request, signed: SignedIn, live: CommunityDep) -> HTMLResponse:
    try:
        figures = analytics.community_summary(live, signed.caller)
    except ForbiddenError:
        # The use case decides who may see this; the page only says it plainly.
        return render(request, "error.html", status_code=403, status=403, message=REFUSED)
    share = figures["cross_organisation_share"]
    across = None if share is None else round(100 * share, 1)
    return render(
        request, "community.html", figures=figures,
        roles=largest(figures["roles"], "roles"),
        regions=largest(figures["regions"], "regions"),
        ties=[] if across is None else [("Across organisations", across),
                                        ("Within one organisation", round(100 - across, 1))])
