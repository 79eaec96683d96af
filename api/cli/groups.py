"""``qconnect groups``: propose interest groups from a pool of members, and save a proposal.

A coordinator's loop: ``propose`` (optionally from a ``--previous`` proposal, with members
pinned where the coordinator wants them), read or edit the JSON, propose again, then ``save``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import (
    JsonOption,
    StoreOption,
    app,
    console,
    opened,
    print_data,
    read_ids,
)
from graph_schema import QConnectError

__all__ = ["groups_app"]

groups_app = typer.Typer(help="Form interest groups and learning sets from a pool of members.",
                         no_args_is_help=True)
app.add_typer(groups_app, name="groups")

Pairs = Annotated[list[str] | None, typer.Option(metavar="ID,ID", help="Repeatable.")]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QConnectError(f"cannot read {path} as JSON: {exc}") from exc


def _pairs(values: list[str] | None, option: str, size: int | None = None) -> list[tuple[str, ...]]:
    found = []
    for value in values or []:
        ids = tuple(part.strip() for part in value.split(",") if part.strip())
        if len(ids) < 2 or (size is not None and len(ids) != size):
            raise QConnectError(f"{option} {value!r}: expected member ids separated by commas"
                                + (f", {size} of them" if size else ""))
        found.append(ids)
    return found


def _pins(values: list[str] | None) -> dict[str, int]:
    pins = {}
    for value in values or []:
        member, _, group = value.partition("=")
        if not member.strip() or not group.strip().isdigit():
            raise QConnectError(f"--pin {value!r}: expected ID=GROUP_INDEX, e.g. m00012=3")
        pins[member.strip()] = int(group)
    return pins


def _previous_ids(previous: Any) -> list[str]:
    """Everyone a previous proposal mentions: its members and those it left unassigned."""
    from matcher.groups.proposals import proposed_groups

    ids = [m for group in proposed_groups(previous) for m in group.members]
    ids += [u["id"] for u in previous.get("unassigned", []) if isinstance(u, dict) and "id" in u]
    return ids


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
    min_size: Annotated[int, typer.Option(min=1, help="Smallest group.")],
    max_size: Annotated[int, typer.Option(min=1, help="Largest group.")],
    pool: Annotated[Path | None, typer.Option(help="File of member ids, one a line "
                                              "[default: everyone open to connect].")] = None,
    topic: Annotated[str | None, typer.Option(help="Only members interested in this.")] = None,
    skill: Annotated[str | None, typer.Option(help="Only members with this skill.")] = None,
    region: Annotated[str | None, typer.Option(help="Only members in this region.")] = None,
    role: Annotated[str | None, typer.Option(help="Only members with this role.")] = None,
    group: Annotated[str | None, typer.Option(help="Only members of this group.")] = None,
    groups: Annotated[int | None, typer.Option(min=1, help="How many groups [default: from "
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
    from matcher.embeddings.encoder import configured_model_path, model_id
    from matcher.groups.formation import GroupRules, form_groups
    from matcher.groups.proposals import describe, proposed_groups, select_pool
    from matcher.recommend.snapshot import snapshot_from_store

    with opened(store) as source:
        rules = GroupRules(min_size=min_size, max_size=max_size, groups=groups,
                           max_per_organisation=max_per_organisation, min_roles=min_roles,
                           together=tuple(_pairs(together, "--together")),
                           apart=tuple(_pairs(apart, "--apart", 2)),  # type: ignore[arg-type]
                           pins=_pins(pin), focus=tuple(focus or ()), known_weight=known_weight)
        earlier = _read_json(previous) if previous is not None else None
        ids = read_ids(pool) if pool is not None else None
        if earlier is not None and ids is None:
            named = [m for pair in (*rules.together, *rules.apart) for m in pair]
            ids = list(dict.fromkeys([*_previous_ids(earlier), *rules.pins, *named]))
        with console.status("reading the community"):
            snapshot = snapshot_from_store(source, model_id(configured_model_path()))
        rows, excluded = select_pool(snapshot, ids, topic=topic, skill=skill, region=region,
                                     role=role, group=group)
        with console.status(f"forming groups from {len(rows):,} members"):
            partition = form_groups(snapshot, rows, rules, seed=seed, excluded=excluded,
                                    previous=[g.members for g in proposed_groups(earlier)]
                                    if earlier is not None else None)
        report = describe(snapshot, partition)
    if as_json:
        print_data(report, as_json=True)
    else:
        _print_report(report)


@groups_app.command()
def save(
    proposal: Annotated[Path, typer.Argument(help="A proposal from 'groups propose --json'.")],
    coordinator: Annotated[str, typer.Option(help="Member id of the groups' coordinator.")],
    prefix: Annotated[str | None, typer.Option(help="Group ids are PREFIX-1, PREFIX-2, … "
                                               "[default: proposal-<today>].")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create the proposal's groups in the store: all of them, or on any problem none."""
    from matcher.groups.proposals import save_proposal

    with opened(store) as target:
        saved = save_proposal(target, _read_json(proposal), coordinator, prefix=prefix)
    if as_json:
        print_data({"saved": [{"id": g.id, "name": g.name, "members": len(g.members)}
                              for g in saved]}, as_json=True)
    else:
        # Group suggestions read group embeddings, which the model computes.
        console.print(f"saved {len(saved)} groups: {', '.join(g.id for g in saved)} "
                      "(run 'qconnect embed' so they are suggested to members)")
