"""Commands that find people and groups: search, train, recommend, evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import TypeAdapter, ValidationError

from api.cli.common import (
    JsonOption,
    StoreOption,
    app,
    community,
    console,
    embedding_progress,
    print_data,
    read_ids,
    read_json,
    reported,
)
from models.api import LookingFor, SuggestionKind
from models.errors import NotFoundError, QConnectError
from models.privacy import OPERATOR

KOption = Annotated[int, typer.Option("-k", min=1, max=1000, help="How many results.")]


SearchKind = Literal["members", "groups", "topics", "skills"]

@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What you are looking for, in your own words.")],
    k: KOption = 10,
    kind: Annotated[SearchKind, typer.Option(help="Search members or groups, or map text to "
                                             "the topic or skill vocabulary.")] = "members",
    looking_for: Annotated[LookingFor, typer.Option(help="members: experts who know about "
                                                    "it, learners who want to learn it, or "
                                                    "peers who follow it.")] = "experts",
    role: Annotated[str | None, typer.Option(help="Only members with this role.")] = None,
    region: Annotated[str | None, typer.Option(help="Only members in this region.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Only members of this "
                                                     "organisation.")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find members, groups, topics or skills; hidden members are never shown."""
    from service import search as searching

    with community(store) as live:
        if kind == "members":
            found = searching.find_members(live, OPERATOR, text, k, looking_for=looking_for,
                                           role=role, region=region, organisation=organisation)
            results = [hit.model_dump() for hit in found.data]
        elif kind == "groups":
            results = [hit.model_dump() for hit in
                       searching.find_groups(live, OPERATOR, text, k).data]
        else:
            terms = searching.find_terms(live, OPERATOR, "topic" if kind == "topics"
                                         else "skill", text, k)
            results = [{"id": t.name, "score": round(t.score, 4)} for t in terms]
    if as_json:
        print_data({"query": text, "results": results}, as_json=True)
        return
    for rank, result in enumerate(results, start=1):
        typer.echo(f"{rank:>3}. {result['score']:.4f}  {result.get('name') or result['id']}")
        for reason in result.get("reasons", []):
            typer.echo(f"        {reason}")


@app.command()
def train(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Learn the people and group rankers from the community's own ties and memberships."""
    from service import training

    with community(store) as live:
        with console.status("reading the community"):
            live.snapshot  # noqa: B018 - reads it now, under the status line
        with console.status("training the rankers"):
            trained = training.train(live, OPERATOR)
    if as_json:
        print_data(trained, as_json=True)
        return
    for task in ("people", "groups"):
        chosen = trained[task]
        typer.echo(f"{task}: {chosen['kind']}" + (f": {chosen['why']}" if "why" in chosen else "")
                   + _validation(chosen.get("validation_ndcg@10")))
    typer.echo(f"saved in {trained['saved_in']}")


def _member_ids(ids: list[str], members_file: Path | None) -> list[str]:
    listed = list(ids) + (read_ids(members_file) if members_file is not None else [])
    if not listed:
        raise QConnectError("name at least one member id, or --members-file")
    return listed


@app.command()
def recommend(
    kind: Annotated[SuggestionKind, typer.Argument(help="people, helpers or groups.")],
    member_ids: Annotated[list[str] | None, typer.Argument(help="Member ids.")] = None,
    members_file: Annotated[Path | None, typer.Option(help="A file of member ids, one a "
                                                      "line.")] = None,
    k: KOption = 10,
    skill: Annotated[str | None, typer.Option(help="helpers: who can help with this skill "
                                              "(default: what the member wants)")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggestions with reasons; one JSON line per member with --json."""
    from service import suggestions

    failed = False
    with community(store) as live:
        ids = _member_ids(member_ids or [], members_file)
        if not live.trained:
            console.print("no trained ranker for this store: ranking by the fallback formula "
                          "(run 'qconnect train')")
        for member in ids:
            try:
                found = suggestions.suggest(live, OPERATOR, member, kind, k, skill)
            except NotFoundError as exc:
                failed = True
                print_data({"member": member, "error": str(exc)}, as_json=True)
                continue
            if as_json:
                print_data({"member": member, "recommendations": [
                    {"id": s.id, "score": s.score, "reasons": s.reasons} for s in found.data]},
                    as_json=True)
            else:
                typer.echo(f"{member}:")
                for s in found.data:
                    typer.echo(f"  {s.score:.3f}  {s.id}: " + "; ".join(s.reasons))
    if failed:
        raise typer.Exit(1)


_HELD_OUT = TypeAdapter(dict[str, list[str]], config={"strict": True})


def _held_out(test: Path) -> dict[str, set[str]]:
    """The held-out ids of a test file, each member's answers as a list of ids (a string where
    a list belongs would be read as its letters); what they must name is the evaluation's to
    check."""
    try:
        held = _HELD_OUT.validate_python(read_json(test))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise QConnectError(f"{test}: not a JSON object of id lists "
                            f"({where + ': ' if where else ''}{first['msg'].lower()})") from None
    return {member: set(ids) for member, ids in held.items()}


@app.command()
def evaluate(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder to evaluate on.")],
    test: Annotated[Path | None, typer.Option(help="JSON {member: [held-out ties]}; without "
                                              "it 20% of ties are held out.")] = None,
    k: KOption = 10,
    seed: Annotated[int, typer.Option(help="Seed for the held-out split and sampling.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """qconnect against baselines on held-out ties and group memberships, in one run."""
    from service import data, training

    with reported():
        checked = data.read_bundle(bundle)
        held = _held_out(test) if test is not None else None
        console.print("embedding what is new or changed, then evaluating every method")
        with embedding_progress() as advance:
            results = training.evaluate_bundle(bundle, checked, test=held, k=k, seed=seed,
                                               progress=advance)
    if as_json:
        print_data(results.as_dict(k), as_json=True)
        return
    typer.echo(training.format_table(results.results, k))
    for task, chosen in results.training.items():
        typer.echo(f"{task}: qconnect ranks with {chosen['kind']}"
                   + _validation(chosen.get("validation_ndcg@10")))


def _validation(quality: dict[str, float] | None) -> str:
    """The validation comparison training made, as words."""
    if not quality:
        return ""
    return " (validation nDCG@10: " + ", ".join(f"{name} {value:.3f}"
                                                 for name, value in quality.items()) + ")"
