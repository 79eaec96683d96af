"""Nothing from another site: the API's docs render from the service's own copy of Swagger UI,
and no page asks another host for anything (scripts, styles, fonts, images)."""

from __future__ import annotations

from typing import Any

import pytest

from models import Community
from tests.browser import Site


def _recorded(page: Any) -> list[str]:
    """The URLs of every request ``page`` makes from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _elsewhere(urls: list[str], site: Site) -> list[str]:
    """Those of ``urls`` that leave the service (data: URLs never leave the page)."""
    return [url for url in urls if not url.startswith((f"{site.url}/", "data:", "blob:"))]


def test_api_docs_show_the_operations_without_the_internet(page: Any, site: Site) -> None:
    urls = _recorded(page)
    page.goto(f"{site.url}/docs")
    page.locator(".opblock").first.wait_for()
    operation = page.locator('.opblock [data-path="/members/{member_id}/recommendations/{kind}"]')
    assert operation.first.is_visible()
    assert page.locator(".opblock").count() >= 20
    page.wait_for_load_state("networkidle")
    assert any(url.endswith("/openapi.json") for url in urls)
    assert _elsewhere(urls, site) == []
    # FastAPI's own ReDoc page would load its script and fonts from other sites.
    assert page.goto(f"{site.url}/redoc").status == 404


@pytest.mark.parametrize("role", ["member", "coordinator", "analyst"])
def test_signed_in_pages_load_nothing_from_another_site(page: Any, site: Site,
                                                        generated: Community,
                                                        role: str) -> None:
    who = next(m for m in sorted(generated.members, key=lambda m: m.id)
               if m.visibility == "members" and m.open_to_connect and m.wants_to_learn)
    urls = _recorded(page)
    page.goto(site.link(who.id, role))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    menu = page.get_by_role("navigation", name="Menu").get_by_role("link")
    paths = {"/", "/welcome", *menu.evaluate_all("links => links.map(a => a.pathname)")}
    assert {"analyst": "/community", "coordinator": "/form-groups"}.get(role, "/") in paths
    for path in sorted(paths):
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("networkidle")
    assert all(any(url.startswith(f"{site.url}{p}") for url in urls) for p in paths)
    assert _elsewhere(urls, site) == []
