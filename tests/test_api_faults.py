"""Faults: while Neo4j is down the service answers 503 with Retry-After, telling nothing of
its internals, and at once once it knows of the outage; it recovers by itself when Neo4j is
back. This test stops and restarts a real Neo4j of its own."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from api.errors import STORE_UNAVAILABLE
from graph_schema import open_store
from graph_schema.neo4j_errors import Outage
from graph_schema.store import copy_store
from models.errors import StoreUnavailableError
from service.keys import new_key
from tests.conftest import Api, neo4j_uri, serving
from tests.neo4j_server import SCRIPT

PORT = int(os.environ.get("QCONNECT_TEST_NEO4J_FAULT_PORT", "7696"))


def _neo4j(command: str, data_dir: Path) -> str:
    done = subprocess.run([str(SCRIPT), command, "--data-dir", str(data_dir), "--port",
                           str(PORT)] if command == "start" else
                          [str(SCRIPT), command, "--data-dir", str(data_dir)],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.mark.neo4j
@pytest.mark.slow
def test_outage_gives_503_and_the_service_recovers(generated_store: str, tmp_path: Path) -> None:
    neo4j_uri()  # skips without Neo4j, as every Neo4j test does (fails in CI)
    data_dir = tmp_path / "neo4j"
    uri = _neo4j("start", data_dir)
    try:
        with open_store(generated_store) as source, open_store(uri) as target:
            copy_store(source, target)
        with serving(uri) as api:
            admin = api.headers("admin")
            member = api.live.snapshot.members[0].id
            assert api.client.get("/ready").status_code == 200
            _neo4j("stop", data_dir)
            unknown = {"Authorization": f"Bearer {new_key('admin')[0]}"}  # well-formed
            took = []
            for method, path, body, headers in (
                    ("POST", "/members", {"id": "m-during"}, admin),
                    ("GET", f"/members/{member}/recommendations/people", None, admin),
                    ("GET", "/ready", None, {}),
                    ("GET", f"/members/{member}", None, unknown),
                    ("POST", "/members", {"id": "m-during"}, admin)):
                started = time.monotonic()
                response = api.client.request(method, path, json=body, headers=headers)
                took.append(time.monotonic() - started)
                assert response.status_code == 503, (path, response.text)
                assert int(response.headers["retry-after"]) > 0
                # No Bolt URI, address or driver message, to anyone.
                assert response.json() == {"detail": STORE_UNAVAILABLE}, response.text
            # The first request finds the outage; once it is known, the answer is immediate.
            assert max(took[1:]) < 0.5, took
            assert api.client.get("/health").status_code == 200  # the process itself is up
            _neo4j("start", data_dir)
            deadline = time.monotonic() + 60
            while (ready := api.client.get("/ready")).status_code != 200:
                assert time.monotonic() < deadline, ready.text
                time.sleep(1)
            created = api.client.post("/members", json={"id": "m-after", "name": "Back"},
                                      headers=admin)
            assert created.status_code == 201, created.text
            assert api.live.store.get_member("m-after").name == "Back"
            assert api.live.store.get_members(["m-during"]) == []  # refused, so not written
    finally:
        subprocess.run([str(SCRIPT), "stop", "--data-dir", str(data_dir)], check=False,
                       capture_output=True)


def test_an_outage_once_known_refuses_at_once_until_the_probe_finds_the_store() -> None:
    answers = iter([False, False, True])
    probed = []

    def probe() -> None:
        probed.append(time.monotonic())
        if not next(answers):
            raise OSError("connection refused")

    outage = Outage(probe, every=0.05)
    outage.check()  # nothing known: operations go through
    outage.found("Neo4j at bolt://db:7687 is unavailable")
    with pytest.raises(StoreUnavailableError, match="bolt://db:7687"):  # for the command line
        outage.check()
    deadline = time.monotonic() + 10
    while True:
        try:
            outage.check()
            break  # the store answered: back to normal
        except StoreUnavailableError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    outage.close()
    assert len(probed) == 3  # probed until it answered, then no more


def test_a_503_tells_no_internals(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_: object) -> None:
        raise StoreUnavailableError("Neo4j at bolt://10.0.0.7:7687 is unavailable: Couldn't "
                                    "connect to 10.0.0.7:7687 (reason [Errno 111])")

    monkeypatch.setattr(api.live.store, "schema_version", down)
    monkeypatch.setattr(api.live.store, "get_key", down)
    for path, headers in (("/ready", {}), ("/members", {"Authorization": "Bearer " +
                                                        new_key("admin")[0]})):
        response = api.client.get(path, headers=headers)
        assert response.status_code == 503 and response.json() == {"detail": STORE_UNAVAILABLE}
