"""``qconnect keys``: API keys for the HTTP service, printed once and stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import JsonOption, StoreOption, app, console, opened, print_data
from models import Role

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
    from api.keys import new_key

    if role == "member" and member is None:
        raise typer.BadParameter("a member key needs --member ID", param_hint="--member")
    text, key = new_key(role, member)
    with opened(store) as target:
        target.add_key(key)
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
    with opened(store) as source:
        found = source.api_keys()
    print_data([{"id": k.id, "role": k.role, "member": k.member,
                 "created": k.created.isoformat()} for k in found], as_json=as_json)


@keys_app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from 'keys list').")],
           store: StoreOption = None) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with opened(store) as target:
        target.revoke_key(key_id)
    console.print(f"revoked key {key_id}")
