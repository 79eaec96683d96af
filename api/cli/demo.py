"""``qconnect demo``: a generated community, imported, trained, recommended from and served."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import StoreOption, app, community, console
from api.cli.data import import_
from api.cli.find import train
from api.cli.keys import service_url, sign_in_url
from api.cli.serve import serve
from models import ApiKey
from models.errors import NotFoundError
from models.privacy import OPERATOR
from service.community import LiveCommunity


@app.command()
def demo(
    members: Annotated[int, typer.Option(min=50, help="Size of the demo community.")] = 500,
    port: Annotated[int | None, typer.Option(help="Port of the service \\[default: "
                                             "QCONNECT_PORT or 8000].")] = None,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the HTTP "
                                            "service at the end.")] = True,
    store: StoreOption = None,
) -> None:
    """Generate a community, import and embed it, train the rankers, show suggestions, then
    serve the HTTP API and web pages with keys, example calls and sign-in links to try (they
    are revoked when it stops)."""
    from service import data, suggestions
    from service import members as profiles

    generated = data.generate_community(members, seed=42)
    with community(store, create=True) as live:
        data.check_demo_store(live, OPERATOR, generated)
    with tempfile.TemporaryDirectory() as folder:
        data.write_bundle(generated, folder)
        console.print(f"generated a community of {members:,} members")
        import_(Path(folder), store)
    train(store)
    with community(store) as live:
        listed = profiles.list_members(live, OPERATOR, limit=100).data
        member = next(m for m in listed if m.wants_to_learn)
        console.print(f"\n[bold]{member.name}[/bold], {member.role} at {member.organisation}")
        for title, kind, k in (("people like you", "people", 5), ("who can help", "helpers", 3),
                               ("groups to join", "groups", 3)):
            console.print(f"\n[bold]{title}[/bold]")
            for s in suggestions.suggest(live, OPERATOR, member.id, kind, k).data:
                console.print(f"  {s.name or s.id}: " + "; ".join(s.reasons), highlight=False)
        coordinator = coordinator_for_demo(live, member.id)
    if serve_api:
        _serve_with_access(store, port, member.id, coordinator)


def coordinator_for_demo(live: LiveCommunity, besides: str) -> str:
    """Someone to sign in as a coordinator: a member who coordinates a group, or else any
    other member."""
    from service import groups
    from service import members as profiles

    found = (c for g in groups.list_groups(live, OPERATOR, limit=1000).data
             for c in g.coordinators if c != besides)
    others = (m.id for m in profiles.list_members(live, OPERATOR, limit=100).data
              if m.id != besides)
    return next(found, None) or next(others)


def issue_access(live: LiveCommunity, base: str, member_id: str, coordinator_id: str,
                 issued: list[ApiKey]) -> None:
    """Make sign-in links for ``member_id`` and ``coordinator_id`` and API keys for the member,
    a coordinator and an admin, and print them with example calls. Each record is appended to
    ``issued`` as it is made, so that all made are revoked even if a later one fails."""
    from service import keys as api_keys
    from service import members as profiles
    from service import sessions

    console.print("\n[bold]the web pages[/bold] (each link works once, for a day):")
    for who, role in ((member_id, "member"), (coordinator_id, "coordinator")):
        text, key = sessions.create_link(live, OPERATOR, who, role)
        issued.append(key)
        name = profiles.read_member(live, OPERATOR, who).name or who
        typer.echo(f"open this link in your browser to sign in as {name} ({role}): "
                   + sign_in_url(text, base))
    examples = (("member", f"/members/{member_id}/recommendations/people?k=5"),
                ("member", f"/members/{member_id}/recommendations/helpers?k=3"),
                ("member", "/search?q=statistical+process+control+in+maternity&k=5"),
                ("coordinator", "/groups?limit=5"),
                ("admin", "/members?limit=3"))
    texts: dict[str, str] = {}
    for role in ("member", "coordinator", "admin"):
        texts[role], key = api_keys.create_key(live, OPERATOR, role,
                                               member_id if role == "member" else None)
        issued.append(key)
    console.print("\n[bold]the HTTP API[/bold] (docs at " + base + "/docs); try:")
    for role, path in examples:
        typer.echo(f'curl -H "Authorization: Bearer {texts[role]}" "{base}{path}"')


def revoke_access(live: LiveCommunity, issued: list[ApiKey], since: dt.datetime) -> None:
    """Revoke the demo's keys and links, and end the sessions its links started (those of
    their members and roles begun since ``since``): a demo leaves no way in behind it."""
    from service import keys as api_keys

    links = {(key.member, key.role) for key in issued if key.kind == "link"}
    started = [key for key in api_keys.list_keys(live, OPERATOR)
               if key.kind == "session" and (key.member, key.role) in links
               and key.created >= since]
    for key in (*issued, *started):
        with contextlib.suppress(NotFoundError):  # already revoked by hand, or used up
            api_keys.revoke_key(live, OPERATOR, key.id)


def _serve_with_access(store: str | None, port: int | None, member_id: str,
                       coordinator_id: str) -> None:
    """Serve the API and pages with fresh keys and sign-in links, printed with example calls,
    and revoke them when the service stops."""
    since = dt.datetime.now(dt.UTC)
    issued: list[ApiKey] = []
    # uvicorn re-raises the signal that stopped it; SIGTERM's default would end the process
    # before the keys, printed in the clear, are revoked.
    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        with community(store) as live:
            issue_access(live, service_url(port), member_id, coordinator_id, issued)
        console.print("\nstarting the service; Ctrl-C stops it and revokes these keys and "
                      "links")
        serve(host=None, port=port, store=store)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with community(store) as live:
            revoke_access(live, issued, since)
        signal.signal(signal.SIGTERM, previous)
        console.print("the demo's keys and sign-in links are revoked")


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
