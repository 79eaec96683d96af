"""The ``qconnect`` command line: the stable interface scripts and benchmarks drive.

Commands print human-readable text by default and one JSON document with ``--json``; errors go
to standard error with a non-zero exit code, and a refused command changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from graph_schema import QConnectError, Store, open_store
from graph_schema.bundle import read_bundle, write_bundle

app = typer.Typer(
    help="Peer matching for improvement communities: import a community, find people, "
    "form groups.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="The graph schema: constraints, indexes, migrations.",
                         no_args_is_help=True)
app.add_typer(schema_app, name="schema")

console = Console(stderr=True)
StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Embedded store file or bolt:// URI [default: QCONNECT_STORE]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@contextmanager
def _reported() -> Iterator[None]:
    """Turn any qconnect error into a clear message on standard error and exit code 1."""
    try:
        yield
    except QConnectError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc


@contextmanager
def _store(location: str | None) -> Iterator[Store]:
    with _reported(), open_store(location) as store:
        yield store


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _print(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    elif isinstance(data, dict):
        for key, value in data.items():
            typer.echo(f"{key:>14}: {value}")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    members: Annotated[int, typer.Option(min=1, max=1_000_000, help="Community size.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bundle.")]
    = 0,
) -> None:
    """Write a synthetic Q-like community bundle (deterministic for a seed)."""
    from matcher.synthetic import generate_community

    with console.status(f"generating {members:,} members"):
        community = generate_community(members, seed=seed)
        write_bundle(community, out)
    console.print(f"wrote {len(community.members):,} members, "
                  f"{len(community.connections):,} connections and "
                  f"{len(community.groups):,} groups to {out}")


def _embed(target: Store, force: bool = False) -> None:
    """Bring the store's embeddings up to date, with a progress bar per kind."""
    from matcher.embedding import embed_store
    from matcher.encoder import get_encoder

    with console.status("loading the embedding model"):
        encoder = get_encoder()
    with _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(f"embedding {kind}s", total=total)
            bar.update(tasks[kind], completed=done)

        report = embed_store(target, encoder, force=force, progress=advance)
    for kind, count in report.embedded.items():
        console.print(f"{kind}s: {count:,} embedded, {report.current[kind]:,} already current, "
                      f"{report.removed[kind]:,} removed")


@app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder (members.jsonl, …).")],
    store: StoreOption = None,
    embed: Annotated[bool, typer.Option(help="Embed new and changed profiles afterwards.")]
    = True,
) -> None:
    """Check a bundle and store it; a bundle with any bad line is refused whole."""
    with _reported(), console.status("checking the bundle"):
        community = read_bundle(bundle)
    with _store(store) as target:
        with _progress() as bar:
            task = bar.add_task("importing", total=None)
            target.write(community, lambda done, total: bar.update(task, completed=done,
                                                                   total=total))
        if embed:
            _embed(target)
        _print(target.stats(), as_json=False)


@app.command("embed")
def embed_(
    store: StoreOption = None,
    force: Annotated[bool, typer.Option(help="Re-embed everything, current or not.")] = False,
) -> None:
    """Embed members, groups, topics and skills whose text or model changed."""
    with _store(store) as target:
        _embed(target, force)


class SearchKind(StrEnum):
    members = "members"
    topics = "topics"
    skills = "skills"


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What you are looking for, in your own words.")],
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="How many results.")] = 10,
    kind: Annotated[SearchKind, typer.Option(help="Search members, or map text to the "
                                             "topic or skill vocabulary.")] = SearchKind.members,
    role: Annotated[str | None, typer.Option(help="Only members with this role.")] = None,
    region: Annotated[str | None, typer.Option(help="Only members in this region.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Only members of this "
                                                     "organisation.")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find members (or topics, or skills) by meaning; hidden members are never shown."""
    from matcher.encoder import get_encoder
    from matcher.search import Searcher

    with _store(store) as source:
        searcher = Searcher(source, get_encoder())
        if kind is SearchKind.members:
            hits = searcher.members(text, k, role=role, region=region, organisation=organisation)
            results = [{"id": h.member.id, "score": round(h.score, 4), "name": h.member.name,
                        "role": h.member.role, "organisation": h.member.organisation,
                        "region": h.member.region, "reasons": list(h.reasons)} for h in hits]
        else:
            terms = searcher.terms("topic" if kind is SearchKind.topics else "skill", text, k)
            results = [{"id": t.name, "score": round(t.score, 4)} for t in terms]
    if as_json:
        _print({"query": text, "results": results}, as_json=True)
        return
    for rank, result in enumerate(results, start=1):
        typer.echo(f"{rank:>3}. {result['score']:.3f}  {result.get('name') or result['id']}")
        for reason in result.get("reasons", []):
            typer.echo(f"        {reason}")


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    store: StoreOption = None,
) -> None:
    """Write the stored community back out as a bundle."""
    with _store(store) as source:
        with console.status("exporting"):
            community = source.export()
        write_bundle(community, out)
    console.print(f"wrote {len(community.members):,} members to {out}")


@app.command()
def stats(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Counts of members, connections, groups, organisations, regions, topics and skills."""
    with _store(store) as source:
        _print(source.stats(), as_json)


@schema_app.command("migrate")
def migrate(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Apply the schema migrations the store lacks (safe to run again)."""
    with _reported(), open_store(store, migrate=False) as target:
        applied = target.migrate()
        version = target.schema_version()
    _print({"applied": applied, "version": version}, as_json)


@app.command()
def demo(
    members: Annotated[int, typer.Option(min=10, help="Size of the demo community.")] = 500,
    store: StoreOption = None,
) -> None:
    """Generate a community, import it, and show what is there."""
    import tempfile

    from matcher.synthetic import generate_community

    with tempfile.TemporaryDirectory() as folder:
        community = generate_community(members, seed=42)
        write_bundle(community, folder)
        console.print(f"generated a community of {members:,} members in {folder}")
        import_(Path(folder), store)
    with _store(store) as source:
        sample = source.list_members(limit=1)[0]
        console.print(f"\na member: {sample.name} ({sample.role}, {sample.organisation})")
        console.print(f"  {sample.bio}", highlight=False)


if __name__ == "__main__":
    app()
