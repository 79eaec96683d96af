"""``qconnect members``: one member's own data, and erasing a member for good."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import StoreOption, app, community, console, print_data
from models.privacy import OPERATOR
from service import members

__all__ = ["members_app"]

members_app = typer.Typer(help="One member's data: export it, or erase the member.",
                          no_args_is_help=True)
app.add_typer(members_app, name="members")

MemberId = Annotated[str, typer.Argument(help="The member's id.")]


@members_app.command()
def export(member_id: MemberId, store: StoreOption = None) -> None:
    """Print everything stored about the member as JSON (profile, ties, groups, feedback, keys),
    as the member gets it from the HTTP API."""
    with community(store) as live:
        found = members.export_member(live, OPERATOR, member_id)
    print_data(found.model_dump(mode="json"), as_json=True)


@members_app.command()
def erase(
    member_id: MemberId,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: everything stored about the "
                                      "member is deleted for good.")] = False,
    store: StoreOption = None,
) -> None:
    """Erase a member: profile, ties, memberships, embedding, feedback by and about them, and
    API keys."""
    if not yes:
        console.print("[red]error:[/red] erasing deletes all the member's data for good: "
                      "confirm with --yes", highlight=False)
        raise typer.Exit(1)
    with community(store) as live:
        members.erase_member(live, OPERATOR, member_id)
    console.print(f"erased {member_id}")
