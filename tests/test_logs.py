"""Every line the service logs is JSON, its libraries' lines and tracebacks included, and none
carries personal data: a real ``qconnect serve`` process, each library logger in turn, and the
process analysts' evaluations run in."""

from __future__ import annotations

import json
import logging
import operator
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest

from graph_schema import open_store
from models import Community, Member
from service.keys import new_key
from service.logs import configure_logging

ROOT = Path(__file__).resolve().parents[1]
SECRET_ID, SECRET_NAME, SECRET_QUERY = "m-private-7731", "Zebedee Quartz", "tangerine kiln"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            pytest.fail(f"a log line that is not JSON: {line!r}")
    return [json.loads(line) for line in lines]


def _personal(text: str) -> bool:
    return any(secret in text for secret in (SECRET_ID, SECRET_NAME, SECRET_QUERY, "qck_"))


def test_a_served_process_logs_only_json_lines(tmp_path: Path) -> None:
    location = str(tmp_path / "store.db")
    text, key = new_key("admin")
    with open_store(location) as store:
        store.write(Community(members=[Member(id=SECRET_ID, name=SECRET_NAME,
                                              bio="Improves falls prevention on wards.")]))
        store.add_key(key)
    port = _free_port()
    stderr = tmp_path / "stderr"
    process = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port),
         "--store", location], stdout=subprocess.DEVNULL, stderr=stderr.open("w"),
        env={**os.environ, "PYTHONPATH": str(ROOT), "QCONNECT_RANKERS": str(tmp_path / "r")})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, stderr.read_text()
            time.sleep(0.5)
        admin = {"Authorization": f"Bearer {text}"}
        assert httpx.get(f"{base}/members/{SECRET_ID}", headers=admin).status_code == 200
        assert httpx.get(f"{base}/search", params={"q": SECRET_QUERY},
                         headers=admin).status_code == 200
        assert httpx.get(f"{base}/members/{SECRET_ID}?bio={SECRET_NAME}").status_code == 401
        with socket.create_connection(("127.0.0.1", port)) as raw:  # not HTTP at all
            raw.sendall(f"{SECRET_NAME} \x00\r\n\r\n".encode())
            raw.recv(1024)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == -signal.SIGTERM  # uvicorn re-raises it once shut down
    finally:
        process.kill()
    logged = _json_lines(stderr.read_text())
    messages = [line["message"] for line in logged]
    assert "Invalid HTTP request received." in messages  # uvicorn's, as JSON
    assert {"ready", "stopped"} <= set(messages)
    requests = [line for line in logged if line["message"] == "request"]
    assert [line["route"] for line in requests][-3:] == [
        "/members/{member_id}", "/search", "/members/{member_id}"]
    assert not _personal(stderr.read_text())


def test_every_library_logs_json_without_personal_data(
        capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG")
    logging.getLogger("neo4j").warning("Transaction failed and will be retried in %ss (%s)",
                                       1.0, "Unable to retrieve routing information")
    logging.getLogger("neo4j.io").debug("C: RUN 'MATCH (m:Member {id: $id})' {'id': %r}",
                                        SECRET_ID)  # the driver's debug lines carry queries
    logging.getLogger("uvicorn.access").info('%s - "GET %s HTTP/1.1" 200', "127.0.0.1",
                                             f"/members/{SECRET_ID}?q={SECRET_QUERY}")
    try:
        {}[SECRET_ID]
    except KeyError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("a library's warning", UserWarning, stacklevel=1)
    logging.getLogger("qconnect.api").debug("a detail")
    logged = _json_lines(capsys.readouterr().err)
    assert [(line["logger"], line["level"]) for line in logged] == [
        ("neo4j", "WARNING"), ("uvicorn.error", "ERROR"), ("uvicorn.error", "INFO"),
        ("py.warnings", "WARNING"), ("qconnect.api", "DEBUG")]
    assert "KeyError" in logged[1]["error"] and "test_logs.py" in logged[1]["error"]
    assert not _personal(json.dumps(logged))


class _Failing:
    """A job whose unpickling fails with a message naming a member, as a fault deep in an
    evaluation can."""

    def __reduce__(self) -> tuple[object, ...]:
        return operator.getitem, ({}, SECRET_ID)


class _Warning:
    """A job whose unpickling warns, as a library does on the way (then fails: no job)."""

    def __reduce__(self) -> tuple[object, ...]:
        return warnings.warn, ("a library's warning",)


@pytest.mark.parametrize("job", [_Failing(), _Warning()], ids=["fault", "warning"])
def test_the_evaluation_process_logs_json_and_reports_no_exception_message(job: object) -> None:
    # It writes to the service's standard error, and the service logs the traceback it reports.
    done = subprocess.run([sys.executable, "-m", "service.evaluation_worker"],
                          input=pickle.dumps(job), capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    status, kind, where = pickle.loads(done.stdout)
    assert status == "failed" and kind in ("KeyError", "TypeError")
    assert "Traceback" in where and kind in where and not _personal(where)
    logged = _json_lines(done.stderr.decode())
    if isinstance(job, _Warning):
        assert [line["logger"] for line in logged] == ["py.warnings"]
        assert "a library's warning" in logged[0]["message"]
