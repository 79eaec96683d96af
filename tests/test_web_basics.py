"""What every page keeps: it works without JavaScript and without the NHS.UK files, markup in
what members write never runs, and the pages anyone may open are accessible too."""

from __future__ import annotations

import re
from typing import Any

import httpx

from api.web import pages
from graph_schema import open_store
from models import Community, Member
from service.keys import new_key
from tests.browser import Site, accessibility_problems
from tests.conftest import Api


def _members(generated: Community) -> list[Member]:
    return [m for m in sorted(generated.members, key=lambda m: m.id, reverse=True)
            if m.visibility == "members" and m.open_to_connect and m.wants_to_learn
            and m.consent.suggestions]


def test_signing_in_and_answering_work_without_javascript(browser: Any, site: Site,
                                                          generated: Community) -> None:
    member = _members(generated)[0]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site.link(member.id))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site.url}/")
        card = page.locator("#people-like-you ~ [data-member]").first
        dismissed = card.get_attribute("data-member")
        card.get_by_role("button", name=re.compile("Not for me")).click()
        page.wait_for_url(re.compile(r"done=dismiss"))
        assert page.locator(f'[data-member="{dismissed}"]').count() == 0
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/welcome"))
    finally:
        context.close()


def test_markup_in_a_bio_never_runs(page: Any, site: Site, generated: Community) -> None:
    reader, writer = _members(generated)[1:3]
    admin, key = new_key("admin")
    with open_store(site.location) as store:
        store.add_key(key)
    bio = ('<script>window.ran = 1</script><img src="x" onerror="window.ran = 2"> '
           "Leads the falls collaborative.")
    answer = httpx.patch(f"{site.url}/members/{writer.id}", json={"bio": bio},
                         headers={"Authorization": f"Bearer {admin}"})
    assert answer.status_code == 200, answer.text
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(site.link(reader.id))
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{site.url}/people/{writer.id}")
    assert "<script>window.ran = 1</script>" in page.inner_text("main")  # shown as text
    assert page.evaluate("window.ran") is None and dialogs == []


def test_the_pages_anyone_may_open_are_accessible(page: Any, site: Site,
                                                  generated: Community) -> None:
    member = _members(generated)[3]
    page.goto(f"{site.url}/welcome")
    assert accessibility_problems(page) == []
    page.goto(site.link(member.id))
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")
    answer = page.goto(f"{site.url}/people/nobody-of-that-name")
    assert answer.status == 404 and "Not found" in page.inner_text("h1")
    assert accessibility_problems(page) == []


def test_no_page_asks_for_what_its_own_policy_refuses(browser: Any, site: Site,
                                                     generated: Community) -> None:
    """The pages fetch nothing from another site, so their Content-Security-Policy (enforced
    here, unlike in the tests that inject axe-core) refuses nothing and the browser reports no
    error, on the member's pages and the API documentation alike."""
    member = _members(generated)[4]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    try:
        page.goto(site.link(member.id))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site.url}/")
        menu = page.eval_on_selector_all("a.nhsuk-header__navigation-link",
                                         "links => links.map(link => link.href)")
        assert len(menu) >= 3
        for address in [*menu, f"{site.url}/docs"]:
            page.goto(address)
            page.screenshot()  # drawn, so that every font the page uses is asked for
            page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert errors == []


def test_an_address_no_page_answers_is_a_page_in_a_browser_and_json_for_the_api(
        api: Api) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    missing = api.client.get("/no-such-page", headers=browser)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "There is no page at this address" in missing.text and 'href="/"' in missing.text
    assert api.client.get("/no-such-page").json() == {"detail": "Not Found"}
    typed = api.client.get("/sign-in", headers=browser)  # the form's address, typed in
    assert typed.status_code == 405 and "cannot be opened in a browser" in typed.text
    refused = api.client.get("/sign-in")
    assert refused.status_code == 405 and refused.json() == {"detail": "method not allowed"}
    assert "POST" in refused.headers["allow"]


def test_without_the_nhs_files_pages_are_plain_html_that_works(api: Api) -> None:
    styled = pages.templates.env.globals["styled"]
    pages.templates.env.globals["styled"] = False
    try:
        me = next(m.id for m in api.live.snapshot.members
                  if m.visibility == "members" and m.wants_to_learn)
        shown = api.sign_in(me).get("/")
        assert shown.status_code == 200 and "/vendor/" not in shown.text
        assert 'name="form_token"' in shown.text and "People like you" in shown.text
    finally:
        pages.templates.env.globals["styled"] = styled
