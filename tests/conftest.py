"""Fixtures shared by the suite: a fresh store of each kind, and small hand-made communities.

Neo4j tests run against the real server that ``scripts/neo4j`` starts; ``scripts/test`` starts
one and passes its URI in ``QCONNECT_TEST_NEO4J``. Without it they are skipped, except in CI
(``CI=true``), where a missing Neo4j fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph_schema import Store, open_store
from graph_schema.store import copy_store
from models import Community, Connection, Group, Member, Skill, Topic
from models.privacy import OPERATOR
from service.community import LiveCommunity
from service.keys import new_key
from service.sessions import create_link
from tests.browser import Site, chromium_path, serving_site
from tests.neo4j_server import wipe

NEO4J_URI = os.environ.get("QCONNECT_TEST_NEO4J")
# Services started in-process do not look for writes made beside them unless a test asks:
# tests write beside them on purpose and check what the service shows before it reloads.
os.environ["QCONNECT_FOLLOW_INTERVAL"] = "0"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
README = Path(__file__).resolve().parents[1] / "README.md"


def neo4j_uri() -> str:
    """The test Neo4j's URI; skips the test (fails it in CI) when there is none."""
    if NEO4J_URI:
        return NEO4J_URI
    if os.environ.get("CI") == "true":
        pytest.fail("QCONNECT_TEST_NEO4J is not set: in CI the real Neo4j must run")
    pytest.skip("no Neo4j: run the suite with scripts/test, or set QCONNECT_TEST_NEO4J")


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh, empty store of each kind lives."""
    if request.param == "embedded":
        return str(tmp_path / "store.db")
    uri = neo4j_uri()
    wipe(uri)
    return uri


@pytest.fixture
def store(store_location: str) -> Iterator[Store]:
    with open_store(store_location) as opened:
        yield opened


@pytest.fixture
def tiny() -> Community:
    """Five members in two organisations, a triangle plus a pendant, one group."""
    return Community(
        members=[
            Member(id="ana", name="Ana", role="nurse", organisation="North Trust", region="North",
                   skills=["coaching", {"name": "statistical process control", "level": 4}],
                   interests=["patient safety", "measurement"], joined="2015-03-01"),
            Member(id="ben", name="Ben", role="manager", organisation="North Trust",
                   region="North", interests=["patient safety"], wants_to_learn=["coaching"]),
            Member(id="cat", name="Cat", role="researcher", organisation="South University",
                   region="South", bio="Evaluates improvement programmes.",
                   visibility="public", pronouns="she/her"),
            Member(id="dev", name="Dev", role="patient leader", organisation="South University",
                   region="South", open_to_connect=False, interests=["co-design"],
                   consent={"groups": False, "analytics": False}),
            Member(id="eve", name="Eve", visibility="hidden"),
        ],
        connections=[
            Connection(source="ana", target="ben", kind="peer", since="2016-05-01"),
            Connection(source="ben", target="cat", kind="collaborated"),
            Connection(source="cat", target="ana"),
            Connection(source="cat", target="dev", kind="mentored", since="2019-01-31"),
        ],
        groups=[Group(id="g1", name="Safety measurement", topics=["patient safety"],
                      members=["ana", "ben"], coordinators=["cat"], cadence="monthly")],
        topics=[Topic(id="t-safety", name="patient safety", description="Avoiding harm."),
                Topic(id="t-measure", name="measurement", parent="t-safety")],
        skills=[Skill(id="s-spc", name="statistical process control")],
    )


@pytest.fixture(scope="session")
def encoder():
    """The real all-MiniLM-L6-v2 encoder, loaded once for the whole run."""
    from service import config

    return config.encoder()


@pytest.fixture(scope="session")
def generated() -> Community:
    """A generated community small enough to embed in seconds."""
    from matcher.synthetic.generator import generate_community

    return generate_community(400, seed=11)


@pytest.fixture(scope="session")
def generated_store(tmp_path_factory: pytest.TempPathFactory, generated: Community,
                    encoder) -> str:
    """An embedded store holding ``generated``, embedded; tests must not change it."""
    from matcher.embeddings.refresh import embed_store

    location = str(tmp_path_factory.mktemp("generated") / "store.db")
    with open_store(location) as store:
        store.write(generated)
        embed_store(store, encoder)
    return location


@dataclass
class Api:
    """The HTTP service running in-process over a store, with a way to mint keys."""

    client: TestClient
    location: str

    @property
    def live(self) -> LiveCommunity:
        return self.client.app.state.community  # type: ignore[attr-defined]

    def headers(self, role: str, member: str | None = None) -> dict[str, str]:
        """Authorization headers of a fresh key of ``role`` (acting for ``member``)."""
        text, key = new_key(role, member)  # type: ignore[arg-type]
        self.live.store.add_key(key)
        return {"Authorization": f"Bearer {text}"}

    def link(self, member: str, role: str = "member") -> str:
        """The path of a fresh sign-in link for ``member`` in ``role``."""
        text, _ = create_link(self.live, OPERATOR, member, role)  # type: ignore[arg-type]
        return f"/sign-in/{text}"

    def sign_in(self, member: str, role: str = "member") -> TestClient:
        """The client, signed in to the pages as ``member`` in ``role`` by a fresh link."""
        self.client.cookies.clear()
        link = self.link(member, role)
        answer = self.client.post("/sign-in", data={"link": link.rsplit("/", 1)[1]},
                                  follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return self.client


@contextmanager
def serving(location: str) -> Iterator[Api]:
    """The service over the store at ``location``, started and stopped around the block."""
    with TestClient(create_app(location), raise_server_exceptions=False) as client:
        yield Api(client, location)


def stored_copy(generated_store: str, tmp_path: Path, kind: str) -> str:
    """A private, writable copy of ``generated_store`` in a store of ``kind``."""
    if kind == "embedded":
        location = str(tmp_path / "service.db")
        shutil.copy(generated_store, location)
        return location
    location = neo4j_uri()
    wipe(location)
    with open_store(generated_store) as source, open_store(location) as target:
        copy_store(source, target)
    return location


@pytest.fixture
def api(generated_store: str, tmp_path: Path) -> Iterator[Api]:
    """The service over a private copy of the generated community (embedded store)."""
    with serving(stored_copy(generated_store, tmp_path, "embedded")) as running:
        yield running


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def api_on_each_store(request: pytest.FixtureRequest, generated_store: str,
                      tmp_path: Path) -> Iterator[Api]:
    """The service over a private copy of the generated community, in each kind of store."""
    with serving(stored_copy(generated_store, tmp_path, request.param)) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (see :mod:`tests.browser`)."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        # Chromium's sandbox cannot start as root, which CI machines run as.
        launched = playwright.chromium.launch(executable_path=path,
                                              args=["--no-sandbox"] if os.getuid() == 0 else [])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(generated_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``qconnect serve`` over a private copy of the generated community, for one module."""
    location = str(tmp_path_factory.mktemp("site") / "store.db")
    shutil.copy(generated_store, location)
    with serving_site(location) as running:
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab with no cookies; the page's own rules still apply, except that the
    tests may inject axe-core."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()
