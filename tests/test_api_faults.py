"""Faults: while Neo4j is down the service answers 503 with Retry-After, and it recovers by
itself when Neo4j is back. This test stops and restarts a real Neo4j of its own."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from graph_schema import open_store
from graph_schema.store import copy_store
from tests.conftest import neo4j_uri, serving
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
            for method, path, body in (("POST", "/members", {"id": "m-during"}),
                                       ("GET", f"/members/{member}/recommendations/people",
                                        None),
                                       ("GET", "/ready", None)):
                response = api.client.request(method, path, json=body, headers=admin)
                assert response.status_code == 503, (path, response.text)
                assert int(response.headers["retry-after"]) > 0
                assert "unavailable" in response.json()["detail"]
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
