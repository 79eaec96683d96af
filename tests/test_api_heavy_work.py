"""Heavy work never holds up members: analysts' evaluations run in the background (the first is
announced as under way, 202, then served, 200, and a write makes the next compute for the new
state of the community), and the other heavy routes are bounded in size and run for one request
at a time."""

from __future__ import annotations

import gc
import os
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from weakref import ref

import httpx
import pytest

from matcher.recommend.snapshot import Snapshot
from models import Community
from models.errors import BusyError
from service import proposals
from service.evaluations import MAX_WAITING
from service.limits import PerSnapshot
from tests.conftest import Api, serving, stored_copy


def _member(api: Api) -> tuple[str, dict[str, str]]:
    member = next(m.id for m in api.live.snapshot.members if m.open_to_connect
                  and m.visibility != "hidden" and api.live.snapshot.degree[
                      api.live.snapshot.ids.index[m.id]] > 2)
    return f"/members/{member}/recommendations/people", api.headers("member", member)


def _seconds(api: Api, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    assert api.client.get(path, headers=headers).status_code == 200
    return time.perf_counter() - started


def test_member_requests_stay_fast_while_analysts_ask_for_evaluations(api: Api) -> None:
    path, mine = _member(api)
    analyst = api.headers("analyst")
    quiet = statistics.median(_seconds(api, path, mine) for _ in range(5))
    with ThreadPoolExecutor(max_workers=45) as pool:
        asked = [pool.submit(api.client.get, "/analytics/evaluation", headers=analyst)
                 for _ in range(45)]
        time.sleep(1.0)  # every analyst request has reached the service
        busy = [_seconds(api, path, mine) for _ in range(10)]
        still = api.client.get("/analytics/evaluation", headers=analyst).status_code
        answers = [f.result() for f in asked]
    assert max(busy) < max(1.0, 10 * quiet), (quiet, busy)
    assert still == 202  # the member requests above ran while the evaluation was under way
    assert {a.status_code for a in answers} == {202}  # no analyst request waited for it


def _evaluation(api: Api, headers: dict[str, str], k: int,
                until: Callable[[httpx.Response], bool]) -> httpx.Response:
    """Ask for the evaluation at ``k`` until the answer is ``until``'s."""
    deadline = time.monotonic() + 600
    while not until(answer := api.client.get("/analytics/evaluation", params={"k": k},
                                              headers=headers)):
        assert answer.status_code in (200, 202), answer.text
        assert time.monotonic() < deadline, answer.json()
        time.sleep(0.5)
    return answer


def test_an_evaluation_is_announced_then_served_and_redone_after_a_write(api: Api) -> None:
    analyst = api.headers("analyst")
    first = api.client.get("/analytics/evaluation", params={"k": 5}, headers=analyst)
    assert first.status_code == 202
    assert first.headers["location"].endswith("/analytics/evaluation?k=5")
    assert int(first.headers["retry-after"]) > 0
    announced = first.json()
    assert announced["status"] in ("running", "queued") and announced["results"] == []
    revision = announced["current_revision"]

    done = _evaluation(api, analyst, 5, lambda r: r.status_code == 200).json()
    assert done["revision"] == done["current_revision"] == revision and done["current"]
    assert not done["refreshing"] and done["age_seconds"] >= 0
    assert {"qconnect", "Adamic-Adar"} <= {row["method"] for row in done["results"]}
    assert done["k"] == 5 and "chosen" in done["training"]["people"]
    again = api.client.get("/analytics/evaluation", params={"k": 5}, headers=analyst).json()
    assert again["computed_at"] == done["computed_at"] and not again["refreshing"]

    leaving = next(m.id for m in api.live.snapshot.members
                   if m.visibility != "hidden" and m.consent.analytics)
    assert api.client.put(f"/members/{leaving}/consent", headers=api.headers("member", leaving),
                          json={"suggestions": True, "groups": True, "analytics": False}
                          ).status_code == 200
    stale = api.client.get("/analytics/evaluation", params={"k": 5}, headers=analyst)
    assert stale.status_code == 200  # the last figures at once, said to be of before the write
    assert stale.json()["revision"] == revision < stale.json()["current_revision"]
    assert not stale.json()["current"] and stale.json()["refreshing"]
    assert stale.json()["results"] == done["results"]

    redone = _evaluation(api, analyst, 5, lambda r: r.json()["current"]).json()
    assert redone["revision"] == redone["current_revision"] > revision
    assert redone["computed_at"] > done["computed_at"] and not redone["refreshing"]


def _workers() -> set[int]:
    """The evaluation processes this process started and that still run."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"service.evaluation_worker" in command and parent == os.getpid():
            found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_stopping_the_service_stops_the_evaluation_under_way(
    generated_store: str, tmp_path: Path,
) -> None:
    with serving(stored_copy(generated_store, tmp_path, "embedded")) as api:
        answer = api.client.get("/analytics/evaluation", headers=api.headers("analyst"))
        assert answer.status_code == 202
        deadline = time.monotonic() + 60
        while not _workers():
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert not _workers()
    assert not [t for t in threading.enumerate() if t.name == "qconnect-evaluations"]


def test_only_a_few_evaluations_wait_their_turn(api: Api) -> None:
    analyst = api.headers("analyst")
    answers = [api.client.get("/analytics/evaluation", params={"k": k}, headers=analyst)
               for k in range(1, MAX_WAITING + 4)]
    codes = [a.status_code for a in answers]
    assert codes[:MAX_WAITING] == [202] * MAX_WAITING and codes[-1] == 429, codes
    assert "waiting their turn" in answers[-1].json()["detail"]


def test_group_proposals_are_bounded_in_size_and_made_one_at_a_time(
    api: Api, monkeypatch: pytest.MonkeyPatch,
) -> None:
    coordinator = api.headers("coordinator")
    body = {"min_size": 4, "max_size": 6, "region": api.live.snapshot.members[0].region}
    with monkeypatch.context() as patched:
        patched.setattr(proposals, "MAX_POOL", 10)
        too_many = api.client.post("/groups/proposals", json=body, headers=coordinator)
    assert too_many.status_code == 400
    assert "one proposal groups at most 10" in too_many.json()["detail"]
    with proposals._proposing.turn():  # a proposal under way for another request
        busy = api.client.post("/groups/proposals", json=body, headers=coordinator)
    assert busy.status_code == 429 and int(busy.headers["retry-after"]) > 0
    assert api.client.post("/groups/proposals", json=body, headers=coordinator).status_code \
        == 200


class _Export:
    """A value that can be watched for being let go."""


def test_an_export_is_computed_once_per_snapshot_for_one_request_at_a_time() -> None:
    started, finish, computed = threading.Event(), threading.Event(), []

    def compute(snapshot: Snapshot) -> _Export:
        computed.append(snapshot)
        started.set()
        assert finish.wait(10)
        return _Export()

    exports = PerSnapshot("the export", compute)
    snapshot = Snapshot(Community(), {})
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(exports.get, snapshot)
        assert started.wait(10)
        with pytest.raises(BusyError, match="the export is being computed"):
            exports.get(snapshot)  # told at once, not kept waiting
        finish.set()
        value = first.result()
    assert exports.get(snapshot) is value and len(computed) == 1
    computed.clear()
    kept, snapshot_kept = ref(value), ref(snapshot)
    del value, snapshot, first
    gc.collect()
    assert snapshot_kept() is None and kept() is None  # gone with the snapshot it was of
