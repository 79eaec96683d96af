"""*For you* in a real browser: signing in by link, suggestions with reasons, answering them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from models import Community, Member
from tests.browser import Site, accessibility_problems


def _members(generated: Community) -> list[Member]:
    """Members who can be signed in and get suggestions of every kind."""
    return [m for m in sorted(generated.members, key=lambda m: m.id)
            if m.visibility == "members" and m.open_to_connect and m.wants_to_learn
            and m.consent.suggestions]


@pytest.fixture
def member(generated: Community, request: pytest.FixtureRequest) -> Member:
    """A different member for each test of the module, so their answers do not meet."""
    tests = [name for name in dir(request.module) if name.startswith("test_")]
    return _members(generated)[tests.index(request.node.originalname)]


def _sign_in(page: Any, site: Site, member: Member) -> None:
    page.goto(site.link(member.id))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")


def test_signing_in_by_link_shows_suggestions_with_reasons(page: Any, site: Site,
                                                           member: Member) -> None:
    _sign_in(page, site, member)
    assert page.get_by_role("heading", level=1).inner_text() == f"For you, {member.name}"
    for section in ("People like you", "Who can help me", "Groups to join"):
        assert page.get_by_role("heading", name=section).is_visible()
    people = page.locator("[data-member]")
    assert people.count() >= 5
    first = people.first
    assert first.locator(".qc-reasons li").count() >= 1
    assert first.locator(".nhsuk-card__description").inner_text().strip()  # role, organisation


def test_a_link_signs_in_once(page: Any, site: Site, member: Member) -> None:
    link = site.link(member.id)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")
    page.context.clear_cookies()
    answer = page.goto(link)
    assert answer.status == 401
    assert "used already" in page.inner_text("main") or "not valid" in page.inner_text("main")


def test_not_for_me_removes_the_person_for_good(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member)
    card = page.locator("#people-like-you ~ [data-member]").first
    dismissed = card.get_attribute("data-member")
    card.get_by_role("button", name=re.compile("Not for me")).click()
    page.wait_for_url(re.compile(r"done=dismiss"))
    assert "will not be suggested to you again" in page.inner_text("main")
    page.reload()
    page.goto(f"{site.url}/")
    assert dismissed not in page.locator("[data-member]").evaluate_all(
        "cards => cards.map(c => c.dataset.member)")


def test_interest_in_a_group_says_how_to_join_it(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member)
    card = page.locator("#groups-to-join ~ [data-group]").first
    chosen = card.get_attribute("data-group")
    card.get_by_role("button", name=re.compile("Interested")).click()
    page.wait_for_url(re.compile(r"done=accept"))
    notice = page.get_by_role("status").inner_text()
    assert "interested in that group" in notice and "choose Join" in notice
    assert "connect" not in notice  # not what answering a person says
    assert chosen not in page.locator("[data-group]").evaluate_all(
        "cards => cards.map(c => c.dataset.group)")
    page.get_by_role("link", name="My network").click()
    page.wait_for_url(f"{site.url}/my-network")
    assert page.locator("#interested ~ [data-group]").first.get_attribute("data-group") == chosen


def test_connecting_puts_the_person_in_my_network(page: Any, site: Site, member: Member
                                                  ) -> None:
    _sign_in(page, site, member)
    card = page.locator("#people-like-you ~ [data-member]").first
    chosen = card.get_attribute("data-member")
    card.get_by_role("button", name=re.compile("Connect with")).click()
    page.wait_for_url(re.compile(r"done=accept"))
    assert "under My network" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="My network").click()
    page.wait_for_url(f"{site.url}/my-network")
    wanted = page.locator("#would-connect ~ [data-member]").evaluate_all(
        "cards => cards.map(c => c.dataset.member)")
    assert chosen in wanted
    assert accessibility_problems(page) == []


def test_signing_out_ends_the_session(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member)
    cookie = next(c for c in page.context.cookies() if c["name"] == "qconnect_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/welcome"))
    page.context.add_cookies([cookie])  # the old cookie, kept by someone: no longer valid
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/welcome")


def test_for_you_is_accessible_and_fits_a_phone(page: Any, site: Site, member: Member) -> None:
    _sign_in(page, site, member)
    assert accessibility_problems(page) == []
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
