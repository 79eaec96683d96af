"""``qconnect groups``: propose interest groups from a pool of members, and save a proposal.

A coordinator's loop: ``propose`` (optionally from a ``--previous`` proposal, with members
pinned where the coordinator wants them), read or edit the JSON, propose again, then ``save``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import (
    JsonOption,
    StoreOption,
    app,
    community,
    console,
    print_data,
    read_ids,
    read_json,
)
from models.privacy import OPERATOR

__all__ = ["groups_app"]

groups_app = typer.Typer(help="Form interest groups and learning sets from a pool of members.",
                         no_args_is_help=True)
app.add_typer(groups_app, name="groups")

Pairs = Annotated[list[str] | None, typer.Option(metavar="ID,ID", help="Repeatable.")]


def _pairs(values: list[str] | None) -> list[list[str]]:
    return [[part.strip() for part in value.split(",") if part.strip()] for value in values or []]


def _pins(values: list[str] | None) -> dict[str, str]:
    """``ID=GROUP`` options as a mapping, checked (with the rest) by the proposal request."""
    return dict(value.split("=", 1) if "=" in value else (value, "") for value in values or [])


def _print_report(report: dict[str, Any]) -> None:
    for n, group in enumerate(report["groups"]):
        typer.echo(f"{n:>3}. {group['label']}  ({len(group['members'])} members, coherence "
                   f"{group['coherence']:.3f}, {len(group['organisations'])} organisations, "
                   f"{len(group['roles'])} roles, {group['already_connected_pairs']} pairs "
                   "already connected)")
        typer.echo("     " + " ".join(group["members"]))
    for left in report["unassigned"]:
        typer.echo(f"  not placed: {left['id']}: {left['reason']}")


@groups_app.command()
def propose(
    min_size: Annotated[int, typer.Option(help="Smallest group.")],
    max_size: Annotated[int, typer.Option(help="Largest group.")],
    pool: Annotated[Path | None, typer.Option(help="File of member ids, one a line "
                                              "\\[default: everyone open to connect].")] = None,
    topic: Annotated[str | None, typer.Option(help="Only members interested in this.")] = None,
    skill: Annotated[str | None, typer.Option(help="Only members with this skill.")] = None,
    region: Annotated[str | None, typer.Option(help="Only members in this region.")] = None,
    role: Annotated[str | None, typer.Option(help="Only members with this role.")] = None,
    group: Annotated[str | None, typer.Option(help="Only members of this group.")] = None,
    groups: Annotated[int | None, typer.Option(min=1, help="How many groups \\[default: from "
                                               "the sizes].")] = None,
    max_per_organisation: Annotated[int | None, typer.Option(min=1, help="At most this many "
                                                             "of one organisation a group.")]
    = None,
    min_roles: Annotated[int, typer.Option(min=0, help="Distinct roles a group needs.")] = 0,
    together: Pairs = None,
    apart: Pairs = None,
    pin: Annotated[list[str] | None, typer.Option(metavar="ID=GROUP", help="Keep a member in "
                                                  "a group (index from 0). Repeatable.")] = None,
    focus: Annotated[list[str] | None, typer.Option(help="Focus topic of group 0, 1, … "
                                                    "Repeatable.")] = None,
    known_weight: Annotated[float, typer.Option(help="Weight of ties inside a group: > 0 keeps "
                                                "acquaintances together, < 0 mixes.")] = 0.0,
    previous: Annotated[Path | None, typer.Option(help="A proposal to start from; its "
                                                  "members are the default pool.")] = None,
    seed: Annotated[int, typer.Option(help="The same seed gives the same proposal.")] = 0,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Propose coherent groups within size limits, mixing organisations and roles."""
    from models.api import ProposalRequest
    from service import proposals

    with community(store) as live:
        request = ProposalRequest.model_validate({
            "pool": read_ids(pool) if pool is not None else None, "topic": topic,
            "skill": skill, "region": region, "role": role, "group": group,
            "min_size": min_size, "max_size": max_size, "groups": groups,
            "max_per_organisation": max_per_organisation, "min_roles": min_roles,
            "together": _pairs(together), "apart": _pairs(apart), "pins": _pins(pin),
            "focus": focus or [], "known_weight": known_weight,
            "previous": read_json(previous) if previous is not None else None, "seed": seed})
        with console.status("forming groups"):
            report = proposals.propose(live, OPERATOR, request).model_dump(mode="json")
    if as_json:
        print_data(report, as_json=True)
    else:
        _print_report(report)


@groups_app.command()
def save(
    proposal: Annotated[Path, typer.Argument(help="A proposal from 'groups propose --json'.")],
    coordinator: Annotated[str, typer.Option(help="Member id of the groups' coordinator.")],
    prefix: Annotated[str | None, typer.Option(help="Group ids are PREFIX-1, PREFIX-2, … "
                                               "\\[default: proposal-<today>].")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create the proposal's groups in the store, embedded so they are suggested at once: all
    of them, or on any problem none."""
    from models.api import ProposalSave
    from service import proposals

    with community(store) as live:
        found = read_json(proposal)
        request = ProposalSave.model_validate({**found, "coordinator": coordinator,
                                               "prefix": prefix}
                                              if isinstance(found, dict) else found)
        saved = proposals.save(live, OPERATOR, request)
    if as_json:
        print_data({"saved": [{"id": g.id, "name": g.name, "members": len(g.members)}
                              for g in saved]}, as_json=True)
    else:
        console.print(f"saved {len(saved)} groups: {', '.join(g.id for g in saved)}")
