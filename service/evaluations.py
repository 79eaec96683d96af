"""Analysts' evaluations of the live community, computed in the background, off the request path.

An evaluation (:func:`service.training.evaluate_holdout`) trains the rankers and ranks every
query member with every baseline: many seconds of CPU at a few thousand members. Run inside
requests, it held their threads and the interpreter, and members' suggestions waited behind it.
So it runs in a process of its own (:mod:`service.evaluation_worker`, at a lower priority and
on one core), one at a time, and no request ever waits for it:

- a request gets, at once, the last finished figures for its ``k`` with the revision of the
  community they were computed for (:meth:`LiveCommunity.current`) and their age; if the
  community has changed since, it also asks for figures of the current revision;
- before the first figures for a ``k`` are finished, it is told the evaluation is running or
  waiting its turn (the HTTP API answers 202); more than :data:`MAX_WAITING` values of ``k``
  waiting is refused as busy;
- an evaluation takes the snapshot current when it starts and keeps nothing of it once the job
  is sent to the process, so no old snapshot is kept alive; one that fails is not tried again
  for the same revision;
- closing the community stops the evaluation under way (its process is terminated) and the
  thread that ran it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from matcher.analytics.view import analysed
from matcher.evaluation.protocol import hold_out
from matcher.recommend.rerank import RerankPolicy
from matcher.recommend.snapshot import Snapshot
from models.api import EvaluationStatus
from models.errors import BusyError, QConnectError, StoreUnavailableError
from service import config
from service.community import LiveCommunity
from service.training import evaluate_holdout

__all__ = ["MAX_WAITING", "Evaluations", "evaluate_job"]

log = logging.getLogger("qconnect.service")

MAX_WAITING = 3
"""Values of k that may wait for their turn (each is a whole evaluation)."""


def evaluate_job(parts: tuple[Any, ...], k: int, policy: RerankPolicy) -> dict[str, Any]:
    """What the worker process computes: the figures for the analysed part of the snapshot
    made of ``parts``, at ``k``, with ``policy`` as the rules."""
    with threadpool_limits(limits=1, user_api="blas"):
        snapshot = analysed(Snapshot(*parts))
        return evaluate_holdout(hold_out(snapshot), k=k, policy=policy).as_dict(k)


@dataclass(frozen=True)
class _Figures:
    revision: int
    finished: float  # time.time()
    report: dict[str, Any]


@dataclass
class _Running:
    k: int
    revision: int
    process: subprocess.Popen[bytes] | None = None


class Evaluations:
    """The evaluations of ``live``: one runs at a time, in the background."""

    def __init__(self, live: LiveCommunity) -> None:
        self._live = live
        self._policy = config.rerank_policy()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._figures: dict[int, _Figures] = {}
        self._failed: dict[int, tuple[int, str]] = {}  # k → (revision, why)
        self._waiting: dict[int, None] = {}  # values of k, in the order asked
        self._running: _Running | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def status(self, k: int) -> EvaluationStatus:
        """Where the evaluation for ``k`` stands, with the last figures; asks for figures of
        the current revision if there are none (or a :class:`BusyError` if too many values of
        k wait already). With no figures, an evaluation of the current revision that failed is
        a :class:`QConnectError` saying why."""
        revision = self._live.revision
        with self._lock:
            figures, failed = self._figures.get(k), self._failed.get(k)
            fresh = figures is not None and figures.revision == revision
            failed_now = failed[1] if failed and failed[0] == revision else None
            if figures is None and failed_now is not None:
                raise QConnectError(f"the evaluation of this community failed ({failed_now}; "
                                    "the service's log has the details); it is tried again "
                                    "after the community's next change")
            if not fresh and failed_now is None:
                self._ask(k, revision)
            running = self._running is not None and self._running.k == k
            state = "ready" if figures else "running" if running else "queued"
            refreshing = not fresh and failed_now is None
        found = EvaluationStatus(k=k, status=state, current_revision=revision,
                                 refreshing=refreshing, failed=failed_now)
        if figures is None:
            return found
        return found.model_copy(update={
            "revision": figures.revision, "current": fresh,
            "computed_at": dt.datetime.fromtimestamp(figures.finished, dt.UTC),
            "age_seconds": round(time.time() - figures.finished, 1),
            "results": figures.report["results"], "training": figures.report["training"]})

    def _ask(self, k: int, revision: int) -> None:
        """Have ``k`` evaluated for ``revision`` (or later); the caller holds the lock."""
        if self._stopping:
            raise StoreUnavailableError("the service is stopping")
        running = self._running
        if k in self._waiting or (running and running.k == k and running.revision == revision):
            return
        if len(self._waiting) >= MAX_WAITING:
            raise BusyError(f"{len(self._waiting)} evaluations are waiting their turn already; "
                            "ask again once they are done")
        self._waiting[k] = None
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_all, name="qconnect-evaluations",
                                            daemon=True)
            self._thread.start()
        self._wake.notify()

    def _run_all(self) -> None:
        """The background thread: one evaluation after another, until closed."""
        while True:
            with self._lock:
                while not self._waiting and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                k = next(iter(self._waiting))
                del self._waiting[k]
            try:
                self._run(k)
            except Exception:  # a fault, logged; the next evaluation still runs
                log.exception("evaluation failed")
            finally:
                with self._lock:
                    self._running = None

    def _run(self, k: int) -> None:
        """Evaluate ``k`` for the current revision, unless its figures are of it already."""
        snapshot, revision = self._live.current()
        with self._lock:
            figures = self._figures.get(k)
            if self._stopping or (figures and figures.revision == revision):
                return
            running = self._running = _Running(k, revision)
        job = pickle.dumps(((snapshot.community, snapshot.vectors, snapshot.dismissed,
                             snapshot.accepted), k, self._policy))
        del snapshot  # the process gets all it needs: keep no snapshot alive meanwhile
        started = time.perf_counter()
        process = self._start(running)
        if process is None:
            return
        try:
            _send(process, job)
            del job  # the worker has it now
            answer = process.stdout.read() if process.stdout else b""
            process.wait()
        finally:
            _end(process)
        with self._lock:
            if self._stopping:
                return
            outcome = pickle.loads(answer) if process.returncode == 0 and answer else (
                "failed", f"its process stopped with exit code {process.returncode}",
                "")
            if outcome[0] == "done":
                self._figures[k] = _Figures(revision, time.time(), outcome[1])
                self._failed.pop(k, None)
            else:
                self._failed[k] = (revision, outcome[1])
        fields = {"k": k, "revision": revision,
                  "seconds": round(time.perf_counter() - started, 1)}
        if outcome[0] == "done":
            log.info("evaluated", extra={"fields": fields})
        else:
            log.error("evaluation failed", extra={"fields": {**fields, "error": outcome[2]}})

    def _start(self, running: _Running) -> subprocess.Popen[bytes] | None:
        """A worker process for ``running``, or None when closing has begun."""
        path = os.pathsep.join(p for p in sys.path if p)  # where this process finds qconnect
        process = subprocess.Popen(
            [sys.executable, "-m", "service.evaluation_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
        with self._lock:
            running.process = process
            if not self._stopping:
                return process
        _end(process)
        return None

    def close(self) -> None:
        """Stop the evaluation under way and the thread that runs them."""
        with self._lock:
            self._stopping = True
            self._waiting.clear()
            self._wake.notify_all()
            process = self._running.process if self._running else None
            thread = self._thread
        if process is not None and process.poll() is None:
            process.terminate()
        if thread is not None:
            thread.join()


def _send(process: subprocess.Popen[bytes], job: bytes) -> None:
    """Send ``job`` to the worker ``process``, unless it has been stopped meanwhile."""
    assert process.stdin is not None
    try:
        process.stdin.write(job)
        process.stdin.close()
    except BrokenPipeError:  # stopped while the job was sent: it gives no answer
        pass


def _end(process: subprocess.Popen[bytes]) -> None:
    """Make sure the worker ``process`` has ended, and release its pipes."""
    if process.poll() is None:
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None and not pipe.closed:
            pipe.close()
