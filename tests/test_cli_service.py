"""``qconnect keys`` and ``qconnect serve`` / ``demo``: keys printed once, a real uvicorn
process that serves the example calls the demo prints and stops cleanly on SIGTERM, and the
demo's sign-in links, which work once and are revoked with its keys."""

from __future__ import annotations

import datetime as dt
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.demo import coordinator_for_demo, issue_access, revoke_access
from graph_schema import open_store
from models import ApiKey, Community, Member
from models.errors import ConflictError
from models.privacy import OPERATOR
from service import config, data
from tests.conftest import Api

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_keys_create_list_revoke(tmp_path: Path, tiny) -> None:
    location = str(tmp_path / "store.db")
    with open_store(location) as store:
        store.write(tiny)
    made = runner.invoke(app, ["keys", "create", "--role", "member", "--member", "ana",
                               "--store", location, "--json"])
    assert made.exit_code == 0, made.output
    key = re.search(r'"key": "(qck_[^"]+)"', made.stdout).group(1)  # type: ignore[union-attr]
    listed = runner.invoke(app, ["keys", "list", "--store", location, "--json"])
    assert key not in listed.stdout and '"member": "ana"' in listed.stdout
    with open_store(location) as store:
        (stored,) = store.api_keys()
        assert stored.digest not in key  # only a digest is kept
    refused = runner.invoke(app, ["keys", "create", "--role", "member", "--store", location])
    assert refused.exit_code != 0 and "--member" in refused.output
    unknown = runner.invoke(app, ["keys", "create", "--role", "member", "--member", "nobody",
                                  "--store", location])
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    assert runner.invoke(app, ["keys", "revoke", stored.id, "--store", location]).exit_code == 0
    with open_store(location) as store:
        assert store.api_keys() == []


def test_keys_list_prints_a_row_per_key(store_location: str, tiny) -> None:
    with open_store(store_location) as store:
        store.write(tiny)
    empty = runner.invoke(app, ["keys", "list", "--store", store_location])
    assert empty.exit_code == 0 and empty.stdout == "" and "no keys" in empty.stderr
    for role, member in (("member", "ana"), ("admin", None)):
        made = runner.invoke(app, ["keys", "create", "--role", role, "--store", store_location]
                             + (["--member", member] if member else []))
        assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["keys", "list", "--store", store_location])
    assert listed.exit_code == 0 and "no keys" not in listed.stderr
    with open_store(store_location) as store:
        keys = sorted(store.api_keys(), key=lambda k: k.role)
    rows = sorted(line.split() for line in listed.stdout.splitlines())
    assert rows == sorted([k.id, k.kind, k.role, k.member or "-", k.created.isoformat()]
                          for k in keys)


@pytest.mark.parametrize("expires", ["32d", "99999999d", "9999999999999999d", "0h", "soon"])
def test_a_sign_in_link_lasts_at_most_31_days(store_location: str, tiny: Community,
                                              expires: str) -> None:
    with open_store(store_location) as store:
        store.write(tiny)
    result = runner.invoke(app, ["keys", "link", "--member", "ana", "--expires", expires,
                                 "--store", store_location])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert "31 days" in result.stderr or "positive number" in result.stderr
    with open_store(store_location) as store:
        assert store.api_keys() == []
    made = runner.invoke(app, ["keys", "link", "--member", "ana", "--expires", "31d",
                               "--store", store_location])
    assert made.exit_code == 0, made.output


def test_the_demos_sign_in_links_work_and_are_revoked_with_its_keys(
        api: Api, generated: Community, capsys: pytest.CaptureFixture[str]) -> None:
    member = next(m for m in generated.members if m.wants_to_learn and m.visibility == "members")
    coordinator = coordinator_for_demo(api.live, member.id)
    assert any(coordinator in g.coordinators for g in generated.groups)
    since, issued = dt.datetime.now(dt.UTC), list[ApiKey]()
    issue_access(api.live, "http://testserver", member.id, coordinator, issued)
    links = dict(re.findall(r"open this link in your browser to sign in as .+ \((\w+)\): "
                            r"http://testserver(/sign-in/\S+)", capsys.readouterr().out))
    assert set(links) == {"member", "coordinator"}
    client = api.client
    for role, who in (("member", member.id), ("coordinator", coordinator)):
        client.cookies.clear()
        assert client.get(links[role]).status_code == 200
        answer = client.post("/sign-in", data={"link": links[role].rsplit("/", 1)[1]},
                             follow_redirects=False)
        assert answer.status_code == 303
        # Any signed-in page names who is signed in; Community refuses both, but says so.
        named = api.live.member(who).name + (" (coordinator)" if role == "coordinator" else "")
        assert f"Signed in as {named}" in client.get("/community").text
    # Links not used by the time the demo stops are revoked too.
    issue_access(api.live, "http://testserver", member.id, coordinator, issued)
    unused = re.findall(r"http://testserver(/sign-in/\S+)", capsys.readouterr().out)
    revoke_access(api.live, issued, since)
    assert api.live.store.api_keys() == []  # keys, links and the sessions the links began
    client.cookies.clear()
    assert [client.get(link).status_code for link in unused] == [401, 401]


def test_demo_refuses_a_store_holding_a_community_of_its_own(store_location: str,
                                                            tiny: Community) -> None:
    with open_store(store_location) as store:
        store.write(tiny)
        before = store.export()
    refused = runner.invoke(app, ["demo", "--members", "50", "--no-serve",
                                  "--store", store_location])
    assert refused.exit_code == 1, refused.output
    assert (f"the store at {store_location} holds members the demo did not generate "
            f"({len(tiny.members)})") in refused.stderr and "--store demo.db" in refused.stderr
    with open_store(store_location) as store:
        assert store.export() == before
    assert not config.ranker_folder(store_location).exists()  # nothing trained over theirs


def test_demo_may_run_again_over_its_own_community_but_not_once_others_joined(
        api: Api, generated: Community) -> None:
    data.check_demo_store(api.live, OPERATOR, generated)  # an earlier run's store: its own
    smaller = generated.model_copy(update={"members": generated.members[:-1]})
    with pytest.raises(ConflictError, match=r"did not generate \(1\)"):
        data.check_demo_store(api.live, OPERATOR, smaller)
    api.live.store.write(Community(members=[Member(id="someone-real", name="Real")]))
    with pytest.raises(ConflictError, match=r"did not generate \(1\)"):
        data.check_demo_store(api.live, OPERATOR, generated)


@pytest.mark.slow
# SIGTERM ends the demo as a process ended by it conventionally does (128 + 15); Ctrl-C's
# KeyboardInterrupt is uvicorn's ordinary way to stop, so the demo ends normally.
@pytest.mark.parametrize(("stop", "status"), [(signal.SIGTERM, 128 + signal.SIGTERM),
                                              (signal.SIGINT, 0)])
def test_demo_serves_the_calls_and_links_it_prints_stops_and_revokes_them(
        tmp_path: Path, stop: signal.Signals, status: int) -> None:
    port = _free_port()
    qconnect = Path(sys.executable).with_name("qconnect")
    process = subprocess.Popen(
        [str(qconnect), "demo", "--members", "60", "--port", str(port), "--store",
         str(tmp_path / "demo.db")],
        stdout=subprocess.PIPE, stderr=(tmp_path / "stderr").open("w"), text=True,
        env={"PATH": "/usr/bin:/bin", "QCONNECT_RANKERS": str(tmp_path / "rankers"),
             "HOME": str(tmp_path)})
    try:
        assert process.stdout is not None
        calls, links = [], []
        for line in process.stdout:
            links.extend(re.findall(r"to sign in as .+: (\S+/sign-in/\S+)", line))
            calls.extend(re.findall(r'curl -H "Authorization: Bearer (\S+)" "(\S+)"', line))
            if len(calls) == 5:
                break
        assert len(calls) == 5 and len(links) == 2
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.5)
        for key, url in calls:
            response = httpx.get(url, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 200, (url, response.text)
            assert response.json()["data"]
        assert httpx.get(links[0]).status_code == 200
        signing_in = links[0].rsplit("/", 1)
        assert httpx.post(signing_in[0], data={"link": signing_in[1]}).status_code == 303
        process.send_signal(stop)
        # uvicorn shuts down gracefully (lifespan end: the store closed), then the demo revokes
        # the keys and links it printed, and ends the session one of them began.
        assert process.wait(30) == status
        assert '"message": "stopped"' in (tmp_path / "stderr").read_text()
        with open_store(str(tmp_path / "demo.db")) as store:
            assert store.api_keys() == []
    finally:
        process.kill()
