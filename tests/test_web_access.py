"""Who may open the web pages: sessions from one-time links, their expiry and end, and the
token every form carries. Runs over every page route, so a page added later is covered."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from typer.testing import CliRunner

from api.cli import app
from api.web import PAGES
from graph_schema import open_store
from models import Community, Member
from models.errors import UnauthorisedError
from models.privacy import OPERATOR
from models.settings import get_settings
from service import sessions
from service.keys import new_key
from tests.conftest import Api

OPEN = {("GET", "/welcome"), ("GET", "/sign-in/{token}"), ("POST", "/sign-in")}
"""What anyone may open: how to sign in, and signing in."""

runner = CliRunner()


def _page_routes() -> list[tuple[str, str]]:
    return sorted((method, route.path) for router in PAGES for route in router.routes
                  if isinstance(route, APIRoute) for method in route.methods)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _a_member(api: Api) -> str:
    return next(m.id for m in api.live.snapshot.members
                if m.visibility == "members" and m.wants_to_learn)


def test_every_page_but_signing_in_needs_a_session(api: Api) -> None:
    for method, path in _page_routes():
        if (method, path) in OPEN:
            continue
        answer = api.client.request(method, _concrete(path), follow_redirects=False)
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"] == "/welcome", (method, path)


def test_every_form_needs_the_sessions_token(api: Api) -> None:
    me = _a_member(api)
    client = api.sign_in(me)
    other = api.sign_in(me)  # a second session of the same member: its token is not this one's
    stranger_token = sessions.form_token(other.cookies["qconnect_session"])
    client = api.sign_in(me)
    before = api.live.store.get_member(me)
    for method, path in _page_routes():
        if method != "POST" or (method, path) in OPEN:
            continue
        for data in ({}, {"form_token": "0" * 64}, {"form_token": stranger_token},
                     {"form_token": "é" * 64}):
            answer = client.post(_concrete(path), data=data, follow_redirects=False)
            assert answer.status_code == 403, (path, data, answer.status_code)
    assert api.live.store.get_member(me) == before


def test_a_link_works_once_and_not_after_it_expires(api: Api) -> None:
    me = _a_member(api)
    link = api.link(me)
    token = link.rsplit("/", 1)[1]
    assert api.client.get(link).status_code == 200
    assert api.client.post("/sign-in", data={"link": token},
                           follow_redirects=False).status_code == 303
    api.client.cookies.clear()
    again = api.client.post("/sign-in", data={"link": token}, follow_redirects=False)
    assert again.status_code == 401 and "not valid" in again.text
    assert api.client.get(link).status_code == 401
    text, key = new_key("member", me, kind="link",
                        expires=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    api.live.store.add_key(key)
    assert api.client.post("/sign-in", data={"link": text},
                           follow_redirects=False).status_code == 401


def test_an_expired_session_signs_nobody_in(api: Api) -> None:
    text, key = new_key("member", _a_member(api), kind="session",
                        expires=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    api.live.store.add_key(key)
    api.client.cookies.set("qconnect_session", text)
    answer = api.client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/welcome"


def test_keys_links_and_sessions_do_not_open_each_others_doors(api: Api) -> None:
    me = _a_member(api)
    key = api.headers("member", me)["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set("qconnect_session", key)
    assert api.client.get("/", follow_redirects=False).status_code == 303
    assert api.client.post("/sign-in", data={"link": key},
                           follow_redirects=False).status_code == 401
    session = api.sign_in(me).cookies["qconnect_session"]
    link = api.link(me).rsplit("/", 1)[1]
    for text in (session, link):
        answer = api.client.get(f"/members/{me}", headers={"Authorization": f"Bearer {text}"})
        assert answer.status_code == 401


def test_the_session_cookie_is_http_only_lax_and_secure_over_https(api: Api) -> None:
    me = _a_member(api)
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        api.client.base_url = base  # type: ignore[assignment]
        token = api.link(me).rsplit("/", 1)[1]
        answer = api.client.post("/sign-in", data={"link": token}, follow_redirects=False)
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.split("; ")) is secure


def test_links_are_made_by_admins_for_members_of_the_community(api: Api) -> None:
    me = _a_member(api)
    made = api.client.post("/sign-in-links", json={"member": me, "role": "coordinator",
                                                   "hours": 2},
                           headers=api.headers("admin"))
    assert made.status_code == 201, made.text
    assert made.json()["link"].startswith("http://testserver/sign-in/qcl_")
    assert api.client.post("/sign-in-links", json={"member": me},
                           headers=api.headers("member", me)).status_code == 403
    assert api.client.post("/sign-in-links", json={"member": "nobody"},
                           headers=api.headers("admin")).status_code == 404
    with pytest.raises(Exception, match="API key"):
        sessions.create_link(api.live, OPERATOR, me, "admin")


def test_pages_forbid_other_sites_scripts_and_framing(api: Api) -> None:
    answer = api.client.get("/welcome")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["referrer-policy"] == "same-origin"


def test_keys_link_prints_a_one_time_link(tmp_path: Path, tiny: Community) -> None:
    location = str(tmp_path / "store.db")
    with open_store(location) as store:
        store.write(tiny)
    made = runner.invoke(app, ["keys", "link", "--member", "ana", "--role", "coordinator",
                               "--expires", "30m", "--base-url", "https://q.example/",
                               "--store", location])
    assert made.exit_code == 0, made.output
    assert re.fullmatch(r"https://q\.example/sign-in/qcl_\S+\n", made.stdout)
    with open_store(location) as store:
        (link,) = store.api_keys()
    assert (link.kind, link.role, link.member) == ("link", "coordinator", "ana")
    assert link.expires is not None
    assert dt.timedelta(minutes=29) < link.expires - link.created <= dt.timedelta(minutes=30)
    for wrong, said in ((["--expires", "soon"], "30m, 24h or 7d"),
                        (["--expires", "0h"], "positive"),
                        (["--role", "admin"], "is not one of"),
                        (["--member", "nobody"], "nobody"),
                        (["--base-url", "q.example"], "https://qconnect.example.org"),
                        (["--base-url", "https://q.example/?x=1"], "--base-url")):
        refused = runner.invoke(app, ["keys", "link", "--member", "ana", *wrong,
                                      "--store", location])
        assert refused.exit_code != 0 and said in refused.output, refused.output
    with open_store(location) as store:
        assert len(store.api_keys()) == 1  # nothing made by the refused ones


def test_a_field_sent_twice_is_refused(api: Api) -> None:
    me = _a_member(api)
    client = api.sign_in(me)
    token = sessions.form_token(client.cookies["qconnect_session"])
    answer = client.post("/feedback", content=f"form_token={token}&target_kind=member&target=a"
                         "&target=b&action=dismiss",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400 and "sent a field twice" in answer.text
    assert api.live.store.feedback(me) == []


def test_only_qconnects_own_page_may_sign_a_browser_in(api: Api,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    token = api.link(_a_member(api)).rsplit("/", 1)[1]
    for headers in ({"Origin": "https://elsewhere.example"}, {"Sec-Fetch-Site": "cross-site"}):
        answer = api.client.post("/sign-in", data={"link": token}, headers=headers,
                                 follow_redirects=False)
        assert answer.status_code == 403, headers
    # Behind a TLS proxy the service sees http:// and an inner host name; the browser's own
    # word (Sec-Fetch-Site) or the public address still lets members in.
    assert api.client.post("/sign-in", data={"link": token},
                           headers={"Origin": "https://q.example.org",
                                    "Sec-Fetch-Site": "same-origin"},
                           follow_redirects=False).status_code == 303  # the link still works
    monkeypatch.setenv("QCONNECT_PUBLIC_URL", "https://q.example.org")
    get_settings.cache_clear()
    try:
        token = api.link(_a_member(api)).rsplit("/", 1)[1]
        assert api.client.post("/sign-in", data={"link": token},
                               headers={"Origin": "https://q.example.org"},
                               follow_redirects=False).status_code == 303
    finally:
        get_settings.cache_clear()


def test_signing_in_again_ends_the_browsers_earlier_session(api: Api) -> None:
    me = _a_member(api)
    first = api.sign_in(me).cookies["qconnect_session"]
    token = api.link(me).rsplit("/", 1)[1]
    api.client.post("/sign-in", data={"link": token}, follow_redirects=False)
    with pytest.raises(UnauthorisedError):
        sessions.session_caller(api.live, first)


def test_signed_in_pages_are_not_kept_by_the_browser(api: Api) -> None:
    client = api.sign_in(_a_member(api))
    for path in ("/", "/my-data/export", "/welcome"):
        assert client.get(path).headers["cache-control"] == "no-store", path


def test_links_carry_the_public_address(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QCONNECT_PUBLIC_URL", "https://q.example.org")
    get_settings.cache_clear()
    try:
        made = api.client.post("/sign-in-links", json={"member": _a_member(api)},
                               headers=api.headers("admin"))
        assert made.json()["link"].startswith("https://q.example.org/sign-in/qcl_")
        token = made.json()["link"].rsplit("/", 1)[1]
        answer = api.client.post("/sign-in", data={"link": token}, follow_redirects=False)
        assert "secure" in answer.headers["set-cookie"].lower().split("; ")
    finally:
        get_settings.cache_clear()


def test_a_member_made_beside_the_service_can_sign_in_and_out(api: Api) -> None:
    with open_store(api.location) as beside:  # as `qconnect import` and `keys link` would
        beside.write(Community(members=[Member(id="newcomer", name="New Comer")]))
    token = api.link("newcomer").rsplit("/", 1)[1]
    answer = api.client.post("/sign-in", data={"link": token}, follow_redirects=False)
    assert answer.status_code == 303
    token = sessions.form_token(api.client.cookies["qconnect_session"])
    assert api.client.get("/").status_code == 404  # not read in yet: said, not a crash
    out = api.client.post("/sign-out", data={"form_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/welcome")
