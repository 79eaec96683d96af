"""Commands that move community data: generate, import, export, embed, stats, migrate,
feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import (
    JsonOption,
    StoreOption,
    app,
    community,
    console,
    embed_with_progress,
    print_data,
    progress_bar,
    reported,
    schema_app,
)
from models import FeedbackAction
from models.privacy import OPERATOR
from service import data


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    members: Annotated[int, typer.Option(min=2, max=1_000_000, help="Community size.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bundle.")]
    = 0,
) -> None:
    """Write a synthetic Q-like community bundle (deterministic for a seed)."""
    with reported(), console.status(f"generating {members:,} members"):
        generated = data.generate_community(members, seed=seed)
        data.write_bundle(generated, out)
    console.print(f"wrote {len(generated.members):,} members, "
                  f"{len(generated.connections):,} connections and "
                  f"{len(generated.groups):,} groups to {out}")


@app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder (members.jsonl, …).")],
    store: StoreOption = None,
    embed: Annotated[bool, typer.Option(help="Embed new and changed profiles afterwards.")]
    = True,
) -> None:
    """Check a bundle and store it; a bundle with any bad line is refused whole."""
    with reported(), console.status("checking the bundle"):
        checked = data.read_bundle(bundle)
    with community(store, create=True) as live:
        with progress_bar() as bar:
            task = bar.add_task("importing", total=None)
            data.import_community(live, OPERATOR, checked, lambda done, total: bar.update(
                task, completed=done, total=total))
        if embed:
            embed_with_progress(live)
        print_data(data.stats(live, OPERATOR), as_json=False)


@app.command("embed")
def embed_(
    store: StoreOption = None,
    force: Annotated[bool, typer.Option(help="Re-embed everything, current or not.")] = False,
) -> None:
    """Embed members, groups, topics and skills whose text or model changed."""
    with community(store) as live:
        embed_with_progress(live, force)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    store: StoreOption = None,
) -> None:
    """Write the stored community back out as a bundle."""
    with community(store) as live:
        with console.status("exporting"):
            exported = data.export_community(live, OPERATOR)
        data.write_bundle(exported, out)
    console.print(f"wrote {len(exported.members):,} members to {out}")


@app.command()
def stats(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Counts of members, connections, groups, organisations, regions, topics and skills."""
    with community(store) as live:
        print_data(data.stats(live, OPERATOR), as_json)


@schema_app.command("migrate")
def migrate(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Apply the schema migrations the store lacks (safe to run again)."""
    with reported():
        applied, version = data.migrate(store)
    print_data({"applied": applied, "version": version}, as_json)


@app.command()
def feedback(
    member: Annotated[str, typer.Argument(help="Who gives the feedback.")],
    action: Annotated[FeedbackAction, typer.Argument(help="accept or dismiss.")],
    target: Annotated[str, typer.Argument(help="The member (or, with --group, group) "
                                          "suggested.")],
    group: Annotated[bool, typer.Option("--group", help="TARGET is a group.")] = False,
    store: StoreOption = None,
) -> None:
    """Record feedback on a suggestion: it is not suggested again, and a dismissed member and
    the member who dismissed them are kept apart both ways."""
    from models.api import FeedbackCreate
    from service import suggestions

    with community(store) as live:
        answer = FeedbackCreate(target_kind="group" if group else "member", target=target,
                                action=action)
        suggestions.give_feedback(live, OPERATOR, member, answer)
    console.print(f"recorded: {member} {action}ed {target}")
