"""What every command shares: the app, options, error reporting, progress and output."""

from __future__ import annotations

import json
from collections.abc import Iterator
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

__all__ = ["JsonOption", "StoreOption", "app", "console", "embed_with_progress", "opened",
           "print_data", "progress_bar", "read_ids", "reported", "schema_app"]

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
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def reported() -> Iterator[None]:
    """Turn any qconnect error into a clear message on standard error and exit code 1."""
    try:
        yield
    except QConnectError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc


@contextmanager
def opened(location: str | None) -> Iterator[Store]:
    """The store at ``location`` (or the configured one), with errors reported."""
    with reported(), open_store(location) as store:
        yield store


def read_ids(path: Path) -> list[str]:
    """Member ids from a file, one a line; blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QConnectError(f"cannot read {path}: {exc}") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def print_data(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    elif isinstance(data, dict):
        for key, value in data.items():
            typer.echo(f"{key:>14}: {value}")


def embed_with_progress(target: Store, force: bool = False) -> None:
    """Bring the store's embeddings up to date, with a progress bar per kind."""
    from matcher.embeddings.refresh import embed_store
    from matcher.embeddings.encoder import get_encoder

    with console.status("loading the embedding model"):
        encoder = get_encoder()
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(f"embedding {kind}s", total=total)
            bar.update(tasks[kind], completed=done)

        report = embed_store(target, encoder, force=force, progress=advance)
    for kind, count in report.embedded.items():
        console.print(f"{kind}s: {count:,} embedded, {report.current[kind]:,} already current, "
                      f"{report.removed[kind]:,} removed")
