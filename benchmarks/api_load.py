"""Load on the HTTP service: requests/s, latency and errors under concurrent clients.

    .venv/bin/python -m benchmarks.api_load [--members 10000] [--seconds 20] [--clients 8]
                                            [--stores embedded neo4j] [--backends torch onnx]

For each store, a copy of a prepared generated community (see prepared.py) with trained
rankers is served by ``qconnect serve`` in its own process on loopback, once for each model
backend (``QCONNECT_ENCODER_BACKEND``) in turn; a load generator in this process keeps
``--clients`` keep-alive connections busy for ``--seconds`` (or ``--requests``, whichever ends
first) per workload, one workload after another:
- ``health``: ``GET /health``, the service's floor per request (the baseline);
- ``recommendations``: people, helpers and groups in turn, for random members;
- ``search``: free text (the first words of a random member's bio).
Prints requests/s, p50/p99 latency and errors per workload, and each workload's rate as a
share of the baseline's; then, per store, each backend's rates as a share of the first's, and
whether the backends answer the same searches with the same ten members. Target: ≥ 200
recommendation requests/s with p99 ≤ 100 ms on the embedded store, and no errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote_plus

import numpy as np

from benchmarks.prepared import prepared_store
from graph_schema import open_store
from graph_schema.store import copy_store
from models.privacy import OPERATOR
from models.settings import get_settings
from service import keys, training
from service.community import open_community
from tests.neo4j_server import running_neo4j, wipe

PORT = 8765


def _prepare(location: str) -> tuple[str, list[str], list[str]]:
    """Train and save the rankers for ``location``; an admin key, member ids, search texts."""
    with open_community(location) as live:
        training.train(live, OPERATOR)
        text, _ = keys.create_key(live, OPERATOR, "admin")
        members = [m for m in live.snapshot.members if m.visibility != "hidden"]
    texts = [" ".join((m.bio or m.role or "improvement").split()[:8]) for m in members]
    return text, [m.id for m in members], texts


@contextmanager
def serving(location: str, rankers: Path, backend: str) -> Iterator[None]:
    env = {"QCONNECT_RANKERS": str(rankers), "QCONNECT_LOG_LEVEL": "WARNING",
           "QCONNECT_ENCODER_BACKEND": backend, "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:  # the service runs the code the benchmark is pointed at
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("qconnect")), "serve", "--store", location,
         "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the service did not become ready")
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        process.wait(60)


def load(paths: Callable[[random.Random], str], key: str, clients: int, seconds: float,
         requests: int) -> tuple[float, np.ndarray, int]:
    """Requests/s, latencies (ms) and errors of ``clients`` connections sending ``paths``."""
    latencies: list[float] = []
    errors = [0]
    sent = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Authorization": f"Bearer {key}"}
        while time.perf_counter() < stop_at:
            with lock:
                if sent[0] >= requests:
                    return
                sent[0] += 1
            start = time.perf_counter()
            try:
                connection.request("GET", paths(rng), headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)
                errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, np.array(latencies), errors[0]


def top_ten(key: str, texts: list[str]) -> list[list[str]]:
    """The ids the service answers each of ``texts`` with."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    answers = []
    for text in texts:
        connection.request("GET", "/search?k=10&q=" + quote_plus(text),
                           headers={"Authorization": f"Bearer {key}"})
        answers.append([hit["id"] for hit in json.loads(connection.getresponse().read())["data"]])
    return answers


def measure(location: str, label: str, args: argparse.Namespace, rankers: Path) -> None:
    key, members, texts = _prepare(location)
    kinds = ("people", "helpers", "groups")
    workloads: dict[str, Callable[[random.Random], str]] = {
        "health (baseline)": lambda rng: "/health",
        "recommendations": lambda rng: (f"/members/{rng.choice(members)}/recommendations/"
                                        f"{rng.choice(kinds)}?k=10"),
        "search": lambda rng: "/search?k=10&q=" + quote_plus(rng.choice(texts)),
    }
    rates: dict[str, dict[str, float]] = {}
    answers: dict[str, list[list[str]]] = {}
    for backend in args.backends:
        with serving(location, rankers, backend):
            load(workloads["recommendations"], key, args.clients, 3, 10**9)  # warm up
            print(f"\n{label}, model on {backend}, {len(members):,} visible members, "
                  f"{args.clients} clients")
            print(f"{'workload':<20} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'errors':>7} {'req/s ÷ baseline':>17}")
            baseline = None
            rates[backend] = {}
            for name, paths in workloads.items():
                rate, times, errors = load(paths, key, args.clients, args.seconds,
                                           args.requests)
                baseline = baseline or rate
                rates[backend][name] = rate
                print(f"{name:<20} {len(times):>9,} {rate:>8.1f} {np.median(times):>8.2f} "
                      f"{np.percentile(times, 99):>8.2f} {errors:>7} {rate / baseline:>17.3f}")
            answers[backend] = top_ten(key, texts[:200])
    first, *others = args.backends
    for backend in others:
        same = np.mean([a == b for a, b in zip(answers[first], answers[backend], strict=True)])
        print(f"{label}: {backend} ÷ {first} requests/s: "
              + ", ".join(f"{name} {rates[backend][name] / rates[first][name]:.2f}"
                          for name in workloads)
              + f"; same top ten for {same:.1%} of {len(answers[first])} searches")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--requests", type=int, default=20_000, help="Cap per workload.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--stores", nargs="+", default=["embedded", "neo4j"],
                        choices=["embedded", "neo4j"])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx"],
                        choices=["torch", "onnx"], help="What runs the model, in turn.")
    parser.add_argument("--neo4j", help="Bolt URI of a Neo4j to use (it is wiped) instead of "
                        "starting one.")
    args = parser.parse_args()
    source = str(prepared_store(args.members))
    with tempfile.TemporaryDirectory(prefix="qconnect-load-") as folder, ExitStack() as stack:
        rankers = Path(folder) / "rankers"
        os.environ["QCONNECT_RANKERS"] = str(rankers)  # where training saves, the service looks
        get_settings.cache_clear()
        for kind in args.stores:
            if kind == "embedded":
                location = str(Path(folder) / "service.db")
                shutil.copy(source, location)
            else:
                location = args.neo4j or stack.enter_context(running_neo4j())
                wipe(location)
                with open_store(source) as original, open_store(location) as target:
                    copy_store(original, target)
            measure(location, f"{kind} store", args, rankers)
    print(json.dumps({"members": args.members, "clients": args.clients,
                      "seconds": args.seconds}))


if __name__ == "__main__":
    main()
