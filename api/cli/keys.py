"""``qconnect keys``: API keys for the HTTP service, printed once and stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import JsonOption, StoreOption, app, community, console, print_data
from models import Role
from models.privacy import OPERATOR
from service import keys

__all__ = ["keys_app"]

keys_app = typer.Typer(help="API keys for the HTTP service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command()
def create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    member: Annotated[str | None, typer.Option(help="The member the key acts for (required "
                                               "for a member key).")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key and print it once: only its hash is kept, so it cannot be shown again."""
    if role == "member" and member is None:
        raise typer.BadParameter("a member key needs --member ID", param_hint="--member")
    with community(store) as live:
        text, key = keys.create_key(live, OPERATOR, role, member)
    if as_json:
        print_data({"key": text, "id": key.id, "role": key.role, "member": key.member},
                   as_json=True)
    else:
        console.print(f"created {role} key {key.id}"
                      + (f" acting for {member}" if member else "")
                      + "; it is shown only now:", highlight=False)
        typer.echo(text)


@keys_app.command("list")
def list_keys(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """The keys that exist (ids, roles, members; never the keys themselves)."""
    with community(store) as live:
        found = keys.list_keys(live, OPERATOR)
    rows = [{"id": k.id, "role": k.role, "member": k.member, "created": k.created.isoformat()}
            for k in found]
    if as_json:
        print_data(rows, as_json=True)
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['role']:<11}  {row['member'] or '-':<20}  {row['created']}")
    if not rows:
        console.print("no keys")


@keys_app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from 'keys list').")],
           store: StoreOption = None) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with community(store) as live:
        keys.revoke_key(live, OPERATOR, key_id)
    console.print(f"revoked key {key_id}")
