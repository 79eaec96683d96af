"""What every command shares: the app, options, error reporting, progress and output.

Commands are thin adapters: they parse their options, open the community, call one use case
of ``service/`` as the operator (whoever holds the store) and print its answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from typer.core import TyperGroup

from models.errors import QConnectError
from models.privacy import OPERATOR
from service.community import LiveCommunity, open_community
from service.data import KindProgress

__all__ = ["JsonOption", "StoreOption", "app", "community", "console", "embed_with_progress",
           "embedding_progress", "print_data", "progress_bar", "read_ids", "read_json",
           "reported", "schema_app"]


class _Commands(TyperGroup):
    """The app's commands, which refuse an argument that is not text before any of them runs.

    Python hands over bytes of an argument that are no UTF-8 character as lone surrogates,
    which no store, index or encoder takes: each command would fail on them halfway, with a
    traceback."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        for arg in args:
            try:
                arg.encode()
            except UnicodeEncodeError:
                shown = arg.encode(errors="surrogateescape").decode(errors="backslashreplace")
                _fail(f"the argument '{shown}' is not UTF-8 text; give every argument in "
                      "UTF-8 (nothing was done)")
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_Commands,
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
    typer.Option("--store", help="Embedded store file, or bolt:// or neo4j:// URI "
                 "\\[default: QCONNECT_STORE]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _fail(message: str) -> None:
    # The message is printed as it is: never wrapped (each line of it is one problem, which
    # tools read as file:line: reason) and never read as markup (it quotes the user's input).
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def reported() -> Iterator[None]:
    """Turn any qconnect error, or input its models refuse, into a clear message on standard
    error and exit code 1."""
    try:
        yield
    except QConnectError as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: "
                        f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()))


@contextmanager
def community(location: str | None, *, create: bool = False) -> Iterator[LiveCommunity]:
    """The community in the store at ``location`` (or the configured one), errors reported.
    Only commands that fill a store (``create``) make one: a mistyped path is refused rather
    than read as an empty community."""
    with reported(), open_community(location, create=create) as live:
        yield live


def read_ids(path: Path) -> list[str]:
    """Member ids from a file, one a line; blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QConnectError(f"cannot read {path}: {exc}") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QConnectError(f"cannot read {path} as JSON: {exc}") from exc
    except RecursionError as exc:
        raise QConnectError(f"cannot read {path} as JSON: nested too deeply") from exc


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def print_data(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    elif isinstance(data, dict):
        for key, value in data.items():
            typer.echo(f"{key:>14}: {value}")


@contextmanager
def embedding_progress() -> Iterator[KindProgress]:
    """A progress bar per kind of record embedded, and the callback that moves them."""
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(f"embedding {kind}s", total=total)
            bar.update(tasks[kind], completed=done)

        yield advance


def embed_with_progress(live: LiveCommunity, force: bool = False) -> None:
    """Bring the store's embeddings up to date, with a progress bar per kind."""
    from service import data

    with console.status("loading the embedding model"):
        live.encoder  # noqa: B018 - loads it now, under the status line
    with embedding_progress() as advance:
        report = data.embed(live, OPERATOR, force=force, progress=advance)
    for kind, count in report.embedded.items():
        console.print(f"{kind}s: {count:,} embedded, {report.current[kind]:,} already current, "
                      f"{report.removed[kind]:,} removed")
