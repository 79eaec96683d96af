"""Ids keep to one safe alphabet at every entry (bundle, HTTP API, command line), so an id that
is accepted can always be named again: read, changed and erased through the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph_schema import open_store
from graph_schema.bundle import BundleError, read_bundle
from models import Community
from tests.conftest import SHARED_DATA, Api

runner = CliRunner()
ODD_BUT_SAFE = "Ana.O_Neill-2@north:trust"
REFUSED = "ids use ASCII letters, digits and . _ - @ :, starting with a letter or digit"


@pytest.mark.parametrize("name", ["lastfm-2k", "collegemsg", "asf-projects"])
def test_the_real_bundles_keep_to_the_alphabet(name: str) -> None:
    if not (SHARED_DATA / "bundles" / name).is_dir():
        pytest.skip(f"the shared {name} bundle is not on this machine")
    assert read_bundle(SHARED_DATA / "bundles" / name).members


def test_a_bundle_with_an_unsafe_id_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "members.jsonl").write_text('{"id": "a/b"}\n{"id": "ok"}\n{"id": ".."}\n')
    (tmp_path / "groups.jsonl").write_text('{"id": "g 1", "name": "G"}\n')
    with pytest.raises(BundleError) as refused:
        read_bundle(tmp_path)
    assert refused.value.problems == [
        f"members.jsonl:1: id: {REFUSED}; 'a/b' does not",
        f"members.jsonl:3: id: {REFUSED}; '..' does not",
        f"groups.jsonl:1: id: {REFUSED}; 'g 1' does not",
    ]


def test_the_api_refuses_unsafe_ids(api: Api) -> None:
    admin = api.headers("admin")
    before = api.live.store.stats()
    for path, body in (("/members", {"id": "a/b"}), ("/groups", {"id": "g/1", "name": "G"}),
                       ("/groups/proposals/save", {"groups": [{"members": ["x"]}],
                                                   "coordinator": "x", "prefix": "p/q"})):
        response = api.client.post(path, json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert REFUSED in json.dumps(response.json()["detail"])
    assert api.live.store.stats() == before


def test_an_accepted_id_can_be_read_changed_and_erased(api_on_each_store: Api) -> None:
    api = api_on_each_store
    admin = api.headers("admin")
    created = api.client.post("/members", json={"id": ODD_BUT_SAFE, "name": "Ana"},
                              headers=admin)
    assert created.status_code == 201, created.text
    path = f"/members/{ODD_BUT_SAFE}"
    assert api.client.get(path, headers=admin).json()["id"] == ODD_BUT_SAFE
    assert api.client.patch(path, json={"bio": "Falls."}, headers=admin).status_code == 200
    group = {"id": f"sig.{ODD_BUT_SAFE}", "name": "G", "members": [ODD_BUT_SAFE]}
    assert api.client.post("/groups", json=group, headers=admin).status_code == 201
    assert api.client.get(f"/groups/{group['id']}", headers=admin).json()["members"] == [
        ODD_BUT_SAFE]
    assert api.client.delete(f"/groups/{group['id']}", headers=admin).status_code == 204
    assert api.client.delete(path, params={"erase": "true"}, headers=admin).status_code == 204
    assert api.client.get(path, headers=admin).status_code == 404


def test_the_command_line_refuses_unsafe_ids(tmp_path: Path, tiny: Community) -> None:
    location = str(tmp_path / "store.db")
    with open_store(location) as store:
        store.write(tiny)
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "members.jsonl").write_text('{"id": "a/b"}\n')
    (tmp_path / "proposal.json").write_text('{"groups": [{"members": ["ana", "ben"]}]}')
    for args in (["import", tmp_path / "bundle", "--no-embed"],
                 ["groups", "save", tmp_path / "proposal.json", "--coordinator", "cat",
                  "--prefix", "sig/falls"],
                 ["feedback", "ana", "dismiss", "x/y"]):
        result = runner.invoke(app, [*map(str, args), "--store", location])
        assert result.exit_code == 1, result.output
        assert REFUSED in result.stderr and "Traceback" not in result.stderr
    with open_store(location) as store:
        assert (store.stats()["groups"], store.stats()["feedback"]) == (1, 0)
