"""The command line and the HTTP API are two ways into the same use cases: for the same
request over the same community they give the same answer and leave the store the same."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from graph_schema import open_store
from tests.conftest import serving, stored_copy

runner = CliRunner()


def _cli(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def _two_copies(generated_store: str, tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "cli").mkdir()
    (tmp_path / "http").mkdir()
    return (stored_copy(generated_store, tmp_path / "cli", "embedded"),
            stored_copy(generated_store, tmp_path / "http", "embedded"))


def _people(location: str, count: int) -> list[str]:
    with open_store(location) as store:
        return [m.id for m in store.members() if m.visibility != "hidden"
                and m.open_to_connect and m.consent.groups][:count]


def test_propose_again_from_a_previous_proposal(generated_store: str, tmp_path: Path) -> None:
    location = stored_copy(generated_store, tmp_path, "embedded")
    pool = _people(location, 60)
    ids = tmp_path / "pool.txt"
    ids.write_text("\n".join(pool), encoding="utf-8")
    rules = {"min_size": 5, "max_size": 8, "max_per_organisation": 2}
    flags = ["--min-size", 5, "--max-size", 8, "--max-per-organisation", 2]
    first = json.loads(_cli("groups", "propose", "--pool", ids, *flags, "--store", location,
                            "--json"))
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(first), encoding="utf-8")
    moved = first["groups"][0]["members"][0]
    on_the_command_line = json.loads(_cli(
        "groups", "propose", "--previous", previous, "--pin", f"{moved}=1", *flags, "--seed", 3,
        "--store", location, "--json"))
    with serving(location) as api:
        response = api.client.post("/groups/proposals", headers=api.headers("coordinator"),
                                   json={**rules, "previous": first, "pins": {moved: 1},
                                         "seed": 3})
    assert response.status_code == 200, response.text
    assert response.json() == on_the_command_line
    # With no pool given, both pooled the previous proposal's people, not everyone.
    placed = {m for g in on_the_command_line["groups"] for m in g["members"]}
    assert placed | {u["id"] for u in on_the_command_line["unassigned"]} == set(pool)
    assert moved in on_the_command_line["groups"][1]["members"]


def test_saving_a_proposal_stores_and_embeds_the_same_groups(generated_store: str,
                                                            tmp_path: Path) -> None:
    cli_store, http_store = _two_copies(generated_store, tmp_path)
    coordinator, *people = _people(cli_store, 13)
    proposal = {"groups": [{"members": people[:6], "label": "Falls", "topics": ["Falls"]},
                           {"members": people[6:], "label": "Flow"}], "unassigned": []}
    saved = tmp_path / "proposal.json"
    saved.write_text(json.dumps(proposal), encoding="utf-8")
    _cli("groups", "save", saved, "--coordinator", coordinator, "--prefix", "spring",
         "--store", cli_store)
    with serving(http_store) as api:
        response = api.client.post("/groups/proposals/save", headers=api.headers("admin"),
                                   json={**proposal, "coordinator": coordinator,
                                         "prefix": "spring"})
        assert response.status_code == 201, response.text
    results = []
    for location in (cli_store, http_store):
        with open_store(location) as store:
            groups = [store.get_group(f"spring-{n}") for n in (1, 2)]
            embedded = store.embedding_state("group")
            results.append([g.model_dump() for g in groups])
            assert {"spring-1", "spring-2"} <= set(embedded)  # suggested to members at once
    assert results[0] == results[1]
    assert results[0][0]["coordinators"] == [coordinator]


def test_a_members_export_and_erasure(generated_store: str, tmp_path: Path) -> None:
    cli_store, http_store = _two_copies(generated_store, tmp_path)
    with open_store(cli_store) as store:
        member = next(t.source for t in store.connections()
                      if store.get_member(t.source).visibility != "hidden")
    exported = json.loads(_cli("members", "export", member, "--store", cli_store))
    with serving(http_store) as api:
        own = api.headers("member", member)
        response = api.client.get(f"/members/{member}/export", headers=own)
        assert response.status_code == 200
        answer = response.json()
        answer["keys"] = [k for k in answer["keys"] if k["role"] != "member"]  # the test's key
        assert answer == exported
        assert exported["connections"]
        assert api.client.delete(f"/members/{member}?erase=true",
                                 headers=api.headers("admin")).status_code == 204
    refused = runner.invoke(app, ["members", "erase", member, "--store", cli_store])
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    _cli("members", "erase", member, "--yes", "--store", cli_store)
    with open_store(cli_store) as by_cli, open_store(http_store) as by_http:
        assert by_cli.export() == by_http.export()
        assert by_cli.feedback() == by_http.feedback()
        assert member not in by_cli.embedding_state("member")
        assert member not in by_http.embedding_state("member")


def test_search_answers_alike_for_every_kind_of_question(generated_store: str,
                                                        tmp_path: Path) -> None:
    cli_store, http_store = _two_copies(generated_store, tmp_path)
    query = "statistical process control"
    with serving(http_store) as api:
        headers = api.headers("coordinator")
        for looking_for in ("experts", "learners", "peers"):
            answer = api.client.get("/search", headers=headers, params={
                "q": query, "k": 5, "looking_for": looking_for}).json()
            printed = json.loads(_cli("search", query, "-k", 5, "--looking-for", looking_for,
                                      "--store", cli_store, "--json"))
            assert answer["looking_for"] == looking_for and len(answer["data"]) == 5
            assert ([(h["id"], h["reasons"]) for h in answer["data"]]
                    == [(h["id"], h["reasons"]) for h in printed["results"]])
        groups = api.client.get("/search/groups", headers=headers,
                                params={"q": "patient safety", "k": 3}).json()["data"]
        refused = api.client.get("/search", headers=headers,
                                 params={"q": query, "looking_for": "teachers"})
    printed = json.loads(_cli("search", "patient safety", "-k", 3, "--kind", "groups",
                              "--store", cli_store, "--json"))
    assert groups and [g["id"] for g in groups] == [g["id"] for g in printed["results"]]
    assert refused.status_code == 422


def test_a_blank_search_is_refused_alike(generated_store: str, tmp_path: Path) -> None:
    _, http_store = _two_copies(generated_store, tmp_path)
    with serving(http_store) as api:
        headers = api.headers("member", _people(http_store, 1)[0])
        for path in ("/search", "/search/groups"):
            answer = api.client.get(path, headers=headers, params={"q": " \t "})
            assert answer.status_code == 400 and "blank" in answer.json()["detail"]
    refused = runner.invoke(app, ["search", "  ", "--store", generated_store])
    assert refused.exit_code == 1 and "blank" in refused.stderr
