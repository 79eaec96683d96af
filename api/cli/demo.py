"""``qconnect demo``: a generated community, imported, trained and recommended from."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import StoreOption, app, console, opened
from api.cli.data import import_
from api.cli.find import train
from graph_schema.bundle import write_bundle


@app.command()
def demo(
    members: Annotated[int, typer.Option(min=50, help="Size of the demo community.")] = 500,
    store: StoreOption = None,
) -> None:
    """Generate a community, import and embed it, train the rankers, show suggestions."""
    from matcher.persistence import open_recommender
    from matcher.synthetic import generate_community

    with tempfile.TemporaryDirectory() as folder:
        write_bundle(generate_community(members, seed=42), folder)
        console.print(f"generated a community of {members:,} members")
        import_(Path(folder), store)
    train(store)
    with opened(store) as source:
        recommender, _ = open_recommender(source)
        member = next(m for m in recommender.snapshot.members if m.wants_to_learn)
        console.print(f"\n[bold]{member.name}[/bold], {member.role} at {member.organisation}")
        for title, found in (("people like you", recommender.people(member.id, 5)),
                             ("who can help", recommender.helpers(member.id, 3)),
                             ("groups to join", recommender.groups(member.id, 3))):
            console.print(f"\n[bold]{title}[/bold]")
            for s in found:
                console.print(f"  {s.id}: " + "; ".join(s.reasons), highlight=False)
