"""``qconnect demo``: a generated community, imported, trained, recommended from and served."""

from __future__ import annotations

import contextlib
import signal
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import StoreOption, app, community, console
from api.cli.data import import_
from api.cli.find import train
from api.cli.serve import serve
from models import ApiKey
from models.errors import NotFoundError
from models.privacy import OPERATOR
from models.settings import get_settings


@app.command()
def demo(
    members: Annotated[int, typer.Option(min=50, help="Size of the demo community.")] = 500,
    port: Annotated[int | None, typer.Option(help="Port of the service [default: "
                                             "QCONNECT_PORT or 8000].")] = None,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the HTTP "
                                            "service at the end.")] = True,
    store: StoreOption = None,
) -> None:
    """Generate a community, import and embed it, train the rankers, show suggestions, then
    serve the HTTP API with keys and example calls to try (the keys are revoked when it
    stops)."""
    from service import data, suggestions
    from service import members as profiles

    with tempfile.TemporaryDirectory() as folder:
        data.write_bundle(data.generate_community(members, seed=42), folder)
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
    if serve_api:
        _serve_with_keys(store, port, member.id)


def _serve_with_keys(store: str | None, port: int | None, member_id: str) -> None:
    """Serve the API with fresh keys for ``member_id``, a coordinator and an admin, printed
    with example calls, and revoke them when the service stops."""
    from service import keys as api_keys

    base = f"http://{get_settings().host}:{port or get_settings().port}"
    examples = (("member", f"/members/{member_id}/recommendations/people?k=5"),
                ("member", f"/members/{member_id}/recommendations/helpers?k=3"),
                ("member", "/search?q=statistical+process+control+in+maternity&k=5"),
                ("coordinator", "/groups?limit=5"),
                ("admin", "/members?limit=3"))
    keys: dict[str, tuple[str, ApiKey]] = {}
    # uvicorn re-raises the signal that stopped it; SIGTERM's default would end the process
    # before the keys, printed in the clear, are revoked.
    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        with community(store) as live:
            for role in ("member", "coordinator", "admin"):
                keys[role] = api_keys.create_key(live, OPERATOR, role,
                                                 member_id if role == "member" else None)
        console.print("\n[bold]the HTTP API[/bold] (docs at " + base + "/docs); try:")
        for role, path in examples:
            typer.echo(f'curl -H "Authorization: Bearer {keys[role][0]}" "{base}{path}"')
        console.print("\nstarting the service; Ctrl-C stops it and revokes these keys")
        serve(host=None, port=port, store=store)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with community(store) as live:
            for _, key in keys.values():
                with contextlib.suppress(NotFoundError):  # already revoked by hand
                    api_keys.revoke_key(live, OPERATOR, key.id)
        signal.signal(signal.SIGTERM, previous)
        console.print("the demo's keys are revoked")


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
