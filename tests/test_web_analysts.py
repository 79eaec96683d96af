"""*Community*, the analysts' page: the summary's figures and charts for analysts, refused to
everyone else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from api.web.analysts import largest
from graph_schema import open_store
from models import Community, Member
from models.privacy import Caller
from service.analytics import community_summary
from tests.browser import Site, accessibility_problems
from tests.conftest import Api, serving


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_an_analyst_sees_the_summary_and_its_charts(page: Any, site: Site,
                                                    generated: Community) -> None:
    analyst = generated.members[0].id
    page.goto(site.link(analyst, "analyst"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/community")  # an analyst starts here
    assert page.get_by_role("heading", level=1).inner_text() == "Community"
    assert page.get_by_role("link", name="Community").get_attribute("aria-current") == "page"
    glance = page.locator(".nhsuk-summary-list")
    assert re.search(r"Members counted\s+\d+", glance.inner_text())
    charts = page.get_by_role("img")
    names = [charts.nth(i).evaluate("svg => svg.querySelector('title').textContent")
             for i in range(charts.count())]
    assert "Members by role" in names and "Members by region" in names
    for chart in ("Members by role", "Members by region"):
        svg = page.get_by_role("img", name=chart)
        assert svg.is_visible() and svg.locator("rect").count() >= 2
        box = svg.locator("rect").first.bounding_box()
        assert box is not None and box["width"] > 50  # the largest bar is drawn, not empty
    assert page.get_by_text("jupyter lab notebooks/").is_visible()
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_charts_show_the_summarys_figures_and_no_one(api: Api,
                                                         generated: Community) -> None:
    client = api.sign_in(generated.members[0].id, "analyst")
    main = _main(client.get("/community").text)
    figures = community_summary(api.live, Caller("analyst"))
    for label, count in largest(figures["roles"], "roles"):
        assert re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td>{count:,}</td>", main)
    assert f"<dd class=\"nhsuk-summary-list__value\">{figures['members']:,}</dd>" in main
    assert not re.search(r"\bm\d{5}\b", main)  # no member's id
    assert not [m.name for m in generated.members if m.name and m.name in main]


def test_members_and_coordinators_are_refused_the_community_page(
        api: Api, generated: Community) -> None:
    for role in ("member", "coordinator"):
        client = api.sign_in(generated.members[0].id, role)
        answer = client.get("/community")
        assert answer.status_code == 403
        assert "is for analysts" in answer.text
        assert "Members counted" not in answer.text


def test_without_a_session_community_sends_you_to_sign_in(api: Api) -> None:
    api.client.cookies.clear()
    answer = api.client.get("/community", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/welcome"


def test_a_community_without_ties_has_no_share_across_organisations(tmp_path: Path) -> None:
    location = str(tmp_path / "store.db")
    with open_store(location) as store:
        store.write(Community(members=[Member(id=f"m{i}", organisation="Trust A")
                                       for i in range(6)]))
    with serving(location) as api:
        main = _main(api.sign_in("m0", "analyst").get("/community").text)
    assert "none yet between members whose organisations are known" in main
    assert "Within one organisation" not in main
