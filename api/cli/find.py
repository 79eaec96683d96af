"""Commands that find people and groups: search, train, recommend, evaluate."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import platformdirs
import typer

from api.cli.common import (
    JsonOption,
    StoreOption,
    app,
    console,
    embed_with_progress,
    opened,
    print_data,
    read_ids,
    reported,
)
from graph_schema import NotFoundError, QConnectError, open_store
from graph_schema.bundle import read_bundle

KOption = Annotated[int, typer.Option("-k", min=1, max=1000, help="How many results.")]


class SearchKind(StrEnum):
    members = "members"
    topics = "topics"
    skills = "skills"


class SuggestionKind(StrEnum):
    people = "people"
    helpers = "helpers"
    groups = "groups"


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What you are looking for, in your own words.")],
    k: KOption = 10,
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
    from matcher.embeddings.encoder import get_encoder
    from matcher.embeddings.search import Searcher

    with opened(store) as source:
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
        print_data({"query": text, "results": results}, as_json=True)
        return
    for rank, result in enumerate(results, start=1):
        typer.echo(f"{rank:>3}. {result['score']:.3f}  {result.get('name') or result['id']}")
        for reason in result.get("reasons", []):
            typer.echo(f"        {reason}")


@app.command()
def train(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Learn the people and group rankers from the community's own ties and memberships."""
    from matcher.embeddings.encoder import configured_model_path, model_id
    from matcher.recommend.group_ranker import GroupRanker
    from matcher.recommend.ranker_files import ranker_folder, save_rankers
    from matcher.recommend.people_ranker import PeopleRanker
    from matcher.recommend.snapshot import snapshot_from_store

    with opened(store) as source:
        with console.status("reading the community"):
            snapshot = snapshot_from_store(source, model_id(configured_model_path()))
        with console.status("training the people ranker"):
            people = PeopleRanker().fit(snapshot)
        with console.status("training the group ranker"):
            groups = GroupRanker().fit(snapshot)
        folder = ranker_folder(source.location)
        save_rankers(folder, people, groups)
    print_data({"people": people.metadata_, "groups": groups.metadata_, "saved_in": str(folder)},
               as_json)


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
    from matcher.recommend.ranker_files import open_recommender

    failed = False
    with opened(store) as source:
        ids = _member_ids(member_ids or [], members_file)
        recommender, trained = open_recommender(source)
        if not trained:
            console.print("no trained ranker for this store: ranking by the fallback formula "
                          "(run 'qconnect train')")
        for member in ids:
            try:
                if kind is SuggestionKind.people:
                    found = recommender.people(member, k)
                elif kind is SuggestionKind.helpers:
                    found = recommender.helpers(member, k, skill)
                else:
                    found = recommender.groups(member, k)
            except NotFoundError as exc:
                failed = True
                print_data({"member": member, "error": str(exc)}, as_json=True)
                continue
            line = {"member": member, "recommendations": [
                {"id": s.id, "score": s.score, "reasons": list(s.reasons)} for s in found]}
            if as_json:
                print_data(line, as_json=True)
            else:
                typer.echo(f"{member}:")
                for s in found:
                    typer.echo(f"  {s.score:.3f}  {s.id}: " + "; ".join(s.reasons))
    if failed:
        raise typer.Exit(1)


def _evaluation_store(bundle: Path) -> str:
    """A store kept per bundle, so re-evaluating re-embeds only what changed."""
    from matcher.recommend.ranker_files import file_name_for

    folder = Path(platformdirs.user_cache_dir("qconnect")) / "evaluate"
    return str(folder / f"{file_name_for(str(bundle.resolve()))}.db")


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
    from matcher.embeddings.encoder import configured_model_path, model_id
    from matcher.evaluation.protocol import evaluate as run_evaluation
    from matcher.evaluation.protocol import format_table, hold_out
    from matcher.recommend.snapshot import snapshot_from_store

    with reported():
        community = read_bundle(bundle)
        held = None
        if test is not None:
            try:
                held = {m: set(v) for m, v in json.loads(test.read_text("utf-8")).items()}
            except (OSError, ValueError, AttributeError, TypeError) as exc:
                raise QConnectError(f"{test}: not a JSON object of id lists ({exc})") from exc
        with open_store(_evaluation_store(bundle)) as store:
            wanted = {m.id for m in community.members}
            for stale in {m.id for m in store.list_members(limit=10**9)} - wanted:
                store.delete_member(stale)
            store.write(community)
            embed_with_progress(store)
            snapshot = snapshot_from_store(store, model_id(configured_model_path()))
        with console.status("evaluating"):
            results = run_evaluation(hold_out(snapshot, seed=seed, test=held), k, seed)
    if as_json:
        print_data({"k": k, "results": [r.as_dict() for r in results]}, as_json=True)
    else:
        typer.echo(format_table(results, k))
