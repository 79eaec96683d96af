"""What a web page costs beside the JSON API's requests for the same content.

    .venv/bin/python -m benchmarks.web_speed [--members 10000] [--rounds 300]

A copy of a prepared generated community (see prepared.py) with trained rankers is served by
``qconnect serve`` in its own process on loopback. One client, one keep-alive connection, sends
in turn, round after round (so both sides meet the same machine noise):
- *For you* (``GET /``) for a random member, and the JSON requests that give the same content:
  the member's profile, 5 people, 5 helpers, 3 groups;
- *Find people* (``GET /find?q=…``) and ``GET /search`` + ``GET /search/groups`` with the same
  text and sizes;
- *Form groups* (``POST /form-groups/propose``) and ``POST /groups/proposals`` with the same
  pool and rules.
Prints p50/p99 of each and the ratio of the page's p50 (and p99) to the JSON side's. Target:
a page costs at most 1.5× its JSON requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import numpy as np

from benchmarks.api_load import PORT, serving
from benchmarks.prepared import prepared_store
from models.privacy import OPERATOR
from models.settings import get_settings
from service import keys, sessions, training
from service.community import open_community

Call = tuple[str, str, dict[str, str], bytes | None]
"""A request: method, path, headers, body."""


def _prepare(location: str, sessions_wanted: int) -> dict[str, object]:
    """Train the rankers; an admin key, sign-in links for members and a coordinator, search
    texts and a pool topic."""
    with open_community(location) as live:
        training.train(live, OPERATOR)
        admin, _ = keys.create_key(live, OPERATOR, "admin")
        members = [m for m in live.snapshot.members
                   if m.visibility == "members" and m.wants_to_learn and m.consent.suggestions]
        rng = random.Random(7)
        chosen = rng.sample(members, sessions_wanted)
        links = {m.id: sessions.create_link(live, OPERATOR, m.id)[0] for m in chosen}
        coordinator = sessions.create_link(live, OPERATOR, members[-1].id, "coordinator")[0]
        topics = sorted({t for m in members for t in m.interests})
    texts = [" ".join((m.bio or m.role or "improvement").split()[:8]) for m in chosen]
    return {"admin": admin, "links": links, "coordinator": coordinator,
            "texts": texts, "topics": topics,
            "wanted": {m.id: m.wants_to_learn[0] for m in chosen}}


def _send(connection: http.client.HTTPConnection, call: Call) -> tuple[int, bytes, dict]:
    method, path, headers, body = call
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(), dict(response.getheaders())


def _session(connection: http.client.HTTPConnection, link: str) -> str:
    status, _, headers = _send(connection, (
        "POST", "/sign-in", {"Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"link": link}).encode()))
    assert status == 303, status
    return re.search(r"qconnect_session=([^;]+)", headers["set-cookie"])[1]  # type: ignore[index]


def _form_token(connection: http.client.HTTPConnection, cookie: str) -> str:
    _, body, _ = _send(connection, ("GET", "/form-groups", {"Cookie": cookie}, None))
    return re.search(rb'name="form_token" value="([0-9a-f]+)"', body)[1].decode()  # type: ignore[index]


def _timed(connection: http.client.HTTPConnection, calls: list[Call]) -> float:
    """Milliseconds for ``calls`` one after another; every answer must be a success."""
    start = time.perf_counter()
    for call in calls:
        status, body, _ = _send(connection, call)
        if status >= 300:
            raise RuntimeError(f"{call[0]} {call[1]} answered {status}: {body[:300]!r}")
    return (time.perf_counter() - start) * 1000


def measure(location: str, args: argparse.Namespace) -> None:
    prepared = _prepare(location, args.sessions)
    api = {"Authorization": f"Bearer {prepared['admin']}"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with serving(location, Path(os.environ["QCONNECT_RANKERS"])):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        cookies = {member: f"qconnect_session={_session(connection, link)}"
                   for member, link in prepared["links"].items()}  # type: ignore[union-attr]
        coordinator_link: str = prepared["coordinator"]  # type: ignore[assignment]
        coordinator_cookie = f"qconnect_session={_session(connection, coordinator_link)}"
        token = _form_token(connection, coordinator_cookie)
        members = sorted(cookies)
        texts: list[str] = prepared["texts"]  # type: ignore[assignment]
        topics: list[str] = prepared["topics"]  # type: ignore[assignment]
        wanted: dict[str, str] = prepared["wanted"]  # type: ignore[assignment]

        def for_you(rng: random.Random) -> tuple[list[Call], list[Call]]:
            m = rng.choice(members)
            skill = quote_plus(wanted[m])
            base = f"/members/{m}/recommendations"
            return ([("GET", f"/?skill={skill}", {"Cookie": cookies[m]}, None)],
                    [("GET", f"/members/{m}", api, None),
                     ("GET", f"{base}/people?k=5", api, None),
                     ("GET", f"{base}/helpers?k=5&skill={skill}", api, None),
                     ("GET", f"{base}/groups?k=3", api, None)])

        def find(rng: random.Random) -> tuple[list[Call], list[Call]]:
            m, text = rng.choice(members), quote_plus(rng.choice(texts))
            return ([("GET", f"/find?q={text}", {"Cookie": cookies[m]}, None)],
                    [("GET", f"/search?q={text}&k={args.found}", api, None),
                     ("GET", f"/search/groups?q={text}&k={args.groups_found}", api, None)])

        def form_groups(rng: random.Random) -> tuple[list[Call], list[Call]]:
            topic = rng.choice(topics)
            rules = {"min_size": 4, "max_size": 8}
            page = urlencode({"form_token": token, "topic": topic, **rules}).encode()
            body = json.dumps({"topic": topic, **rules}).encode()
            return ([("POST", "/form-groups/propose", {**form, "Cookie": coordinator_cookie},
                      page)],
                    [("POST", "/groups/proposals", {**api, "Content-Type": "application/json"},
                      body)])

        workloads: dict[str, Callable[[random.Random], tuple[list[Call], list[Call]]]] = {
            "For you": for_you, "Find people": find, "Form groups": form_groups}
        print(f"\n{args.members:,} members, {args.rounds} rounds, one client")
        print(f"{'page':<13} {'page p50':>9} {'p99':>8} {'JSON p50':>9} {'p99':>8} "
              f"{'p50 ratio':>10} {'p99 ratio':>10}")
        for name, make in workloads.items():
            rng = random.Random(11)
            rounds = args.rounds if name != "Form groups" else max(20, args.rounds // 5)
            for _ in range(3):  # warm up: the first query of each kind loads lazily
                page, json_calls = make(rng)
                _timed(connection, page), _timed(connection, json_calls)
            pages, jsons = [], []
            for n in range(rounds):
                page, json_calls = make(rng)
                # Alternate which goes first, so neither always meets a warmer cache.
                if n % 2:
                    pages.append(_timed(connection, page))
                    jsons.append(_timed(connection, json_calls))
                else:
                    jsons.append(_timed(connection, json_calls))
                    pages.append(_timed(connection, page))
            p, j = np.array(pages), np.array(jsons)
            print(f"{name:<13} {np.median(p):>9.2f} {np.percentile(p, 99):>8.2f} "
                  f"{np.median(j):>9.2f} {np.percentile(j, 99):>8.2f} "
                  f"{np.median(p) / np.median(j):>10.3f} "
                  f"{np.percentile(p, 99) / np.percentile(j, 99):>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=50, help="Members signed in.")
    parser.add_argument("--found", type=int, default=10, help="People the Find page shows.")
    parser.add_argument("--groups-found", type=int, default=3,
                        help="Groups the Find page shows.")
    args = parser.parse_args()
    source = str(prepared_store(args.members))
    with tempfile.TemporaryDirectory(prefix="qconnect-web-") as folder:
        os.environ["QCONNECT_RANKERS"] = str(Path(folder) / "rankers")
        get_settings.cache_clear()
        location = str(Path(folder) / "service.db")
        shutil.copy(source, location)
        measure(location, args)


if __name__ == "__main__":
    main()
